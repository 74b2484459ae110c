/**
 * When can time alone change an object's result? For a filter tree and a moment `now`, the
 * "next change" query lists, for every object whose result could flip after `now` with no write
 * at all, the earliest moment at which that can happen. The freshness bookkeeping keeps these
 * moments in an indexed table and re-evaluates an object (the restricted predicate) once its
 * moment has come, instead of sweeping everybody (issue "Freshness").
 *
 * How: every time-relative condition is a source of candidate moments, `SELECT <object id>,
 * <moment> …`; and/or/not contribute the union of their children's sources (a change of a child
 * is the only way the parent can change), `related` lifts its child's sources to the related
 * objects' owners, and the query keeps the earliest candidate per object. A candidate may be
 * early (the object is merely re-evaluated and its next moment recomputed), never late.
 *
 * Candidates, with k = floor(n days in ms) + 1 ms (times are whole milliseconds; see daysBefore):
 * - WITHIN_LAST_DAYS n / MORE_THAN_DAYS_AGO n on a date x (`now − n ≤ x ≤ now`, `x < now − n`):
 *   x itself while x is in the future (it enters the window then), else x + k, the first
 *   millisecond at which x is more than n days old. Objects with x + k ≤ now never change.
 * - an event window `lastDays n` (`occurredAt ≥ now − n`, no upper bound): events only leave it,
 *   each at occurredAt + k; the earliest leaving event of the window (the latest one for "S is
 *   empty / not empty", which only flips when the last one leaves).
 * - FIRST/LAST_OCCURRED_AT compared with relative days: the rule of a date x, on the aggregate
 *   as it is at `now` (the window's own candidates cover the aggregate changing).
 * - a relative `where` condition on an event's DATE property: the rule of a date x per event.
 * `segment` nodes read another segment's cached results, which change only through that
 * segment's own syncs and re-evaluations; those propagate to dependants on their own.
 *
 * Pure, like the compiler: identifiers come from the catalog, every value is a parameter.
 */
import { ATTRIBUTE_KEY_PATTERN, CATALOG, RelationDef, relationOf, standardField } from '../catalog';
import { assertNever, OBJECT_TYPE_CODE, ObjectType } from '../object-types';
import { ATTRIBUTE_VALUES_TABLE, VALUE_COLUMN } from './attribute-values';
import { AttributeNode, EventNode, FilterNode, PropertyCondition, SqlFragment } from './filter-tree';
import { ownerColumn, propertyCondition, windowConditions } from './compile-event';
import { DAY_MS, jsonDateTime } from './dialect';
import { eventNameKey } from './event-names';
import { join, param, raw, sql } from './sql';

export interface NextChangeOptions {
  readonly workspaceId: string;
  readonly objectType: ObjectType;
  readonly now: Date;
  /** When given, only these object ids are considered (real-time and due re-evaluations). */
  readonly restrictToIds?: readonly string[];
}

/**
 * `SELECT s.object_id, MIN(s.due_at) AS due_at FROM (… UNION ALL …) s GROUP BY s.object_id`:
 * for every object whose result for `node` could change after `now` merely because time passes,
 * a moment (strictly after `now`) at or before the first such change. Objects not listed keep
 * their result until a write touches them. Null when no node of the tree depends on time.
 * Statements using it should run without STRICT_TRANS_TABLES (see `jsonDateTime`).
 */
export function compileNextChangeQuery(node: FilterNode, options: NextChangeOptions): SqlFragment | null {
  let counter = 0;
  const ids = options.restrictToIds;
  const ctx: Ctx = {
    workspaceId: options.workspaceId,
    type: options.objectType,
    now: options.now,
    restrict: ids === undefined ? null : (column) => (ids.length ? sql`${column} IN (${join(ids.map(param), ', ')})` : raw('FALSE')),
    alias: () => `m${++counter}`,
  };
  const all = sources(node, ctx);
  if (all.length === 0) return null;
  // Sources read owner columns (events' user_id, a deal's user_id, …) that may name no object of
  // the workspace: only the workspace's objects of the type get a moment.
  const table = raw(CATALOG[options.objectType].table);
  return sql`SELECT s.object_id, MIN(s.due_at) AS due_at FROM (${join(all, ' UNION ALL ')}) s JOIN ${table} o ON o.id = s.object_id AND o.workspace_id = ${param(options.workspaceId)} GROUP BY s.object_id`;
}

