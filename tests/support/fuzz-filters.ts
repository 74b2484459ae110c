/**
 * Invalid filter trees for the fuzz test, for every operation that takes a filter, and the
 * fixture (ids of the fuzzed workspace and of another one) the generators aim at.
 *
 * Each generated tree holds exactly one defect (an unknown field, a value of the wrong type, a
 * list of another type, a tree too deep…), placed at random inside valid and/or/not/related
 * nodes whose strings are hostile, so every string of the tree carries metacharacters.
 */
import fc from 'fast-check';
import { CATALOG } from '../../src/core/catalog';
import { FieldType, FILTER_OPERATORS, ObjectType, OBJECT_TYPES, OPERATORS_BY_TYPE } from '../../src/core/object-types';
import {
  Arg, CaseSpec, deepArray, deepNot, en, ForeignId, hostile, INF, Level, named, NEG_INF, Op, overlong, unknownInputKey, unknownName,
} from './fuzz-cases';

/** What the generators aim at: ids in the fuzzed workspace A and in another workspace B. */
export interface Fixture {
  /** An id that exists nowhere (well-formed, above every id of the test). */
  readonly missing: string;
  readonly adminId: string;
  readonly agentId: string;
  /** Existing objects of A, by type. */
  readonly objects: Readonly<Record<ObjectType, readonly string[]>>;
  /** A real-time-off segment of A per type (the target of updateSegment and previewSegmentChange). */
  readonly segmentOf: Readonly<Record<ObjectType, string>>;
  /** USER segments of A: chain[1] reads chain[0], chain[2] reads chain[1]. */
  readonly chain: readonly [string, string, string];
  /** A USER segment of A hidden from the AGENT. */
  readonly hiddenSegment: string;
  /** Static lists of A by type (USER and COMPANY); the USER one is read by chain[2]. */
  readonly lists: Readonly<{ USER: string; COMPANY: string }>;
  readonly webhook: string;
  /** Custom attributes declared in A (every type has `score` NUMBER; USER also vip, renewal, plan). */
  readonly attributes: Readonly<Record<ObjectType, ReadonlyArray<{ key: string; type: FieldType }>>>;
  /** Ids of workspace B. */
  readonly foreign: Readonly<{ objects: Record<ObjectType, string>; list: string; segment: string; webhook: string; agent: string }>;
}

