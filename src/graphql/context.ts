/** The per-operation GraphQL context: services, the authenticated request (or null), loaders. */
import DataLoader from 'dataloader';
import type { PubSub } from 'type-graphql';
import { OBJECT_TYPES, ObjectType } from '../core/object-types';
import { unauthenticated } from '../core/errors';
import { fetchTags, ObjectRecord } from '../db/object-store';
import type { AgentEntity } from '../db/entities';
import type { Logger } from '../logger';
import type { Services } from '../services';
import type { RequestContext } from '../services/context';
import { QueryFn, ReadSnapshot } from '../db/read-snapshot';

export interface Loaders {
  readonly objects: Record<ObjectType, DataLoader<string, ObjectRecord | null>>;
  readonly tags: Record<ObjectType, DataLoader<string, string[]>>;
  /** Agents of the workspace by id (Segment.createdBy), one query per request. */
  readonly agents: DataLoader<string, AgentEntity | null>;
}

export interface GraphQLContext {
  readonly services: Services;
  /** Null when the operation carried no valid token (only introspection is then answered). */
  readonly request: RequestContext | null;
  readonly loaders: Loaders;
  /** Reads for the operation: one consistent snapshot in a query, the live database otherwise. */
  readonly reads: OperationReads;
  /** Where subscriptions listen (in memory, or Redis across processes). */
  readonly pubSub: PubSub;
  /** The logger of this request (or graphql-ws operation): its lines carry the request id. */
  readonly log: Logger;
}

/** Decides, once the operation is known, whether reads share one snapshot (queries) or not. */
export class OperationReads {
  private snapshot: ReadSnapshot | null = null;

  constructor(private readonly services: Services) {}

  /** Called when the operation is resolved: queries read from one snapshot. */
  useSnapshot(): void {
    this.snapshot ??= new ReadSnapshot(this.services.dataSource);
  }

  get query(): QueryFn {
    return this.snapshot ? this.snapshot.query : (sql, params) => this.services.dataSource.query(sql, params);
  }

  async release(): Promise<void> {
    await this.snapshot?.release();
  }
}

/** The authenticated request, or UNAUTHENTICATED. */
export function requireRequest(ctx: GraphQLContext): RequestContext {
  if (!ctx.request) throw unauthenticated();
  return ctx.request;
}

export function createLoaders(services: Services, request: RequestContext | null): Loaders {
  const ws = request?.actor.workspaceId ?? '0';
  const objects = {} as Record<ObjectType, DataLoader<string, ObjectRecord | null>>;
  const tags = {} as Record<ObjectType, DataLoader<string, string[]>>;
  for (const type of OBJECT_TYPES) {
    objects[type] = new DataLoader(async (ids) => {
      const found = await services.objects.byIds(ws, type, ids);
      return ids.map((id) => found.get(id) ?? null);
    });
    tags[type] = new DataLoader(async (ids) => {
      const found = await fetchTags((s, p) => services.dataSource.query(s, p), type, ws, ids);
      return ids.map((id) => found.get(id) ?? []);
    });
  }
  const agents = new DataLoader<string, AgentEntity | null>(async (ids) => {
    const found = request ? await services.workspaces.agents(request) : [];
    const byId = new Map(found.map((a) => [String(a.id), a]));
    return ids.map((id) => byId.get(id) ?? null);
  });
  return { objects, tags, agents };
}
