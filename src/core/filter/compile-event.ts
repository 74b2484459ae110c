/**
 * `event` nodes. S = the object's events (in the workspace) with the node's name, inside its
 * window, for which every `where` condition holds; the aggregate of S is compared with the node's
 * operator. Four forms:
 *
 * - "S is not empty" / "S is empty" (unless the next form applies): EXISTS / NOT EXISTS, correlated on the indexes
 *   (workspace_id, user_id | product_id, name, occurred_at); MariaDB rewrites them itself into a
 *   semi-join or a materialised subquery where that is cheaper (exists_to_in).
 * - In the set form (whole tables), "S is (not) empty" with a lower time bound:
 *   `row.id [NOT] IN (SELECT owner … over the window)`.
 * - In the set form, any other condition P with a lower time bound (`lastDays`, or a range with `from`):
 *   set-based, one uncorrelated subquery over that name and window (a range of the index
 *   (workspace_id, name, occurred_at, user_id)) that MariaDB materialises once:
 *   P false for an empty S: `row.id IN (SELECT owner … GROUP BY owner HAVING P)`;
 *   P true for an empty S: `row.id NOT IN (SELECT owner … GROUP BY owner HAVING NOT P)`.
 *   P is TRUE or FALSE for every group (never NULL), so `HAVING NOT P` holds exactly for the
 *   non-empty S that fail P; the owner column is never NULL in the subquery, so NOT IN is
 *   two-valued. Whether P holds for an empty S is decided here (`holdsForEmptySet`).
 * - In the set form, COUNT and FIRST/LAST_OCCURRED_AT of users without a lower time bound and
 *   without `where` conditions: the same GROUP BY forms over the index (workspace_id, name,
 *   user_id, occurred_at), which hands S's events over in user order (`streamsByUser`).
 * - Otherwise (a few restricted ids, products, `where` conditions over all time): a correlated
 *   scalar subquery per object. Over all time, measured on 1M users / 10M events (BENCHMARKS.md
 *   "Filters"): grouping a frequent name in time order (the only order there was) made ~500k
 *   groups whose temporary table outgrew the in-memory limit, 1.5–3.5× slower than the
 *   per-object form.
 *
 * SUM, AVG, MIN and MAX without `where` conditions read S's numbers from event_numbers
 * (event-numbers.ts) instead of the events' JSON, through the same forms with `prop_key = ?`
 * beside the name (except one product's S: `readsNumbers`). There the set form is used over all
 * time too: its index (workspace_id, name, prop_key, user_id, …) hands the rows over in user
 * order, so the GROUP BY streams without a temporary table (1M users / 1.1M numbers: ~10× faster
 * than a lookup per user).
 */
import { CATALOG } from '../catalog';
import { assertNever } from '../object-types';
import { ConditionValue, EventNode, PropertyCondition, SqlFragment, TimeWindow } from './filter-tree';
import { compileCondition, negate } from './compile-condition';
import { daysBefore } from './dialect';
import { EVENT_NUMBERS_TABLE } from './event-numbers';
import { jsonOperand, jsonPresence, nullableOperand } from './operand';
import { join, param, raw, sql } from './sql';
import { Scope } from './scope';

export function compileEvent(node: EventNode, scope: Scope): SqlFragment {
  const e = scope.nextAlias('e');
  const exists = existence(node);
  const id = raw(`${scope.alias}.id`);
  const owner = raw(`${e}.${ownerColumn(scope)}`);
  // The set-based forms read a whole window of events once: right for a whole table, far too
  // much for the few ids of a real-time evaluation, which look up each id's events instead.
  const overWindow = scope.form === 'set' && setBased(node, scope);
  if (exists !== null) {
    if (overWindow) {
      // MariaDB turns EXISTS into a semi-join itself, but not NOT EXISTS inside INSERT … SELECT
      // (a dependent subquery per row, BENCHMARKS.md "Sync"): both as IN / NOT IN over the window.
      const owners = sql`SELECT ${owner} FROM events ${raw(e)} WHERE ${setFilter(node, scope, e)}`;
      return exists ? sql`(${id} IN (${owners}))` : sql`(${id} NOT IN (${owners}))`;
    }
    const subquery = sql`EXISTS (SELECT 1 FROM events ${raw(e)} WHERE ${eventFilter(node, scope, e)})`;
    return exists ? subquery : negate(subquery);
  }
  // All time (no lower bound) for every user at once: one range of the name, in user order.
  const byUser = scope.form === 'set' && !overWindow && streamsByUser(node, scope);
  const rows = rowsOf(node, scope, e, byUser);
  if (!overWindow && !byUser) {
    const aggregate = sql`(SELECT ${aggregateOf(node, scope, e)} FROM ${rows} WHERE ${eventFilter(node, scope, e)})`;
    return compileCondition(nullableOperand(aggregate), node, scope.now);
  }
  const holds = compileCondition(nullableOperand(aggregateOf(node, scope, e)), node, scope.now);
  const emptyMatches = holdsForEmptySet(node);
  const owners = sql`SELECT ${owner} FROM ${rows} WHERE ${setFilter(node, scope, e)} GROUP BY ${owner} HAVING ${emptyMatches ? complement(holds) : holds}`;
  // IN: an id set (one row per owner after the GROUP BY), which a statement may join instead.
  if (emptyMatches) return sql`(${id} NOT IN (${owners}))`;
  return { ...sql`(${id} IN (${owners}))`, idSet: { select: owners, column: ownerColumn(scope) } };
}

