/** Unit tests of the reference evaluator on hand-made data, for the tricky rules of SEMANTICS.md. */
import fc from 'fast-check';
import { CATALOG } from '../../src/core/catalog';
import { OBJECT_TYPES, ObjectType } from '../../src/core/object-types';
import {
  AttributeDefRecord, DAY_MS, DataSet, EventRecord, FieldValue, ListRecord, ObjectRecord, TagRecord,
  dataSetArb, datePool, variant,
} from './dataset';
import { FilterInput, evaluateFilter, fold, parseJsonDate } from './evaluator';
import { conditionCount, depthOf, filterArb, filterEnvOf, MAX_CONDITIONS, MAX_DEPTH } from './filters';

const NOW = new Date('2025-06-15T12:00:00.000Z');
const T = NOW.getTime();
const iso = (ms: number): string => new Date(ms).toISOString();
const WS = '1';
const OTHER = '2';

interface Spec {
  objects?: Partial<Record<ObjectType, Array<{ id: string; ws?: string; fields?: Record<string, FieldValue>; attributes?: Record<string, unknown>; refs?: Record<string, string | null> }>>>;
  events?: Array<Partial<EventRecord> & { userId: string; name: string }>;
  tags?: Array<Partial<TagRecord> & { objectType: ObjectType; objectId: string; tag: string }>;
  lists?: Array<Partial<ListRecord> & { id: string; objectType: ObjectType; memberIds: string[] }>;
  attributes?: Array<Partial<AttributeDefRecord> & { objectType: ObjectType; key: string; type: AttributeDefRecord['type'] }>;
}

function dataSet(spec: Spec): DataSet {
  const objects = {} as Record<ObjectType, ObjectRecord[]>;
  for (const t of OBJECT_TYPES) {
    objects[t] = (spec.objects?.[t] ?? []).map((o) => {
      const refs: Record<string, string | null> = {};
      for (const r of CATALOG[t].references) refs[r.column] = o.refs?.[r.column] ?? null;
      return { id: o.id, workspaceId: o.ws ?? WS, fields: o.fields ?? {}, attributes: o.attributes ?? {}, refs };
    });
  }
  return {
    now: NOW,
    workspaceIds: [WS, OTHER],
    objects,
    events: (spec.events ?? []).map((e, i) => ({
      id: String(i + 1), workspaceId: WS, productId: null, occurredAt: NOW, properties: {}, ...e,
    })),
    tags: (spec.tags ?? []).map((t) => ({ workspaceId: WS, ...t })),
    lists: (spec.lists ?? []).map((l) => ({ workspaceId: WS, name: l.id, ...l })),
    attributeDefs: (spec.attributes ?? []).map((a) => ({ workspaceId: WS, ...a })),
  };
}

const ids = (ds: DataSet, type: ObjectType, f: FilterInput, ws = WS): string[] =>
  [...evaluateFilter(ds, ws, type, f, NOW)].sort((a, b) => Number(a) - Number(b));
const attr = (field: string, operator: string, value?: unknown): FilterInput =>
  ({ attribute: value === undefined ? { field, operator: operator as never } : { field, operator: operator as never, value } });

