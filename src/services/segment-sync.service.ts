/**
 * The sync engine: it alone changes a segment's cached results, in two ways.
 *
 * - A full sync computes the new member set in SQL into a staging table (READ COMMITTED, so
 *   ingestion is not blocked), then in one transaction finds who entered and who left with
 *   anti-joins, applies both, and writes the history rows, the count, the run record and the
 *   outbox event; readers see the old results or the new ones, never a mix. A failed or killed
 *   sync leaves the previous results whole.
 * - A real-time evaluation does the same for a few object ids only (the restricted predicate),
 *   when a write touched them.
 *
 * Both hold the segment's named lock, so changes of one segment never overlap across processes.
 * A real-time (or time) evaluation waits for it only briefly and else throws `SegmentBusyError`,
 * so that its caller can come back later instead of queueing behind a long full sync.
 * After commit the outbox event is handed to the publisher (see live/change-publisher.ts).
 */
import { DataSource, QueryRunner } from 'typeorm';
import { compileFingerprintQuery, compileMatchingIdsQuery, idHashSql } from '../core/filter/compiler';
import type { FilterNode } from '../core/filter/filter-tree';
import type { EventsWritten } from '../core/filter/moments';
import { ER_RECORD_FILE_FULL } from '../db/connection-errors';
import { threadIdOf } from '../db/connection-thread';
import { STAGING_MEMORY_BYTES } from '../db/staging';
import { OBJECT_TYPE_CODE } from '../core/object-types';
import type { Logger } from '../logger';
import { loadSegment, toRun } from '../db/segment-store';
import type { FilterService } from './filter.service';
import { cachedMembers, SegmentMoments, STAGED_MEMBERS } from './segment-moments';
import type { MembershipDelta, SegmentRecord, SyncRunRecord, SyncTrigger } from './segment-types';

export const SAMPLE_IDS = 1000;
/** History rows per statement of a large change (see writeHistory). */
const HISTORY_CHUNK = 20_000;
/** How long a full sync (and a DEPENDENCY evaluation) waits for the segment's lock. */
const LOCK_WAIT_SECONDS = 600;
/**
 * How long a REALTIME or TIME evaluation waits for the segment's lock before it reports the
 * segment busy: a full sync holds the lock for minutes, and real time must not queue behind it.
 * (GET_LOCK takes fractional seconds.)
 */
const BUSY_WAIT_SECONDS = 0.2;

export interface SegmentSyncOptions {
  /** Whether active real-time segments keep time-relative moments (config TIME_TRIGGERS; default true). */
  readonly timeTriggers?: boolean;
  /** Size limit of each in-memory staging table before a sync stages on disk (default 1 GiB). */
  readonly stagingMemoryBytes?: number;
  /** History rows per statement of a large change (default 20,000; see writeHistory). */
  readonly historyChunk?: number;
  /** A fixed horizon of the kept moments (MOMENT_HORIZON_MS; see SegmentMoments), else per interval. */
  readonly momentHorizonMs?: number;
}

export interface EvaluateOptions {
  /**
   * How long to wait for the segment's lock, in seconds (fractions allowed), before throwing
   * `SegmentBusyError`. Default 0.2 s for REALTIME and TIME, whose callers defer busy segments;
   * 600 s for other triggers (SegmentService passes 1 s for DEPENDENCY and, when busy, hands the
   * dependent over to a full sync job).
   */
  readonly lockWaitSeconds?: number;
  /**
   * The objects were touched only by inserting these events (real time): their time-relative
   * moments are then kept or lowered to a bound instead of recomputed (SegmentMoments.writeFor).
   */
  readonly eventsWritten?: EventsWritten;
}

/**
 * Thrown by `evaluate` when the segment's lock stayed held (by a full sync, or an evaluation in
 * another process) for the whole wait: nothing was evaluated or written. Evaluate the same ids
 * again later; doing it after the sync is needed, since the sync's staging read may have missed
 * writes committed while it ran.
 */
export class SegmentBusyError extends Error {
  constructor(readonly segmentId: string, readonly waitedSeconds: number) {
    super(`segment ${segmentId} is busy: its lock stayed held for ${waitedSeconds} s`);
    this.name = 'SegmentBusyError';
  }
}

/** Receives every committed change of cached results, with its outbox event id. */
export type DeltaListener = (delta: MembershipDelta, eventId: string) => void;

