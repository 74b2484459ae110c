/**
 * Reading a segment's cached results and their past: members (oldest first), membership,
 * sync runs, the membership history, who was a member at a past moment, and what a changed
 * filter would do before it is saved.
 */
import { DataSource } from 'typeorm';
import { CATALOG } from '../core/catalog';
import { badInput } from '../core/errors';
import { compileMatchingIdsQuery } from '../core/filter/compiler';
import { fetchByIds, isWellFormedId, ObjectRecord } from '../db/object-store';
import { toRun } from '../db/segment-store';
import type { QueryFn } from '../db/read-snapshot';
import type { RequestContext } from './context';
import type { FilterService } from './filter.service';
import { checkFirst, decodeCursor, encodeCursor } from './object-query.service';
import type { SegmentRecord, SyncRunRecord, SyncTrigger } from './segment-types';

export interface MemberPage {
  readonly totalCount: number;
  readonly items: ReadonlyArray<{ cursor: string; joinedAt: Date; node: ObjectRecord }>;
  readonly hasNextPage: boolean;
  readonly endCursor: string | null;
}

export interface HistoryEntry {
  readonly id: string;
  readonly segmentId: string;
  readonly objectId: string;
  readonly change: 'ENTERED' | 'EXITED';
  readonly trigger: SyncTrigger;
  readonly runId: string | null;
  readonly at: Date;
}

export interface ChangePreview {
  readonly enteringCount: number;
  readonly exitingCount: number;
  readonly count: number;
  readonly entering: ObjectRecord[];
  readonly exiting: ObjectRecord[];
}

/** How long the membership history is kept, at least (membersAt answers within it). */
export const HISTORY_DAYS = 90;

export class SegmentReadService {
  private readonly live: QueryFn = (sql, params) => this.ds.query(sql, params);

  constructor(private readonly ds: DataSource, private readonly filters: FilterService) {}

  /**
   * A page of the cached results, oldest member first. The count and the page come from one
   * statement, so they always agree even while a sync commits.
   */
  async members(segment: SegmentRecord, first: number, after?: string | null, q: QueryFn = this.live): Promise<MemberPage> {
    checkFirst(first);
    const params: unknown[] = [segment.id];
    let cursorCond = '';
    if (after) {
      const [ms, id] = decodeCursor(after, 2);
      const at = new Date(Number(ms));
      cursorCond = 'AND (m.joined_at > ? OR (m.joined_at = ? AND m.object_id > ?))';
      params.push(at, at, String(id));
    }
    const rows = (await q(
      `SELECT s.member_count, m.object_id, m.joined_at FROM segments s
       LEFT JOIN (SELECT m.object_id, m.joined_at FROM segment_members m WHERE m.segment_id = ? ${cursorCond} ORDER BY m.joined_at, m.object_id LIMIT ?) m ON TRUE
       WHERE s.id = ? ORDER BY m.joined_at, m.object_id`,
      [...params, first + 1, segment.id],
    )) as Array<{ member_count: number; object_id: string | null; joined_at: Date | null }>;
    const members = rows.filter((r) => r.object_id != null);
    const page = members.slice(0, first);
    const objects = await fetchByIds(q, segment.objectType, segment.workspaceId, page.map((r) => String(r.object_id)));
    const byId = new Map(objects.map((o) => [o.id, o]));
    const items = page.flatMap((r) => {
      const node = byId.get(String(r.object_id));
      return node ? [{ cursor: encodeCursor([r.joined_at!.getTime(), String(r.object_id)]), joinedAt: r.joined_at!, node }] : [];
    });
    const last = page.at(-1);
    return {
      totalCount: Number(rows[0]?.member_count ?? 0),
      items,
      hasNextPage: members.length > first,
      endCursor: last ? encodeCursor([last.joined_at!.getTime(), String(last.object_id)]) : null,
    };
  }

