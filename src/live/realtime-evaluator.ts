/**
 * Real-time re-evaluation: writes announce the objects they touched (ChangeFeed, after commit);
 * this coalesces them for a short moment (a burst of 10,000 events for 1,000 users becomes one
 * evaluation of 1,000 users), finds the real-time segments whose result those objects can change
 * (directly, or through `related` chains: a company's change reaches the users of segments
 * filtered on company fields; and only for what the write changed: an event reaches the segments
 * that read events of its name, a tag those that read tags, see `chainAffectedBy`), and has the
 * sync engine re-evaluate just those objects. Objects
 * whose evaluation failed because the database was unreachable are evaluated again once it
 * answers (a committed write must not wait for the next scheduled sync to show). A segment whose
 * lock is held (a full sync runs) is not waited for: its ids are deferred, per segment, and
 * evaluated again every half second until it is free, while other segments go on.
 */
import { DataSource } from 'typeorm';
import { forEachConcurrently } from '../core/concurrency';
import { eventNameKey } from '../core/filter/event-names';
import type { EventsWritten } from '../core/filter/moments';
import type { FilterNode } from '../core/filter/filter-tree';
import { chainAffectedBy, relationChains, type WriteKind } from '../core/filter/relation-chains';
import type { ObjectType } from '../core/object-types';
import { isDatabaseUnavailable } from '../db/connection-errors';
import { mapBack } from '../db/relation-map';
import type { Logger } from '../logger';
import type { ChangeFeed, ObjectChange } from '../services/change-feed';
import type { FilterService } from '../services/filter.service';
import { codeToType } from '../services/list.service';
import { SegmentBusyError, SegmentSyncService } from '../services/segment-sync.service';

export interface RealtimeOptions {
  /** How long changes are gathered before they are evaluated (default 100 ms). */
  readonly coalesceMs?: number;
  /** Ids per evaluation statement (default 1,000). */
  readonly chunk?: number;
  /** Segments evaluated at once (default 4). */
  readonly parallel?: number;
}

/** While the database is unreachable, evaluations are retried this often. */
const RETRY_MS = 1_000;
/** A segment found busy (its lock held, e.g. by a full sync) is tried again this often. */
const BUSY_RETRY_MS = 500;

export interface RealtimeStats {
  /** (segment, object) pairs re-evaluated since start. */
  objectsEvaluated: number;
  evaluations: number;
  /** Evaluations that found their segment busy and were deferred. */
  deferrals: number;
}

/** One segment's evaluation of some ids (already mapped to the segment's type). */
interface SegmentWork {
  readonly segmentId: string;
  readonly workspaceId: string;
  readonly ids: readonly string[];
  /** When the ids were touched only by inserting these events (their moments may then be bounded rather than recomputed). */
  readonly eventsWritten?: EventsWritten;
}

/** Objects of one type touched by one kind of write, to be evaluated at the next flush. */
interface Pending {
  readonly workspaceId: string;
  readonly type: ObjectType;
  readonly cause: WriteKind['cause'];
  /** For events: the names written (the union over the gathered changes). */
  readonly eventNames: Set<string>;
  /** For events: the span of their `occurredAt` over the gathered changes; null once a change came without it. */
  eventTimes: { from: Date; to: Date } | null | undefined;
  readonly ids: Set<string>;
}

/** Ids a busy segment still has to evaluate, and when to try it next. */
interface Deferred {
  readonly workspaceId: string;
  readonly ids: Set<string>;
  retryAt: number;
}

export class RealtimeEvaluator {
  /**
   * Changes gathered since the last flush, by workspace, type and kind of write (upserts and
   * deletes together; events by their names), so that each batch is evaluated only for the
   * segments its kind of write can change.
   */
  private pending = new Map<string, Pending>();
  /** Per busy segment: the ids it still has to evaluate (for that segment only). */
  private readonly deferred = new Map<string, Deferred>();
  private timer: NodeJS.Timeout | null = null;
  /** When `timer` fires (ms since epoch). */
  private timerAt = 0;
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly idleWaiters: Array<() => void> = [];
  /** RETRY_MS after a flush that found the database unreachable, else 0. */
  private backoffMs = 0;
  readonly stats: RealtimeStats = { objectsEvaluated: 0, evaluations: 0, deferrals: 0 };