/** Argument types of the operations the fuzz calls. */
const SIGNATURES: Record<string, { kind: 'query' | 'mutation'; args: Record<string, string>; selection: string }> = {
  objects: { kind: 'query', args: { objectType: 'ObjectType!', filter: 'FilterInput', first: 'Int', after: 'String' }, selection: '{ totalCount }' },
  previewSegment: { kind: 'query', args: { objectType: 'ObjectType!', filter: 'FilterInput!', sampleSize: 'Int' }, selection: '{ count }' },
  previewSegmentChange: { kind: 'query', args: { id: 'ID!', filter: 'FilterInput!', sampleSize: 'Int' }, selection: '{ count }' },
  explainMembership: { kind: 'query', args: { segmentId: 'ID!', objectId: 'ID!' }, selection: '{ matchesNow }' },
  membershipHistory: { kind: 'query', args: { segmentId: 'ID!', objectId: 'ID', first: 'Int', after: 'String' }, selection: '{ pageInfo { hasNextPage } }' },
  webhookDeliveries: { kind: 'query', args: { webhookId: 'ID!', first: 'Int', after: 'String' }, selection: '{ pageInfo { hasNextPage } }' },
  segment: { kind: 'query', args: { id: 'ID!' }, selection: '{ id }' },
  createSegment: { kind: 'mutation', args: { input: 'CreateSegmentInput!' }, selection: '{ id }' },
  updateSegment: { kind: 'mutation', args: { id: 'ID!', input: 'UpdateSegmentInput!' }, selection: '{ id }' },
  deleteSegment: { kind: 'mutation', args: { id: 'ID!' }, selection: '' },
  syncSegment: { kind: 'mutation', args: { id: 'ID!' }, selection: '{ id }' },
  upsertUsers: { kind: 'mutation', args: { input: '[UserInput!]!' }, selection: '{ id }' },
  upsertCompanies: { kind: 'mutation', args: { input: '[CompanyInput!]!' }, selection: '{ id }' },
  upsertProducts: { kind: 'mutation', args: { input: '[ProductInput!]!' }, selection: '{ id }' },
  upsertDeals: { kind: 'mutation', args: { input: '[DealInput!]!' }, selection: '{ id }' },
  upsertActivities: { kind: 'mutation', args: { input: '[ActivityInput!]!' }, selection: '{ id }' },
  upsertTickets: { kind: 'mutation', args: { input: '[TicketInput!]!' }, selection: '{ id }' },
  deleteObjects: { kind: 'mutation', args: { objectType: 'ObjectType!', ids: '[ID!]!' }, selection: '' },
  trackEvents: { kind: 'mutation', args: { input: '[EventInput!]!' }, selection: '{ accepted duplicates }' },
  defineAttribute: { kind: 'mutation', args: { input: 'AttributeDefinitionInput!' }, selection: '{ key }' },
  tagObjects: { kind: 'mutation', args: { objectType: 'ObjectType!', ids: '[ID!]!', tags: '[String!]!' }, selection: '' },
  untagObjects: { kind: 'mutation', args: { objectType: 'ObjectType!', ids: '[ID!]!', tags: '[String!]!' }, selection: '' },
  createList: { kind: 'mutation', args: { input: 'CreateListInput!' }, selection: '{ id }' },
  addToList: { kind: 'mutation', args: { listId: 'ID!', ids: '[ID!]!' }, selection: '{ id }' },
  removeFromList: { kind: 'mutation', args: { listId: 'ID!', ids: '[ID!]!' }, selection: '{ id }' },
  deleteList: { kind: 'mutation', args: { id: 'ID!' }, selection: '' },
  createAgent: { kind: 'mutation', args: { input: 'CreateAgentInput!' }, selection: '{ token }' },
  createWebhook: { kind: 'mutation', args: { input: 'CreateWebhookInput!' }, selection: '{ secret }' },
  deleteWebhook: { kind: 'mutation', args: { id: 'ID!' }, selection: '' },
};

/**
 * The operation `field` with argument values (undefined ones left out). An argument the
 * signature does not know is declared `Int` (a deliberate unknown argument).
 */
export function op(field: string, values: Record<string, unknown>, selection?: string): Op {
  const sig = SIGNATURES[field];
  if (!sig) throw new Error(`no signature for ${field}`);
  const args: Record<string, Arg> = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined) args[k] = { type: sig.args[k] ?? 'Int', value: v };
  return { kind: sig.kind, field, args, selection: selection ?? sig.selection };
}

/** A defect: an invalid node (or a whole filter) and who refuses it. */
interface Defect {
  readonly node: unknown;
  readonly label: string;
  readonly level: Level;
  readonly as?: 'agent';
  readonly variablesOnly?: boolean;
}

const d = (label: string, level: Level, node: unknown, extra: Partial<Defect> = {}): Defect => ({ label, level, node, ...extra });

type Field = { name: string; type: FieldType };

function fieldsOf(fx: Fixture, t: ObjectType): Field[] {
  return [
    ...CATALOG[t].fields.map((f) => ({ name: f.name, type: f.type })),
    ...fx.attributes[t].map((a) => ({ name: `attributes.${a.key}`, type: a.type })),
  ];
}

const attr = (field: string, operator: string, value?: unknown) => ({ attribute: { field, operator: en(operator), value } });