describe('strings', () => {
  const ds = dataSet({
    objects: {
      USER: [
        { id: '1', fields: { country: 'Zürich', marketingConsent: false } },
        { id: '2', fields: { country: '', marketingConsent: false } },
        { id: '3', fields: { country: null, marketingConsent: true } },
        { id: '4', fields: { country: 'a%b', marketingConsent: false } },
        { id: '5', fields: { country: 'axb', marketingConsent: false } },
        { id: '6', fields: { country: 'a\\b', marketingConsent: false } },
      ],
    },
  });

  test('fold is lower case without accents', () => {
    expect(fold('ZÜRICH')).toBe('zurich');
    expect(fold('Éva à')).toBe('eva a');
  });
  test('EQ / IN are case and accent insensitive', () => {
    expect(ids(ds, 'USER', attr('country', 'EQ', 'zurich'))).toEqual(['1']);
    expect(ids(ds, 'USER', attr('country', 'EQ', 'ZÜRİCH'.replace('İ', 'I')))).toEqual(['1']);
    expect(ids(ds, 'USER', attr('country', 'IN', ['x', 'ZURICH']))).toEqual(['1']);
  });
  test("'' and null are missing: positive operators fail, negated ones pass", () => {
    expect(ids(ds, 'USER', attr('country', 'IS_SET'))).toEqual(['1', '4', '5', '6']);
    expect(ids(ds, 'USER', attr('country', 'IS_NOT_SET'))).toEqual(['2', '3']);
    expect(ids(ds, 'USER', attr('country', 'NEQ', 'zurich'))).toEqual(['2', '3', '4', '5', '6']);
    expect(ids(ds, 'USER', attr('country', 'NOT_IN', ['axb', 'a%b']))).toEqual(['1', '2', '3', '6']);
    expect(ids(ds, 'USER', attr('country', 'NOT_CONTAINS', 'b'))).toEqual(['1', '2', '3']);
    expect(ids(ds, 'USER', attr('country', 'STARTS_WITH', 'z'))).toEqual(['1']);
    expect(ids(ds, 'USER', attr('country', 'EQ', ''))).toEqual([]);
  });
  test('CONTAINS / STARTS_WITH / ENDS_WITH are literal: % _ \\ are ordinary', () => {
    expect(ids(ds, 'USER', attr('country', 'CONTAINS', '%'))).toEqual(['4']);
    expect(ids(ds, 'USER', attr('country', 'CONTAINS', 'a_b'))).toEqual([]);
    expect(ids(ds, 'USER', attr('country', 'STARTS_WITH', 'a%'))).toEqual(['4']);
    expect(ids(ds, 'USER', attr('country', 'ENDS_WITH', '\\b'))).toEqual(['6']);
    expect(ids(ds, 'USER', attr('country', 'CONTAINS', 'ÜR'))).toEqual(['1']);
    expect(ids(ds, 'USER', attr('country', 'ENDS_WITH', 'ICH'))).toEqual(['1']);
  });
  test('a BOOLEAN column: IS_TRUE / IS_FALSE', () => {
    expect(ids(ds, 'USER', attr('marketingConsent', 'IS_TRUE'))).toEqual(['3']);
    expect(ids(ds, 'USER', attr('marketingConsent', 'IS_FALSE'))).toEqual(['1', '2', '4', '5', '6']);
    expect(ids(ds, 'USER', attr('marketingConsent', 'IS_NOT_SET'))).toEqual([]);
  });
});

describe('numbers and custom attributes', () => {
  const ds = dataSet({
    attributes: [
      { objectType: 'COMPANY', key: 'score', type: 'NUMBER' },
      { objectType: 'COMPANY', key: 'vip', type: 'BOOLEAN' },
      { objectType: 'COMPANY', key: 'renewal_at', type: 'DATE' },
      { objectType: 'COMPANY', key: 'plan', type: 'STRING' },
    ],
    objects: {
      COMPANY: [
        { id: '1', fields: { name: 'a', employees: 10 }, attributes: { score: 1.5, vip: true, renewal_at: iso(T), plan: 'Gold' } },
        { id: '2', fields: { name: 'b', employees: null }, attributes: { score: null, vip: null, plan: '' } },
        { id: '3', fields: { name: 'c', employees: 3 }, attributes: { score: 3, vip: false, renewal_at: iso(T - DAY_MS) } },
        { id: '4', fields: { name: 'd', employees: 0 }, attributes: { score: '3', vip: 'true', plan: 7 } },
      ],
    },
  });
  test('BETWEEN is inclusive on both ends; missing fails every positive operator', () => {
    expect(ids(ds, 'COMPANY', attr('employees', 'BETWEEN', [3, 10]))).toEqual(['1', '3']);
    expect(ids(ds, 'COMPANY', attr('employees', 'LTE', 3))).toEqual(['3', '4']);
    expect(ids(ds, 'COMPANY', attr('employees', 'NEQ', 3))).toEqual(['1', '2', '4']);
    expect(ids(ds, 'COMPANY', attr('employees', 'NOT_IN', [0, 10]))).toEqual(['2', '3']);
    expect(ids(ds, 'COMPANY', attr('employees', 'IN', [0, 10]))).toEqual(['1', '4']);
  });
  test('JSON null, absent keys and JSON values of another type are missing', () => {
    expect(ids(ds, 'COMPANY', attr('attributes.score', 'GTE', 1.5))).toEqual(['1', '3']);
    expect(ids(ds, 'COMPANY', attr('attributes.score', 'IS_NOT_SET'))).toEqual(['2', '4']);
    expect(ids(ds, 'COMPANY', attr('attributes.score', 'EQ', 3))).toEqual(['3']);
    expect(ids(ds, 'COMPANY', attr('attributes.vip', 'IS_FALSE'))).toEqual(['3']);
    expect(ids(ds, 'COMPANY', attr('attributes.vip', 'IS_SET'))).toEqual(['1', '3']);
    expect(ids(ds, 'COMPANY', attr('attributes.plan', 'IS_SET'))).toEqual(['1']);
    expect(ids(ds, 'COMPANY', attr('attributes.plan', 'NEQ', 'gold'))).toEqual(['2', '3', '4']);
  });
  test('DATE attributes are canonical ISO strings compared as instants', () => {
    expect(ids(ds, 'COMPANY', attr('attributes.renewal_at', 'WITHIN_LAST_DAYS', 1))).toEqual(['1', '3']);
    expect(ids(ds, 'COMPANY', attr('attributes.renewal_at', 'BEFORE', iso(T)))).toEqual(['3']);
    expect(ids(ds, 'COMPANY', attr('attributes.renewal_at', 'IS_NOT_SET'))).toEqual(['2', '4']);
  });
});

