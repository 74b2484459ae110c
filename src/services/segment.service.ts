/**
 * Segments: saved filters with cached results. This service owns their definitions and
 * visibility; the sync engine (segment-sync.service.ts) owns their members.
 */
import { DataSource } from 'typeorm';
import { badInput, notFound } from '../core/errors';
import { OBJECT_TYPE_CODE, ObjectType } from '../core/object-types';
import { dependenciesOf, findCycle } from '../core/segment-graph';
import { checkText } from '../core/values';
import { isWellFormedId } from '../db/object-store';
import { loadSegments, segmentEdges } from '../db/segment-store';
import type { QueryFn } from '../db/read-snapshot';
import { inTransaction, UnitOfWork } from '../db/unit-of-work';
import type { Actor, RequestContext } from './context';
import { FilterService, toPlain } from './filter.service';
import { marks, unique } from '../db/sql-helpers';
import type { SegmentScheduler } from './segment-scheduler';
import { SegmentBusyError, type SegmentSyncService } from './segment-sync.service';

/** How long a dependent's re-evaluation waits for its lock before handing over to a full sync job. */
const DEPENDENCY_LOCK_WAIT_SECONDS = 1;
import type { SegmentRecord, SyncRunRecord } from './segment-types';

export const MIN_INTERVAL = 5;
export const MAX_INTERVAL = 10_080;
export const DEFAULT_INTERVAL = 240;

export interface CreateSegmentInput {
  objectType: ObjectType;
  name: string;
  description?: string | null;
  filter: unknown;
  syncIntervalMinutes?: number | null;
  realtime?: boolean | null;
  hiddenFromAgentIds?: string[] | null;
}

export interface UpdateSegmentInput {
  name?: string | null;
  description?: string | null;
  filter?: unknown;
  syncIntervalMinutes?: number | null;
  realtime?: boolean | null;
  paused?: boolean | null;
  hiddenFromAgentIds?: string[] | null;
}

/** SQL condition: segment `s` belongs to the actor's workspace and is visible to the actor. */
export function visibleTo(actor: Actor): { where: string; params: unknown[] } {
  return {
    where: 's.workspace_id = ? AND (? = 1 OR s.created_by = ? OR NOT EXISTS (SELECT 1 FROM segment_hidden_agents h WHERE h.segment_id = s.id AND h.agent_id = ?))',
    params: [actor.workspaceId, actor.role === 'ADMIN' ? 1 : 0, actor.agentId, actor.agentId],
  };
}

export class SegmentService {
  private scheduler: SegmentScheduler | null = null;
  private readonly live: QueryFn = (sql, params) => this.ds.query(sql, params);

  constructor(
    private readonly ds: DataSource,
    private readonly filters: FilterService,
    private readonly syncs: SegmentSyncService,
  ) {
    filters.useSegmentTypes((ws, viewer) => this.segmentTypes(ws, viewer));
    // When a segment's results change, the segments that read it follow (DEPENDENCY): a small
    // change (ids complete) re-evaluates just those objects; a larger one syncs them in full.
    syncs.onDelta((delta) => {
      const ids = [...delta.enteredIds, ...delta.exitedIds];
      const complete = ids.length === delta.enteredCount + delta.exitedCount;
      void this.dependents(delta.segmentId)
        .then((deps) => Promise.all(deps.map((id) => (complete && delta.trigger !== 'DEFINITION_CHANGED' && ids.length <= 1000
          ? this.followDependency(id, ids)
          : this.scheduler?.enqueue(id, 'DEPENDENCY')))))
        .catch(() => undefined);
    });
  }

  /**
   * Re-evaluates `ids` of a dependent segment. When a full sync holds it, the dependent is synced
   * in full by a job after it rather than waiting here (holding a connection) for the lock; with
   * no job system, it waits.
   */
  private async followDependency(segmentId: string, ids: readonly string[]): Promise<unknown> {
    if (!this.scheduler) return this.syncs.evaluate(segmentId, ids, 'DEPENDENCY');
    try {
      return await this.syncs.evaluate(segmentId, ids, 'DEPENDENCY', { lockWaitSeconds: DEPENDENCY_LOCK_WAIT_SECONDS });
    } catch (error) {
      if (error instanceof SegmentBusyError) return this.scheduler.enqueue(segmentId, 'DEPENDENCY');
      throw error;
    }
  }