/** A value of a type the operator does not take on a field of `type` (anything non-null is wrong for IS_*). */
function wrongValue(type: FieldType, operator: string): fc.Arbitrary<unknown> {
  const scalarFor: Record<FieldType, fc.Arbitrary<unknown>> = {
    STRING: fc.oneof(fc.integer(), fc.boolean(), fc.constant({ a: 1 }), hostile.map((h) => [h]), fc.constant(null), overlong(1000), fc.constant(INF)),
    NUMBER: fc.oneof(hostile, fc.constantFrom('12', '1e3', 'NaN', 'Infinity', ''), fc.boolean(), fc.constant([1]), fc.constant({}), fc.constant(INF), fc.constant(NEG_INF), fc.constant(null)),
    DATE: fc.oneof(hostile, fc.constantFrom('2026-02-30', '2026-13-01', '0999-12-31', '10000-01-01', '2026-01-01T24:00:00Z', '2026-01-01T00:00:00+25:00', 'yesterday', '1 day ago', ''), fc.constant(1700000000000), fc.boolean(), fc.constant(null)),
    BOOLEAN: fc.oneof(fc.boolean(), fc.integer(), hostile),
  };
  switch (operator) {
    case 'BETWEEN': {
      const ok: Record<FieldType, [unknown, unknown]> = { STRING: ['a', 'b'], NUMBER: [5, 1], DATE: ['2026-02-01', '2026-01-01'], BOOLEAN: [true, false] };
      return fc.oneof(
        fc.constant(ok[type]), // low > high (or BOOLEAN, which has no BETWEEN)
        scalarFor[type].map((v) => [v]),
        scalarFor[type].map((v) => [v, v, v]),
        scalarFor[type].map((v) => [ok[type][0], v]),
        scalarFor[type],
      );
    }
    case 'IN': case 'NOT_IN':
      return fc.oneof(
        fc.constant([]),
        fc.constant(Array.from({ length: 1001 }, (_, i) => (type === 'NUMBER' ? i : `v${i}`))),
        scalarFor[type].map((v) => [type === 'NUMBER' ? 1 : 'a', v]),
        scalarFor[type],
      );
    case 'WITHIN_LAST_DAYS': case 'MORE_THAN_DAYS_AGO':
      return fc.oneof(fc.constantFrom(0, -1, -0.5, 365_001, 1e300, '3', true, null), fc.constant([3]), fc.constant(INF), hostile);
    case 'IS_SET': case 'IS_NOT_SET': case 'IS_TRUE': case 'IS_FALSE':
      return fc.oneof(fc.integer(), fc.boolean(), hostile, fc.constant([]), fc.constant({}));
    default:
      return scalarFor[type];
  }
}