  constructor(
    private readonly ds: DataSource,
    private readonly filters: FilterService,
    private readonly syncs: SegmentSyncService,
    private readonly logger: Logger,
    private readonly options: RealtimeOptions = {},
  ) {}

  attach(feed: ChangeFeed): () => void {
    return feed.subscribe((change) => this.add(change));
  }

  add(change: ObjectChange): void {
    // Upserts and deletes can change anything: one batch for both. An event batch without names
    // (none announced) counts as every name.
    const cause = change.cause === 'delete' ? 'upsert' : change.cause;
    // Events gather by name (trackEvents announces one name per change), so that a segment is
    // evaluated only for the objects that got events of a name it reads.
    const names = cause === 'event' ? (change.eventNames ? `:${[...new Set(change.eventNames.map(eventNameKey))].sort().join('\u0000')}` : ':*') : '';
    const key = `${change.workspaceId}:${change.objectType}:${cause}${names}`;
    let entry = this.pending.get(key);
    if (!entry) this.pending.set(key, (entry = { workspaceId: change.workspaceId, type: change.objectType, cause, eventNames: new Set(), eventTimes: undefined, ids: new Set() }));
    for (const name of change.eventNames ?? []) entry.eventNames.add(name);
    if (cause === 'event') entry.eventTimes = spanOf(entry.eventTimes, change.eventTimes);
    for (const id of change.ids) entry.ids.add(id);
    this.schedule();
  }

  /**
   * Resolves once everything announced so far has been evaluated, deferred ids included: while
   * a segment stays busy this waits for it (shutdown bounds the wait), or until `stop()`.
   */
  async idle(): Promise<void> {
    if (this.stopped || (!this.timer && !this.running && this.pending.size === 0 && this.deferred.size === 0)) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Schedules nothing more (an evaluation running now still finishes) and resolves `idle()`.
   * What is still pending or deferred is dropped, with a warning: the segments' next full syncs
   * bring it in.
   */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const deferredIds = [...this.deferred.values()].reduce((n, d) => n + d.ids.size, 0);
    const pendingIds = [...this.pending.values()].reduce((n, p) => n + p.ids.size, 0);
    if (deferredIds + pendingIds > 0) {
      this.logger.warn({ pendingIds, deferredIds, busySegments: [...this.deferred.keys()] }, 'real time stopped with evaluations left; the next full syncs bring them in');
    }
    this.idleWaiters.splice(0).forEach((w) => w());
  }

