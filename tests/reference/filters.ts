/**
 * Random VALID filter trees (GraphQL FilterInput shape) for any object type: and/or/not, attribute
 * (standard fields and custom attributes, every operator of each type), event (where, windows,
 * every aggregate, defaults left out), tag, list and related (nested). No `segment` nodes.
 *
 * Values come from the same pools as the data sets (dataset.ts) so that equalities, substrings
 * and date boundaries (x == v, x == now − n days) are hit.
 *
 * `FilterEnv.timeBias` (off by default, which draws exactly the trees it always drew) leans the
 * trees towards what time alone can change: WITHIN_LAST_DAYS / MORE_THAN_DAYS_AGO with small
 * day counts on DATE fields, event `where` dates and FIRST/LAST_OCCURRED_AT, `lastDays` windows,
 * and more `not` and `related` nodes around them (tests/property/time-moments.spec.ts).
 */
import fc from 'fast-check';
import { CATALOG } from '../../src/core/catalog';
import { FieldType, FilterOperator, OBJECT_TYPES, OPERATORS_BY_TYPE, ObjectType } from '../../src/core/object-types';
import {
  DAY_POOL, DataSet, eventName, PROPERTY_KEYS, STRING_POOL, TAG_POOL, canonicalIso, dateMs, numberValue, poolString,
} from './dataset';
import type { EventConditionInput, EventPropertyConditionInput, FilterInput } from './evaluator';

export interface FilterEnv {
  readonly now: Date;
  /** Declared custom attributes per type (key → type). */
  readonly attributeTypes: Readonly<Record<ObjectType, ReadonlyMap<string, FieldType>>>;
  /** Static lists of the workspace per type. */
  readonly listIds: Readonly<Record<ObjectType, readonly string[]>>;
  /** Lean towards time-relative conditions and not/related (see the header). Default off. */
  readonly timeBias?: boolean;
}

export const MAX_DEPTH = 10;
export const MAX_CONDITIONS = 200;

export function filterEnvOf(ds: DataSet, workspaceId: string): FilterEnv {
  const attributeTypes = {} as Record<ObjectType, Map<string, FieldType>>;
  const listIds = {} as Record<ObjectType, string[]>;
  for (const t of OBJECT_TYPES) {
    attributeTypes[t] = new Map(ds.attributeDefs.filter((d) => d.workspaceId === workspaceId && d.objectType === t).map((d) => [d.key, d.type]));
    listIds[t] = ds.lists.filter((l) => l.workspaceId === workspaceId && l.objectType === t).map((l) => l.id);
  }
  return { now: ds.now, attributeTypes, listIds };
}

// ------------------------------------------------------------------------------------------ values

/** Non-empty substrings of pool strings (and their variants), without leading/trailing spaces. */
const stringPiece: fc.Arbitrary<string> = fc.tuple(poolString(), fc.nat(), fc.nat()).map(([s, a, b]) => {
  const chars = [...s];
  const start = a % chars.length;
  const len = 1 + (b % (chars.length - start));
  return chars.slice(start, start + len).join('').trim() || chars[start];
}).filter((s) => s.trim() === s && s.length > 0);

/** A string value for EQ / IN and friends. */
const stringValue: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: poolString(), weight: 8 },
  { arbitrary: fc.constant(''), weight: 1 },
  { arbitrary: stringPiece, weight: 2 },
  { arbitrary: fc.constant('a'.repeat(1000)), weight: 1 },
);

/** A string value for CONTAINS / STARTS_WITH / ENDS_WITH. */
const pieceValue: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: stringPiece, weight: 5 },
  { arbitrary: poolString(), weight: 3 },
  { arbitrary: fc.constantFrom('%', '_', '\\', 'a%', '_b', '%b', 'a\\'), weight: 2 },
);

const numberFilterValue: fc.Arbitrary<number> = numberValue();

const days: fc.Arbitrary<number> = fc.oneof(
  { arbitrary: fc.constantFrom(...DAY_POOL), weight: 5 },
  // Not a whole number of milliseconds: the bound falls between two stored instants.
  { arbitrary: fc.constantFrom(1e-9, 0.00001, 1.0000001, 1 / 3, 2.9999999), weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 400 }), weight: 1 },
);