  /** Set once at wiring: the job system that keeps recurring syncs. */
  useScheduler(scheduler: SegmentScheduler): void {
    this.scheduler = scheduler;
  }

  /** @param q where to read (a request's snapshot); the live database by default */
  async list(ctx: RequestContext, type?: ObjectType | null, q: QueryFn = this.live): Promise<SegmentRecord[]> {
    const v = visibleTo(ctx.actor);
    const where = type ? `${v.where} AND s.object_type = ?` : v.where;
    return loadSegments(q, where, type ? [...v.params, OBJECT_TYPE_CODE[type]] : v.params);
  }

  /** The segment if it exists in the workspace and the actor may see it; else null. */
  async get(ctx: RequestContext, id: string, q: QueryFn = this.live): Promise<SegmentRecord | null> {
    if (!isWellFormedId(id)) return null;
    const v = visibleTo(ctx.actor);
    const [seg] = await loadSegments(q, `s.id = ? AND ${v.where}`, [id, ...v.params]);
    return seg ?? null;
  }

  async require(ctx: RequestContext, id: string, path = 'id', q: QueryFn = this.live): Promise<SegmentRecord> {
    const seg = await this.get(ctx, id, q);
    if (!seg) throw notFound(`${path}: no segment with id ${id.slice(0, 40)}`);
    return seg;
  }

