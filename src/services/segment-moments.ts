/**
 * Freshness bookkeeping of the sync engine: for each active real-time segment and object, the
 * next moment time alone may change its result (core/filter/moments.ts computes them), kept in
 * `segment_time_triggers` for the time sweep (segment-time.service.ts). SegmentSyncService calls
 * it with its own connection, inside the transactions that apply results: a full sync stages
 * every moment before its transaction and writes the difference in it; a restricted evaluation
 * replaces the moments of the objects it evaluated.
 */
import type { QueryRunner } from 'typeorm';
import type { FilterNode, SqlFragment } from '../core/filter/filter-tree';
import { compileNextChangeQuery, EventsWritten, momentAfterEvents, timeDirection } from '../core/filter/moments';
import { ER_RECORD_FILE_FULL } from '../db/connection-errors';
import type { SegmentRecord } from './segment-types';

export interface SegmentMomentsOptions {
  /** Whether active real-time segments keep moments (config TIME_TRIGGERS; default true). */
  readonly timeTriggers?: boolean;
  /** Size limit of the in-memory staging table before it is staged on disk. */
  readonly stagingMemoryBytes: number;
}

export class SegmentMoments {
  constructor(private readonly options: SegmentMomentsOptions) {}

  /**
   * The moments this segment keeps (see core/filter/moments.ts), as of `now`, of `onlyIds` or of
   * all its objects; null when it keeps none: only real-time segments that are not paused keep
   * moments (the others lose theirs), and only when their filter depends on time.
   */
  private query(segment: SegmentRecord, tree: FilterNode, now: Date, onlyIds?: readonly string[]): SqlFragment | null {
    if (!segment.realtime || segment.paused || this.options.timeTriggers === false) return null;
    return compileNextChangeQuery(tree, { workspaceId: segment.workspaceId, objectType: segment.objectType, now, restrictToIds: onlyIds });
  }