/** Day counts under `timeBias`: mostly small (0.5 to 3 days), so that changes happen near `now`. */
const smallDays: fc.Arbitrary<number> = fc.oneof(
  { arbitrary: fc.constantFrom(0.5, 1, 1.5, 2, 3), weight: 6 },
  { arbitrary: fc.integer({ min: 1, max: 300 }).map((n) => n / 100), weight: 2 },
  { arbitrary: days, weight: 2 },
);

const RELATIVE_OPERATORS: readonly FilterOperator[] = ['WITHIN_LAST_DAYS', 'MORE_THAN_DAYS_AGO'];

/** WITHIN_LAST_DAYS or MORE_THAN_DAYS_AGO with a (mostly small) number of days. */
const relativeDate: fc.Arbitrary<{ operator: FilterOperator; value?: unknown }> =
  fc.record({ operator: fc.constantFrom(...RELATIVE_OPERATORS), value: smallDays });

function sortedPair<T>(arb: fc.Arbitrary<T>, key: (t: T) => number): fc.Arbitrary<[T, T]> {
  return fc.tuple(arb, arb).map(([a, b]) => (key(a) <= key(b) ? [a, b] : [b, a]));
}

function inList<T>(arb: fc.Arbitrary<T>, big: fc.Arbitrary<T[]>): fc.Arbitrary<T[]> {
  return fc.oneof({ arbitrary: fc.array(arb, { minLength: 1, maxLength: 4 }), weight: 20 }, { arbitrary: big, weight: 1 });
}

const BIG_NUMBER_LIST = Array.from({ length: 1000 }, (_, i) => i / 2 - 100);
const BIG_STRING_LIST = Array.from({ length: 1000 }, (_, i) => `${STRING_POOL[i % STRING_POOL.length]}${i % 3 === 0 ? '' : i}`);

/** Operator and value (undefined = left out) for a field of `type`. */
/**
 * An ISO-8601 filter date: mostly canonical UTC with milliseconds; sometimes without
 * milliseconds, with a +02:00 offset, or date-only (midnight UTC), all naming the same instant.
 */
export function isoValue(now: Date): fc.Arbitrary<string> {
  return fc.tuple(dateMs(now), fc.nat(9)).map(([ms, form]) => {
    const c = canonicalIso(ms);
    if (form === 0 && ms % 1000 === 0) return c.replace('.000Z', 'Z');
    if (form === 1) {
      const local = new Date(ms + 2 * 3600_000).toISOString();
      return `${local.slice(0, 23)}+02:00`;
    }
    if (form === 2 && ms % 86_400_000 === 0) return c.slice(0, 10);
    return c;
  });
}

export function operatorAndValue(type: FieldType, now: Date, timeBias = false): fc.Arbitrary<{ operator: FilterOperator; value?: unknown }> {
  if (timeBias && type === 'DATE') {
    return fc.oneof({ arbitrary: operatorAndValue(type, now), weight: 1 }, { arbitrary: relativeDate, weight: 2 });
  }
  const iso = isoValue(now);
  const byOp = (op: FilterOperator): fc.Arbitrary<unknown> | undefined => {
    switch (type) {
      case 'STRING':
        switch (op) {
          case 'EQ': case 'NEQ': return stringValue;
          case 'IN': case 'NOT_IN': return inList(stringValue, fc.constant(BIG_STRING_LIST));
          case 'CONTAINS': case 'NOT_CONTAINS': case 'STARTS_WITH': case 'ENDS_WITH': return pieceValue;
          default: return undefined;
        }
      case 'NUMBER':
        switch (op) {
          case 'EQ': case 'NEQ': case 'GT': case 'GTE': case 'LT': case 'LTE': return numberFilterValue;
          case 'BETWEEN': return sortedPair(numberFilterValue, (x) => x);
          case 'IN': case 'NOT_IN': return inList(numberFilterValue, fc.constant(BIG_NUMBER_LIST));
          default: return undefined;
        }
      case 'DATE':
        switch (op) {
          case 'BEFORE': case 'AFTER': return iso;
          case 'BETWEEN': return sortedPair(iso, (x) => Date.parse(x));
          case 'WITHIN_LAST_DAYS': case 'MORE_THAN_DAYS_AGO': return days;
          default: return undefined;
        }
      case 'BOOLEAN': return undefined;
    }
  };
  return fc.constantFrom(...OPERATORS_BY_TYPE[type]).chain((operator) => {
    const v = byOp(operator);
    return v ? v.map((value) => ({ operator, value })) : fc.constant({ operator });
  });
}