/** Whether some node of the tree can change its result with time alone. */
export function dependsOnTime(node: FilterNode): boolean {
  switch (node.kind) {
    case 'and': case 'or': return node.children.some(dependsOnTime);
    case 'not': return dependsOnTime(node.child);
    case 'related': return dependsOnTime(node.filter);
    case 'attribute': return isRelative(node.operator);
    case 'event': return node.window?.kind === 'lastDays' || isRelativeAggregate(node) || node.where.some((c) => isRelativeDate(c));
    case 'tag': case 'list': case 'segment': return false;
    default: return assertNever(node, 'filter node');
  }
}

/** Events just inserted: their names, and the earliest and latest `occurredAt` among them. */
export interface EventsWritten {
  readonly names: readonly string[];
  readonly from: Date;
  readonly to: Date;
}

/**
 * What inserting events does to an object's moment, without reading any data: `unchanged` (no
 * time-relative source reads events of those names), `bound` (the new moment is at least `at`,
 * so LEAST(old moment, at) is early or exact, never late), or `recompute` (no such bound is
 * known: run the moment query). The object's other sources do not read these events, so their
 * candidates are what they were, and the old moment was at or before each of them.
 *
 * Why the bounds hold, for an inserted event at t (from ≤ t ≤ to), with k of the source's days:
 * - a `lastDays` window: every candidate of the source is some event's occurredAt + k (the last
 *   one to leave, or the first), and adding events can only add candidates at t + k ≥ from + k or
 *   move the chosen one later (MAX over more events); so the new candidate ≥ min(old, from + k).
 * - FIRST/LAST_OCCURRED_AT compared with relative days, all events in the past (to ≤ now): the
 *   aggregate becomes some inserted t or stays, and its candidate is t + k ≥ from + k (a future
 *   event's candidate is the event itself, which has no such bound: recompute).
 * - a relative condition on an event's DATE property: the candidate is the property's date,
 *   unknown here: recompute.
 * `related` lifts the same candidates to the owners (MIN over the related rows), so the same
 * bound holds there. Names compare as the column does (`eventNameKey`).
 */
export function momentAfterEvents(node: FilterNode, written: EventsWritten, now: Date): { kind: 'unchanged' } | { kind: 'bound'; at: Date } | { kind: 'recompute' } {
  const names = new Set(written.names.map(eventNameKey));
  let bound = Infinity;
  let recompute = false;
  const visit = (n: FilterNode): void => {
    switch (n.kind) {
      case 'and': case 'or': n.children.forEach(visit); return;
      case 'not': visit(n.child); return;
      case 'related': visit(n.filter); return;
      case 'attribute': case 'tag': case 'list': case 'segment': return;
      case 'event': {
        if (!names.has(eventNameKey(n.name))) return;
        if (n.where.some(isRelativeDate)) recompute = true;
        if (n.window?.kind === 'lastDays') bound = Math.min(bound, written.from.getTime() + afterDaysMs(n.window.days));
        if (isRelativeAggregate(n)) {
          if (written.to.getTime() > now.getTime()) recompute = true;
          else bound = Math.min(bound, written.from.getTime() + afterDaysMs(daysOf(n.value)));
        }
        return;
      }
      default: assertNever(n, 'filter node');
    }
  };
  visit(node);
  if (recompute) return { kind: 'recompute' };
  return bound === Infinity ? { kind: 'unchanged' } : { kind: 'bound', at: new Date(bound) };
}