  async isMember(segment: SegmentRecord, objectId: string, q: QueryFn = this.live): Promise<boolean> {
    if (!isWellFormedId(objectId)) return false;
    const rows = (await q('SELECT 1 FROM segment_members WHERE segment_id = ? AND object_id = ?', [segment.id, objectId])) as unknown[];
    return rows.length > 0;
  }

  async runs(segment: SegmentRecord, last: number, q: QueryFn = this.live): Promise<SyncRunRecord[]> {
    if (!Number.isInteger(last) || last < 0 || last > 1000) throw badInput('last', 'must be an integer from 0 to 1000');
    const rows = (await q('SELECT * FROM segment_sync_runs WHERE segment_id = ? ORDER BY id DESC LIMIT ?', [segment.id, last])) as Array<Record<string, unknown>>;
    return rows.map(toRun);
  }

  /**
   * Who entered and left, newest first (by time, then id), optionally for one object. That order
   * is the one of the segment's `(segment_id, at, id)` index, so a page reads its rows and no
   * more; ordered by id alone, a page of a quiet segment read back through every newer row of
   * every segment.
   */
  async history(segment: SegmentRecord, opts: { objectId?: string | null; first: number; after?: string | null }): Promise<{ items: Array<HistoryEntry & { cursor: string }>; hasNextPage: boolean; endCursor: string | null }> {
    checkFirst(opts.first);
    const where = ['segment_id = ?'];
    const params: unknown[] = [segment.id];
    if (opts.objectId != null) {
      if (!isWellFormedId(opts.objectId)) return { items: [], hasNextPage: false, endCursor: null };
      where.push('object_id = ?');
      params.push(opts.objectId);
    }
    if (opts.after) {
      const [ms, id] = decodeCursor(opts.after, 2);
      const at = new Date(Number(ms));
      // `at <= ?` bounds the index range; the rest is the tie at that millisecond.
      where.push('at <= ? AND (at < ? OR id < ?)');
      params.push(at, at, String(id));
    }
    // The index is forced: for a page after a cursor, MariaDB 10.11 read the segment's index from
    // its newest row down to the cursor (0.23 s past 75k newer rows) instead of starting there.
    const index = opts.objectId != null ? 'ix_segment_object' : 'ix_segment_at';
    const rows = (await this.ds.query(
      `SELECT * FROM segment_membership_history FORCE INDEX (${index}) WHERE ${where.join(' AND ')} ORDER BY at DESC, id DESC LIMIT ?`,
      [...params, opts.first + 1],
    )) as Array<Record<string, unknown>>;
    const items = rows.slice(0, opts.first).map((r) => ({
      id: String(r.id), segmentId: String(r.segment_id), objectId: String(r.object_id), change: r.change_kind as 'ENTERED' | 'EXITED',
      trigger: r.trigger_kind as SyncTrigger, runId: r.run_id == null ? null : String(r.run_id), at: r.at as Date,
      cursor: encodeCursor([(r.at as Date).getTime(), String(r.id)]),
    }));
    return { items, hasNextPage: rows.length > opts.first, endCursor: items.at(-1)?.cursor ?? null };
  }

