/**
 * Which object types a filter reads, and through which relation chains: the real-time
 * evaluator uses this to find, for objects of type T that a write touched, the objects of the
 * segment's type whose result may have changed. Pure.
 */
import { CATALOG, RelationDef } from '../catalog';
import { assertNever, ObjectType } from '../object-types';
import type { FilterNode } from './filter-tree';

export interface RelationChain {
  /** Relations followed from the segment's type, in order; empty for the type itself. */
  readonly relations: readonly RelationDef[];
  /** Type of the objects at the end of the chain. */
  readonly target: ObjectType;
}

/** Every chain the filter follows, including the empty chain of the root type; no duplicates. */
export function relationChains(root: FilterNode, rootType: ObjectType): RelationChain[] {
  const out = new Map<string, RelationChain>();
  out.set('', { relations: [], target: rootType });
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
        out.set(next.map((r) => r.relation).join('.'), { relations: next, target: relation.target });
        visit(node.filter, relation.target, next);
        return;
      }
      case 'attribute': case 'event': case 'tag': case 'list': case 'segment':
        return;
      default:
        assertNever(node, 'filter node');
    }
  };
  visit(root, rootType, []);
  return [...out.values()];
}