/** The segment's filter, validated before the lock is taken; or why it no longer validates. */
type Prepared = { readonly node: FilterNode; readonly error?: undefined } | { readonly node?: undefined; readonly error: Error };

interface Applied {
  readonly delta: MembershipDelta;
  readonly eventId: string | null;
}

export class SegmentSyncService {
  private readonly listeners = new Set<DeltaListener>();
  private readonly runListeners = new Set<(run: SyncRunRecord) => void>();
  private readonly busyListeners = new Set<(segmentId: string, trigger: SyncTrigger) => void>();
  /** The connections of the syncs and evaluations running now (see interruptAll). */
  private readonly inFlight = new Set<QueryRunner>();

  /** The freshness bookkeeping of what this engine applies (segment_time_triggers). */
  readonly moments: SegmentMoments;

  constructor(
    private readonly ds: DataSource,
    private readonly filters: FilterService,
    private readonly logger: Logger,
    private readonly options: SegmentSyncOptions = {},
  ) {
    this.moments = new SegmentMoments({ timeTriggers: options.timeTriggers, stagingMemoryBytes: options.stagingMemoryBytes ?? STAGING_MEMORY_BYTES, horizonMs: options.momentHorizonMs });
  }

  /** Every finished full sync run (SUCCEEDED or FAILED), e.g. for metrics. */
  onRun(listener: (run: SyncRunRecord) => void): () => void {
    this.runListeners.add(listener);
    return () => this.runListeners.delete(listener);
  }

  /** Every evaluation that found its segment busy and threw `SegmentBusyError` (e.g. for metrics). */
  onBusy(listener: (segmentId: string, trigger: SyncTrigger) => void): () => void {
    this.busyListeners.add(listener);
    return () => this.busyListeners.delete(listener);
  }

