/** Row mapping and plain reads of the segment tables. */
import { DataSource } from 'typeorm';
import { codeToType } from '../services/list.service';
import type { SegmentRecord, SyncRunRecord, SyncStatus, SyncTrigger } from '../services/segment-types';
import { parseJson } from './object-store';

type Query = (sql: string, params?: unknown[]) => Promise<unknown>;

export function toSegment(row: Record<string, unknown>, hidden: readonly string[]): SegmentRecord {
  return {
    id: String(row.id),
    workspaceId: String(row.workspace_id),
    objectType: codeToType(Number(row.object_type)),
    name: row.name as string,
    description: (row.description as string | null) ?? null,
    filter: parseJson(row.filter),
    syncIntervalMinutes: Number(row.sync_interval_minutes),
    realtime: Boolean(Number(row.realtime)),
    paused: Boolean(Number(row.paused)),
    count: Number(row.member_count),
    syncStatus: row.sync_status as SyncStatus,
    lastSyncedAt: (row.last_synced_at as Date | null) ?? null,
    nextSyncAt: Number(row.paused) ? null : ((row.next_sync_at as Date | null) ?? null),
    lastError: (row.last_error as string | null) ?? null,
    createdBy: row.created_by == null ? null : String(row.created_by),
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
    hiddenFromAgentIds: hidden,
  };
}

export function toRun(row: Record<string, unknown>): SyncRunRecord {
  return {
    id: String(row.id),
    segmentId: String(row.segment_id),
    trigger: row.trigger_kind as SyncTrigger,
    status: row.status as SyncRunRecord['status'],
    startedAt: row.started_at as Date,
    finishedAt: (row.finished_at as Date | null) ?? null,
    durationMs: row.duration_ms == null ? null : Number(row.duration_ms),
    count: row.member_count == null ? null : Number(row.member_count),
    entered: row.entered == null ? null : Number(row.entered),
    exited: row.exited == null ? null : Number(row.exited),
    error: (row.error as string | null) ?? null,
  };
}

/** Segments by id with their hidden agents (any workspace: callers scope). */
export async function loadSegments(query: Query, where: string, params: unknown[]): Promise<SegmentRecord[]> {
  const rows = (await query(`SELECT * FROM segments s WHERE ${where} ORDER BY s.id`, params)) as Array<Record<string, unknown>>;
  if (rows.length === 0) return [];
  const ids = rows.map((r) => String(r.id));
  const hidden = (await query(`SELECT segment_id, agent_id FROM segment_hidden_agents WHERE segment_id IN (${ids.map(() => '?').join(', ')}) ORDER BY agent_id`, ids)) as Array<{ segment_id: string; agent_id: string }>;
  const bySegment = new Map<string, string[]>();
  for (const h of hidden) {
    const list = bySegment.get(String(h.segment_id)) ?? [];
    list.push(String(h.agent_id));
    bySegment.set(String(h.segment_id), list);
  }
  return rows.map((r) => toSegment(r, bySegment.get(String(r.id)) ?? []));
}

export async function loadSegment(ds: DataSource, id: string): Promise<SegmentRecord | null> {
  const [seg] = await loadSegments((s, p) => ds.query(s, p), 's.id = ?', [id]);
  return seg ?? null;
}

/** Segment id → ids of the segments its filter reads, for one workspace. */
export async function segmentEdges(query: Query, workspaceId: string): Promise<Map<string, string[]>> {
  const rows = (await query(
    "SELECT d.segment_id, d.target_id FROM segment_dependencies d JOIN segments s ON s.id = d.segment_id WHERE s.workspace_id = ? AND d.kind = 'SEGMENT'",
    [workspaceId],
  )) as Array<{ segment_id: string; target_id: string }>;
  const edges = new Map<string, string[]>();
  for (const r of rows) {
    const list = edges.get(String(r.segment_id)) ?? [];
    list.push(String(r.target_id));
    edges.set(String(r.segment_id), list);
  }
  return edges;
}