/**
 * Which way time alone can move a filter's result, with no write: `falls` (only from true to
 * false), `rises` (only from false to true), `steady` (never) or `both` (unknown: either way).
 * Where it only falls, non-members keep their result until a write, so they need no moment;
 * where it only rises, members need none (SegmentMoments keeps moments on one side only).
 *
 * - A `lastDays` window only loses events as time passes: COUNT can only go down, so COUNT ≥ k,
 *   COUNT > k, NEQ 0 and IS_SET on FIRST/LAST (S not empty) fall; COUNT ≤ k, COUNT < k, EQ 0 and
 *   IS_NOT_SET rise; other aggregates (SUM of signed numbers, AVG, …) may go either way.
 * - x MORE_THAN_DAYS_AGO n (x < now − n) rises; x WITHIN_LAST_DAYS n (now − n ≤ x ≤ now) may go
 *   either way (a future x enters, then leaves), on an attribute or a FIRST/LAST time alike.
 * - A relative DATE condition on event properties changes S both ways: `both`.
 * - `and` / `or` keep a common direction of their children (steady ones aside); `not` and NONE
 *   swap it; ANY keeps it. Tags, lists and segments are steady (another segment's changes reach
 *   its dependants through their own evaluations).
 */
export type TimeDirection = 'steady' | 'falls' | 'rises' | 'both';

export function timeDirection(node: FilterNode): TimeDirection {
  switch (node.kind) {
    case 'and': case 'or': return combine(node.children.map(timeDirection));
    case 'not': return swap(timeDirection(node.child));
    case 'related': return node.quantifier === 'NONE' ? swap(timeDirection(node.filter)) : timeDirection(node.filter);
    case 'attribute': return !isRelative(node.operator) ? 'steady' : node.operator === 'MORE_THAN_DAYS_AGO' ? 'rises' : 'both';
    case 'event': return eventDirection(node);
    case 'tag': case 'list': case 'segment': return 'steady';
    default: return assertNever(node, 'filter node');
  }
}

function eventDirection(node: EventNode): TimeDirection {
  if (node.where.some(isRelativeDate)) return 'both';
  const windowed = node.window?.kind === 'lastDays';
  if (isRelativeAggregate(node)) return windowed || node.operator !== 'MORE_THAN_DAYS_AGO' ? 'both' : 'rises';
  return windowed ? shrinkingSetDirection(node) : 'steady';
}

/** The direction of an aggregate condition over a set S that only loses events. */
function shrinkingSetDirection(node: EventNode): TimeDirection {
  const { aggregate, operator, value } = node;
  if (aggregate === 'FIRST_OCCURRED_AT' || aggregate === 'LAST_OCCURRED_AT') {
    return operator === 'IS_SET' ? 'falls' : operator === 'IS_NOT_SET' ? 'rises' : 'both';
  }
  if (aggregate !== 'COUNT' || typeof value !== 'number') return 'both';
  switch (operator) {
    case 'GT': case 'GTE': return 'falls';
    case 'LT': case 'LTE': return 'rises';
    case 'NEQ': return value === 0 ? 'falls' : 'both';
    case 'EQ': return value === 0 ? 'rises' : 'both';
    default: return 'both';
  }
}

function combine(directions: TimeDirection[]): TimeDirection {
  const moving = new Set(directions.filter((d) => d !== 'steady'));
  if (moving.size === 0) return 'steady';
  return moving.size === 1 ? [...moving][0] : 'both';
}

function swap(direction: TimeDirection): TimeDirection {
  return direction === 'falls' ? 'rises' : direction === 'rises' ? 'falls' : direction;
}

/** Where a source is built: the object type of its rows, and which of those rows are asked for. */
interface Ctx {
  readonly workspaceId: string;
  readonly type: ObjectType;
  readonly now: Date;
  /** Restricts an id column to the objects asked for (through relations, their related rows); null: all. */
  readonly restrict: ((idColumn: SqlFragment) => SqlFragment) | null;
  readonly alias: () => string;
}

const isRelative = (operator: string): boolean => operator === 'WITHIN_LAST_DAYS' || operator === 'MORE_THAN_DAYS_AGO';
const isRelativeAggregate = (node: EventNode): boolean =>
  (node.aggregate === 'FIRST_OCCURRED_AT' || node.aggregate === 'LAST_OCCURRED_AT') && isRelative(node.operator);