/** The leaf defects possible in a filter for `t`. */
function leafDefect(fx: Fixture, t: ObjectType): fc.Arbitrary<Defect> {
  const fields = fieldsOf(fx, t);
  const otherTypes = OBJECT_TYPES.filter((u) => u !== t);
  const hasEvents = CATALOG[t].eventColumn !== null;
  const eventBase = { name: 'order_completed' };
  const ev = (e: Record<string, unknown>) => ({ event: { ...eventBase, ...e } });
  const defects: Array<fc.Arbitrary<Defect>> = [
    fc.tuple(unknownName, fc.constantFrom(...FILTER_OPERATORS), hostile).map(([f, o, v]) => d('unknown field', 'bad', attr(f, o, v))),
    fc.tuple(fc.oneof(hostile, fc.constantFrom('nope_1', 'Score', 'score2', '1score', 'a'.repeat(65))), hostile).map(([k, v]) => d('unknown attribute', 'bad', attr(`attributes.${k}`, 'EQ', v))),
    fc.constantFrom(...fields).chain((f) => fc.tuple(fc.constant(f), fc.constantFrom(...FILTER_OPERATORS.filter((o) => !OPERATORS_BY_TYPE[f.type].includes(o))), hostile))
      .map(([f, o, v]) => d(`operator ${o} not allowed for ${f.type}`, 'bad', attr(f.name, o, v))),
    fc.constantFrom(...fields).chain((f) => fc.constantFrom(...OPERATORS_BY_TYPE[f.type]).chain((o) => wrongValue(f.type, o).map((v) => d(`wrong value for ${f.type} ${o}`, 'bad', attr(f.name, o, v))))),
    fc.tuple(fc.constantFrom(...fields.filter((f) => f.type === 'STRING')), overlong(1000)).map(([f, v]) => d('overlong value', 'bad', attr(f.name, 'EQ', v))),
    fc.constant(d('value nested 100,000 deep', 'bad', attr('externalId', 'EQ', deepArray(100_000)), { variablesOnly: true })),
    fc.oneof(fc.constantFrom('', '   ', '\n\t'), overlong(1000)).map((tag) => d('blank or overlong tag', 'bad', { tag: { tag } })),
    fc.oneof(fc.integer(), fc.constant(null), fc.constant([])).map((tag) => d('tag not a string', 'coercion', { tag: { tag } })),
    fc.oneof(hostile, fc.constant('yes')).map((has) => d('has not a boolean', 'coercion', { tag: { tag: 'vip', has } })),
    fc.oneof(hostile, fc.constantFrom(fx.missing, '0', '-1', '1e3', ' 1', '18446744073709551616')).map((id) => d('unknown list', 'bad', { list: { listId: id } })),
    fc.constant(d('list of another workspace', 'bad', { list: { listId: new ForeignId(fx.foreign.list, fx.missing) } })),
    fc.constant(d('list of another type', 'bad', { list: { listId: t === 'USER' ? fx.lists.COMPANY : fx.lists.USER } })),
    fc.constantFrom(1.5, true, { id: 1 }).map((listId) => d('listId not an ID', 'coercion', { list: { listId } })),
    fc.oneof(hostile, fc.constantFrom(fx.missing, '0', '00', '-5')).map((id) => d('unknown segment', 'bad', { segment: { segmentId: id } })),
    fc.constant(d('segment of another workspace', 'bad', { segment: { segmentId: new ForeignId(fx.foreign.segment, fx.missing) } })),
    fc.constant(d('segment hidden from the agent', 'bad', { segment: { segmentId: new ForeignId(fx.hiddenSegment, fx.missing) } }, { as: 'agent' })),
    fc.constantFrom(...otherTypes).map((u) => d('segment of another type', 'bad', { segment: { segmentId: fx.segmentOf[u] } })),
    fc.tuple(unknownName, fc.constantFrom('ANY', 'NONE')).map(([r, q]) => d('unknown relation', 'bad', { related: { relation: r, quantifier: en(q), filter: { tag: { tag: 'x' } } } })),
    fc.constantFrom('ALL', 'SOME', 'any', '').map((q) => d('unknown quantifier', 'coercion', { related: { relation: CATALOG[t].relations[0]?.relation ?? 'user', quantifier: en(q), filter: { tag: { tag: 'x' } } } })),
    fc.constant(d('related without filter', 'coercion', { related: { relation: CATALOG[t].relations[0]?.relation ?? 'user' } })),
    fc.constant(d('node setting nothing', 'bad', {})),
    fc.tuple(hostile, hostile).map(([a, b]) => d('node setting two kinds', 'bad', { tag: { tag: `x${a}` }, not: { tag: { tag: `x${b}` } } })),
    fc.constantFrom('and', 'or').map((k) => d(`empty ${k}`, 'bad', { [k]: [] })),
    fc.tuple(unknownInputKey, hostile).map(([k, v]) => d('unknown node field', 'coercion', { [k]: v, tag: { tag: 'x' } })),
    fc.tuple(unknownInputKey, hostile).map(([k, v]) => d('unknown condition field', 'coercion', { attribute: { field: 'externalId', operator: en('EQ'), value: 'x', [k]: v } })),
    fc.constant(d('condition without operator', 'coercion', { attribute: { field: 'externalId', value: 'x' } })),
    fc.oneof(hostile, fc.constantFrom('DROP', 'eq', 'LIKE', 'REGEXP', '')).map((o) => d('unknown operator', 'coercion', attr('externalId', o, 'x'))),
    fc.integer({ min: 11, max: 40 }).map((depth) => {
      let node: unknown = { tag: { tag: 'x' } };
      for (let i = 1; i < depth; i++) node = i % 3 === 0 ? { and: [node] } : { not: node };
      return d(`filter ${depth} deep`, 'bad', node);
    }),
    fc.constant(d('filter 100,000 deep', 'bad', deepNot(100_000), { variablesOnly: true })),
    fc.integer({ min: 201, max: 260 }).map((n) => d(`${n} conditions`, 'bad', { or: Array.from({ length: n }, (_, i) => ({ tag: { tag: `t${i}` } })) })),
  ];
  if (!hasEvents) {
    defects.push(fc.tuple(named('e'), fc.constantFrom('COUNT', 'FIRST_OCCURRED_AT')).map(([name, a]) => d(`event condition on ${t}`, 'bad', ev({ name, aggregate: en(a) }))));
  } else {
    defects.push(
      fc.oneof(fc.constantFrom('', '  ', '\n'), overlong(1000)).map((name) => d('blank or overlong event name', 'bad', ev({ name }))),
      fc.constantFrom('SUM', 'AVG', 'MIN', 'MAX').map((a) => d(`${a} without property`, 'bad', ev({ aggregate: en(a), operator: en('GT'), value: 1 }))),
      fc.tuple(fc.constantFrom('COUNT', 'FIRST_OCCURRED_AT', 'LAST_OCCURRED_AT'), hostile).map(([a, p]) => d(`${a} with a property`, 'bad', ev({ aggregate: en(a), property: `p${p}` }))),
      hostile.map((p) => d('aggregate property not a key', 'bad', ev({ aggregate: en('SUM'), property: p, operator: en('GT'), value: 1 }))),
      fc.constantFrom('GT', 'EQ', 'CONTAINS', 'IS_TRUE').map((o) => d(`FIRST_OCCURRED_AT ${o}`, 'bad', ev({ aggregate: en('FIRST_OCCURRED_AT'), operator: en(o), value: 1 }))),
      fc.oneof(hostile, fc.constantFrom('1', 'many'), fc.constant(INF), fc.constant([1])).map((value) => d('aggregate value not a number', 'bad', ev({ value }))),
      fc.constantFrom('MEDIAN', 'count', 'SUM()').map((a) => d('unknown aggregate', 'coercion', ev({ aggregate: en(a) }))),
      hostile.map((p) => d('where property not a key', 'bad', ev({ where: [{ property: p, operator: en('EQ'), value: 1 }] }))),
      fc.constantFrom<[string, unknown]>(['EQ', true], ['EQ', null], ['EQ', [1]], ['IN', [1, 'a']], ['IN', []], ['BETWEEN', [1, 'a']], ['BETWEEN', ['2026-02-01', '2026-01-01']], ['IS_TRUE', 1], ['GT', 'x'], ['WITHIN_LAST_DAYS', 0])
        .map(([o, value]) => d(`where ${o} with a wrong value`, 'bad', ev({ where: [{ property: 'amount', operator: en(o), value }] }))),
      fc.constant(d('where with 201 conditions', 'bad', ev({ where: Array.from({ length: 201 }, (_, i) => ({ property: `p${i}`, operator: en('IS_SET') })) }))),
      fc.constantFrom<[string, Record<string, unknown>]>(
        ['empty window', {}], ['lastDays and from', { lastDays: 3, from: '2026-01-01T00:00:00Z' }], ['lastDays 0', { lastDays: 0 }], ['negative lastDays', { lastDays: -2 }],
        ['lastDays past 1000 years', { lastDays: 365_001 }], ['from after to', { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }],
      ).map(([label, window]) => d(label, 'bad', ev({ window }))),
      fc.constantFrom(INF, NEG_INF).map((lastDays) => d('lastDays not finite', 'bad', ev({ window: { lastDays } }))),
      fc.oneof(hostile, fc.constantFrom('2026-02-30T00:00:00Z', 'tomorrow', '')).map((from) => d('window date not a DateTime', 'coercion', ev({ window: { from } }))),
    );
  }
  if (CATALOG[t].relations.length === 0) {
    defects.push(fc.constantFrom('user', 'company', 'users').map((r) => d(`relation on ${t}`, 'bad', { related: { relation: r, filter: { tag: { tag: 'x' } } } })));
  }
  return fc.oneof(...defects);
}

