/**
 * The sync engine: it alone changes a segment's cached results. A full sync computes the new
 * member set in SQL into a staging table (READ COMMITTED, so ingestion is not blocked), then in
 * one transaction finds who entered and who left with anti-joins, applies both, writes the
 * history rows, the count and the run record, and commits: readers see the old results or the
 * new ones, never a mix. A failed or killed sync leaves the previous results whole.
 * Syncs of one segment never overlap: each holds a named lock for its segment.
 */
import { DataSource, QueryRunner } from 'typeorm';
import { compileMatchingIdsQuery } from '../core/filter/compiler';
import type { Logger } from '../logger';
import { loadSegment, toRun } from '../db/segment-store';
import type { FilterService } from './filter.service';
import type { MembershipDelta, SegmentRecord, SyncRunRecord, SyncTrigger } from './segment-types';

export const SAMPLE_IDS = 1000;
const LOCK_WAIT_SECONDS = 600;

/** Receives every committed change of cached results (subscriptions, webhooks, dependents). */
export type DeltaListener = (delta: MembershipDelta) => void;

export class SegmentSyncService {
  private readonly listeners = new Set<DeltaListener>();

  constructor(
    private readonly ds: DataSource,
    private readonly filters: FilterService,
    private readonly logger: Logger,
  ) {}