// ------------------------------------------------------------------------------------------ leaves

function fieldsOf(env: FilterEnv, type: ObjectType): Array<{ field: string; type: FieldType }> {
  return [
    ...CATALOG[type].fields.map((f) => ({ field: f.name, type: f.type })),
    ...[...env.attributeTypes[type]].map(([key, t]) => ({ field: `attributes.${key}`, type: t })),
  ];
}

export function attributeLeaf(env: FilterEnv, type: ObjectType): fc.Arbitrary<FilterInput> {
  const any = fc.constantFrom(...fieldsOf(env, type)).chain((f) =>
    operatorAndValue(f.type, env.now).map(({ operator, value }) => ({
      attribute: value === undefined ? { field: f.field, operator } : { field: f.field, operator, value },
    })));
  if (!env.timeBias) return any;
  // Every type has DATE fields (createdAt, updatedAt at least).
  const dates = fieldsOf(env, type).filter((f) => f.type === 'DATE');
  const relative = fc.tuple(fc.constantFrom(...dates), relativeDate).map(([f, { operator, value }]) => ({ attribute: { field: f.field, operator, value } }));
  return fc.oneof({ arbitrary: any, weight: 1 }, { arbitrary: relative, weight: 2 });
}

/** A `where` condition; its comparison type follows from operator and value. */
export function propertyCondition(now: Date, timeBias = false): fc.Arbitrary<EventPropertyConditionInput> {
  const propString = fc.oneof(stringValue, fc.constantFrom('5', '1.5', '0', 'true', '2'), dateMs(now).map(canonicalIso));
  const stringish = fc.oneof(
    operatorAndValue('STRING', now),
    // EQ / IN on strings that look like numbers or dates: still STRING comparisons.
    fc.record({ operator: fc.constantFrom<FilterOperator>('EQ', 'NEQ'), value: propString }),
    fc.record({ operator: fc.constantFrom<FilterOperator>('IN', 'NOT_IN'), value: fc.array(propString, { minLength: 1, maxLength: 3 }) }),
  );
  // Each operator family mostly on the keys that hold its kind of value, sometimes on any key.
  const on = (keys: readonly string[], ov: fc.Arbitrary<{ operator: FilterOperator; value?: unknown }>) =>
    fc.tuple(fc.oneof({ arbitrary: fc.constantFrom(...keys), weight: 3 }, { arbitrary: fc.constantFrom(...PROPERTY_KEYS, 'nope'), weight: 1 }), ov);
  return fc.oneof(
    on(['amount', 'qty'], operatorAndValue('NUMBER', now)),
    { arbitrary: on(['at'], operatorAndValue('DATE', now, timeBias)), weight: timeBias ? 4 : 1 },
    on(['ok'], operatorAndValue('BOOLEAN', now)),
    on(['plan', 'note', 'amount'], stringish),
  ).map(([p, ov]) => (ov.value === undefined ? { property: p, operator: ov.operator } : { property: p, operator: ov.operator, value: ov.value }));
}

const AGG_NUMBER_VALUE = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 4 }), weight: 4 },
  { arbitrary: fc.integer({ min: -2, max: 12 }), weight: 2 },
  { arbitrary: fc.integer({ min: -4, max: 24 }).map((n) => n / 2), weight: 2 },
);