  /** The cached results as they were at `at` (reconstructed from the history), oldest member first. */
  async membersAt(segment: SegmentRecord, at: Date, first: number, after?: string | null, q: QueryFn = this.live): Promise<MemberPage> {
    checkFirst(first);
    if (at.getTime() < Date.now() - HISTORY_DAYS * 86_400_000) throw badInput('at', `the history goes back ${HISTORY_DAYS} days`);
    const params: unknown[] = [segment.id, at];
    let cursorCond = '';
    if (after) {
      const [ms, id] = decodeCursor(after, 2);
      const joined = new Date(Number(ms));
      cursorCond = 'AND (x.at > ? OR (x.at = ? AND x.object_id > ?))';
      params.push(joined, joined, String(id));
    }
    const latest = `SELECT object_id, change_kind, at, ROW_NUMBER() OVER (PARTITION BY object_id ORDER BY at DESC, id DESC) AS rn
                    FROM segment_membership_history WHERE segment_id = ? AND at <= ?`;
    const [{ n }] = (await q(`SELECT COUNT(*) AS n FROM (${latest}) x WHERE x.rn = 1 AND x.change_kind = 'ENTERED'`, [segment.id, at])) as Array<{ n: string }>;
    const rows = (await q(
      `SELECT x.object_id, x.at FROM (${latest}) x WHERE x.rn = 1 AND x.change_kind = 'ENTERED' ${cursorCond} ORDER BY x.at, x.object_id LIMIT ?`,
      [...params, first + 1],
    )) as Array<{ object_id: string; at: Date }>;
    const page = rows.slice(0, first);
    const objects = await fetchByIds(q, segment.objectType, segment.workspaceId, page.map((r) => String(r.object_id)));
    const byId = new Map(objects.map((o) => [o.id, o]));
    const items = page.flatMap((r) => {
      const node = byId.get(String(r.object_id));
      return node ? [{ cursor: encodeCursor([r.at.getTime(), String(r.object_id)]), joinedAt: r.at, node }] : [];
    });
    const last = page.at(-1);
    return { totalCount: Number(n), items, hasNextPage: rows.length > first, endCursor: last ? encodeCursor([last.at.getTime(), String(last.object_id)]) : null };
  }

  /** Who would enter and who would leave the cached results if the filter were `filter`; writes nothing. */
  async previewChange(ctx: RequestContext, segment: SegmentRecord, filter: unknown, sampleSize: number): Promise<ChangePreview> {
    if (!Number.isInteger(sampleSize) || sampleSize < 0 || sampleSize > 100) throw badInput('sampleSize', 'must be an integer from 0 to 100');
    const tree = await this.filters.validate(ctx, segment.objectType, filter, 'filter');
    const q = compileMatchingIdsQuery(tree, { workspaceId: segment.workspaceId, objectType: segment.objectType, now: new Date() });
    const table = CATALOG[segment.objectType].table;
    const newSet = `(${q.sql})`;
    const [{ entering, exiting, total }] = (await this.ds.query(
      `SELECT
         (SELECT COUNT(*) FROM ${newSet} n WHERE NOT EXISTS (SELECT 1 FROM segment_members m WHERE m.segment_id = ? AND m.object_id = n.id)) AS entering,
         (SELECT COUNT(*) FROM segment_members m WHERE m.segment_id = ? AND m.object_id NOT IN (SELECT n.id FROM ${newSet} n)) AS exiting,
         (SELECT COUNT(*) FROM ${newSet} n) AS total`,
      [...q.params, segment.id, segment.id, ...q.params, ...q.params],
    )) as Array<{ entering: string; exiting: string; total: string }>;
    const sample = async (sql: string, params: unknown[]) => {
      const ids = ((await this.ds.query(sql, params)) as Array<{ id: string }>).map((r) => String(r.id));
      return fetchByIds((s, p) => this.ds.query(s, p), segment.objectType, segment.workspaceId, ids);
    };
    const enteringSample = await sample(
      `SELECT n.id FROM ${newSet} n WHERE NOT EXISTS (SELECT 1 FROM segment_members m WHERE m.segment_id = ? AND m.object_id = n.id) ORDER BY n.id LIMIT ?`,
      [...q.params, segment.id, sampleSize],
    );
    const exitingSample = await sample(
      `SELECT m.object_id AS id FROM segment_members m JOIN ${table} o ON o.id = m.object_id WHERE m.segment_id = ? AND m.object_id NOT IN (SELECT n.id FROM ${newSet} n) ORDER BY m.object_id LIMIT ?`,
      [segment.id, ...q.params, sampleSize],
    );
    return { enteringCount: Number(entering), exitingCount: Number(exiting), count: Number(total), entering: enteringSample, exiting: exitingSample };
  }
}
