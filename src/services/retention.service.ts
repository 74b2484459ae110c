/**
 * Keeps what syncs record for as long as the API promises it, and not forever: without this,
 * every membership change (a history row), every sync and every real-time change (a run) and
 * every published change event (an outbox row) would stay for good.
 *
 * - Membership history: `membersAt` answers for any moment of the last HISTORY_DAYS. A row older
 *   than that (with a day's margin) is needed only while it is its object's latest old row and an
 *   ENTERED one: the object was a member when the window began. Every other old row goes.
 * - Sync runs started before the same cutoff go, except a segment's latest run and a RUNNING one.
 * - Change events published more than `outboxKeepMs` ago go (nothing reads them after publishing:
 *   webhook deliveries copy what they send).
 * - Webhook deliveries that finished (SUCCEEDED or FAILED) more than `deliveryKeepDays` ago go
 *   from the delivery log; pending ones stay, however old.
 *
 * Deletes run in batches of about `batchSize` rows, each a statement of its own (no long
 * transaction, no lock held across batches), on a connection of their own at READ COMMITTED (no
 * gap locks: the ranges they delete never touch the rows syncs write) that gives up a lock wait
 * after LOCK_WAIT_SECONDS (the next run retries), so a first run on an old database does not
 * hold up syncs and nothing holds up a run. `interrupt()` stops a run at once (on shutdown).
 */
import { DataSource, QueryRunner } from 'typeorm';
import { ER_QUERY_INTERRUPTED } from '../db/connection-errors';
import { threadIdOf } from '../db/connection-thread';
import type { Logger } from '../logger';
import { HISTORY_DAYS } from './segment-read.service';

const DAY_MS = 86_400_000;
const LOCK_WAIT_SECONDS = 5;

type Query = (sql: string, params?: unknown[]) => Promise<unknown>;

export interface RetentionOptions {
  /** Days of history and runs kept (default HISTORY_DAYS + 1: a day past what membersAt accepts). */
  readonly keepDays?: number;
  /** How long a published change event is kept (default one day). */
  readonly outboxKeepMs?: number;
  /** Days a finished webhook delivery stays in its webhook's log (default 30). */
  readonly deliveryKeepDays?: number;
  /** Rows per DELETE statement (default 5,000). */
  readonly batchSize?: number;
}

export interface PruneResult {
  readonly historyRows: number;
  readonly runs: number;
  readonly changeEvents: number;
  readonly webhookDeliveries: number;
}

export class RetentionService {
  private readonly keepDays: number;
  private readonly outboxKeepMs: number;
  private readonly deliveryKeepDays: number;
  private readonly batchSize: number;
  /** The connections of the runs in progress (see interrupt). */
  private readonly running = new Set<QueryRunner>();
  private stopped = false;

  constructor(private readonly ds: DataSource, private readonly logger: Logger, options: RetentionOptions = {}) {
    this.keepDays = options.keepDays ?? HISTORY_DAYS + 1;
    this.outboxKeepMs = options.outboxKeepMs ?? DAY_MS;
    this.deliveryKeepDays = options.deliveryKeepDays ?? 30;
    this.batchSize = options.batchSize ?? 5_000;
  }

  /**
   * Deletes what is past its time at `now`. After `interrupt()`, returns what it deleted so far.
   */
  async prune(now: Date = new Date()): Promise<PruneResult> {
    const cutoff = new Date(now.getTime() - this.keepDays * DAY_MS);
    const done = { historyRows: 0, runs: 0, changeEvents: 0, webhookDeliveries: 0 };
    if (this.stopped) return done;
    const runner = this.ds.createQueryRunner();
    await runner.connect();
    this.running.add(runner);
    const q: Query = (sql, params = []) => runner.query(sql, params);
    try {
      await runner.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
      await runner.query(`SET SESSION innodb_lock_wait_timeout = ${LOCK_WAIT_SECONDS}`);
      const segments = (await q('SELECT id, history_pruned_until FROM segments ORDER BY id')) as Array<{ id: string; history_pruned_until: Date | null }>;
      for (const s of segments) {
        if (this.stopped) break;
        done.historyRows += await this.pruneHistory(q, String(s.id), s.history_pruned_until, cutoff);
      }
      done.runs = await this.untilDone(() => this.pruneRuns(q, cutoff));
      done.changeEvents = await this.untilDone(() => this.pruneChangeEvents(q, new Date(now.getTime() - this.outboxKeepMs)));
      done.webhookDeliveries = await this.untilDone(() => this.pruneDeliveries(q, new Date(now.getTime() - this.deliveryKeepDays * DAY_MS)));
    } catch (error) {
      if (!(this.stopped && (error as { errno?: number }).errno === ER_QUERY_INTERRUPTED)) throw error;
    } finally {
      this.running.delete(runner);
      await runner.release();
    }
    if (this.stopped) this.logger.info(done, 'retention stopped');
    else if (done.historyRows + done.runs + done.changeEvents + done.webhookDeliveries > 0) this.logger.info({ ...done, cutoff }, 'old sync records deleted');
    return done;
  }

  /** Stops the runs in progress (their statement is killed) and any later one; for shutdown. */
  async interrupt(): Promise<void> {
    this.stopped = true;
    for (const runner of this.running) {
      const thread = threadIdOf(runner);
      if (thread === null) continue;
      await this.ds.query(`KILL QUERY ${thread}`).catch((error: unknown) => this.logger.warn({ err: error, thread }, 'could not interrupt the retention run'));
    }
  }