  /** Sets the timer of the next flush: soon for pending changes, at the earliest retry for deferred ones. */
  private schedule(): void {
    if (this.stopped || this.running) return; // a running flush schedules the next one when it ends
    let wait: number;
    if (this.pending.size > 0) wait = this.options.coalesceMs ?? 100;
    else if (this.deferred.size > 0) wait = Math.min(...[...this.deferred.values()].map((d) => d.retryAt)) - Date.now();
    else return;
    const at = Date.now() + Math.max(wait, this.backoffMs, 0);
    if (this.timer) {
      if (this.timerAt <= at) return;
      clearTimeout(this.timer);
    }
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.flush()
        .catch((error: unknown) => this.logger.error({ err: error }, 'real-time evaluation failed'))
        .finally(() => {
          this.running = null;
          if (this.stopped) return;
          if (this.pending.size > 0 || this.deferred.size > 0) this.schedule();
          else this.idleWaiters.splice(0).forEach((w) => w());
        });
    }, at - Date.now());
  }

  private async flush(): Promise<void> {
    const batches = [...this.pending.values()];
    this.pending = new Map();
    // Busy segments due for another try go first: those still busy are deferred again, so the
    // batches below add to them instead of each waiting for their lock once more.
    let unavailable = await this.retryDeferred();
    // Each workspace's real-time segments and their validated filters, read once per flush
    // (a flush holds a batch per event name and write kind, each reading the same segments).
    const segments = new Map<string, Promise<RealtimeSegment[]>>();
    const segmentsOf = (workspaceId: string) => {
      let found = segments.get(workspaceId);
      if (!found) {
        segments.set(workspaceId, (found = this.realtimeSegments(workspaceId)));
        found.catch(() => segments.delete(workspaceId)); // read again after a failure
      }
      return found;
    };
    for (const batch of batches) {
      const ids = [...batch.ids];
      const chunk = this.options.chunk ?? 1000;
      for (let i = 0; i < ids.length; i += chunk) {
        const part = ids.slice(i, i + chunk);
        try {
          await this.evaluate(await segmentsOf(batch.workspaceId), batch.workspaceId, batch.type, part, kindOf(batch));
        } catch (error) {
          if (!isDatabaseUnavailable(error)) {
            this.logger.error({ err: error }, 'real-time evaluation failed');
            continue;
          }
          // Evaluating again is harmless (a diff): the whole part goes back, for every segment.
          unavailable = true;
          this.add({ workspaceId: batch.workspaceId, objectType: batch.type, ids: part, ...kindOf(batch) });
        }
      }
    }
    if (unavailable) this.logger.warn({ retryMs: RETRY_MS }, 'database unavailable: real-time evaluation will be retried');
    this.backoffMs = unavailable ? RETRY_MS : 0;
  }

  /**
   * Evaluates the deferred ids whose retry time has come, for segments still real-time and
   * active. Ids of a segment still busy, or that failed for an unreachable database, are
   * deferred again. Returns whether the database was unreachable.
   */
  private async retryDeferred(): Promise<boolean> {
    const now = Date.now();
    const due = [...this.deferred].filter(([, d]) => d.retryAt <= now);
    if (due.length === 0) return false;
    for (const [id] of due) this.deferred.delete(id);
    let active: Set<string>;
    try {
      const rows = (await this.ds.query(`SELECT id FROM segments WHERE realtime = 1 AND paused = 0 AND id IN (${due.map(() => '?').join(', ')})`, due.map(([id]) => id))) as Array<{ id: string }>;
      active = new Set(rows.map((r) => String(r.id)));
    } catch (error) {
      const unavailable = isDatabaseUnavailable(error);
      if (!unavailable) this.logger.error({ err: error }, 'real-time evaluation of deferred changes failed');
      for (const [segmentId, d] of due) this.defer({ segmentId, workspaceId: d.workspaceId, ids: [...d.ids] }, unavailable ? RETRY_MS : BUSY_RETRY_MS);
      return unavailable;
    }
    const work: SegmentWork[] = [];
    for (const [segmentId, d] of due) {
      if (!active.has(segmentId)) continue; // deleted, paused or no longer real-time meanwhile
      const ids = [...d.ids];
      for (let i = 0; i < ids.length; i += 1000) work.push({ segmentId, workspaceId: d.workspaceId, ids: ids.slice(i, i + 1000) });
    }
    const unreachable = await this.run(work);
    for (const u of unreachable) this.defer(u.work, RETRY_MS);
    return unreachable.length > 0;
  }

  /** Keeps `w.ids` for `w.segmentId` only, to be tried again in `retryMs`. */
  private defer(w: SegmentWork, retryMs = BUSY_RETRY_MS): void {
    let d = this.deferred.get(w.segmentId);
    if (!d) this.deferred.set(w.segmentId, (d = { workspaceId: w.workspaceId, ids: new Set(), retryAt: Date.now() + retryMs }));
    for (const id of w.ids) d.ids.add(id);
  }

  /**
   * Runs segment evaluations, a few at once (different segments hold different locks). A busy
   * segment's ids are deferred. Returns the work that failed because the database was
   * unreachable, with its error; other failures are logged.
   */
  private async run(work: readonly SegmentWork[]): Promise<Array<{ work: SegmentWork; error: unknown }>> {
    const unreachable: Array<{ work: SegmentWork; error: unknown }> = [];
    await forEachConcurrently(work, this.options.parallel ?? 4, async (w) => {
      this.stats.evaluations++;
      this.stats.objectsEvaluated += w.ids.length;
      await this.syncs.evaluate(w.segmentId, w.ids, 'REALTIME', { eventsWritten: w.eventsWritten }).catch((error: unknown) => {
        if (error instanceof SegmentBusyError) {
          this.stats.deferrals++;
          this.logger.debug({ segmentId: w.segmentId, ids: w.ids.length }, 'segment busy: real-time evaluation deferred');
          this.defer(w);
        } else if (isDatabaseUnavailable(error)) unreachable.push({ work: w, error });
        else this.logger.error({ err: error, segmentId: w.segmentId }, 'real-time evaluation of a segment failed');
      });
    });
    return unreachable;
  }

  /** The workspace's active real-time segments whose stored filter still validates. */
  private async realtimeSegments(workspaceId: string): Promise<RealtimeSegment[]> {
    const rows = (await this.ds.query('SELECT id, object_type, filter FROM segments WHERE workspace_id = ? AND realtime = 1 AND paused = 0', [workspaceId])) as Array<{ id: string; object_type: number; filter: unknown }>;
    const found: RealtimeSegment[] = [];
    for (const row of rows) {
      const objectType = codeToType(Number(row.object_type));
      try {
        found.push({ id: String(row.id), objectType, tree: await this.filters.validateStored(workspaceId, objectType, typeof row.filter === 'string' ? JSON.parse(row.filter) : row.filter) });
      } catch {
        // a stored filter that no longer validates fails its next full sync, visibly
      }
    }
    return found;
  }

  /**
   * Re-evaluates every real-time segment that objects `ids` of `type` can affect, a few segments
   * at once. Ids for a segment already deferred (busy) join its deferred ids.
   */
  private async evaluate(segments: readonly RealtimeSegment[], workspaceId: string, type: ObjectType, ids: string[], kind: WriteKind): Promise<void> {
    const eventsWritten: EventsWritten | undefined = kind.cause === 'event' && kind.eventNames && kind.eventTimes
      ? { names: kind.eventNames, from: kind.eventTimes.from, to: kind.eventTimes.to }
      : undefined;
    const work: SegmentWork[] = [];
    for (const { id: segmentId, objectType: segType, tree } of segments) {
      const affected = new Set<string>();
      for (const chain of relationChains(tree, segType)) {
        if (chain.target !== type || !chainAffectedBy(chain, kind)) continue;
        const mapped = chain.relations.length === 0 ? ids : await mapBack((s, p) => this.ds.query(s, p), workspaceId, segType, chain.relations, ids);
        for (const id of mapped) affected.add(id);
      }
      const targets = [...affected];
      if (targets.length === 0) continue;
      if (this.deferred.has(segmentId)) {
        this.defer({ segmentId, workspaceId, ids: targets });
        continue;
      }
      for (let i = 0; i < targets.length; i += 1000) work.push({ segmentId, workspaceId, ids: targets.slice(i, i + 1000), eventsWritten });
    }
    const [unreachable] = await this.run(work);
    if (unreachable) throw unreachable.error;
  }
}

/** An active real-time segment with its validated filter. */
interface RealtimeSegment {
  readonly id: string;
  readonly objectType: ObjectType;
  readonly tree: FilterNode;
}

/** The kind of write a pending batch gathered (every event name when it was announced without names). */
function kindOf(batch: Pending): WriteKind {
  if (batch.cause !== 'event') return { cause: batch.cause };
  if (batch.eventNames.size === 0) return { cause: 'event' };
  return batch.eventTimes ? { cause: 'event', eventNames: [...batch.eventNames], eventTimes: batch.eventTimes } : { cause: 'event', eventNames: [...batch.eventNames] };
}

/** The span of `occurredAt` of two gathered event changes: null when either is unknown (undefined: none gathered yet). */
function spanOf(a: { from: Date; to: Date } | null | undefined, b: { readonly from: Date; readonly to: Date } | undefined): { from: Date; to: Date } | null {
  if (!b || a === null) return null;
  if (a === undefined) return { from: b.from, to: b.to };
  return { from: b.from < a.from ? b.from : a.from, to: b.to > a.to ? b.to : a.to };
}