  async create(ctx: RequestContext, input: CreateSegmentInput): Promise<SegmentRecord> {
    const name = checkName(input.name);
    const description = input.description == null ? null : checkText(input.description, 'input.description', 10_000);
    const interval = checkInterval(input.syncIntervalMinutes ?? DEFAULT_INTERVAL);
    const tree = await this.filters.validate(ctx, input.objectType, input.filter, 'input.filter');
    const deps = dependenciesOf(tree);
    const hidden = await this.checkHidden(ctx, input.hiddenFromAgentIds ?? [], ctx.actor.agentId);
    const now = new Date();
    const id = await inTransaction(this.ds, async (uow) => {
      const res = (await uow.query(
        `INSERT INTO segments (workspace_id, object_type, name, description, filter, sync_interval_minutes, realtime, paused, created_by, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
        [ctx.actor.workspaceId, OBJECT_TYPE_CODE[input.objectType], name, description, JSON.stringify(toPlain(input.filter)), interval, input.realtime === false ? 0 : 1, ctx.actor.agentId, now, now],
      )) as { insertId: number };
      const segmentId = String(res.insertId);
      await writeDependencies(uow, segmentId, deps);
      await writeHidden(uow, segmentId, hidden);
      return segmentId;
    });
    await this.reschedule(id, interval, false);
    await this.syncs.sync(id, 'DEFINITION_CHANGED');
    return this.require(ctx, id);
  }

  async update(ctx: RequestContext, id: string, input: UpdateSegmentInput): Promise<SegmentRecord> {
    const seg = await this.require(ctx, id);
    const sets: string[] = [];
    const params: unknown[] = [];
    if (input.name != null) { sets.push('name = ?'); params.push(checkName(input.name)); }
    if (input.description !== undefined) { sets.push('description = ?'); params.push(input.description == null ? null : checkText(input.description, 'input.description', 10_000)); }
    if (input.syncIntervalMinutes != null) { sets.push('sync_interval_minutes = ?'); params.push(checkInterval(input.syncIntervalMinutes)); }
    if (input.realtime != null) { sets.push('realtime = ?'); params.push(input.realtime ? 1 : 0); }
    if (input.paused != null) { sets.push('paused = ?'); params.push(input.paused ? 1 : 0); }
    const filterChanged = input.filter != null;
    let deps = null;
    if (filterChanged) {
      const tree = await this.filters.validate(ctx, seg.objectType, input.filter, 'input.filter');
      deps = dependenciesOf(tree);
      const edges = await segmentEdges((s, p) => this.ds.query(s, p), seg.workspaceId);
      edges.delete(seg.id);
      const cycle = findCycle(seg.id, deps.segments, edges);
      if (cycle) throw badInput('input.filter', `segments would depend on each other in a cycle: ${cycle.join(' → ')}`);
      sets.push('filter = ?');
      params.push(JSON.stringify(toPlain(input.filter)));
    }
    const hidden = input.hiddenFromAgentIds == null ? null : await this.checkHidden(ctx, input.hiddenFromAgentIds, seg.createdBy);
    await inTransaction(this.ds, async (uow) => {
      if (sets.length) await uow.query(`UPDATE segments SET ${sets.join(', ')}, updated_at = ? WHERE id = ?`, [...params, new Date(), seg.id]);
      if (deps) {
        await uow.query('DELETE FROM segment_dependencies WHERE segment_id = ?', [seg.id]);
        await writeDependencies(uow, seg.id, deps);
      }
      if (hidden) {
        await uow.query('DELETE FROM segment_hidden_agents WHERE segment_id = ?', [seg.id]);
        await writeHidden(uow, seg.id, hidden);
      }
    });
    if (input.syncIntervalMinutes != null || input.paused != null) {
      await this.reschedule(seg.id, input.syncIntervalMinutes ?? seg.syncIntervalMinutes, input.paused ?? seg.paused);
    }
    if (filterChanged) {
      await this.syncs.sync(seg.id, 'DEFINITION_CHANGED');
    } else if (input.realtime != null || input.paused != null) {
      const active = (input.realtime ?? seg.realtime) && !(input.paused ?? seg.paused);
      const wasActive = seg.realtime && !seg.paused;
      // Time-relative bookkeeping exists only for active real-time segments: a segment that
      // becomes one gets a sync (which writes it), one that stops being one loses it.
      if (active && !wasActive) await this.scheduler?.enqueue(seg.id, 'MANUAL');
      if (!active) await this.ds.query('DELETE FROM segment_time_triggers WHERE segment_id = ?', [seg.id]);
    }
    return this.require(ctx, seg.id);
  }

  /** Deletes a segment no other segment uses; BAD_USER_INPUT naming the users otherwise. */
  async delete(ctx: RequestContext, id: string): Promise<boolean> {
    const seg = await this.require(ctx, id);
    await inTransaction(this.ds, async (uow) => {
      const users = (await uow.query(
        "SELECT s.id, s.name FROM segment_dependencies d JOIN segments s ON s.id = d.segment_id WHERE d.kind = 'SEGMENT' AND d.target_id = ? FOR UPDATE",
        [seg.id],
      )) as Array<{ id: string; name: string }>;
      if (users.length) {
        throw badInput('id', `segment ${seg.id} is used by ${users.map((u) => `segment '${u.name}' (id ${u.id})`).join(', ')}; change or delete those first`);
      }
      await uow.query('DELETE FROM segments WHERE id = ?', [seg.id]);
      await uow.query('DELETE FROM segment_members WHERE segment_id = ?', [seg.id]);
      await uow.query('DELETE FROM segment_time_triggers WHERE segment_id = ?', [seg.id]);
      await uow.query('DELETE FROM segment_sync_runs WHERE segment_id = ?', [seg.id]);
      await uow.query('DELETE FROM segment_membership_history WHERE segment_id = ?', [seg.id]);
    });
    await this.scheduler?.unschedule(seg.id);
    return true;
  }

  /** Syncs now (MANUAL) and returns the finished run. */
  async syncNow(ctx: RequestContext, id: string): Promise<SyncRunRecord> {
    const seg = await this.require(ctx, id);
    const run = await this.syncs.sync(seg.id, 'MANUAL');
    if (!run) throw notFound(`id: no segment with id ${id}`);
    return run;
  }

  /** Ids of the segments whose filters read `segmentId` (synced after it changes). */
  async dependents(segmentId: string): Promise<string[]> {
    const rows = (await this.ds.query("SELECT segment_id FROM segment_dependencies WHERE kind = 'SEGMENT' AND target_id = ?", [segmentId])) as Array<{ segment_id: string }>;
    return rows.map((r) => String(r.segment_id));
  }

  private async segmentTypes(workspaceId: string, viewer: Actor | null): Promise<Map<string, ObjectType>> {
    const segs = viewer
      ? await loadSegments((s, p) => this.ds.query(s, p), visibleTo(viewer).where, visibleTo(viewer).params)
      : await loadSegments((s, p) => this.ds.query(s, p), 's.workspace_id = ?', [workspaceId]);
    return new Map(segs.map((s) => [s.id, s.objectType]));
  }

  private async reschedule(id: string, interval: number, paused: boolean): Promise<void> {
    const next = this.scheduler ? await this.scheduler.schedule({ id, syncIntervalMinutes: interval, paused }) : null;
    await this.ds.query('UPDATE segments SET next_sync_at = ? WHERE id = ?', [next, id]);
  }

  /** Hidden agents must be agents of the workspace, and neither admins nor the creator. */
  private async checkHidden(ctx: RequestContext, ids: readonly string[], creator: string | null): Promise<string[]> {
    const wanted = unique(ids);
    if (wanted.length === 0) return [];
    const wellFormed = wanted.filter(isWellFormedId);
    const rows = wellFormed.length
      ? ((await this.ds.query(`SELECT id, role FROM agents WHERE workspace_id = ? AND id IN (${marks(wellFormed)})`, [ctx.actor.workspaceId, ...wellFormed])) as Array<{ id: string; role: string }>)
      : [];
    const byId = new Map(rows.map((r) => [String(r.id), r.role]));
    wanted.forEach((id, i) => {
      const role = byId.get(id);
      if (!role) throw badInput(`input.hiddenFromAgentIds.${i}`, `no agent with id ${id.slice(0, 40)}`);
      if (role === 'ADMIN') throw badInput(`input.hiddenFromAgentIds.${i}`, `agent ${id} is an ADMIN; admins see every segment`);
      if (id === creator) throw badInput(`input.hiddenFromAgentIds.${i}`, `agent ${id} created the segment and always sees it`);
    });
    return wanted;
  }
}

function checkName(value: string): string {
  const name = checkText(value.trim(), 'input.name', 255);
  if (name === '') throw badInput('input.name', 'must not be empty');
  return name;
}

function checkInterval(minutes: number): number {
  if (!Number.isInteger(minutes) || minutes < MIN_INTERVAL || minutes > MAX_INTERVAL) {
    throw badInput('input.syncIntervalMinutes', `must be a whole number of minutes from ${MIN_INTERVAL} to ${MAX_INTERVAL}, got ${minutes}`);
  }
  return minutes;
}

async function writeDependencies(uow: UnitOfWork, segmentId: string, deps: { segments: ReadonlySet<string>; lists: ReadonlySet<string> }): Promise<void> {
  const rows = [...[...deps.segments].map((t) => ['SEGMENT', t]), ...[...deps.lists].map((t) => ['LIST', t])];
  if (rows.length === 0) return;
  await uow.query(`INSERT INTO segment_dependencies (segment_id, kind, target_id) VALUES ${rows.map(() => '(?, ?, ?)').join(', ')}`, rows.flatMap(([k, t]) => [segmentId, k, t]));
}

async function writeHidden(uow: UnitOfWork, segmentId: string, agents: readonly string[]): Promise<void> {
  if (agents.length === 0) return;
  await uow.query(`INSERT INTO segment_hidden_agents (segment_id, agent_id) VALUES ${agents.map(() => '(?, ?)').join(', ')}`, agents.flatMap((a) => [segmentId, a]));
}
