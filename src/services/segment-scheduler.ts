/**
 * What the segment service needs from the job system: keep one recurring sync per segment in
 * step with its interval and pause state, and run syncs in the background. The Agenda-backed
 * implementation lives in src/jobs; this interface keeps Agenda out of the services.
 */
import type { SyncTrigger } from './segment-types';

export interface SegmentScheduler {
  /** Creates or updates the segment's recurring sync; returns when it will next run (null while paused). */
  schedule(segment: { id: string; syncIntervalMinutes: number; paused: boolean }): Promise<Date | null>;
  /** Removes the segment's recurring sync. */
  unschedule(segmentId: string): Promise<void>;
  /** Runs a sync of the segment as soon as a worker is free. */
  enqueue(segmentId: string, trigger: SyncTrigger): Promise<void>;
}

/**
 * For processes without a job runner (and unit tests): nothing recurs, and `enqueue` runs the
 * sync in this process right away.
 */
export class InlineScheduler implements SegmentScheduler {
  constructor(private readonly run: (segmentId: string, trigger: SyncTrigger) => Promise<unknown>) {}

  async schedule(segment: { syncIntervalMinutes: number; paused: boolean }): Promise<Date | null> {
    return segment.paused ? null : new Date(Date.now() + segment.syncIntervalMinutes * 60_000);
  }

  async unschedule(): Promise<void> {}

  async enqueue(segmentId: string, trigger: SyncTrigger): Promise<void> {
    void this.run(segmentId, trigger).catch(() => undefined);
  }
}