/**
 * Whether the node is evaluated per object (a correlated subquery for each row it is asked for)
 * rather than from one uncorrelated set: statements test such conditions last.
 */
export function perObject(node: EventNode, scope: Scope): boolean {
  return !(scope.form === 'set' && (setBased(node, scope) || (existence(node) === null && streamsByUser(node, scope))));
}

/**
 * Whether an aggregate without a lower time bound (all time, or up to `to`) of every user's S is
 * read at once from the index (workspace_id, name, user_id, occurred_at): S's events of all users
 * arrive in user order, so `GROUP BY user_id` streams, covering for COUNT and FIRST/LAST (1M users
 * / 1.1M events of a name: 0.25 s, where a lookup per user costs ~3 µs each and grouping in time
 * order spills ~500k groups to disk). Not with `where` conditions (each event's JSON would be
 * read, also for users that other conditions rule out), nor for "S is (not) empty", which stays
 * EXISTS (MariaDB semi-joins it itself).
 */
function streamsByUser(node: EventNode, scope: Scope): boolean {
  if (ownerColumn(scope) !== 'user_id' || node.where.length > 0) return false;
  if (node.window && !(node.window.kind === 'range' && node.window.from === null)) return false;
  return node.aggregate === 'COUNT' || node.aggregate === 'FIRST_OCCURRED_AT' || node.aggregate === 'LAST_OCCURRED_AT';
}

/** The index of `streamsByUser` (migration 1764400010000); MariaDB prefers the time-ordered one, which needs a temporary table. */
const USER_ORDER_INDEX = 'ix_name_user_time';

/**
 * Whether the set-based form reads less than a lookup per object: S has a lower time bound (a
 * range of recent events), or S's numbers come from event_numbers, where even all time is one
 * covering range read in owner order.
 */
function setBased(node: EventNode, scope: Scope): boolean {
  if (readsNumbers(node, scope)) return true;
  const { window } = node;
  if (!window) return false;
  switch (window.kind) {
    case 'lastDays': return true;
    case 'range': return window.from !== null;
    default: return assertNever(window, 'time window');
  }
}

/**
 * Whether the node's aggregate reads event_numbers rather than events: SUM, AVG, MIN and MAX of
 * S without `where` conditions. Events in S without a numeric `property` add nothing to these
 * aggregates (SUM 0, the others missing when no event has one), so the rows of S that carry the
 * number are enough. With `where` conditions the JSON of each event is parsed anyway, and the
 * events' own JSON form measured as fast as joining event_numbers back to events
 * (BENCHMARKS.md "Filters", 2). One product's S (a few restricted products) also stays on
 * events: event_numbers' indexes start with the name (each index costs ingestion), and events'
 * (workspace, product, name, time) index finds that product's events directly.
 */
function readsNumbers(node: EventNode, scope: Scope): boolean {
  switch (node.aggregate) {
    case 'SUM': case 'AVG': case 'MIN': case 'MAX':
      return node.where.length === 0 && !(scope.form === 'correlated' && ownerColumn(scope) === 'product_id');
    case 'COUNT': case 'FIRST_OCCURRED_AT': case 'LAST_OCCURRED_AT': return false;
    default: return assertNever(node.aggregate, 'event aggregate');
  }
}

/** The table S is read from, aliased `e` (event_numbers has the columns of events the filters read). */
const rowsOf = (node: EventNode, scope: Scope, e: string, byUser = false): SqlFragment =>
  raw(readsNumbers(node, scope) ? `${EVENT_NUMBERS_TABLE} ${e}` : byUser ? `events ${e} FORCE INDEX (${USER_ORDER_INDEX})` : `events ${e}`);

/**
 * NOT of a compiled condition, without a double NOT: a condition starts with `NOT ` only when
 * `negate` made it (the positive ones are parenthesised or a function call), and what follows
 * the `NOT ` is then itself a complete, parenthesised or function-call condition.
 */
function complement(condition: SqlFragment): SqlFragment {
  return condition.sql.startsWith('NOT ') ? { sql: condition.sql.slice('NOT '.length), params: condition.params } : negate(condition);
}

export function ownerColumn(scope: Pick<Scope, 'objectType'>): 'user_id' | 'product_id' {
  const owner = CATALOG[scope.objectType].eventColumn;
  if (!owner) throw new Error(`filter tree: ${scope.objectType} has no events`);
  return owner;
}

/** The WHERE of S for one object: workspace, owner = the row, name, window, then each property condition. */
function eventFilter(node: EventNode, scope: Scope, e: string): SqlFragment {
  const owner = ownerColumn(scope);
  return join([
    sql`${raw(e)}.workspace_id = ${param(scope.workspaceId)}`,
    raw(`${e}.${owner} = ${scope.alias}.id`),
    ...selection(node, scope, e),
  ], ' AND ');
}

