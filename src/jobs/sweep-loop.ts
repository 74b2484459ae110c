/**
 * The loop of the time-sweep job (see job-runner.ts): one job run sweeps at its period for a
 * while, because Agenda's polling alone starts a 2 s recurring job only every 2–20 s.
 */

/** A stop request that loops check and that wakes their waits. */
export class StopSignal {
  private stopped = false;
  private readonly wakers = new Set<() => void>();

  get requested(): boolean {
    return this.stopped;
  }

  stop(): void {
    this.stopped = true;
    for (const wake of this.wakers) wake();
  }

  /** Resolves after `ms`, or at once when stopped. */
  sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => { clearTimeout(timer); this.wakers.delete(wake); resolve(); };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }
}

/**
 * One run of the time-sweep job: `sweep` every `periodMs` for up to `runMs`, until `stop`
 * (`sweep` gets a check to end its own rounds early on stop).
 */
export async function sweepLoop(sweep: (shouldStop: () => boolean) => Promise<unknown>, options: { periodMs: number; runMs: number; stop: StopSignal }): Promise<void> {
  const until = Date.now() + options.runMs;
  for (;;) {
    await sweep(() => options.stop.requested);
    if (options.stop.requested || Date.now() + options.periodMs >= until) return;
    await options.stop.sleep(options.periodMs);
    if (options.stop.requested) return;
  }
}