describe('dates', () => {
  const at = [T, T + 1, T - DAY_MS, T - DAY_MS - 1, T - DAY_MS + 1, T - 7 * DAY_MS];
  const ds = dataSet({
    objects: { USER: [...at.map((ms, i) => ({ id: String(i + 1), fields: { lastSeenAt: new Date(ms), marketingConsent: false } })), { id: '9', fields: { lastSeenAt: null, marketingConsent: false } }] },
  });
  test('WITHIN_LAST_DAYS n: now − n days ≤ x ≤ now', () => {
    expect(ids(ds, 'USER', attr('lastSeenAt', 'WITHIN_LAST_DAYS', 1))).toEqual(['1', '3', '5']);
    expect(ids(ds, 'USER', attr('lastSeenAt', 'WITHIN_LAST_DAYS', 0.5))).toEqual(['1']);
  });
  test('MORE_THAN_DAYS_AGO n: x < now − n days (strict); missing fails', () => {
    expect(ids(ds, 'USER', attr('lastSeenAt', 'MORE_THAN_DAYS_AGO', 1))).toEqual(['4', '6']);
  });
  test('BEFORE / AFTER strict, BETWEEN inclusive', () => {
    expect(ids(ds, 'USER', attr('lastSeenAt', 'BEFORE', iso(T - DAY_MS)))).toEqual(['4', '6']);
    expect(ids(ds, 'USER', attr('lastSeenAt', 'AFTER', iso(T)))).toEqual(['2']);
    expect(ids(ds, 'USER', attr('lastSeenAt', 'BETWEEN', [iso(T - DAY_MS), iso(T)]))).toEqual(['1', '3', '5']);
    expect(ids(ds, 'USER', attr('lastSeenAt', 'IS_NOT_SET'))).toEqual(['9']);
  });
  test('date forms accepted in JSON', () => {
    expect(parseJsonDate('2025-06-15')).toBe(Date.parse('2025-06-15T00:00:00.000Z'));
    expect(parseJsonDate('2025-06-15T12:00:00.000Z')).toBe(T);
    expect(parseJsonDate('2025-06-15T12:00:00Z')).toBeNull();
    expect(parseJsonDate('2025-06-15 12:00:00')).toBeNull();
    expect(parseJsonDate(1718452800000)).toBeNull();
  });
});