/** A valid node of `t` whose strings are hostile. */
function validNode(t: ObjectType): fc.Arbitrary<unknown> {
  const strings = CATALOG[t].fields.filter((f) => f.type === 'STRING').map((f) => f.name);
  const nodes: Array<fc.Arbitrary<unknown>> = [
    fc.tuple(fc.constantFrom(...strings), fc.constantFrom('EQ', 'NEQ', 'CONTAINS', 'NOT_CONTAINS', 'STARTS_WITH', 'ENDS_WITH'), hostile).map(([f, o, v]) => attr(f, o, v)),
    fc.tuple(fc.constantFrom(...strings), fc.array(hostile, { minLength: 1, maxLength: 3 })).map(([f, v]) => attr(f, 'IN', v)),
    fc.tuple(named('x'), fc.boolean()).map(([tag, has]) => ({ tag: { tag, has } })),
    fc.integer({ min: 1, max: 1000 }).map((n) => attr('createdAt', 'WITHIN_LAST_DAYS', n)),
  ];
  if (CATALOG[t].eventColumn) {
    nodes.push(fc.tuple(named('e'), hostile).map(([name, v]) => ({ event: { name, where: [{ property: 'amount', operator: en('CONTAINS'), value: v }] } })));
  }
  return fc.oneof(...nodes);
}

