/**
 * The FROM and WHERE of a statement over a whole table (counts, matching ids, fingerprints, a
 * sync's staging): which rows are read first, and in which order the conditions are tested.
 *
 * The filter's top-level conjunction is split. Its id sets (conditions that are exactly
 * `o.id IN (<uncorrelated select yielding each id at most once>)`, SqlFragment.idSet: tags, list
 * and segment membership, positive custom-attribute conditions, set-based event aggregates that
 * an empty S fails) are joined as derived tables, and the object table is read after them, by
 * primary key, only for the ids in all of them:
 *
 *   FROM (<set 1>) d1 JOIN (<set 2>) d2 ON d2.c = d1.c … STRAIGHT_JOIN users o ON o.id = d1.c
 *   WHERE o.workspace_id = ? AND <the other conditions>
 *
 * Each set yields an id at most once, so the join yields each object at most once, and exactly
 * when every IN condition holds: the rows of `WHERE o.workspace_id = ? AND o.id IN (…) AND …`.
 * The object's row is read for every id, unless nothing else is tested and one of the sets is
 * known to hold only ids of the workspace's objects (IdSet.ofExistingObjects: tags, lists and
 * custom-attribute values, which the writes keep so; the schema has no foreign keys that would):
 * then the statement reads the sets alone, `FROM (SELECT d1.c AS id FROM (<set 1>) d1 …) o`.
 *
 * Why the fixed order (BENCHMARKS.md "Filters", 1M users, one workspace): MariaDB estimates a
 * GROUP BY's output as its input and the workspace's ref on the object table as half of it, so
 * on its own it reads every object and probes the set (an event COUNT in 30 days: 273 ms, 74 ms
 * driven by the set), or reads each object's row between two attribute ranges instead of after
 * both (custom-date: 1.3 s, 0.78 s); and a correlated condition beside a set ran for every
 * object the scan passed instead of the set's (retention: 7.2 s, 1.1 s). The price: the sets are
 * read whole even where a very selective condition on an indexed column of the object would
 * have been the better start (at most one primary-key lookup per id of the driving set).
 *
 * The other conditions are tested in order of cost (a stable sort, so the filter's order
 * otherwise): the row's own columns first, then uncorrelated sets (probes of a subquery run
 * once), and last the conditions evaluated by a correlated subquery per object, which then run
 * only for the objects that passed everything else. Every condition is TRUE or FALSE and has no
 * side effect, so their order does not change the result.
 */
import { assertNever } from '../object-types';
import { FilterNode, IdSet, SqlFragment } from './filter-tree';
import { perObject } from './compile-event';
import { join, param, raw, sql } from './sql';
import { Scope } from './scope';

/**
 * At most this many sets are joined (the first ones of the filter); the others stay `o.id IN (…)`
 * tests. MariaDB joins at most 61 tables, and a filter may have 200 conditions; a few sets
 * already leave few ids to look up.
 */
const MAX_JOINED_SETS = 6;

/** `FROM … WHERE …` selecting the rows of `table` (aliased `scope.alias`) that match `node`, in `scope`'s workspace. */
export function compileWholeTable(node: FilterNode, scope: Scope, table: string): SqlFragment {
  const o = scope.alias;
  const conjuncts = conjunctsOf(node).map((n) => ({ compiled: scope.compile(n, scope), cost: costOf(n, scope) }));
  const joined = new Set(conjuncts.filter((c) => c.compiled.idSet).slice(0, MAX_JOINED_SETS));
  const sets = [...joined].flatMap((c) => (c.compiled.idSet ? [c.compiled.idSet] : []));
  const tests = conjuncts.filter((c) => !joined.has(c)).sort((a, b) => a.cost - b.cost).map((c) => c.compiled);
  const where = join([sql`${raw(o)}.workspace_id = ${param(scope.workspaceId)}`, ...tests], ' AND ');
  if (sets.length === 0) return sql`FROM ${raw(table)} ${raw(o)} WHERE ${where}`;
  const derived = sets.map((set) => ({ set, alias: scope.nextAlias('d') }));
  const key = (d: { set: IdSet; alias: string }): SqlFragment => raw(`${d.alias}.${d.set.column}`);
  const [first, ...others] = derived;
  const from = join([
    sql`(${first.set.select}) ${raw(first.alias)}`,
    ...others.map((d) => sql`JOIN (${d.set.select}) ${raw(d.alias)} ON ${key(d)} = ${key(first)}`),
  ], ' ');
  // Nothing to test on the object's row, and the ids are known to be objects of the workspace:
  // the sets alone, as a derived table with the object's alias and its `id` (a tag alone: the
  // tag's index range, without a primary-key lookup of each object).
  if (tests.length === 0 && sets.some((set) => set.ofExistingObjects)) return sql`FROM (SELECT ${key(first)} AS id FROM ${from}) ${raw(o)}`;
  // STRAIGHT_JOIN: the object table after all the sets (the order of the sets is MariaDB's).
  return sql`FROM ${from} STRAIGHT_JOIN ${raw(table)} ${raw(o)} ON ${raw(o)}.id = ${key(first)} WHERE ${where}`;
}

/** The conditions of a top-level `and` (nested `and`s flattened), or the node alone. */
function conjunctsOf(node: FilterNode): FilterNode[] {
  return node.kind === 'and' ? node.children.flatMap(conjunctsOf) : [node];
}

/**
 * 0: a test of the row's own columns; 1: membership in an uncorrelated set (run once); 2: a
 * correlated subquery per object (an event condition that is not set-based).
 */
function costOf(node: FilterNode, scope: Scope): number {
  switch (node.kind) {
    case 'attribute': return node.field.kind === 'standard' ? 0 : 1;
    case 'tag': case 'list': case 'segment': case 'related': return 1;
    case 'event': return perObject(node, scope) ? 2 : 1;
    case 'and': case 'or': return Math.max(...node.children.map((c) => costOf(c, scope)));
    case 'not': return costOf(node.child, scope);
    default: return assertNever(node, 'filter node');
  }
}
