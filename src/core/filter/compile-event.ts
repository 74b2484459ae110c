/**
 * `event` nodes. S = the object's events (in the workspace) with the node's name, inside its
 * window, for which every `where` condition holds; the aggregate of S is compared with the node's
 * operator. The subqueries are correlated on the indexes (workspace_id, user_id | product_id,
 * name, occurred_at), and "at least one" / "none" become EXISTS / NOT EXISTS.
 */
import { CATALOG } from '../catalog';
import { assertNever } from '../object-types';
import { EventNode, PropertyCondition, SqlFragment, TimeWindow } from './filter-tree';
import { compileCondition, negate } from './compile-condition';
import { daysBefore } from './dialect';
import { jsonOperand, jsonPresence, nullableOperand } from './operand';
import { join, param, raw, sql } from './sql';
import { Scope } from './scope';

export function compileEvent(node: EventNode, scope: Scope): SqlFragment {
  const e = scope.nextAlias('e');
  const from = sql`FROM events ${raw(e)} WHERE ${eventFilter(node, scope, e)}`;
  const exists = existence(node);
  if (exists !== null) {
    const subquery = sql`EXISTS (SELECT 1 ${from})`;
    return exists ? subquery : negate(subquery);
  }
  const aggregate = sql`(SELECT ${aggregateOf(node, e)} ${from})`;
  return compileCondition(nullableOperand(aggregate), node, scope.now);
}

/** The WHERE of S: workspace, owner, name, window, then each property condition. */
function eventFilter(node: EventNode, scope: Scope, e: string): SqlFragment {
  const owner = CATALOG[scope.objectType].eventColumn;
  if (!owner) throw new Error(`filter tree: ${scope.objectType} has no events`);
  const parts = [
    sql`${raw(e)}.workspace_id = ${param(scope.workspaceId)}`,
    raw(`${e}.${owner} = ${scope.alias}.id`),
    sql`${raw(e)}.name = ${param(node.name)}`,
    ...windowConditions(node.window, e, scope.now),
    ...node.where.map((c) => propertyCondition(c, e, scope.now)),
  ];
  return join(parts, ' AND ');
}

function windowConditions(window: TimeWindow | null, e: string, now: Date): SqlFragment[] {
  if (!window) return [];
  const at = raw(`${e}.occurred_at`);
  switch (window.kind) {
    case 'lastDays': return [sql`${at} >= ${param(daysBefore(now, window.days))}`];
    case 'range': return [
      ...(window.from ? [sql`${at} >= ${param(window.from)}`] : []),
      ...(window.to ? [sql`${at} <= ${param(window.to)}`] : []),
    ];
    default: return assertNever(window, 'time window');
  }
}

function propertyCondition(condition: PropertyCondition, e: string, now: Date): SqlFragment {
  const doc = raw(`${e}.properties`);
  if (condition.type !== 'ANY') return compileCondition(jsonOperand(doc, condition.property, condition.type), condition, now);
  const present = jsonPresence(doc, condition.property);
  switch (condition.operator) {
    case 'IS_SET': return present;
    case 'IS_NOT_SET': return negate(present);
    default: throw new Error(`filter tree: ${condition.operator} on an untyped event property`);
  }
}

function aggregateOf(node: EventNode, e: string): SqlFragment {
  const number = (): SqlFragment => {
    if (!node.property) throw new Error(`filter tree: ${node.aggregate} without a property`);
    const operand = jsonOperand(raw(`${e}.properties`), node.property, 'NUMBER');
    return sql`CASE WHEN ${operand.present ?? raw('TRUE')} THEN ${operand.value} END`;
  };
  switch (node.aggregate) {
    case 'COUNT': return raw('COUNT(*)');
    case 'SUM': return sql`COALESCE(SUM(${number()}), 0)`;
    case 'AVG': return sql`AVG(${number()})`;
    case 'MIN': return sql`MIN(${number()})`;
    case 'MAX': return sql`MAX(${number()})`;
    case 'FIRST_OCCURRED_AT': return raw(`MIN(${e}.occurred_at)`);
    case 'LAST_OCCURRED_AT': return raw(`MAX(${e}.occurred_at)`);
    default: return assertNever(node.aggregate, 'event aggregate');
  }
}

/**
 * Whether the node is just "S is not empty" (true) or "S is empty" (false); null otherwise.
 * COUNT ≥ k for 0 < k ≤ 1 (and the like) and IS_SET on the first/last time are such nodes.
 */
function existence(node: EventNode): boolean | null {
  const { aggregate, operator, value } = node;
  if (aggregate === 'FIRST_OCCURRED_AT' || aggregate === 'LAST_OCCURRED_AT') {
    return operator === 'IS_SET' ? true : operator === 'IS_NOT_SET' ? false : null;
  }
  if (aggregate !== 'COUNT' || typeof value !== 'number') return null;
  const k = value;
  if ((operator === 'GTE' && k > 0 && k <= 1) || (operator === 'GT' && k >= 0 && k < 1) || (operator === 'NEQ' && k === 0)) return true;
  if ((operator === 'LT' && k > 0 && k <= 1) || (operator === 'LTE' && k >= 0 && k < 1) || (operator === 'EQ' && k === 0)) return false;
  return null;
}

/**
 * The aggregate of S alone, as a scalar subquery (NULL where SEMANTICS.md says "missing"):
 * what `explainMembership` reports as the data an event node saw.
 */
export function compileEventAggregate(node: EventNode, scope: Scope): SqlFragment {
  const e = scope.nextAlias('e');
  return sql`(SELECT ${aggregateOf(node, e)} FROM events ${raw(e)} WHERE ${eventFilter(node, scope, e)})`;
}