const isRelativeDate = (c: PropertyCondition): boolean => c.type === 'DATE' && isRelative(c.operator);

/** Every source of candidate moments of `node`, each `SELECT <id> AS object_id, <moment> AS due_at …`. */
function sources(node: FilterNode, ctx: Ctx): SqlFragment[] {
  switch (node.kind) {
    case 'and': case 'or': return node.children.flatMap((c) => sources(c, ctx));
    case 'not': return sources(node.child, ctx);
    case 'attribute': return attributeSources(node, ctx);
    case 'event': return eventSources(node, ctx);
    case 'related': return relatedSources(node.relation, node.filter, ctx);
    case 'tag': case 'list': case 'segment': return [];
    default: return assertNever(node, 'filter node');
  }
}

/** k of the header: the first whole millisecond after `days` days, in ms. */
const afterDaysMs = (days: number): number => Math.floor(days * DAY_MS) + 1;

/**
 * The candidate of a date x for a relative condition of `days`, with its row condition. WITHIN_LAST_DAYS
 * (`now − n ≤ x ≤ now`): x while in the future (it enters then), else x + k. MORE_THAN_DAYS_AGO
 * (`x < now − n`) flips only at x + k, future x or not.
 */
function dateCandidate(x: SqlFragment, days: number, now: Date, operator: string): { moment: SqlFragment; upcoming: SqlFragment } {
  const k = afterDaysMs(days);
  const later = sql`${x} + INTERVAL ${param(k * 1000)} MICROSECOND`;
  return {
    moment: operator === 'MORE_THAN_DAYS_AGO' ? sql`(${later})` : sql`(CASE WHEN ${x} > ${param(now)} THEN ${x} ELSE ${later} END)`,
    // x + k > now, written on x so that an index on x serves it.
    upcoming: sql`${x} > ${param(new Date(now.getTime() - k))}`,
  };
}

function daysOf(value: unknown): number {
  if (typeof value !== 'number') throw new Error('filter tree: expected a number of days');
  return value;
}

function restricted(ctx: Ctx, idColumn: SqlFragment): SqlFragment[] {
  return ctx.restrict ? [ctx.restrict(idColumn)] : [];
}

function attributeSources(node: AttributeNode, ctx: Ctx): SqlFragment[] {
  if (!isRelative(node.operator)) return [];
  const o = ctx.alias();
  const field = node.field;
  switch (field.kind) {
    case 'standard': {
      const def = standardField(ctx.type, field.name);
      if (!def) throw new Error(`filter tree: ${ctx.type} has no field ${field.name}`);
      const { moment, upcoming } = dateCandidate(raw(`${o}.${def.column}`), daysOf(node.value), ctx.now, node.operator);
      const id = raw(`${o}.id`);
      const where = join([sql`${raw(o)}.workspace_id = ${param(ctx.workspaceId)}`, upcoming, ...restricted(ctx, id)], ' AND ');
      return [sql`SELECT ${id} AS object_id, ${moment} AS due_at FROM ${raw(CATALOG[ctx.type].table)} ${raw(o)} WHERE ${where}`];
    }
    case 'custom': {
      // The dates of the filter index (attribute-values.ts), as the predicate reads them: one range of ix_date.
      if (!ATTRIBUTE_KEY_PATTERN.test(field.key)) throw new Error(`unsafe attribute key ${JSON.stringify(field.key)}`);
      const { moment, upcoming } = dateCandidate(raw(`${o}.${VALUE_COLUMN.DATE}`), daysOf(node.value), ctx.now, node.operator);
      const id = raw(`${o}.object_id`);
      const where = join([
        sql`${raw(o)}.workspace_id = ${param(ctx.workspaceId)} AND ${raw(o)}.object_type = ${param(OBJECT_TYPE_CODE[ctx.type])} AND ${raw(o)}.attr_key = ${param(field.key)}`,
        upcoming, ...restricted(ctx, id),
      ], ' AND ');
      return [sql`SELECT ${id} AS object_id, ${moment} AS due_at FROM ${raw(ATTRIBUTE_VALUES_TABLE)} ${raw(o)} WHERE ${where}`];
    }
    default: return assertNever(field, 'field reference');
  }
}

