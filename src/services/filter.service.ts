/**
 * Filters against the workspace: loads what validation needs (custom attribute types, lists,
 * segments), validates the GraphQL input into the core's tree, and compiles it. The compiled
 * predicate serves `objects`, `previewSegment`, segment syncs and real-time checks alike.
 */
import { DataSource } from 'typeorm';
import { compilePredicate, compileCountQuery } from '../core/filter/compiler';
import type { FilterNode, SqlFragment } from '../core/filter/filter-tree';
import { validateFilter, ValidationContext } from '../core/filter/validate-filter';
import { FieldType, OBJECT_TYPES, ObjectType } from '../core/object-types';
import type { AttributeService } from './attribute.service';
import type { Actor, RequestContext } from './context';
import type { ListService } from './list.service';

/**
 * The segments of a workspace a filter may read, with their object types: those visible to
 * `viewer`, or all of them for the system (syncs). Provided by the segment module.
 */
export type SegmentTypesLookup = (workspaceId: string, viewer: Actor | null) => Promise<ReadonlyMap<string, ObjectType>>;

export class FilterService {
  private segmentTypes: SegmentTypesLookup = async () => new Map();

  constructor(
    private readonly ds: DataSource,
    private readonly attributes: AttributeService,
    private readonly lists: ListService,
  ) {}

  /** Lets the segment module tell validation which segments exist (set once at wiring). */
  useSegmentTypes(lookup: SegmentTypesLookup): void {
    this.segmentTypes = lookup;
  }

  /** What `validateFilter` needs to know of the workspace. */
  async validationContext(workspaceId: string, objectType: ObjectType, viewer: Actor | null): Promise<ValidationContext> {
    const [listTypes, segmentTypes, ...attrTypes] = await Promise.all([
      this.lists.typesById(workspaceId),
      this.segmentTypes(workspaceId, viewer),
      ...OBJECT_TYPES.map((t) => this.attributes.typesOf(workspaceId, t)),
    ]);
    const byType = new Map<ObjectType, ReadonlyMap<string, FieldType>>(OBJECT_TYPES.map((t, i) => [t, attrTypes[i]]));
    return { objectType, attributeTypes: (t: ObjectType) => byType.get(t) ?? new Map(), listTypes, segmentTypes };
  }

  /** Validates a GraphQL filter input; BAD_USER_INPUT naming the bad node's path. */
  async validate(request: RequestContext, objectType: ObjectType, input: unknown, path = 'filter'): Promise<FilterNode> {
    const ctx = await this.validationContext(request.actor.workspaceId, objectType, request.actor);
    return validateFilter(toPlain(input), ctx, path);
  }

  /**
   * Validates a stored filter for the system (a sync): every segment of the workspace is readable.
   * Successful results are cached briefly: a stored filter that validated stays valid (attribute
   * types never change; lists and segments a filter reads cannot be deleted), and real-time
   * evaluation validates the same filters on every burst of writes.
   */
  async validateStored(workspaceId: string, objectType: ObjectType, filter: unknown): Promise<FilterNode> {
    const key = `${workspaceId}|${objectType}|${JSON.stringify(filter)}`;
    const hit = this.storedCache.get(key);
    if (hit && hit.until > Date.now()) return hit.node;
    const node = validateFilter(filter, await this.validationContext(workspaceId, objectType, null), 'filter');
    if (this.storedCache.size >= 1000) this.storedCache.delete(this.storedCache.keys().next().value as string);
    this.storedCache.set(key, { node, until: Date.now() + 30_000 });
    return node;
  }

  private readonly storedCache = new Map<string, { node: FilterNode; until: number }>();

  /** The compiled predicate over alias `o`, evaluated at `now`. */
  async predicate(request: RequestContext, objectType: ObjectType, input: unknown, now = new Date()): Promise<SqlFragment> {
    const tree = await this.validate(request, objectType, input);
    return compilePredicate(tree, { workspaceId: request.actor.workspaceId, objectType, now, form: 'set' });
  }

  /** How many objects a validated tree selects now. */
  async count(workspaceId: string, objectType: ObjectType, tree: FilterNode, now = new Date()): Promise<number> {
    const q = compileCountQuery(tree, { workspaceId, objectType, now });
    const [{ n }] = (await this.ds.query(q.sql, [...q.params])) as Array<{ n: string }>;
    return Number(n);
  }
}

/**
 * GraphQL input objects arrive as class instances with absent fields undefined; validation
 * reads plain JSON-like data, so strip the undefined keys (and keep nulls, which mean "absent").
 */
export function toPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toPlain);
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toPlain(v);
    return out;
  }
  return value;
}
