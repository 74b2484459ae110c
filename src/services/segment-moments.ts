/**
 * Freshness bookkeeping of the sync engine: for each active real-time segment and object, the
 * next moment time alone may change its result (core/filter/moments.ts computes them), kept in
 * `segment_time_triggers` for the time sweep (segment-time.service.ts). SegmentSyncService calls
 * it with its own connection, inside the transactions that apply results: a full sync stages
 * every moment before its transaction and writes the difference in it; a restricted evaluation
 * replaces the moments of the objects it evaluated.
 *
 * The table holds the moments of a stretch of time, not all of them: a full sync writes those
 * due before its horizon (`horizonMs`: twice the segment's sync interval and half an hour on),
 * records the horizon in `segments.moments_until`, and real time writes only moments before it.
 * "Viewed a page in 7 days" made true by a page view needs a moment a week away, written by a
 * later sync before it comes due, not by each write (most objects are written again first). The
 * sync every interval moves the horizon on; a sync that falls behind is asked for by the time
 * sweep (`horizonsRunningOut`) while half the horizon is left.
 */
import type { QueryRunner } from 'typeorm';
import type { FilterNode, SqlFragment } from '../core/filter/filter-tree';
import { compileNextChangeQuery, EventsWritten, momentAfterEvents, timeDirection } from '../core/filter/moments';
import { stageTemporary } from '../db/staging';
import type { SegmentRecord } from './segment-types';

export interface SegmentMomentsOptions {
  /** Whether active real-time segments keep moments (config TIME_TRIGGERS; default true). */
  readonly timeTriggers?: boolean;
  /** Size limit of the in-memory staging table before it is staged on disk. */
  readonly stagingMemoryBytes: number;
  /**
   * How far ahead of a full sync its moments are kept (MOMENT_HORIZON_MS); by default twice the
   * segment's sync interval and 30 minutes, so the next scheduled sync moves it on long before
   * it ends.
   */
  readonly horizonMs?: number;
}

/** The default horizon, in minutes, of a segment synced every `interval` minutes (see SegmentMomentsOptions.horizonMs). */
const horizonMinutes = (interval: number) => 2 * interval + 30;
/** The same, of the segment row in SQL. */
const HORIZON_MINUTES_SQL = '(2 * sync_interval_minutes + 30)';

export class SegmentMoments {
  constructor(private readonly options: SegmentMomentsOptions) {}

  /** How far past `now` a full sync of the segment keeps its moments. */
  private horizon(segment: { syncIntervalMinutes: number }, now: Date): Date {
    const ms = this.options.horizonMs ?? horizonMinutes(segment.syncIntervalMinutes) * 60_000;
    return new Date(now.getTime() + ms);
  }