export function eventLeaf(env: FilterEnv): fc.Arbitrary<FilterInput> {
  const now = env.now;
  const bias = env.timeBias ?? false;
  const iso = isoValue(now);
  const window = fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 4 },
    { arbitrary: (bias ? smallDays : days).map((lastDays) => ({ lastDays })), weight: bias ? 8 : 3 },
    { arbitrary: iso.map((from) => ({ from })), weight: 1 },
    { arbitrary: iso.map((to) => ({ to })), weight: 1 },
    { arbitrary: sortedPair(iso, Date.parse).map(([from, to]) => ({ from, to })), weight: 2 },
  );
  const numberOps = fc.constantFrom(...OPERATORS_BY_TYPE.NUMBER).chain((operator): fc.Arbitrary<{ operator: FilterOperator; value?: unknown }> => {
    switch (operator) {
      case 'IS_SET': case 'IS_NOT_SET': return fc.constant({ operator });
      case 'BETWEEN': return sortedPair(AGG_NUMBER_VALUE, (x) => x).map((value) => ({ operator, value }));
      case 'IN': case 'NOT_IN': return fc.array(AGG_NUMBER_VALUE, { minLength: 1, maxLength: 4 }).map((value) => ({ operator, value }));
      default: return AGG_NUMBER_VALUE.map((value) => ({ operator, value }));
    }
  });
  type AggPick = [NonNullable<EventConditionInput['aggregate']>, string | undefined, { operator: FilterOperator; value?: unknown }];
  const aggregate: fc.Arbitrary<AggPick> = fc.oneof(
    { arbitrary: fc.tuple(fc.constant('COUNT' as const), fc.constant(undefined), numberOps), weight: 4 },
    { arbitrary: fc.tuple(fc.constantFrom('SUM' as const, 'AVG' as const, 'MIN' as const, 'MAX' as const), fc.constantFrom('amount', 'amount', 'qty', ...PROPERTY_KEYS), numberOps), weight: 4 },
    { arbitrary: fc.tuple(fc.constantFrom('FIRST_OCCURRED_AT' as const, 'LAST_OCCURRED_AT' as const), fc.constant(undefined), operatorAndValue('DATE', now, bias)), weight: bias ? 4 : 2 },
  );
  return fc.record({
    name: eventName(),
    where: fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: fc.array(propertyCondition(now, bias), { minLength: 1, maxLength: 2 }), weight: 3 }),
    window,
    aggregate,
    omitDefaults: fc.boolean(),
  }).map(({ name, where, window: w, aggregate: [agg, property, ov], omitDefaults }) => {
    const e: EventConditionInput = { name };
    if (where) e.where = where;
    if (w) e.window = w;
    if (!(omitDefaults && agg === 'COUNT')) e.aggregate = agg;
    if (property) e.property = property;
    if (!(omitDefaults && ov.operator === 'GTE')) e.operator = ov.operator;
    if (ov.value !== undefined && !(omitDefaults && ov.value === 1 && ov.operator === 'GTE')) e.value = ov.value;
    return { event: e };
  });
}

export function tagLeaf(): fc.Arbitrary<FilterInput> {
  return fc.record({
    tag: fc.oneof({ arbitrary: poolString(TAG_POOL), weight: 6 }, { arbitrary: poolString(TAG_POOL).map((t) => ` ${t}  `), weight: 1 }),
    has: fc.constantFrom<boolean | undefined>(true, false, undefined),
  }).map(({ tag, has }) => ({ tag: has === undefined ? { tag } : { tag, has } }));
}

export function listLeaf(env: FilterEnv, type: ObjectType): fc.Arbitrary<FilterInput> | undefined {
  const ids = env.listIds[type];
  if (!ids.length) return undefined;
  return fc.record({ listId: fc.constantFrom(...ids), isMember: fc.constantFrom<boolean | undefined>(true, false, undefined) })
    .map(({ listId, isMember }) => ({ list: isMember === undefined ? { listId } : { listId, isMember } }));
}

export function leaf(env: FilterEnv, type: ObjectType): fc.Arbitrary<FilterInput> {
  const hasEvents = CATALOG[type].eventColumn !== null;
  const l = listLeaf(env, type);
  return fc.oneof(
    { arbitrary: attributeLeaf(env, type), weight: 8 },
    { arbitrary: hasEvents ? eventLeaf(env) : attributeLeaf(env, type), weight: hasEvents ? (env.timeBias ? 8 : 5) : 0 },
    { arbitrary: tagLeaf(), weight: 2 },
    { arbitrary: l ?? tagLeaf(), weight: l ? 2 : 0 },
  );
}

