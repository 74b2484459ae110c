/** `related` nodes: EXISTS / NOT EXISTS a related row (per the catalog relation) matching the nested filter. */
import { CATALOG, relationOf } from '../catalog';
import { assertNever } from '../object-types';
import { RelatedNode, SqlFragment } from './filter-tree';
import { negate } from './compile-condition';
import { param, raw, sql } from './sql';
import { Scope } from './scope';

export function compileRelated(node: RelatedNode, scope: Scope): SqlFragment {
  const relation = relationOf(scope.objectType, node.relation);
  if (!relation || relation.target !== node.target) {
    throw new Error(`filter tree: ${scope.objectType} has no relation ${node.relation} to ${node.target}`);
  }
  const r = scope.nextAlias('r');
  const join = relation.join.kind === 'own'
    ? raw(`${r}.id = ${scope.alias}.${relation.join.column}`)
    : raw(`${r}.${relation.join.column} = ${scope.alias}.id`);
  const nested = scope.compile(node.filter, { ...scope, objectType: relation.target, alias: r });
  const table = raw(CATALOG[relation.target].table);
  const inWorkspace = sql`${raw(r)}.workspace_id = ${param(scope.workspaceId)}`;
  let exists: SqlFragment;
  if (scope.form === 'correlated') {
    exists = sql`EXISTS (SELECT 1 FROM ${table} ${raw(r)} WHERE ${inWorkspace} AND ${join} AND ${nested})`;
  } else if (relation.join.kind === 'own') {
    // The reference may be NULL: tested first, so the condition is FALSE (never NULL) without one.
    const ref = raw(`${scope.alias}.${relation.join.column}`);
    exists = sql`(${ref} IS NOT NULL AND ${ref} IN (SELECT ${raw(r)}.id FROM ${table} ${raw(r)} WHERE ${inWorkspace} AND ${nested}))`;
  } else {
    // NULL references are left out of the set, so IN / NOT IN are never NULL.
    const back = raw(`${r}.${relation.join.column}`);
    exists = sql`${raw(scope.alias)}.id IN (SELECT ${back} FROM ${table} ${raw(r)} WHERE ${inWorkspace} AND ${back} IS NOT NULL AND ${nested})`;
  }
  switch (node.quantifier) {
    case 'ANY': return exists;
    case 'NONE': return negate(exists);
    default: return assertNever(node.quantifier, 'quantifier');
  }
}
