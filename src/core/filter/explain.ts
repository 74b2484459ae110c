/**
 * For `explainMembership`: every node of a tree with its path (as in the input, e.g.
 * `and.1.or.0`; the root is the empty path), its predicate, and an SQL expression of the data
 * it reads where the data is not simply a field of the object (event aggregates, counts of
 * related objects). Nodes inside a `related` filter are evaluated for the related objects, so
 * the walk stops at the `related` node and reports how many related objects match.
 */
import { CATALOG, relationOf } from '../catalog';
import { assertNever } from '../object-types';
import { compileEventAggregate } from './compile-event';
import { compilePredicate, CompileOptions } from './compiler';
import type { FilterNode, SqlFragment } from './filter-tree';
import { param, raw, sql } from './sql';

export interface ExplainedNode {
  readonly path: string;
  readonly node: FilterNode;
  readonly predicate: SqlFragment;
  /** The data the node saw, as SQL over the object's row `o`; null when it is a field read in JS. */
  readonly actual: SqlFragment | null;
}

export function explainPlan(root: FilterNode, options: CompileOptions): ExplainedNode[] {
  const out: ExplainedNode[] = [];
  let counter = 0;
  const visit = (node: FilterNode, path: string): void => {
    const predicate = compilePredicate(node, { ...options, alias: 'o' });
    out.push({ path, node, predicate, actual: actualOf(node, options, () => ++counter) });
    const child = (suffix: string) => (path ? `${path}.${suffix}` : suffix);
    switch (node.kind) {
      case 'and':
      case 'or':
        node.children.forEach((c, i) => visit(c, child(`${node.kind}.${i}`)));
        return;
      case 'not':
        visit(node.child, child('not'));
        return;
      case 'attribute': case 'event': case 'tag': case 'list': case 'segment': case 'related':
        return;
      default:
        assertNever(node, 'filter node');
    }
  };
  visit(root, '');
  return out;
}

function actualOf(node: FilterNode, options: CompileOptions, next: () => number): SqlFragment | null {
  switch (node.kind) {
    case 'event': {
      const n = next();
      return compileEventAggregate(node, {
        workspaceId: options.workspaceId, objectType: options.objectType, alias: 'o', now: options.now, form: 'correlated',
        nextAlias: (prefix) => `${prefix}${n}x`, compile: () => { throw new Error('not used'); },
      });
    }
    case 'related': {
      const relation = relationOf(options.objectType, node.relation)!;
      const r = `rel${next()}`;
      const join = relation.join.kind === 'own' ? raw(`${r}.id = o.${relation.join.column}`) : raw(`${r}.${relation.join.column} = o.id`);
      const nested = compilePredicate(node.filter, { ...options, objectType: relation.target, alias: r });
      return sql`(SELECT COUNT(*) FROM ${raw(CATALOG[relation.target].table)} ${raw(r)} WHERE ${raw(r)}.workspace_id = ${param(options.workspaceId)} AND ${join} AND ${nested})`;
    }
    default:
      return null;
  }
}