// ------------------------------------------------------------------------------------------ trees

/**
 * A random valid tree: mostly bushy trees of at most `depth` levels (a leaf is depth 1), and
 * sometimes a deep, thin one (5 to MAX_DEPTH levels of not / and / or / related around a leaf).
 */
export function filterArb(env: FilterEnv, type: ObjectType, depth = 4): fc.Arbitrary<FilterInput> {
  return fc.oneof(
    { arbitrary: node(env, type, depth), weight: 9 },
    { arbitrary: fc.integer({ min: 5, max: MAX_DEPTH }).chain((d) => spine(env, type, d)), weight: 1 },
  ).filter((f) => depthOf(f) <= MAX_DEPTH && conditionCount(f) <= MAX_CONDITIONS);
}

/** A tree of exactly `depth` levels with one or two leaves per level. */
function spine(env: FilterEnv, type: ObjectType, depth: number): fc.Arbitrary<FilterInput> {
  if (depth <= 1) return leaf(env, type);
  const inner = fc.constant(null).chain(() => spine(env, type, depth - 1));
  const pairWithLeaf = fc.tuple(inner, leaf(env, type), fc.boolean()).map(([a, b, swap]) => (swap ? [b, a] : [a, b]));
  const relations = CATALOG[type].relations;
  return fc.oneof(
    inner.map((not) => ({ not })),
    pairWithLeaf.map((and) => ({ and })),
    pairWithLeaf.map((or) => ({ or })),
    relations.length
      ? fc.tuple(fc.constantFrom(...relations), fc.constantFrom<'ANY' | 'NONE'>('ANY', 'NONE')).chain(([r, quantifier]) =>
        spine(env, r.target, depth - 1).map((filter) => ({ related: { relation: r.relation, quantifier, filter } })))
      : inner.map((not) => ({ not })),
  );
}

function node(env: FilterEnv, type: ObjectType, depth: number): fc.Arbitrary<FilterInput> {
  if (depth <= 1) return leaf(env, type);
  const child = fc.constant(null).chain(() => node(env, type, depth - 1));
  const children = fc.array(child, { minLength: 1, maxLength: 3 });
  const relations = CATALOG[type].relations;
  const related = relations.length
    ? fc.constantFrom(...relations).chain((r) => fc.record({
      filter: node(env, r.target, depth - 1),
      quantifier: fc.constantFrom<'ANY' | 'NONE' | undefined>('ANY', 'NONE', undefined),
    }).map(({ filter, quantifier }) => ({ related: quantifier === undefined ? { relation: r.relation, filter } : { relation: r.relation, quantifier, filter } })))
    : undefined;
  return fc.oneof(
    { arbitrary: leaf(env, type), weight: 4 },
    { arbitrary: children.map((and) => ({ and })), weight: 2 },
    { arbitrary: children.map((or) => ({ or })), weight: 2 },
    { arbitrary: child.map((not) => ({ not })), weight: env.timeBias ? 2 : 1 },
    { arbitrary: related ?? leaf(env, type), weight: related ? (env.timeBias ? 3 : 2) : 0 },
  );
}

/** Nesting depth, a leaf counting 1 and a related node's filter one level below it. */
export function depthOf(f: FilterInput): number {
  if (f.and) return 1 + Math.max(...f.and.map(depthOf));
  if (f.or) return 1 + Math.max(...f.or.map(depthOf));
  if (f.not) return 1 + depthOf(f.not);
  if (f.related) return 1 + depthOf(f.related.filter);
  return 1;
}

/** Leaf conditions, counting each event `where` condition as one more. */
export function conditionCount(f: FilterInput): number {
  if (f.and) return f.and.reduce((n, c) => n + conditionCount(c), 0);
  if (f.or) return f.or.reduce((n, c) => n + conditionCount(c), 0);
  if (f.not) return conditionCount(f.not);
  if (f.related) return 1 + conditionCount(f.related.filter);
  if (f.event) return 1 + (f.event.where?.length ?? 0);
  return 1;
}
