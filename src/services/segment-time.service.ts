/**
 * Freshness: re-evaluates the objects whose next-change moment has come (kept in
 * `segment_time_triggers` by the sync engine, see core/filter/moments.ts), so that "no visit in
 * 40 days" flips within seconds of the moment, with trigger TIME, without sweeping everybody.
 * The job runner calls `runDue` every few seconds in one worker at a time; the re-evaluation is
 * the sync engine's restricted one, which also writes each object's next moment. A segment whose
 * lock is held (a full sync runs) is skipped for the sweep: its rows stay due for a later one.
 * The table holds only the moments before each segment's horizon (SegmentMoments); the sweep
 * also asks for a sync (trigger TIME) of a segment whose horizon is running out because its
 * scheduled sync is late.
 */
import { DataSource } from 'typeorm';
import { forEachConcurrently } from '../core/concurrency';
import type { Logger } from '../logger';
import type { SegmentScheduler } from './segment-scheduler';
import { SegmentBusyError, SegmentSyncService } from './segment-sync.service';

export interface TimeSweepOptions {
  /** Due rows read per round (default 5,000). */
  readonly batch?: number;
  /** Ids per evaluation statement (default 1,000). */
  readonly chunk?: number;
  /** Segments evaluated at once (default 4). */
  readonly parallel?: number;
  /** Stop starting new rounds after this long, leaving the rest to the next run (default 20 s). */
  readonly budgetMs?: number;
  /** Checked between rounds: true ends the run (e.g. the process is stopping). */
  readonly shouldStop?: () => boolean;
}

export interface TimeSweepResult {
  /** (segment, object) pairs re-evaluated. */
  readonly evaluated: number;
  /** How late each re-evaluated object was taken up: now − its moment, in ms. */
  readonly lagsMs: readonly number[];
  /** Segments skipped because they were busy (their rows stay due for a later sweep). */
  readonly busySegments: readonly string[];
  /** Segments whose horizon was running out, for which a sync was asked. */
  readonly horizonSyncs: readonly string[];
}

export class SegmentTimeService {
  private readonly listeners = new Set<(result: TimeSweepResult) => void>();
  private scheduler: SegmentScheduler | null = null;
  /** Horizon syncs asked for, by segment: the horizon they were asked at (asked once each). */
  private readonly asked = new Map<string, number>();

  constructor(
    private readonly ds: DataSource,
    private readonly syncs: SegmentSyncService,
    private readonly logger: Logger,
  ) {}

  /** Where the sweep asks for the syncs that move horizons on (the job runner's, in workers). */
  useScheduler(scheduler: SegmentScheduler): void {
    this.scheduler = scheduler;
  }