  /**
   * Active real-time segments whose horizon has less than half of itself left at `now`: their
   * sync is late (it normally comes when half is left, or more), and a moment past the horizon
   * would be missed. The time sweep asks for a sync of each; returns [segment id, horizon].
   */
  async horizonsRunningOut(query: (sql: string, params: unknown[]) => Promise<unknown>, now: Date): Promise<Array<[string, Date]>> {
    if (this.options.timeTriggers === false) return [];
    const left = this.options.horizonMs === undefined
      ? { sql: `? + INTERVAL ${HORIZON_MINUTES_SQL} * 30 SECOND`, params: [now] } // half the horizon
      : { sql: '?', params: [new Date(now.getTime() + this.options.horizonMs / 2)] };
    const rows = (await query(`SELECT id, moments_until FROM segments WHERE realtime = 1 AND paused = 0 AND moments_until < ${left.sql}`, left.params)) as Array<{ id: string; moments_until: Date }>;
    return rows.map((r) => [String(r.id), r.moments_until]);
  }

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
   * the transaction does not hold the segment's row while it runs. Without moments to keep there
   * is no seg_moments. In memory, on disk when there are more
   * moments than `stagingMemoryBytes` holds. Only the moments on the side of the result that
   * time can change are kept (`timeDirection`): `members` lists the objects whose result is true.
   *
   * Only moments before the segment's horizon as of `now` are staged (see `horizon`); the
   * returned horizon is what `replace` records, or null when the segment keeps no moments.
   *
   * It reads after the member set (each READ COMMITTED statement sees what had committed when it
   * started), as the moments read inside the transaction always did: an object written in
   * between may get a moment of its new data beside a result of its old. That write's real-time
   * evaluation comes after this sync (it needs the segment's lock) and rewrites both.
   */
  async stage(runner: QueryRunner, segment: SegmentRecord, tree: FilterNode, now: Date, members: SqlFragment): Promise<Date | null> {
    const query = this.query(segment, tree, now);
    if (!query) return null;
    const until = this.horizon(segment, now);
    const moments = before(onNeededSide(query, tree, members), until);
    const q = (sql: string, params: unknown[] = []) => runner.query(sql, params);
    await q('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
    await stageTemporary(
      runner,
      { name: 'seg_moments', columns: 'object_id BIGINT UNSIGNED NOT NULL, due_at DATETIME(3) NOT NULL, PRIMARY KEY USING BTREE (object_id)' },
      () => withoutStrictMode(runner, () => q(`INSERT INTO seg_moments (object_id, due_at) SELECT m.object_id, m.due_at FROM (${moments.sql}) m`, [...moments.params])),
      this.options.stagingMemoryBytes,
    );
    return until;
  }

  /**
   * Freshness bookkeeping of a full sync, second half, in the transaction that applies its
   * results: the staged moments (`staged`, see `stage`) become the segment's, by
   * difference. Rows of objects without a moment any more go, new and moved moments are
   * written, the others stay untouched. A moment depends on the data and not on `now`, except
   * once it has passed (then it moves on or goes), so an unchanged re-sync writes no row, where
   * rewriting them all held the segment's lock for minutes, with 620k row changes in one
   * transaction, on the 1M-user benchmark set. Without staged moments (`until` null), the
   * segment's rows go. The caller records `until` (the horizon `stage` returned) as the
   * segment's `moments_until`, in the same transaction.
   */
  async replace(runner: QueryRunner, segmentId: string, until: Date | null): Promise<void> {
    const q = (sql: string, params: unknown[] = []) => runner.query(sql, params);
    if (!until) {
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
   * Only moments before `until` (the segment's `moments_until`, read under its row lock) are
   * written: the full sync that moves the horizon writes the later ones. Null: no horizon, all.
   */
  async writeFor(runner: QueryRunner, segment: SegmentRecord, tree: FilterNode, now: Date, onlyIds: readonly string[], until: Date | null, eventsWritten?: EventsWritten): Promise<void> {
    const q = (sql: string, params: unknown[] = []) => runner.query(sql, params);
    // Switched off for the whole service: no segment keeps moments (full syncs remove old rows).
    if (this.options.timeTriggers === false) return;
    const moments = this.query(segment, tree, now, onlyIds);
    if (moments && eventsWritten) {
      const effect = momentAfterEvents(tree, eventsWritten, now);
      if (effect.kind === 'unchanged') return;
      // Past the horizon, the bound moves nothing the table holds.
      if (effect.kind === 'bound' && until && effect.at >= until) return;
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
    const needed = before(onNeededSide(moments, tree, STAGED_MEMBERS), until);
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

/** The rows of a moment query due before `until` (all of them when null). */
function before(moments: SqlFragment, until: Date | null): SqlFragment {
  if (!until) return moments;
  return { sql: `SELECT h.object_id, h.due_at FROM (${moments.sql}) h WHERE h.due_at < ?`, params: [...moments.params, until] };
}

/** `<id> IN (<members>)`, `<id> NOT IN (<members>)`, or null when both sides need moments. */
function neededSide(tree: FilterNode, idColumn: string, members: SqlFragment): SqlFragment | null {
  switch (timeDirection(tree)) {
    case 'falls': return { sql: `${idColumn} IN (${members.sql})`, params: [...members.params] };
    case 'rises': return { sql: `${idColumn} NOT IN (${members.sql})`, params: [...members.params] };
    default: return null;
  }
}
