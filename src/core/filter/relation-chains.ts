/**
 * Which object types a filter reads, through which relation chains, and what it reads of them:
 * the real-time evaluator uses this to find, for objects of type T that a write touched, the
 * objects of the segment's type whose result may have changed, and to skip segments a write
 * cannot change (an order_completed filter is not re-evaluated for a page_view). Pure.
 */
import { CATALOG, RelationDef } from '../catalog';
import { assertNever, ObjectType } from '../object-types';
import { eventNameKey } from './event-names';
import type { FilterNode } from './filter-tree';

/** What a filter reads of the objects at the end of one chain, besides their own fields. */
export interface ChainReads {
  /** Names of the events it aggregates, as `eventNameKey`s. */
  readonly events: ReadonlySet<string>;
  readonly tags: boolean;
  readonly lists: boolean;
}

export interface RelationChain {
  /** Relations followed from the segment's type, in order; empty for the type itself. */
  readonly relations: readonly RelationDef[];
  /** Type of the objects at the end of the chain. */
  readonly target: ObjectType;
  /** What the filter reads at the end of this chain (nodes at that level, not deeper ones). */
  readonly reads: ChainReads;
}

/** What a write did to the objects it touched (see services/change-feed.ts). */
export interface WriteKind {
  readonly cause: 'upsert' | 'event' | 'tag' | 'list' | 'delete';
  /** For `event`: the names of the events written; all names when absent. */
  readonly eventNames?: readonly string[];
  /** For `event`: the earliest and latest `occurredAt` of the events written, when known. */
  readonly eventTimes?: { readonly from: Date; readonly to: Date };
}

/**
 * Whether a write of `kind` to objects at the end of `chain` can change the filter's result.
 * An upsert or a delete can change anything (fields, relations, existence); events, tags and
 * list memberships change only the nodes that read them. (A `segment` node follows the other
 * segment's changes through DEPENDENCY, not through writes.)
 */
export function chainAffectedBy(chain: RelationChain, kind: WriteKind): boolean {
  switch (kind.cause) {
    case 'upsert':
    case 'delete':
      return true;
    case 'event':
      // Names compare as the column does: a "Purchase" written is a "purchase" read.
      return kind.eventNames === undefined ? chain.reads.events.size > 0 : kind.eventNames.some((n) => chain.reads.events.has(eventNameKey(n)));
    case 'tag':
      return chain.reads.tags;
    case 'list':
      return chain.reads.lists;
    default:
      return assertNever(kind.cause, 'write kind');
  }
}

/** Every chain the filter follows, including the empty chain of the root type; no duplicates. */
export function relationChains(root: FilterNode, rootType: ObjectType): RelationChain[] {
  const out = new Map<string, { relations: readonly RelationDef[]; target: ObjectType; events: Set<string>; tags: boolean; lists: boolean }>();
  const chainOf = (path: readonly RelationDef[], target: ObjectType) => {
    const key = path.map((r) => r.relation).join('.');
    let chain = out.get(key);
    if (!chain) out.set(key, (chain = { relations: path, target, events: new Set(), tags: false, lists: false }));
    return chain;
  };
  chainOf([], rootType);
  const visit = (node: FilterNode, type: ObjectType, path: readonly RelationDef[]): void => {
    switch (node.kind) {
      case 'and':
      case 'or':
        node.children.forEach((c) => visit(c, type, path));
        return;
      case 'not':
        visit(node.child, type, path);
        return;
      case 'related': {
        const relation = CATALOG[type].relations.find((r) => r.relation === node.relation);
        if (!relation) return;
        const next = [...path, relation];
        chainOf(next, relation.target);
        visit(node.filter, relation.target, next);
        return;
      }
      case 'event':
        chainOf(path, type).events.add(eventNameKey(node.name));
        return;
      case 'tag':
        chainOf(path, type).tags = true;
        return;
      case 'list':
        chainOf(path, type).lists = true;
        return;
      case 'attribute': case 'segment':
        return;
      default:
        assertNever(node, 'filter node');
    }
  };
  visit(root, rootType, []);
  return [...out.values()].map((c) => ({ relations: c.relations, target: c.target, reads: { events: c.events, tags: c.tags, lists: c.lists } }));
}
