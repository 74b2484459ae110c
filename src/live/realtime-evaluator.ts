/**
 * Real-time re-evaluation: writes announce the objects they touched (ChangeFeed, after commit);
 * this coalesces them for a short moment (a burst of 10,000 events for 1,000 users becomes one
 * evaluation of 1,000 users), finds the real-time segments whose result those objects can change
 * (directly, or through `related` chains: a company's change reaches the users of segments
 * filtered on company fields), and has the sync engine re-evaluate just those objects. Objects
 * whose evaluation failed because the database was unreachable are evaluated again once it
 * answers (a committed write must not wait for the next scheduled sync to show).
 */
import { DataSource } from 'typeorm';
import { relationChains } from '../core/filter/relation-chains';
import type { ObjectType } from '../core/object-types';
import { isDatabaseUnavailable } from '../db/connection-errors';
import { mapBack } from '../db/relation-map';
import type { Logger } from '../logger';
import type { ChangeFeed, ObjectChange } from '../services/change-feed';
import type { FilterService } from '../services/filter.service';
import { codeToType } from '../services/list.service';
import type { SegmentSyncService } from '../services/segment-sync.service';

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

export interface RealtimeStats {
  /** (segment, object) pairs re-evaluated since start. */
  objectsEvaluated: number;
  evaluations: number;
}

export class RealtimeEvaluator {
  private pending = new Map<string, { workspaceId: string; type: ObjectType; ids: Set<string> }>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly idleWaiters: Array<() => void> = [];
  /** RETRY_MS after a flush that found the database unreachable, else 0. */
  private backoffMs = 0;
  readonly stats: RealtimeStats = { objectsEvaluated: 0, evaluations: 0 };

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
    const key = `${change.workspaceId}:${change.objectType}`;
    let entry = this.pending.get(key);
    if (!entry) this.pending.set(key, (entry = { workspaceId: change.workspaceId, type: change.objectType, ids: new Set() }));
    for (const id of change.ids) entry.ids.add(id);
    this.schedule();
  }

  /** Resolves once everything announced so far has been evaluated (for tests and shutdown). */
  async idle(): Promise<void> {
    if (!this.timer && !this.running && this.pending.size === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer || this.running) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.flush()
        .catch((error: unknown) => this.logger.error({ err: error }, 'real-time evaluation failed'))
        .finally(() => {
          this.running = null;
          if (this.pending.size > 0) this.schedule();
          else this.idleWaiters.splice(0).forEach((w) => w());
        });
    }, Math.max(this.options.coalesceMs ?? 100, this.backoffMs));
  }

  private async flush(): Promise<void> {
    const batches = [...this.pending.values()];
    this.pending = new Map();
    let unavailable = false;
    for (const batch of batches) {
      const ids = [...batch.ids];
      const chunk = this.options.chunk ?? 1000;
      for (let i = 0; i < ids.length; i += chunk) {
        const part = ids.slice(i, i + chunk);
        try {
          await this.evaluate(batch.workspaceId, batch.type, part);
        } catch (error) {
          if (!isDatabaseUnavailable(error)) {
            this.logger.error({ err: error }, 'real-time evaluation failed');
            continue;
          }
          // Evaluating again is harmless (a diff): the whole part goes back, for every segment.
          unavailable = true;
          this.add({ workspaceId: batch.workspaceId, objectType: batch.type, ids: part, cause: 'upsert' });
        }
      }
    }
    if (unavailable) this.logger.warn({ retryMs: RETRY_MS }, 'database unavailable: real-time evaluation will be retried');
    this.backoffMs = unavailable ? RETRY_MS : 0;
  }

  /** Re-evaluates every real-time segment that objects `ids` of `type` can affect, a few segments at once. */
  private async evaluate(workspaceId: string, type: ObjectType, ids: string[]): Promise<void> {
    const segments = (await this.ds.query('SELECT id, object_type, filter FROM segments WHERE workspace_id = ? AND realtime = 1 AND paused = 0', [workspaceId])) as Array<{ id: string; object_type: number; filter: unknown }>;
    const work: Array<() => Promise<unknown>> = [];
    for (const seg of segments) {
      const segType = codeToType(Number(seg.object_type));
      let tree;
      try {
        tree = await this.filters.validateStored(workspaceId, segType, typeof seg.filter === 'string' ? JSON.parse(seg.filter) : seg.filter);
      } catch {
        continue; // a stored filter that no longer validates fails its next full sync, visibly
      }
      const affected = new Set<string>();
      for (const chain of relationChains(tree, segType)) {
        if (chain.target !== type) continue;
        const mapped = chain.relations.length === 0 ? ids : await mapBack((s, p) => this.ds.query(s, p), workspaceId, segType, chain.relations, ids);
        for (const id of mapped) affected.add(id);
      }
      const targets = [...affected];
      for (let i = 0; i < targets.length; i += 1000) {
        const part = targets.slice(i, i + 1000);
        this.stats.evaluations++;
        this.stats.objectsEvaluated += part.length;
        work.push(() => this.syncs.evaluate(String(seg.id), part, 'REALTIME'));
      }
    }
    // Different segments hold different locks: evaluate a few at once.
    let next = 0;
    let unreachable: unknown = null;
    const parallel = this.options.parallel ?? 4;
    await Promise.all(Array.from({ length: Math.min(parallel, work.length) }, async () => {
      while (next < work.length) {
        await work[next++]().catch((error: unknown) => {
          if (isDatabaseUnavailable(error)) unreachable = error;
          else this.logger.error({ err: error }, 'real-time evaluation of a segment failed');
        });
      }
    }));
    if (unreachable) throw unreachable;
  }
}