function eventSources(node: EventNode, ctx: Ctx): SqlFragment[] {
  const out: SqlFragment[] = [];
  const owner = ownerColumn({ objectType: ctx.type });
  const base = (e: string): SqlFragment[] => [
    sql`${raw(e)}.workspace_id = ${param(ctx.workspaceId)}`,
    sql`${raw(e)}.name = ${param(node.name)}`,
    ...(owner === 'product_id' ? [raw(`${e}.product_id IS NOT NULL`)] : []),
    ...restricted(ctx, raw(`${e}.${owner}`)),
  ];
  // Conditions that do not move with time narrow the events; relative ones have sources of their own.
  const steady = (e: string): SqlFragment[] => node.where.filter((c) => !isRelativeDate(c)).map((c) => propertyCondition(c, e, ctx.now));
  const select = (e: string, moment: SqlFragment, where: SqlFragment[], having?: SqlFragment): SqlFragment =>
    sql`SELECT ${raw(`${e}.${owner}`)} AS object_id, ${moment} AS due_at FROM events ${raw(e)} WHERE ${join(where, ' AND ')} GROUP BY ${raw(`${e}.${owner}`)}${having ? sql` HAVING ${having}` : raw('')}`;

  if (node.window?.kind === 'lastDays') {
    const e = ctx.alias();
    const at = raw(`${e}.occurred_at`);
    // "S is (not) empty" flips only when the last event of S leaves; any other aggregate when the
    // first does. The events read here are S only when no `where` condition is relative (else a
    // superset of S, whose latest event may be later than S's: then the first one, which is early).
    const exact = !node.where.some(isRelativeDate);
    const leaving = exact && existenceOnly(node) ? sql`MAX(${at})` : sql`MIN(${at})`;
    const k = afterDaysMs(node.window.days);
    out.push(select(e, sql`${leaving} + INTERVAL ${param(k * 1000)} MICROSECOND`, [...base(e), ...windowConditions(node.window, e, ctx.now), ...steady(e)]));
  }
  if (isRelativeAggregate(node)) {
    const e = ctx.alias();
    const at = raw(`${e}.occurred_at`);
    const value = node.aggregate === 'FIRST_OCCURRED_AT' ? sql`MIN(${at})` : sql`MAX(${at})`;
    const { moment, upcoming } = dateCandidate(value, daysOf(node.value), ctx.now, node.operator);
    const where = [...base(e), ...windowConditions(node.window, e, ctx.now), ...node.where.map((c) => propertyCondition(c, e, ctx.now))];
    out.push(select(e, moment, where, upcoming));
  }
  for (const c of node.where.filter(isRelativeDate)) {
    const e = ctx.alias();
    const { moment, upcoming } = dateCandidate(jsonDateTime(raw(`${e}.properties`), c.property), daysOf(c.value), ctx.now, c.operator);
    out.push(select(e, sql`MIN(${moment})`, [...base(e), ...windowConditions(node.window, e, ctx.now), upcoming]));
  }
  return out;
}

/** COUNT ≥ 1 and the like, and IS_SET / IS_NOT_SET on a first/last time: only emptiness matters. */
function existenceOnly(node: EventNode): boolean {
  const { aggregate, operator, value } = node;
  if (aggregate === 'FIRST_OCCURRED_AT' || aggregate === 'LAST_OCCURRED_AT') return operator === 'IS_SET' || operator === 'IS_NOT_SET';
  if (aggregate !== 'COUNT' || typeof value !== 'number') return false;
  const k = value;
  return (operator === 'GTE' && k > 0 && k <= 1) || (operator === 'GT' && k >= 0 && k < 1) || (operator === 'NEQ' && k === 0)
    || (operator === 'LT' && k > 0 && k <= 1) || (operator === 'LTE' && k >= 0 && k < 1) || (operator === 'EQ' && k === 0);
}