  /** Repeats `batch` until it deletes nothing; the rows deleted in all. */
  private async untilDone(batch: () => Promise<number>): Promise<number> {
    let total = 0;
    while (!this.stopped) {
      const n = await batch();
      total += n;
      if (n === 0) break;
    }
    return total;
  }

  /**
   * A segment's history rows older than `cutoff` that `membersAt` no longer needs. Each deletion
   * is safe whatever order the rows are visited in, so a batch can stop anywhere: a row with a
   * later old row of its object is superseded (the latest old row never is); an EXITED row that
   * is its object's only old row says what no row would (not a member). Repeated until nothing
   * matches, they leave at most one old row per object, its latest, and only if it is ENTERED.
   *
   * After a first pass, that holds up to the segment's `history_pruned_until`, and only the
   * objects with a row aged past it since can have anything to delete: the next pass reads those
   * rows, not every kept one (a 750k-member segment synced long ago keeps 750k old rows, and
   * reading them all took 4.7 s a pass).
   */
  private async pruneHistory(q: Query, segmentId: string, prunedUntil: Date | null, cutoff: Date): Promise<number> {
    if (prunedUntil && prunedUntil >= cutoff) return 0;
    // No row aged past the cutoff since the last pass: nothing to delete, nothing to remember (a
    // run over young history writes nothing at all).
    const aged = (await q(
      `SELECT 1 AS x FROM segment_membership_history WHERE segment_id = ? AND at < ? ${prunedUntil ? 'AND at >= ?' : ''} LIMIT 1`,
      prunedUntil ? [segmentId, cutoff, prunedUntil] : [segmentId, cutoff],
    )) as unknown[];
    if (aged.length === 0) return 0;
    const deletable = `segment_id = ? AND at < ?
          AND (EXISTS (SELECT 1 FROM segment_membership_history l
                        WHERE l.segment_id = segment_membership_history.segment_id AND l.object_id = segment_membership_history.object_id AND l.at < ?
                          AND (l.at > segment_membership_history.at OR (l.at = segment_membership_history.at AND l.id > segment_membership_history.id)))
               OR (change_kind = 'EXITED'
                   AND NOT EXISTS (SELECT 1 FROM segment_membership_history l
                                    WHERE l.segment_id = segment_membership_history.segment_id AND l.object_id = segment_membership_history.object_id AND l.at < ?
                                      AND l.id <> segment_membership_history.id)))`;
    const params = [segmentId, cutoff, cutoff, cutoff];
    let total = 0;
    if (!prunedUntil) {
      // Every row, in windows of about `batchSize` rows by object (all of an object's rows in one
      // window), so that no statement reads again what an earlier one kept.
      let lo = '0';
      for (;;) {
        const [edge] = (await q(
          'SELECT object_id FROM segment_membership_history WHERE segment_id = ? AND object_id > ? ORDER BY object_id LIMIT 1 OFFSET ?',
          [segmentId, lo, this.batchSize - 1],
        )) as Array<{ object_id: string }>;
        const hi = edge ? String(edge.object_id) : null;
        const window = hi === null ? ['AND object_id > ?', [lo]] as const : ['AND object_id > ? AND object_id <= ?', [lo, hi]] as const;
        total += await this.untilDone(async () => this.affected(await q(`DELETE FROM segment_membership_history WHERE ${deletable} ${window[0]}`, [...params, ...window[1]])));
        if (hi === null) break;
        lo = hi;
      }
    } else {
      const agedObjects = (await q(
        'SELECT DISTINCT object_id FROM segment_membership_history WHERE segment_id = ? AND at >= ? AND at < ?',
        [segmentId, prunedUntil, cutoff],
      )) as Array<{ object_id: string }>;
      for (let i = 0; i < agedObjects.length; i += this.batchSize) {
        const ids = agedObjects.slice(i, i + this.batchSize).map((r) => String(r.object_id));
        const inIds = `AND object_id IN (${ids.map(() => '?').join(', ')})`;
        total += await this.untilDone(async () => this.affected(await q(`DELETE FROM segment_membership_history WHERE ${deletable} ${inIds}`, [...params, ...ids])));
      }
    }
    // A pass that was stopped is done again next time: its cutoff is not recorded.
    if (!this.stopped) await q('UPDATE segments SET history_pruned_until = ? WHERE id = ?', [cutoff, segmentId]);
    return total;
  }

  private affected(res: unknown): number {
    return (res as { affectedRows: number }).affectedRows;
  }

  /** One batch of runs started before `cutoff`: never a RUNNING one, nor a segment's latest. */
  private async pruneRuns(q: Query, cutoff: Date): Promise<number> {
    return this.affected(await q(
      `DELETE FROM segment_sync_runs
        WHERE started_at < ? AND status <> 'RUNNING'
          AND EXISTS (SELECT 1 FROM segment_sync_runs l WHERE l.segment_id = segment_sync_runs.segment_id AND l.id > segment_sync_runs.id)
        LIMIT ?`,
      [cutoff, this.batchSize],
    ));
  }

  /** One batch of change events published before `before`. */
  private async pruneChangeEvents(q: Query, before: Date): Promise<number> {
    return this.affected(await q('DELETE FROM segment_change_events WHERE published_at IS NOT NULL AND published_at < ? LIMIT ?', [before, this.batchSize]));
  }

  /** One batch of webhook deliveries that finished before `before`. */
  private async pruneDeliveries(q: Query, before: Date): Promise<number> {
    return this.affected(await q("DELETE FROM webhook_deliveries WHERE finished_at < ? AND status IN ('SUCCEEDED', 'FAILED') LIMIT ?", [before, this.batchSize]));
  }
}