  /**
   * Freshness bookkeeping of a full sync, first half: every moment of the segment as of `now`
   * into seg_moments (object_id, due_at), read at READ COMMITTED before the transaction that
   * applies the sync opens, like its member set (SegmentSyncService.stage): the read takes no row locks, and
   * the transaction does not hold the segment's row while it runs. Returns false when the segment
   * keeps no moments (there is then no seg_moments). In memory, on disk when there are more
   * moments than `stagingMemoryBytes` holds. Only the moments on the side of the result that
   * time can change are kept (`timeDirection`): `members` lists the objects whose result is true.
   *
   * It reads after the member set (each READ COMMITTED statement sees what had committed when it
   * started), as the moments read inside the transaction always did: an object written in
   * between may get a moment of its new data beside a result of its old. That write's real-time
   * evaluation comes after this sync (it needs the segment's lock) and rewrites both.
   */
  async stage(runner: QueryRunner, segment: SegmentRecord, tree: FilterNode, now: Date, members: SqlFragment): Promise<boolean> {
    const query = this.query(segment, tree, now);
    if (!query) return false;
    const moments = onNeededSide(query, tree, members);
    const q = (sql: string, params: unknown[] = []) => runner.query(sql, params);
    await q('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
    await q('SET SESSION max_heap_table_size = ?', [this.options.stagingMemoryBytes]);
    const fill = async (engine: 'MEMORY' | 'InnoDB') => {
      await q('DROP TEMPORARY TABLE IF EXISTS seg_moments');
      await q(`CREATE TEMPORARY TABLE seg_moments (object_id BIGINT UNSIGNED NOT NULL, due_at DATETIME(3) NOT NULL, PRIMARY KEY USING BTREE (object_id)) ENGINE=${engine}`);
      await withoutStrictMode(runner, () => q(`INSERT INTO seg_moments (object_id, due_at) SELECT m.object_id, m.due_at FROM (${moments.sql}) m`, [...moments.params]));
    };
    try {
      await fill('MEMORY');
    } catch (error) {
      if ((error as { errno?: number }).errno !== ER_RECORD_FILE_FULL) throw error;
      await fill('InnoDB');
    }
    return true;
  }

  /**
   * Freshness bookkeeping of a full sync, second half, in the transaction that applies its
   * results: the staged moments (`staged`, see `stage`) become the segment's, by
   * difference. Rows of objects without a moment any more go, new and moved moments are
   * written, the others stay untouched. A moment depends on the data and not on `now`, except
   * once it has passed (then it moves on or goes), so an unchanged re-sync writes no row, where
   * rewriting them all held the segment's lock for minutes, with 620k row changes in one
   * transaction, on the 1M-user benchmark set. Without staged moments, the segment's rows go.
   */
  async replace(runner: QueryRunner, segmentId: string, staged: boolean): Promise<void> {
    const q = (sql: string, params: unknown[] = []) => runner.query(sql, params);
    if (!staged) {
      await q('DELETE FROM segment_time_triggers WHERE segment_id = ?', [segmentId]);
      return;
    }
    await q('DELETE t FROM segment_time_triggers t LEFT JOIN seg_moments s ON s.object_id = t.object_id WHERE t.segment_id = ? AND s.object_id IS NULL', [segmentId]);
    await q(
      `INSERT INTO segment_time_triggers (segment_id, object_id, due_at)
       SELECT ?, s.object_id, s.due_at FROM seg_moments s LEFT JOIN segment_time_triggers t ON t.segment_id = ? AND t.object_id = s.object_id
       WHERE t.object_id IS NULL OR t.due_at <> s.due_at
       ON DUPLICATE KEY UPDATE due_at = VALUES(due_at)`,
      [segmentId, segmentId],
    );
  }

  /**
   * Freshness bookkeeping of a restricted evaluation, in the transaction that applies its results:
   * the moments of `onlyIds` (at most a thousand) replace theirs, on the needed side of their new
   * results (staged in seg_new). When the objects were touched
   * only by inserting `eventsWritten`, the moments are not recomputed where `momentAfterEvents`
   * knows better: kept when no time-relative condition reads those events, else lowered to its
   * bound (LEAST with the stored one; an object without one gets the bound). Early is harmless
   * (the sweep re-evaluates and recomputes), late would not be. This saves the moment query,
   * which through `related` re-reads every related object's events (a company's users' orders).
   */
  async writeFor(runner: QueryRunner, segment: SegmentRecord, tree: FilterNode, now: Date, onlyIds: readonly string[], eventsWritten?: EventsWritten): Promise<void> {
    const q = (sql: string, params: unknown[] = []) => runner.query(sql, params);
    // Switched off for the whole service: no segment keeps moments (full syncs remove old rows).
    if (this.options.timeTriggers === false) return;
    const moments = this.query(segment, tree, now, onlyIds);
    if (moments && eventsWritten) {
      const effect = momentAfterEvents(tree, eventsWritten, now);
      if (effect.kind === 'unchanged') return;
      if (effect.kind === 'bound') {
        // Only the rows that move: objects without a moment, or with one after the bound (an
        // event just written usually leaves its window later than the moment already kept).
        // The evaluated ids are staged in seg_scope (SegmentSyncService.stage).
        const side = neededSide(tree, 'x.object_id', STAGED_MEMBERS);
        await q(
          `INSERT INTO segment_time_triggers (segment_id, object_id, due_at)
           SELECT ?, x.object_id, ? FROM seg_scope x
           LEFT JOIN segment_time_triggers t ON t.segment_id = ? AND t.object_id = x.object_id
           WHERE (t.object_id IS NULL OR t.due_at > ?)${side ? ` AND ${side.sql}` : ''}
           ON DUPLICATE KEY UPDATE due_at = VALUES(due_at)`,
          [segment.id, effect.at, segment.id, effect.at, ...(side?.params ?? [])],
        );
        return;
      }
    }
    await q(`DELETE FROM segment_time_triggers WHERE segment_id = ? AND object_id IN (${onlyIds.map(() => '?').join(', ')})`, [segment.id, ...onlyIds]);
    if (!moments) return;
    const needed = onNeededSide(moments, tree, STAGED_MEMBERS);
    await withoutStrictMode(runner, () => q(`INSERT INTO segment_time_triggers (segment_id, object_id, due_at) SELECT ?, m.object_id, m.due_at FROM (${needed.sql}) m`, [segment.id, ...needed.params]));
  }
}

/**
 * Runs a statement that evaluates moments without STRICT_TRANS_TABLES: a JSON date the pattern
 * lets through but the calendar does not (02-30) has no moment, a warning rather than a failed
 * sync (see jsonDateTime).
 */
async function withoutStrictMode(runner: QueryRunner, statement: () => Promise<unknown>): Promise<void> {
  await runner.query("SET @segments_sql_mode = @@SESSION.sql_mode, SESSION sql_mode = REPLACE(REPLACE(@@SESSION.sql_mode, 'STRICT_TRANS_TABLES', ''), 'STRICT_ALL_TABLES', '')");
  try {
    await statement();
  } finally {
    await runner.query('SET SESSION sql_mode = @segments_sql_mode');
  }
}

/**
 * The new members staged by the evaluation or sync (SegmentSyncService.stage's seg_new: all of
 * them, or those among the evaluated ids), as a membership source for `onNeededSide`.
 */
export const STAGED_MEMBERS: SqlFragment = { sql: 'SELECT object_id FROM seg_new', params: [] };

/** The segment's cached results, for a sync that found them unchanged (nothing staged). */
export const cachedMembers = (segmentId: string): SqlFragment => ({ sql: 'SELECT object_id FROM segment_members WHERE segment_id = ?', params: [segmentId] });

/**
 * The rows of a moment query that are needed (see `timeDirection`): a result that time can only
 * turn false needs a moment only where it is true (members), one that time can only turn true
 * only where it is false; `members` lists the objects whose result is true now.
 */
function onNeededSide(moments: SqlFragment, tree: FilterNode, members: SqlFragment): SqlFragment {
  const side = neededSide(tree, 'n.object_id', members);
  if (!side) return moments;
  return { sql: `SELECT n.object_id, n.due_at FROM (${moments.sql}) n WHERE ${side.sql}`, params: [...moments.params, ...side.params] };
}

/** `<id> IN (<members>)`, `<id> NOT IN (<members>)`, or null when both sides need moments. */
function neededSide(tree: FilterNode, idColumn: string, members: SqlFragment): SqlFragment | null {
  switch (timeDirection(tree)) {
    case 'falls': return { sql: `${idColumn} IN (${members.sql})`, params: [...members.params] };
    case 'rises': return { sql: `${idColumn} NOT IN (${members.sql})`, params: [...members.params] };
    default: return null;
  }
}