describe('events', () => {
  const u = (id: string) => ({ id, fields: { marketingConsent: false } });
  const ds = dataSet({
    objects: { USER: [u('1'), u('2'), u('3'), u('4')], PRODUCT: [{ id: '1', fields: { name: 'p' } }, { id: '2', fields: { name: 'q' } }] },
    events: [
      { userId: '1', name: 'Purchase', occurredAt: new Date(T - DAY_MS), productId: '2', properties: { amount: 5, plan: 'Gold', ok: true, at: '2025-06-01' } },
      { userId: '1', name: 'PÜRCHASE', occurredAt: new Date(T + DAY_MS), properties: { amount: '7', plan: '', ok: 'true', at: '2025-06-01T00:00:00Z' } },
      { userId: '1', name: 'purchase', occurredAt: new Date(T - 10 * DAY_MS), properties: { amount: 2.5, plan: null } },
      { userId: '2', name: 'purchase', occurredAt: new Date(T - DAY_MS - 1), productId: '2', properties: { amount: 1 } },
      { userId: '3', name: 'signup', occurredAt: new Date(T), properties: {} },
      { userId: '3', name: 'purchase', occurredAt: new Date(T), properties: { amount: 5 }, workspaceId: OTHER },
    ],
  });
  const ev = (e: Record<string, unknown>): FilterInput => ({ event: { name: 'purchase', ...e } as never });

  test('default COUNT GTE 1; names compare folded; other workspaces do not count', () => {
    expect(ids(ds, 'USER', ev({}))).toEqual(['1', '2']);
    expect(ids(ds, 'USER', ev({ aggregate: 'COUNT', operator: 'EQ', value: 0 }))).toEqual(['3', '4']);
    expect(ids(ds, 'USER', ev({ operator: 'GTE', value: 3 }))).toEqual(['1']);
  });
  test('lastDays has no upper bound; from / to are inclusive', () => {
    expect(ids(ds, 'USER', ev({ window: { lastDays: 1 }, operator: 'EQ', value: 2 }))).toEqual(['1']);
    expect(ids(ds, 'USER', ev({ window: { lastDays: 1 } }))).toEqual(['1']);
    expect(ids(ds, 'USER', ev({ window: { from: iso(T - DAY_MS - 1), to: iso(T - DAY_MS) } }))).toEqual(['1', '2']);
    expect(ids(ds, 'USER', ev({ window: { to: iso(T - DAY_MS - 1) } }))).toEqual(['1', '2']);
    expect(ids(ds, 'USER', ev({ window: { from: iso(T + DAY_MS) } }))).toEqual(['1']);
  });
  test('where: the comparison type comes from operator and value', () => {
    expect(ids(ds, 'USER', ev({ where: [{ property: 'amount', operator: 'EQ', value: 7 }] }))).toEqual([]);
    expect(ids(ds, 'USER', ev({ where: [{ property: 'amount', operator: 'EQ', value: '7' }] }))).toEqual(['1']);
    expect(ids(ds, 'USER', ev({ where: [{ property: 'amount', operator: 'GT', value: 2 }], operator: 'EQ', value: 2 }))).toEqual(['1']);
    expect(ids(ds, 'USER', ev({ where: [{ property: 'amount', operator: 'NEQ', value: 5 }], operator: 'EQ', value: 2 }))).toEqual(['1']);
    expect(ids(ds, 'USER', ev({ where: [{ property: 'ok', operator: 'IS_TRUE' }] }))).toEqual(['1']);
    expect(ids(ds, 'USER', ev({ where: [{ property: 'ok', operator: 'IS_FALSE' }] }))).toEqual([]);
    expect(ids(ds, 'USER', ev({ where: [{ property: 'plan', operator: 'IS_SET' }] }))).toEqual(['1']);
    expect(ids(ds, 'USER', ev({ where: [{ property: 'plan', operator: 'IS_NOT_SET' }], operator: 'EQ', value: 2 }))).toEqual(['1']);
    expect(ids(ds, 'USER', ev({ where: [{ property: 'plan', operator: 'CONTAINS', value: 'OL' }] }))).toEqual(['1']);
    // only the date-only form counts: the other event's value has no milliseconds
    expect(ids(ds, 'USER', ev({ where: [{ property: 'at', operator: 'BEFORE', value: iso(T) }], operator: 'EQ', value: 1 }))).toEqual(['1']);
    expect(ids(ds, 'USER', ev({ where: [{ property: 'at', operator: 'BETWEEN', value: ['2025-06-01T00:00:00.000Z', '2025-06-01T00:00:00.000Z'] }] }))).toEqual(['1']);
    expect(ids(ds, 'USER', ev({ where: [{ property: 'at', operator: 'EQ', value: '2025-06-01T00:00:00Z' }] }))).toEqual(['1']);
  });
  test('aggregates over numeric values; SUM of none is 0, AVG/MIN/MAX of none missing', () => {
    expect(ids(ds, 'USER', ev({ aggregate: 'SUM', property: 'amount', operator: 'EQ', value: 7.5 }))).toEqual(['1']);
    expect(ids(ds, 'USER', ev({ aggregate: 'SUM', property: 'amount', operator: 'EQ', value: 0 }))).toEqual(['3', '4']);
    expect(ids(ds, 'USER', ev({ aggregate: 'AVG', property: 'amount', operator: 'EQ', value: 3.75 }))).toEqual(['1']);
    expect(ids(ds, 'USER', ev({ aggregate: 'AVG', property: 'amount', operator: 'IS_NOT_SET' }))).toEqual(['3', '4']);
    expect(ids(ds, 'USER', ev({ aggregate: 'MIN', property: 'amount', operator: 'LT', value: 3 }))).toEqual(['1', '2']);
    expect(ids(ds, 'USER', ev({ aggregate: 'MAX', property: 'amount', operator: 'NEQ', value: 5 }))).toEqual(['2', '3', '4']);
    expect(ids(ds, 'USER', ev({ aggregate: 'MAX', property: 'plan', operator: 'IS_SET' }))).toEqual([]);
  });
  test('FIRST / LAST_OCCURRED_AT, missing when S is empty', () => {
    expect(ids(ds, 'USER', ev({ aggregate: 'LAST_OCCURRED_AT', operator: 'AFTER', value: iso(T) }))).toEqual(['1']);
    expect(ids(ds, 'USER', ev({ aggregate: 'FIRST_OCCURRED_AT', operator: 'MORE_THAN_DAYS_AGO', value: 1 }))).toEqual(['1', '2']);
    expect(ids(ds, 'USER', ev({ aggregate: 'FIRST_OCCURRED_AT', operator: 'WITHIN_LAST_DAYS', value: 1 }))).toEqual([]);
    expect(ids(ds, 'USER', ev({ aggregate: 'LAST_OCCURRED_AT', operator: 'IS_NOT_SET' }))).toEqual(['3', '4']);
  });
  test("a product's events are those naming it", () => {
    expect(ids(ds, 'PRODUCT', ev({ operator: 'EQ', value: 2 }))).toEqual(['2']);
    expect(ids(ds, 'PRODUCT', ev({ window: { lastDays: 1 } }))).toEqual(['2']);
    expect(ids(ds, 'PRODUCT', ev({ aggregate: 'COUNT', operator: 'LT', value: 1 }))).toEqual(['1']);
  });
});