/** The WHERE of every object's S at once (uncorrelated): workspace, name, an owner, window, property conditions. */
function setFilter(node: EventNode, scope: Scope, e: string): SqlFragment {
  const owner = ownerColumn(scope);
  return join([
    sql`${raw(e)}.workspace_id = ${param(scope.workspaceId)}`,
    ...which(node, scope, e),
    // user_id is NOT NULL; product_id is not, and a NULL in a NOT IN list would make it NULL.
    ...(owner === 'product_id' ? [raw(`${e}.product_id IS NOT NULL`)] : []),
    ...when(node, scope, e),
  ], ' AND ');
}

/** Name (and the property key in event_numbers), window, property conditions. */
function selection(node: EventNode, scope: Scope, e: string): SqlFragment[] {
  return [...which(node, scope, e), ...when(node, scope, e)];
}

/** The name of S's events and, in event_numbers, the key of the aggregated property. */
function which(node: EventNode, scope: Scope, e: string): SqlFragment[] {
  const name = sql`${raw(e)}.name = ${param(node.name)}`;
  return readsNumbers(node, scope) ? [name, sql`${raw(e)}.prop_key = ${param(propertyOf(node))}`] : [name];
}

/** The window and the `where` conditions of S. */
function when(node: EventNode, scope: Scope, e: string): SqlFragment[] {
  return [...windowConditions(node.window, e, scope.now), ...node.where.map((c) => propertyCondition(c, e, scope.now))];
}

function propertyOf(node: EventNode): string {
  if (!node.property) throw new Error(`filter tree: ${node.aggregate} without a property`);
  return node.property;
}

export function windowConditions(window: TimeWindow | null, e: string, now: Date): SqlFragment[] {
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

export function propertyCondition(condition: PropertyCondition, e: string, now: Date): SqlFragment {
  const doc = raw(`${e}.properties`);
  if (condition.type !== 'ANY') return compileCondition(jsonOperand(doc, condition.property, condition.type), condition, now);
  const present = jsonPresence(doc, condition.property);
  switch (condition.operator) {
    case 'IS_SET': return present;
    case 'IS_NOT_SET': return negate(present);
    default: throw new Error(`filter tree: ${condition.operator} on an untyped event property`);
  }
}

/** The aggregate of S over the rows `e` of `rowsOf` (NULL where SEMANTICS.md says "missing"). */
function aggregateOf(node: EventNode, scope: Scope, e: string): SqlFragment {
  const number = (): SqlFragment => {
    // event_numbers holds only JSON numbers: a non-number never has a row there.
    if (readsNumbers(node, scope)) return raw(`${e}.num_value`);
    const operand = jsonOperand(raw(`${e}.properties`), propertyOf(node), 'NUMBER');
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
 * Whether the node holds for an object with no event in S (SEMANTICS.md "Filters"): COUNT and
 * SUM are 0 then, and the comparison is made on 0; AVG, MIN, MAX, FIRST_OCCURRED_AT and
 * LAST_OCCURRED_AT are missing, which fails every positive operator and passes the negated
 * ones (NEQ, NOT_IN, IS_NOT_SET).
 */
function holdsForEmptySet(node: EventNode): boolean {
  const { aggregate, operator, value } = node;
  if (aggregate !== 'COUNT' && aggregate !== 'SUM') {
    return operator === 'NEQ' || operator === 'NOT_IN' || operator === 'NOT_CONTAINS' || operator === 'IS_NOT_SET';
  }
  const x = 0;
  switch (operator) {
    case 'EQ': return x === numberOf(value);
    case 'NEQ': return x !== numberOf(value);
    case 'GT': return x > numberOf(value);
    case 'GTE': return x >= numberOf(value);
    case 'LT': return x < numberOf(value);
    case 'LTE': return x <= numberOf(value);
    case 'BETWEEN': {
      const [low, high] = numbersOf(value);
      return low <= x && x <= high;
    }
    case 'IN': return numbersOf(value).includes(x);
    case 'NOT_IN': return !numbersOf(value).includes(x);
    case 'IS_SET': return true;
    case 'IS_NOT_SET': return false;
    default: throw new Error(`filter tree: ${operator} on the ${aggregate} of events`);
  }
}

// The tree is validated: these only narrow the value's type, and fail loudly on a broken tree.

function numberOf(value: ConditionValue): number {
  if (typeof value !== 'number') throw new Error('filter tree: expected a number');
  return value;
}

function numbersOf(value: ConditionValue): number[] {
  if (!Array.isArray(value) || value.length === 0) throw new Error('filter tree: expected a non-empty array of numbers');
  return value.map((v) => numberOf(v));
}

/**
 * The aggregate of S alone, as a scalar subquery (NULL where SEMANTICS.md says "missing"):
 * what `explainMembership` reports as the data an event node saw.
 */
export function compileEventAggregate(node: EventNode, scope: Scope): SqlFragment {
  const e = scope.nextAlias('e');
  return sql`(SELECT ${aggregateOf(node, scope, e)} FROM ${rowsOf(node, scope, e)} WHERE ${eventFilter(node, scope, e)})`;
}