  onDelta(listener: DeltaListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Syncs a segment now and returns its finished run (SUCCEEDED or FAILED); null when the
   * segment no longer exists. Waits for a sync of the same segment that is already running.
   */
  async sync(segmentId: string, trigger: SyncTrigger): Promise<SyncRunRecord | null> {
    const runner = this.ds.createQueryRunner();
    await runner.connect();
    const q = (sql: string, params: unknown[] = []) => runner.query(sql, params);
    try {
      const [{ locked }] = (await q('SELECT GET_LOCK(?, ?) AS locked', [lockName(segmentId), LOCK_WAIT_SECONDS])) as Array<{ locked: number }>;
      if (Number(locked) !== 1) throw new Error(`segment ${segmentId} is being synced by another process for too long`);
      try {
        const segment = await loadSegment(this.ds, segmentId);
        if (!segment) return null;
        return await this.runLocked(runner, segment, trigger);
      } finally {
        await q('SELECT RELEASE_LOCK(?)', [lockName(segmentId)]);
      }
    } finally {
      await runner.release();
    }
  }

  private async runLocked(runner: QueryRunner, segment: SegmentRecord, trigger: SyncTrigger): Promise<SyncRunRecord> {
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
    let delta: MembershipDelta | null = null;
    try {
      await this.stage(runner, segment, startedAt);
      delta = await this.apply(runner, segment, trigger, runId, startedAt);
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      const message = error instanceof Error ? error.message : String(error);
      this.logger.warn({ segmentId: segment.id, runId, err: error }, 'segment sync failed');
      const finishedAt = new Date();
      await q("UPDATE segment_sync_runs SET status = 'FAILED', finished_at = ?, duration_ms = ?, error = ? WHERE id = ?", [finishedAt, finishedAt.getTime() - startedAt.getTime(), message.slice(0, 2000), runId]);
      await q("UPDATE segments SET sync_status = 'FAILED', last_error = ? WHERE id = ?", [message.slice(0, 2000), segment.id]);
    } finally {
      await q('DROP TEMPORARY TABLE IF EXISTS seg_new, seg_entered, seg_exited').catch(() => undefined);
      // The connection goes back to the pool: restore the default level for its next user.
      await q('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ').catch(() => undefined);
    }
    if (delta && (delta.enteredCount > 0 || delta.exitedCount > 0)) this.emit(delta);
    const [row] = (await q('SELECT * FROM segment_sync_runs WHERE id = ?', [runId])) as Array<Record<string, unknown>>;
    return toRun(row);
  }

  /** The new member set into seg_new, read at READ COMMITTED (no locks on the objects read). */
  private async stage(runner: QueryRunner, segment: SegmentRecord, now: Date): Promise<void> {
    const q = (sql: string, params: unknown[] = []) => runner.query(sql, params);
    const tree = await this.filters.validateStored(segment.workspaceId, segment.objectType, segment.filter);
    const select = compileMatchingIdsQuery(tree, { workspaceId: segment.workspaceId, objectType: segment.objectType, now });
    await q('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
    for (const t of ['seg_new', 'seg_entered', 'seg_exited']) {
      await q(`CREATE TEMPORARY TABLE IF NOT EXISTS ${t} (object_id BIGINT UNSIGNED NOT NULL PRIMARY KEY) ENGINE=InnoDB`);
      await q(`TRUNCATE TABLE ${t}`);
    }
    await q(`INSERT INTO seg_new (object_id) ${select.sql}`, [...select.params]);
  }

  /** Diff against the cached results and apply it, with history, count and run, in one transaction. */
  private async apply(runner: QueryRunner, segment: SegmentRecord, trigger: SyncTrigger, runId: string, startedAt: Date): Promise<MembershipDelta> {
    const q = (sql: string, params: unknown[] = []) => runner.query(sql, params);
    await runner.startTransaction('READ COMMITTED');
    const locked = (await q('SELECT member_count FROM segments WHERE id = ? FOR UPDATE', [segment.id])) as Array<{ member_count: number }>;
    if (locked.length === 0) throw new Error('the segment was deleted during its sync');
    const previousCount = Number(locked[0].member_count);
    await q('INSERT INTO seg_entered (object_id) SELECT n.object_id FROM seg_new n LEFT JOIN segment_members m ON m.segment_id = ? AND m.object_id = n.object_id WHERE m.object_id IS NULL', [segment.id]);
    await q('INSERT INTO seg_exited (object_id) SELECT m.object_id FROM segment_members m LEFT JOIN seg_new n ON n.object_id = m.object_id WHERE m.segment_id = ? AND n.object_id IS NULL', [segment.id]);
    const at = new Date();
    const [{ entered, exited }] = (await q('SELECT (SELECT COUNT(*) FROM seg_entered) AS entered, (SELECT COUNT(*) FROM seg_exited) AS exited')) as Array<{ entered: string; exited: string }>;
    const enteredCount = Number(entered);
    const exitedCount = Number(exited);
    if (exitedCount > 0) {
      await q('DELETE m FROM segment_members m JOIN seg_exited x ON x.object_id = m.object_id WHERE m.segment_id = ?', [segment.id]);
      await q("INSERT INTO segment_membership_history (segment_id, object_id, change_kind, trigger_kind, run_id, at) SELECT ?, object_id, 'EXITED', ?, ?, ? FROM seg_exited", [segment.id, trigger, runId, at]);
    }
    if (enteredCount > 0) {
      await q('INSERT INTO segment_members (segment_id, object_id, joined_at) SELECT ?, object_id, ? FROM seg_entered', [segment.id, at]);
      await q("INSERT INTO segment_membership_history (segment_id, object_id, change_kind, trigger_kind, run_id, at) SELECT ?, object_id, 'ENTERED', ?, ?, ? FROM seg_entered", [segment.id, trigger, runId, at]);
    }
    const count = previousCount + enteredCount - exitedCount;
    const enteredIds = enteredCount ? ((await q(`SELECT object_id FROM seg_entered ORDER BY object_id LIMIT ${SAMPLE_IDS}`)) as Array<{ object_id: string }>).map((r) => String(r.object_id)) : [];
    const exitedIds = exitedCount ? ((await q(`SELECT object_id FROM seg_exited ORDER BY object_id LIMIT ${SAMPLE_IDS}`)) as Array<{ object_id: string }>).map((r) => String(r.object_id)) : [];
    await q("UPDATE segments SET member_count = ?, sync_status = 'IDLE', last_synced_at = ?, last_error = NULL WHERE id = ?", [count, at, segment.id]);
    await q("UPDATE segment_sync_runs SET status = 'SUCCEEDED', finished_at = ?, duration_ms = ?, member_count = ?, entered = ?, exited = ? WHERE id = ?", [
      at, at.getTime() - startedAt.getTime(), count, enteredCount, exitedCount, runId,
    ]);
    await runner.commitTransaction();
    return { workspaceId: segment.workspaceId, segmentId: segment.id, objectType: segment.objectType, trigger, previousCount, count, enteredCount, exitedCount, enteredIds, exitedIds, at };
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
      const [{ free }] = (await this.ds.query('SELECT IS_FREE_LOCK(?) AS free', [lockName(String(r.segment_id))])) as Array<{ free: number }>;
      if (Number(free) === 1) out.push({ segmentId: String(r.segment_id), trigger: r.trigger_kind });
    }
    return out;
  }

  private emit(delta: MembershipDelta): void {
    for (const l of this.listeners) {
      try {
        l(delta);
      } catch (error) {
        this.logger.error({ err: error, segmentId: delta.segmentId }, 'membership listener failed');
      }
    }
  }
}

export const lockName = (segmentId: string): string => `segments:sync:${segmentId}`;