describe('tags, lists, related, boolean nodes', () => {
  const ds = dataSet({
    objects: {
      USER: [
        { id: '1', fields: { marketingConsent: true }, refs: { company_id: '1' } },
        { id: '2', fields: { marketingConsent: false }, refs: { company_id: '9' } },
        { id: '3', fields: { marketingConsent: false }, refs: { company_id: '3' } },
      ],
      COMPANY: [
        { id: '1', fields: { name: 'Acme', country: 'PL' } },
        { id: '2', fields: { name: 'Empty', country: 'PL' } },
        { id: '3', ws: OTHER, fields: { name: 'Other', country: 'PL' } },
      ],
      DEAL: [
        { id: '1', fields: { name: 'd1', status: 'won' }, refs: { user_id: '1', company_id: '1' } },
        { id: '2', fields: { name: 'd2', status: 'lost' }, refs: { user_id: '1', company_id: null } },
        { id: '3', ws: OTHER, fields: { name: 'd3', status: 'won' }, refs: { user_id: '2', company_id: '2' } },
      ],
    },
    tags: [
      { objectType: 'USER', objectId: '1', tag: 'VIP' },
      { objectType: 'COMPANY', objectId: '2', tag: 'vip' },
      { objectType: 'USER', objectId: '3', tag: 'vip', workspaceId: OTHER },
    ],
    lists: [{ id: '7', objectType: 'USER', memberIds: ['2'] }],
  });
  test('tags: trimmed, folded, per type and workspace; has:false negates', () => {
    expect(ids(ds, 'USER', { tag: { tag: '  vîp '.replace('î', 'i') } })).toEqual(['1']);
    expect(ids(ds, 'USER', { tag: { tag: 'vip', has: false } })).toEqual(['2', '3']);
    expect(ids(ds, 'COMPANY', { tag: { tag: 'Vip' } })).toEqual(['2']);
  });
  test('lists: isMember:false negates', () => {
    expect(ids(ds, 'USER', { list: { listId: '7' } })).toEqual(['2']);
    expect(ids(ds, 'USER', { list: { listId: '7', isMember: false } })).toEqual(['1', '3']);
  });
  test('related ANY / NONE; no related object fails ANY and passes NONE; another workspace is invisible', () => {
    const pl = attr('country', 'EQ', 'pl');
    expect(ids(ds, 'USER', { related: { relation: 'company', filter: pl } })).toEqual(['1']);
    expect(ids(ds, 'USER', { related: { relation: 'company', quantifier: 'NONE', filter: pl } })).toEqual(['2', '3']);
    expect(ids(ds, 'USER', { related: { relation: 'deals', filter: attr('status', 'EQ', 'LOST') } })).toEqual(['1']);
    expect(ids(ds, 'USER', { related: { relation: 'deals', quantifier: 'NONE', filter: attr('status', 'EQ', 'won') } })).toEqual(['2', '3']);
    expect(ids(ds, 'COMPANY', { related: { relation: 'deals', filter: attr('status', 'IS_SET') } })).toEqual(['1']);
    expect(ids(ds, 'COMPANY', { related: { relation: 'users', filter: { related: { relation: 'deals', filter: attr('status', 'EQ', 'lost') } } } })).toEqual(['1']);
    expect(ids(ds, 'DEAL', { related: { relation: 'company', quantifier: 'NONE', filter: { tag: { tag: 'vip' } } } })).toEqual(['1', '2']);
    expect(ids(ds, 'DEAL', { related: { relation: 'user', filter: attr('marketingConsent', 'IS_FALSE') } }, OTHER)).toEqual([]);
  });
  test('and / or / not', () => {
    const a = attr('marketingConsent', 'IS_TRUE');
    const b: FilterInput = { list: { listId: '7' } };
    expect(ids(ds, 'USER', { or: [a, b] })).toEqual(['1', '2']);
    expect(ids(ds, 'USER', { and: [{ not: a }, { not: b }] })).toEqual(['3']);
    expect(ids(ds, 'USER', { not: { or: [a, b] } })).toEqual(['3']);
  });
});

describe('generators', () => {
  test('variants fold to the same key', () => {
    fc.assert(fc.property(fc.constantFrom('Zürich', 'Éva', 'à la', 'Öl', 'new york'), fc.nat(), (s, seed) => {
      expect(fold(variant(s, seed))).toBe(fold(s));
    }));
  });
  test('the date pool holds the day boundaries', () => {
    expect(datePool(NOW)).toEqual(expect.arrayContaining([T, T - DAY_MS, T - DAY_MS - 1, T - 0.1 * DAY_MS]));
  });
  test('random filters are within the limits and evaluate without error', () => {
    const ds = fc.sample(dataSetArb({ now: NOW, workspaceIds: ['1', '2'], idBase: 0 }), { numRuns: 1, seed: 42 })[0];
    const env = filterEnvOf(ds, '1');
    for (const type of OBJECT_TYPES) {
      fc.assert(fc.property(filterArb(env, type), (f) => {
        expect(depthOf(f)).toBeLessThanOrEqual(MAX_DEPTH);
        expect(conditionCount(f)).toBeLessThanOrEqual(MAX_CONDITIONS);
        evaluateFilter(ds, '1', type, f, NOW);
      }), { numRuns: 200 });
    }
  });
});