/** A defect of `t`, at random inside valid and/or/not/related nodes (at most `budget` levels). */
function inTree(fx: Fixture, t: ObjectType, budget: number): fc.Arbitrary<Defect> {
  const leaf = leafDefect(fx, t);
  if (budget === 0) return leaf;
  const inner = inTree(fx, t, budget - 1);
  const wrapped: Array<fc.Arbitrary<Defect>> = [
    fc.tuple(fc.constantFrom('and', 'or'), fc.array(validNode(t), { maxLength: 2 }), inner, fc.array(validNode(t), { maxLength: 2 }))
      .map(([k, pre, x, post]) => ({ ...x, node: { [k]: [...pre, x.node, ...post] } })),
    inner.map((x) => ({ ...x, node: { not: x.node } })),
  ];
  const relations = CATALOG[t].relations;
  if (relations.length) {
    wrapped.push(fc.constantFrom(...relations).chain((r) => fc.tuple(inTree(fx, r.target, budget - 1), fc.constantFrom('ANY', 'NONE'))
      .map(([x, q]) => ({ ...x, node: { related: { relation: r.relation, quantifier: en(q), filter: x.node } } }))));
  }
  return fc.oneof({ weight: 2, arbitrary: leaf }, ...wrapped.map((arbitrary) => ({ weight: 1, arbitrary })));
}

/** An invalid filter of a random type, with its type. */
const badFilter = (fx: Fixture): fc.Arbitrary<{ t: ObjectType; x: Defect }> =>
  fc.constantFrom(...OBJECT_TYPES).chain((t) => inTree(fx, t, 3).map((x) => ({ t, x })));

/** The filter-taking operations, each with an invalid filter. */
export const FILTER_OPERATIONS = ['objects', 'previewSegment', 'createSegment', 'updateSegment', 'previewSegmentChange'] as const;
export type FilterOperation = (typeof FILTER_OPERATIONS)[number];

export function invalidFilterSpecs(fx: Fixture, operation: FilterOperation): fc.Arbitrary<CaseSpec> {
  return fc.tuple(badFilter(fx), named('Fuzz ')).map(([{ t, x }, name]) => {
    const filter = x.node;
    const ops: Record<FilterOperation, () => Op> = {
      objects: () => op('objects', { objectType: en(t), filter, first: 1 }),
      previewSegment: () => op('previewSegment', { objectType: en(t), filter, sampleSize: 0 }),
      createSegment: () => op('createSegment', { input: { objectType: en(t), name, filter, realtime: false } }),
      updateSegment: () => op('updateSegment', { id: fx.segmentOf[t], input: { filter } }),
      previewSegmentChange: () => op('previewSegmentChange', { id: fx.segmentOf[t], filter, sampleSize: 0 }),
    };
    return { label: `${operation} ${t}: ${x.label}`, op: ops[operation](), level: x.level, as: x.as, variablesOnly: x.variablesOnly };
  });
}

/** Filters that would make segments depend on each other in a cycle (updateSegment only). */
export function cycleSpecs(fx: Fixture): fc.Arbitrary<CaseSpec> {
  const [s1, s2, s3] = fx.chain;
  const cycles: Array<[string, string, string]> = [
    ['reads itself', s1, s1], ['reads a segment that reads it', s1, s2], ['closes a 3-cycle', s1, s3], ['closes a 2-cycle', s2, s3], ['reads itself', s3, s3],
  ];
  return fc.tuple(fc.constantFrom(...cycles), fc.array(validNode('USER'), { maxLength: 2 }), fc.constantFrom('and', 'or', 'not', 'plain'), fc.boolean()).map(([[label, id, target], siblings, wrap, isMember]) => {
    const ref = { segment: { segmentId: target, isMember } };
    const filter = wrap === 'plain' ? ref : wrap === 'not' ? { not: ref } : { [wrap]: [...siblings, ref] };
    return { label: `updateSegment: a filter that ${label}`, op: op('updateSegment', { id, input: { filter } }), level: 'bad' as const };
  });
}

/** A small valid filter of `t` with hostile strings (for cases whose defect lies elsewhere). */
export const validFilter = (t: ObjectType): fc.Arbitrary<unknown> => validNode(t);