  /** Every finished sweep (e.g. for metrics). */
  onSweep(listener: (result: TimeSweepResult) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The earliest pending moment of an active real-time segment, or null (for tests and operators). */
  async nextDueAt(): Promise<Date | null> {
    const [row] = (await this.ds.query(
      'SELECT MIN(t.due_at) AS due FROM segment_time_triggers t JOIN segments s ON s.id = t.segment_id AND s.realtime = 1 AND s.paused = 0',
    )) as Array<{ due: Date | null }>;
    return row?.due ?? null;
  }

  /**
   * Re-evaluates every (segment, object) whose moment is at or before now, oldest first. A busy
   * segment (its lock held, e.g. by a full sync) is skipped for the rest of this run, its rows
   * left due; the other segments go on.
   */
  async runDue(options: TimeSweepOptions = {}): Promise<TimeSweepResult> {
    const batch = options.batch ?? 5_000;
    const chunk = options.chunk ?? 1_000;
    const started = Date.now();
    let evaluated = 0;
    const lagsMs: number[] = [];
    const busy = new Set<string>();
    let failed = false;
    const horizonSyncs = await this.askForHorizonSyncs();
    for (;;) {
      const now = new Date();
      // Busy segments' rows are left out, or they would fill every round of this run again.
      const skip = busy.size > 0 ? `AND t.segment_id NOT IN (${[...busy].map(() => '?').join(', ')})` : '';
      const rows = (await this.ds.query(
        `SELECT t.segment_id, t.object_id, t.due_at FROM segment_time_triggers t
         JOIN segments s ON s.id = t.segment_id AND s.realtime = 1 AND s.paused = 0
         WHERE t.due_at <= ? ${skip} ORDER BY t.due_at LIMIT ${Number(batch)}`,
        [now, ...busy],
      )) as Array<{ segment_id: string; object_id: string; due_at: Date }>;
      if (rows.length === 0) break;
      const bySegment = new Map<string, Array<{ id: string; lagMs: number }>>();
      for (const r of rows) {
        const objects = bySegment.get(String(r.segment_id)) ?? [];
        objects.push({ id: String(r.object_id), lagMs: now.getTime() - r.due_at.getTime() });
        bySegment.set(String(r.segment_id), objects);
      }
      const work: Array<() => Promise<unknown>> = [];
      for (const [segmentId, objects] of bySegment) {
        for (let i = 0; i < objects.length; i += chunk) {
          const part = objects.slice(i, i + chunk);
          const ids = part.map((o) => o.id);
          work.push(async () => {
            if (busy.has(segmentId)) return; // found busy by an earlier part of this round
            try {
              await this.syncs.evaluate(segmentId, ids, 'TIME');
            } catch (error) {
              if (!(error instanceof SegmentBusyError)) throw error;
              busy.add(segmentId);
              this.logger.debug({ segmentId }, 'segment busy: its time re-evaluation is left to a later sweep');
              return;
            }
            // An object whose moment is still due (its segment vanished meanwhile) must not come back every round.
            await this.ds.query(`DELETE FROM segment_time_triggers WHERE segment_id = ? AND due_at <= ? AND object_id IN (${ids.map(() => '?').join(', ')})`, [segmentId, now, ...ids]);
            evaluated += part.length;
            for (const o of part) lagsMs.push(o.lagMs);
          });
        }
      }
      await forEachConcurrently(work, options.parallel ?? 4, (task) => task().catch((error: unknown) => {
        failed = true;
        this.logger.error({ err: error }, 'time re-evaluation of a segment failed');
      }));
      // After a failure the same rows would come back at once: leave them to the next run.
      if (failed || rows.length < batch || Date.now() - started > (options.budgetMs ?? 20_000) || options.shouldStop?.()) break;
    }
    const result = { evaluated, lagsMs, busySegments: [...busy], horizonSyncs };
    if (evaluated > 0 || busy.size > 0 || horizonSyncs.length > 0) {
      this.logger.debug({ evaluated, busySegments: busy.size, horizonSyncs: horizonSyncs.length, ms: Date.now() - started, maxLagMs: lagsMs.reduce((a, b) => Math.max(a, b), 0) }, 'time-relative results re-evaluated');
      for (const l of this.listeners) l(result);
    }
    return result;
  }

  /**
   * Asks for a sync of each segment whose horizon is running out (its scheduled sync is late),
   * once per horizon: the sync moves it on, or fails and keeps its schedule.
   */
  private async askForHorizonSyncs(): Promise<string[]> {
    if (!this.scheduler) return [];
    const asked: string[] = [];
    for (const [segmentId, until] of await this.syncs.moments.horizonsRunningOut((sql, params) => this.ds.query(sql, params), new Date())) {
      if (this.asked.get(segmentId) === until.getTime()) continue;
      this.asked.set(segmentId, until.getTime());
      await this.scheduler.enqueue(segmentId, 'TIME');
      asked.push(segmentId);
    }
    if (asked.length > 0) this.logger.info({ segments: asked }, 'syncs asked for: the kept moments of these segments end soon');
    return asked;
  }
}