  onDelta(listener: DeltaListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Syncs a segment now and returns its finished run (SUCCEEDED or FAILED); null when the
   * segment no longer exists. Waits for a sync of the same segment that is already running.
   */
  async sync(segmentId: string, trigger: SyncTrigger): Promise<SyncRunRecord | null> {
    return this.withLock(segmentId, LOCK_WAIT_SECONDS, (runner, segment, tree) => this.fullSync(runner, segment, trigger, tree));
  }

  /**
   * Re-evaluates only `objectIds` (a write touched them) and applies what changed. Returns the
   * delta, or null when nothing changed or the segment is gone. Records a run only when
   * something changed, so the run list shows what real time did without one row per write.
   * Waits only briefly for the segment's lock (see `EvaluateOptions`).
   * @throws SegmentBusyError when the lock stayed held for the whole wait (nothing was done)
   */
  async evaluate(segmentId: string, objectIds: readonly string[], trigger: SyncTrigger = 'REALTIME', options: EvaluateOptions = {}): Promise<MembershipDelta | null> {
    if (objectIds.length === 0) return null;
    const wait = options.lockWaitSeconds ?? (trigger === 'REALTIME' || trigger === 'TIME' ? BUSY_WAIT_SECONDS : LOCK_WAIT_SECONDS);
    return this.withLock(segmentId, wait, async (runner, segment, tree) => {
      if (!tree.node) {
        // Its next full sync records the error; meanwhile time has nothing to re-evaluate.
        await runner.query(`DELETE FROM segment_time_triggers WHERE segment_id = ? AND object_id IN (${objectIds.map(() => '?').join(', ')})`, [segment.id, ...objectIds]);
        return null;
      }
      const startedAt = new Date();
      try {
        await this.stage(runner, segment, tree.node, startedAt, objectIds);
        const applied = await this.apply(runner, segment, tree.node, trigger, startedAt, { onlyIds: objectIds, eventsWritten: options.eventsWritten });
        return this.announce(applied);
      } catch (error) {
        // Never hand the connection back inside a transaction: its row locks would outlive it.
        if (runner.isTransactionActive) await runner.rollbackTransaction();
        throw error;
      } finally {
        await this.cleanUp(runner);
      }
    }).catch((error: unknown) => {
      if (error instanceof SegmentBusyError) for (const l of this.busyListeners) l(segmentId, trigger);
      throw error;
    });
  }

  /**
   * Runs `work` holding the segment's named lock on a dedicated connection. The segment and its
   * validated filter are read first, on the pool, so that the work never needs a second pool
   * connection while it holds one (under load that can exhaust the pool).
   * @throws SegmentBusyError when the lock stayed held for `waitSeconds`
   */
  private async withLock<T>(segmentId: string, waitSeconds: number, work: (runner: QueryRunner, segment: SegmentRecord, tree: Prepared) => Promise<T>): Promise<T | null> {
    const segment = await loadSegment(this.ds, segmentId);
    if (!segment) return null;
    const tree: Prepared = await this.filters.validateStored(segment.workspaceId, segment.objectType, segment.filter).then(
      (node) => ({ node }),
      (error: unknown) => ({ error: error instanceof Error ? error : new Error(String(error)) }),
    );
    const runner = this.ds.createQueryRunner();
    await runner.connect();
    this.inFlight.add(runner);
    const q = (sql: string, params: unknown[] = []) => runner.query(sql, params);
    try {
      const [{ locked }] = (await q(`SELECT GET_LOCK(${LOCK_NAME_SQL}, ?) AS locked`, [lockName(segmentId), waitSeconds])) as Array<{ locked: number | string | null }>;
      // 0: the wait ran out; NULL: the server failed to take it (e.g. the wait was killed).
      if (locked === null) throw new Error(`segment ${segmentId}: its lock could not be taken`);
      if (Number(locked) !== 1) throw new SegmentBusyError(segmentId, waitSeconds);
      try {
        return await work(runner, segment, tree);
      } finally {
        if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        await q(`SELECT RELEASE_LOCK(${LOCK_NAME_SQL})`, [lockName(segmentId)]);
      }
    } finally {
      this.inFlight.delete(runner);
      await runner.release();
    }
  }

  private async fullSync(runner: QueryRunner, segment: SegmentRecord, trigger: SyncTrigger, tree: Prepared): Promise<SyncRunRecord> {
    const q = (sql: string, params: unknown[] = []) => runner.query(sql, params);
    const startedAt = new Date();
    // We hold the segment's lock, so a run still marked RUNNING belongs to a process that died
    // (its lock went with its connection): record it as failed; this sync redoes its work.
    await q("UPDATE segment_sync_runs SET status = 'FAILED', finished_at = ?, error = 'interrupted: the process running this sync stopped' WHERE segment_id = ? AND status = 'RUNNING'", [startedAt, segment.id]);
    const insert = (await q(
      "INSERT INTO segment_sync_runs (segment_id, workspace_id, trigger_kind, status, started_at) VALUES (?, ?, ?, 'RUNNING', ?)",
      [segment.id, segment.workspaceId, trigger, startedAt],
    )) as { insertId: number };
    const runId = String(insert.insertId);
    await q("UPDATE segments SET sync_status = 'RUNNING' WHERE id = ?", [segment.id]);
    try {
      if (!tree.node) throw tree.error;
      const node = tree.node;
      if (await this.unchanged(runner, segment, node, startedAt)) {
        await this.applyUnchanged(runner, segment, node, startedAt, runId);
      } else {
        try {
          await this.stage(runner, segment, node, startedAt);
          this.announce(await this.apply(runner, segment, node, trigger, startedAt, { runId }));
        } catch (error) {
          if ((error as { errno?: number }).errno !== ER_RECORD_FILE_FULL) throw error;
          // Larger than the in-memory staging allows: again, on disk.
          if (runner.isTransactionActive) await runner.rollbackTransaction();
          await this.cleanUp(runner);
          await this.stage(runner, segment, node, startedAt, undefined, 'InnoDB');
          this.announce(await this.apply(runner, segment, node, trigger, startedAt, { runId }));
        }
      }
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      const message = error instanceof Error ? error.message : String(error);
      this.logger.warn({ segmentId: segment.id, runId, err: error }, 'segment sync failed');
      const finishedAt = new Date();
      await q("UPDATE segment_sync_runs SET status = 'FAILED', finished_at = ?, duration_ms = ?, error = ? WHERE id = ?", [finishedAt, finishedAt.getTime() - startedAt.getTime(), message.slice(0, 2000), runId]);
      await q("UPDATE segments SET sync_status = 'FAILED', last_error = ? WHERE id = ?", [message.slice(0, 2000), segment.id]);
    } finally {
      await this.cleanUp(runner);
    }
    const [row] = (await q('SELECT * FROM segment_sync_runs WHERE id = ?', [runId])) as Array<Record<string, unknown>>;
    const run = toRun(row);
    for (const l of this.runListeners) l(run);
    return run;
  }

  /**
   * Whether the filter finds exactly the cached results (same count, id sum and id hash), read at
   * READ COMMITTED: then a full sync has nothing to stage or diff. False when the segment has no
   * fingerprint yet (never synced since the column exists).
   */
  private async unchanged(runner: QueryRunner, segment: SegmentRecord, tree: FilterNode, now: Date): Promise<boolean> {
    const [stored] = (await runner.query('SELECT member_count, CAST(member_sum AS CHAR) AS s, CAST(member_hash AS CHAR) AS h, last_synced_at FROM segments WHERE id = ?', [segment.id])) as Array<{ member_count: number; s: string | null; h: string | null; last_synced_at: Date | null }>;
    if (!stored || stored.s === null || stored.h === null || stored.last_synced_at === null) return false;
    const query = compileFingerprintQuery(tree, { workspaceId: segment.workspaceId, objectType: segment.objectType, now });
    await runner.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
    const [found] = (await runner.query(query.sql, [...query.params])) as Array<{ n: string; s: string; h: string }>;
    return Number(found.n) === Number(stored.member_count) && found.s === stored.s && found.h === stored.h;
  }

  /**
   * A full sync that found the cached results unchanged: its run, the segment's status, the time
   * bookkeeping (which writes only the moments that moved; usually none).
   */
  private async applyUnchanged(runner: QueryRunner, segment: SegmentRecord, tree: FilterNode, startedAt: Date, runId: string): Promise<void> {
    const q = (sql: string, params: unknown[] = []) => runner.query(sql, params);
    // The cached results are the filter's (the fingerprints agree): moments on their needed side.
    const staged = await this.moments.stage(runner, segment, tree, startedAt, cachedMembers(segment.id));
    await runner.startTransaction('READ COMMITTED');
    const locked = (await q('SELECT member_count FROM segments WHERE id = ? FOR UPDATE', [segment.id])) as Array<{ member_count: number }>;
    if (locked.length === 0) throw new Error('the segment was deleted during its sync');
    const count = Number(locked[0].member_count);
    const at = new Date();
    await q("UPDATE segments SET sync_status = 'IDLE', last_synced_at = ?, last_error = NULL, moments_until = ? WHERE id = ?", [at, staged, segment.id]);
    await this.moments.replace(runner, segment.id, staged);
    const finishedAt = new Date();
    await q("UPDATE segment_sync_runs SET status = 'SUCCEEDED', finished_at = ?, duration_ms = ?, member_count = ?, entered = 0, exited = 0 WHERE id = ?", [
      finishedAt, finishedAt.getTime() - startedAt.getTime(), count, runId,
    ]);
    await runner.commitTransaction();
  }

  /**
   * The new member set (of `onlyIds`, or of everyone) into seg_new, read at READ COMMITTED. The
   * staging tables are MEMORY tables unless `engine` says otherwise (see STAGING_MEMORY_BYTES).
   */
  private async stage(runner: QueryRunner, segment: SegmentRecord, tree: FilterNode, now: Date, onlyIds?: readonly string[], engine: 'MEMORY' | 'InnoDB' = 'MEMORY'): Promise<void> {
    const q = (sql: string, params: unknown[] = []) => runner.query(sql, params);
    const select = compileMatchingIdsQuery(tree, { workspaceId: segment.workspaceId, objectType: segment.objectType, now, restrictToIds: onlyIds });
    await q('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
    if (engine === 'MEMORY') await q('SET SESSION max_heap_table_size = ?', [this.options.stagingMemoryBytes ?? STAGING_MEMORY_BYTES]);
    for (const t of ['seg_new', 'seg_entered', 'seg_exited', 'seg_scope']) {
      await q(`CREATE TEMPORARY TABLE IF NOT EXISTS ${t} (object_id BIGINT UNSIGNED NOT NULL, PRIMARY KEY USING BTREE (object_id)) ENGINE=${engine}`);
      await q(`TRUNCATE TABLE ${t}`);
    }
    if (onlyIds) await q(`INSERT IGNORE INTO seg_scope (object_id) VALUES ${onlyIds.map(() => '(?)').join(', ')}`, [...onlyIds]);
    await q(`INSERT INTO seg_new (object_id) ${select.sql}`, [...select.params]);
  }

  /**
   * Diff against the cached results (all of them, or the `onlyIds` scope) and apply it, with
   * history, count, run and outbox event, in one transaction.
   */
  private async apply(runner: QueryRunner, segment: SegmentRecord, tree: FilterNode, trigger: SyncTrigger, startedAt: Date, opts: { runId?: string; onlyIds?: readonly string[]; eventsWritten?: EventsWritten }): Promise<Applied> {
    const q = (sql: string, params: unknown[] = []) => runner.query(sql, params);
    const staged = opts.onlyIds ? null : await this.moments.stage(runner, segment, tree, startedAt, STAGED_MEMBERS);
    await runner.startTransaction('READ COMMITTED');
    // moments_until under the row lock: a sync that just moved the horizon on is seen.
    const locked = (await q('SELECT member_count, moments_until FROM segments WHERE id = ? FOR UPDATE', [segment.id])) as Array<{ member_count: number; moments_until: Date | null }>;
    if (locked.length === 0) throw new Error('the segment was deleted during its sync');
    const previousCount = Number(locked[0].member_count);
    // A full sync of empty cached results (a new segment, a changed filter that had none): every
    // staged id enters and nobody leaves, so the staging table is the entered set (no anti-joins).
    const fromEmpty = !opts.onlyIds && previousCount === 0
      && ((await q('SELECT 1 FROM segment_members WHERE segment_id = ? LIMIT 1', [segment.id])) as unknown[]).length === 0;
    const enteredTable = fromEmpty ? 'seg_new' : 'seg_entered';
    if (!fromEmpty) {
      await q('INSERT INTO seg_entered (object_id) SELECT n.object_id FROM seg_new n LEFT JOIN segment_members m ON m.segment_id = ? AND m.object_id = n.object_id WHERE m.object_id IS NULL', [segment.id]);
      await q(
        opts.onlyIds
          ? 'INSERT INTO seg_exited (object_id) SELECT m.object_id FROM seg_scope x JOIN segment_members m ON m.segment_id = ? AND m.object_id = x.object_id LEFT JOIN seg_new n ON n.object_id = m.object_id WHERE n.object_id IS NULL'
          : 'INSERT INTO seg_exited (object_id) SELECT m.object_id FROM segment_members m LEFT JOIN seg_new n ON n.object_id = m.object_id WHERE m.segment_id = ? AND n.object_id IS NULL',
        [segment.id],
      );
    }
    const at = new Date();
    const [{ entered, exited }] = (await q(`SELECT (SELECT COUNT(*) FROM ${enteredTable}) AS entered, (SELECT COUNT(*) FROM seg_exited) AS exited`)) as Array<{ entered: string; exited: string }>;
    const enteredCount = Number(entered);
    const exitedCount = Number(exited);
    const count = previousCount + enteredCount - exitedCount;
    const changed = enteredCount > 0 || exitedCount > 0;
    let runId = opts.runId ?? null;
    if (!runId && changed) {
      const res = (await q(
        "INSERT INTO segment_sync_runs (segment_id, workspace_id, trigger_kind, status, started_at, finished_at, duration_ms, member_count, entered, exited) VALUES (?, ?, ?, 'SUCCEEDED', ?, ?, ?, ?, ?, ?)",
        [segment.id, segment.workspaceId, trigger, startedAt, at, at.getTime() - startedAt.getTime(), count, enteredCount, exitedCount],
      )) as { insertId: number };
      runId = String(res.insertId);
    }
    if (exitedCount > 0) {
      await q('DELETE m FROM segment_members m JOIN seg_exited x ON x.object_id = m.object_id WHERE m.segment_id = ?', [segment.id]);
      await this.writeHistory(runner, 'seg_exited', exitedCount, [segment.id, 'EXITED', trigger, runId, at]);
    }
    if (enteredCount > 0) {
      await q(`INSERT INTO segment_members (segment_id, object_id, joined_at) SELECT ?, object_id, ? FROM ${enteredTable}`, [segment.id, at]);
      await this.writeHistory(runner, enteredTable, enteredCount, [segment.id, 'ENTERED', trigger, runId, at]);
    }
    // After a full sync the cached results are the staged set: its fingerprint, from memory. A
    // real-time change moves the stored one by what entered and left.
    if (opts.runId) await this.setFingerprint(runner, segment.id);
    else if (changed) await this.updateFingerprint(runner, segment.id);
    const sample = async (table: string, n: number) => (n ? ((await q(`SELECT object_id FROM ${table} ORDER BY object_id LIMIT ${SAMPLE_IDS}`)) as Array<{ object_id: string }>).map((r) => String(r.object_id)) : []);
    const enteredIds = await sample(enteredTable, enteredCount);
    const exitedIds = await sample('seg_exited', exitedCount);
    if (opts.runId) {
      // Finished after the writes (not at `at`, the moment of the change): what the run took.
      const finishedAt = new Date();
      await q("UPDATE segments SET member_count = ?, sync_status = 'IDLE', last_synced_at = ?, last_error = NULL, moments_until = ? WHERE id = ?", [count, at, staged, segment.id]);
      await q("UPDATE segment_sync_runs SET status = 'SUCCEEDED', finished_at = ?, duration_ms = ?, member_count = ?, entered = ?, exited = ? WHERE id = ?", [
        finishedAt, finishedAt.getTime() - startedAt.getTime(), count, enteredCount, exitedCount, opts.runId,
      ]);
    } else if (changed) {
      await q('UPDATE segments SET member_count = ? WHERE id = ?', [count, segment.id]);
    }
    const delta: MembershipDelta = { workspaceId: segment.workspaceId, segmentId: segment.id, objectType: segment.objectType, trigger, previousCount, count, enteredCount, exitedCount, enteredIds, exitedIds, at };
    let eventId: string | null = null;
    if (changed) {
      // The outbox row commits with the change: a crash after commit still leaves it to publish.
      const res = (await q(
        `INSERT INTO segment_change_events (workspace_id, segment_id, object_type, trigger_kind, previous_count, member_count, entered_count, exited_count, entered_ids, exited_ids, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [segment.workspaceId, segment.id, OBJECT_TYPE_CODE[segment.objectType], trigger, previousCount, count, enteredCount, exitedCount, JSON.stringify(enteredIds), JSON.stringify(exitedIds), at],
      )) as { insertId: number };
      eventId = String(res.insertId);
    }
    if (opts.onlyIds) await this.moments.writeFor(runner, segment, tree, startedAt, opts.onlyIds, locked[0].moments_until, opts.eventsWritten);
    else await this.moments.replace(runner, segment.id, staged);
    await runner.commitTransaction();
    return { delta, eventId };
  }

  /**
   * History rows for every id of a staging table, in statements of at most HISTORY_CHUNK rows: the
   * history's AUTO_INCREMENT is a table lock for the length of an INSERT … SELECT (the default
   * innodb_autoinc_lock_mode 1), so one statement of 850k rows held back every other segment's
   * real-time and time changes for a minute under load, past the lock wait timeout.
   */
  private async writeHistory(runner: QueryRunner, table: 'seg_new' | 'seg_entered' | 'seg_exited', count: number, values: [string, 'ENTERED' | 'EXITED', SyncTrigger, string | null, Date]): Promise<void> {
    const insert = `INSERT INTO segment_membership_history (segment_id, object_id, change_kind, trigger_kind, run_id, at) SELECT ?, object_id, ?, ?, ?, ? FROM ${table}`;
    const chunk = this.options.historyChunk ?? HISTORY_CHUNK;
    if (count <= chunk) {
      await runner.query(insert, values);
      return;
    }
    let after = '0';
    for (;;) {
      const [{ last }] = (await runner.query(
        `SELECT CAST(MAX(object_id) AS CHAR) AS last FROM (SELECT object_id FROM ${table} WHERE object_id > ? ORDER BY object_id LIMIT ${Number(chunk)}) c`,
        [after],
      )) as Array<{ last: string | null }>;
      if (last === null) return;
      await runner.query(`${insert} WHERE object_id > ? AND object_id <= ?`, [...values, after, last]);
      after = last;
    }
  }

  /**
   * The fingerprint of the cached results (see compileFingerprintQuery) after a full sync: that of
   * the staged set, which they now equal.
   */
  private async setFingerprint(runner: QueryRunner, segmentId: string): Promise<void> {
    const row = await fingerprintOf(runner, 'seg_new');
    await runner.query('UPDATE segments SET member_sum = CAST(? AS DECIMAL(65, 0)), member_hash = CAST(? AS UNSIGNED) WHERE id = ?', [row.total, row.hash, segmentId]);
  }

  /**
   * Keeps the fingerprint of the cached results in step with what a real-time evaluation just
   * applied: + the entered ids, − the exited ones (XOR adds and removes alike). A segment without
   * one (never fully synced since the fingerprint exists) keeps none until its next full sync.
   */
  private async updateFingerprint(runner: QueryRunner, segmentId: string): Promise<void> {
    const [row] = (await runner.query('SELECT member_sum IS NULL AS missing FROM segments WHERE id = ?', [segmentId])) as Array<{ missing: number }>;
    if (Number(row.missing) === 1) return;
    // (A temporary table can be read only once per statement: one read each, then the update.)
    const entered = await fingerprintOf(runner, 'seg_entered');
    const exited = await fingerprintOf(runner, 'seg_exited');
    await runner.query(
      `UPDATE segments SET member_sum = member_sum + CAST(? AS DECIMAL(65, 0)) - CAST(? AS DECIMAL(65, 0)),
         member_hash = member_hash ^ CAST(? AS UNSIGNED) ^ CAST(? AS UNSIGNED) WHERE id = ?`,
      [entered.total, exited.total, entered.hash, exited.hash, segmentId],
    );
  }

  private async cleanUp(runner: QueryRunner): Promise<void> {
    const q = (sql: string) => runner.query(sql);
    await q('DROP TEMPORARY TABLE IF EXISTS seg_new, seg_entered, seg_exited, seg_scope, seg_moments').catch(() => undefined);
    // The connection goes back to the pool: restore the default level for its next user.
    await q('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ').catch(() => undefined);
  }

  private announce(applied: Applied): MembershipDelta | null {
    if (!applied.eventId) return null;
    for (const l of this.listeners) {
      try {
        l(applied.delta, applied.eventId);
      } catch (error) {
        this.logger.error({ err: error, segmentId: applied.delta.segmentId }, 'membership listener failed');
      }
    }
    return applied.delta;
  }

  /**
   * Syncs that a dead process left behind: runs still marked RUNNING whose segment lock is free
   * (a named lock dies with its connection). The caller re-runs them; the re-run marks the
   * old run as interrupted. A run that finished between the two reads is merely synced again.
   */
  async interruptedRuns(): Promise<Array<{ segmentId: string; trigger: SyncTrigger }>> {
    const rows = (await this.ds.query("SELECT DISTINCT segment_id, trigger_kind FROM segment_sync_runs WHERE status = 'RUNNING'")) as Array<{ segment_id: string; trigger_kind: SyncTrigger }>;
    const out: Array<{ segmentId: string; trigger: SyncTrigger }> = [];
    for (const r of rows) {
      const [{ free }] = (await this.ds.query(`SELECT IS_FREE_LOCK(${LOCK_NAME_SQL}) AS free`, [lockName(String(r.segment_id))])) as Array<{ free: number }>;
      if (Number(free) === 1) out.push({ segmentId: String(r.segment_id), trigger: r.trigger_kind });
    }
    return out;
  }

  /**
   * For shutdown: ends every sync and real-time evaluation this process is running, as if the
   * process had died. Each one's connection is killed on the server, which rolls back its
   * transaction (the previous results stay whole) and frees the segment's named lock; a full
   * sync's run stays RUNNING with a free lock, which `interruptedRuns` finds, so it is redone.
   * Returns how many were interrupted.
   */
  async interruptAll(): Promise<number> {
    const threads = [...this.inFlight].map(threadIdOf).filter((id): id is number => id !== null);
    for (const id of threads) {
      await this.ds.query(`KILL CONNECTION ${id}`).catch((error: unknown) => this.logger.warn({ err: error, thread: id }, 'could not interrupt a sync'));
    }
    return threads.length;
  }
}

/** The id sum and id-hash XOR (decimal text) of a staging table's ids. */
async function fingerprintOf(runner: QueryRunner, table: 'seg_new' | 'seg_entered' | 'seg_exited'): Promise<{ total: string; hash: string }> {
  const [row] = (await runner.query(
    `SELECT CAST(COALESCE(SUM(object_id), 0) AS CHAR) AS total, CAST(COALESCE(BIT_XOR(${idHashSql('object_id')}), 0) AS CHAR) AS hash FROM ${table}`,
  )) as Array<{ total: string; hash: string }>;
  return row;
}

export const lockName = (segmentId: string): string => `:seg-sync:${segmentId}`;
/**
 * Named locks are server-wide, and segment ids repeat across databases: the lock name starts
 * with the current database's name, so services on different databases of one server never
 * wait for each other. (At most 64 characters: database names up to 40 are safe.)
 */
const LOCK_NAME_SQL = "CONCAT(LEFT(DATABASE(), 40), ?)";