/**
 * The related objects' sources, lifted to the objects that own them: a related object's change
 * may change ANY and NONE alike. Restricted evaluations restrict the related rows to those of the
 * objects asked for. Each level keeps one moment per owner (GROUP BY), which also keeps MariaDB
 * from merging every level of a long chain into one join that it cannot plan in time.
 */
function relatedSources(relationName: string, filter: FilterNode, ctx: Ctx): SqlFragment[] {
  const relation = relationOf(ctx.type, relationName);
  if (!relation) throw new Error(`filter tree: ${ctx.type} has no relation ${relationName}`);
  const inner = sources(filter, { ...ctx, type: relation.target, restrict: childRestriction(relation, ctx) });
  if (inner.length === 0) return [];
  const r = ctx.alias();
  const s = ctx.alias();
  const child = sql`(${join(inner, ' UNION ALL ')}) ${raw(s)}`;
  switch (relation.join.kind) {
    case 'own': {
      // The owner row references the related one: owner.column = related.id.
      const ref = raw(`${r}.${relation.join.column}`);
      const where = join([sql`${raw(r)}.workspace_id = ${param(ctx.workspaceId)}`, ...restricted(ctx, raw(`${r}.id`))], ' AND ');
      return [sql`SELECT ${raw(r)}.id AS object_id, MIN(${raw(s)}.due_at) AS due_at FROM ${raw(CATALOG[ctx.type].table)} ${raw(r)} JOIN ${child} ON ${raw(s)}.object_id = ${ref} WHERE ${where} GROUP BY ${raw(r)}.id`];
    }
    case 'inverse': {
      // The related row references its owner: related.column = owner.id.
      const back = raw(`${r}.${relation.join.column}`);
      const where = join([sql`${raw(r)}.workspace_id = ${param(ctx.workspaceId)}`, sql`${back} IS NOT NULL`, ...restricted(ctx, back)], ' AND ');
      return [sql`SELECT ${back} AS object_id, MIN(${raw(s)}.due_at) AS due_at FROM ${raw(CATALOG[relation.target].table)} ${raw(r)} JOIN ${child} ON ${raw(s)}.object_id = ${raw(r)}.id WHERE ${where} GROUP BY ${back}`];
    }
    default: return assertNever(relation.join, 'relation join');
  }
}

/**
 * Which related rows a restricted evaluation needs: those of the owners asked for. Each level's
 * ids are a DISTINCT derived table, which MariaDB materialises on its own rather than merging
 * every level of a long chain into one join (a chain of 7 relations made the optimizer search
 * join orders of 29 tables for minutes).
 */
function childRestriction(relation: RelationDef, ctx: Ctx): Ctx['restrict'] {
  const restrict = ctx.restrict;
  if (!restrict) return null;
  const p = ctx.alias();
  const x = ctx.alias();
  const ws = sql`${raw(p)}.workspace_id = ${param(ctx.workspaceId)}`;
  let ids: SqlFragment;
  switch (relation.join.kind) {
    case 'own': {
      const ref = raw(`${p}.${relation.join.column}`);
      ids = sql`SELECT DISTINCT ${ref} AS id FROM ${raw(CATALOG[ctx.type].table)} ${raw(p)} WHERE ${ws} AND ${ref} IS NOT NULL AND ${restrict(raw(`${p}.id`))}`;
      break;
    }
    case 'inverse': {
      const back = raw(`${p}.${relation.join.column}`);
      ids = sql`SELECT DISTINCT ${raw(p)}.id AS id FROM ${raw(CATALOG[relation.target].table)} ${raw(p)} WHERE ${ws} AND ${restrict(back)}`;
      break;
    }
    default: return assertNever(relation.join, 'relation join');
  }
  return (column) => sql`${column} IN (SELECT ${raw(x)}.id FROM (${ids}) ${raw(x)})`;
}
