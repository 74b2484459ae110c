/**
 * The compiled filters on real MariaDB: a small hand-made data set (raw SQL inserts), and the ids
 * each tricky filter must find. The unit tables in tests/unit/filter pin the SQL text; this file
 * pins what it means.
 */
import { CATALOG } from '../../src/core/catalog';
import { compileCountQuery, compileMatchingIdsQuery, compilePredicate } from '../../src/core/filter/compiler';
import { validateFilter, ValidationContext } from '../../src/core/filter/validate-filter';
import { FieldType, OBJECT_TYPES, ObjectType } from '../../src/core/object-types';
import { backfillAttributeValues } from '../../src/db/attribute-values';
import { backfillEventNumbers } from '../../src/db/event-numbers';
import { createTestDatabase, TestDatabase } from '../support/db';

const NOW = new Date('2025-06-15T12:00:00.000Z');
const DAY = 86_400_000;
const ago = (days: number): Date => new Date(NOW.getTime() - days * DAY);
const WS = '1';
const OTHER_WS = '2';

let db: TestDatabase;

async function insert(table: string, columns: string, rows: unknown[][]): Promise<void> {
  const n = columns.split(',').length;
  const placeholders = rows.map(() => `(${Array(n).fill('?').join(', ')})`).join(', ');
  await db.dataSource.query(`INSERT INTO ${table} (${columns}) VALUES ${placeholders}`, rows.flat());
}

const json = (v: unknown): string => JSON.stringify(v);

async function seed(): Promise<void> {
  const t = ago(100);
  await insert('workspaces', 'id, name, created_at', [[WS, 'one', t], [OTHER_WS, 'two', t]]);
  await insert('companies', 'id, workspace_id, name, industry, attributes, created_at, updated_at', [
    [11, WS, 'Acme', 'Software', '{}', t, t],
    [12, WS, 'Bare', null, '{}', t, t],
    [21, OTHER_WS, 'Stray Corp', null, '{}', t, t],
  ]);
  await insert('users', 'id, workspace_id, email, country, city, marketing_consent, last_seen_at, company_id, attributes, created_at, updated_at', [
    [1, WS, 'a%b@x.io', 'Poland', 'Zürich', 1, ago(1), 11,
      json({ plan: 'pro', score: 5, vip: true, renewal_at: '2025-06-14T12:00:00.000Z' }), t, t],
    [2, WS, 'a_b@x.io', null, 'zurich', 0, ago(10), null, json({ plan: '', score: null }), t, t],
    [3, WS, 'a\\b@x.io', '', 'Bern', 0, null, 12, json({}), t, t],
    [4, WS, 'axb@x.io', 'Germany', null, 1, ago(2), 21,
      json({ plan: 'Free', score: 10.5, vip: false, renewal_at: '2025-05-01T00:00:00.000Z' }), t, t],
    [5, WS, null, 'poland', 'ZURICH', 0, NOW, null, json({ plan: 'Prof', score: '7' }), t, t],
    [6, OTHER_WS, 'a%b@x.io', 'Poland', 'Zürich', 1, NOW, 21, json({ plan: 'pro' }), t, t],
  ]);
  await insert('deals', 'id, workspace_id, name, value, status, user_id, company_id, attributes, created_at, updated_at', [
    [31, WS, 'Big', 100, 'won', 1, 11, '{}', t, t],
    [32, WS, 'Small', 5, 'open', 1, 11, '{}', t, t],
    [33, WS, 'Lone', null, 'open', 4, null, '{}', t, t],
    [41, OTHER_WS, 'Stray', 500, 'won', 2, 21, '{}', t, t],
  ]);
  await insert('products', 'id, workspace_id, name, attributes, created_at, updated_at', [
    [51, WS, 'Widget', '{}', t, t],
    [52, WS, 'Gadget', '{}', t, t],
  ]);
  await insert('events', 'id, workspace_id, user_id, product_id, name, occurred_at, properties, created_at', [
    [101, WS, 1, 51, 'purchase', ago(1), json({ amount: 10, plan: 'pro', at: '2025-06-10' }), t],
    [102, WS, 1, null, 'Purchase', ago(3), json({ amount: '5', ok: true, at: '2025-06-12 10:00:00' }), t],
    [103, WS, 1, null, 'purchase', ago(7), json({ amount: 2.5, at: '2025-06-08T12:00:00Z' }), t],
    [104, WS, 4, null, 'purchase', ago(40), json({ amount: null, note: '' }), t],
    [105, WS, 3, null, 'page view', NOW, json({ at: '2025-06-14t10:00:00z' }), t],
    [106, OTHER_WS, 2, 52, 'purchase', NOW, json({ amount: 1000 }), t],
  ]);
  // Tag and list rows name objects of their own workspace and type, as the service keeps them
  // (tests/integration/membership-rows.spec.ts; the compiler relies on it). One exception, read
  // only by USER filters here: the COMPANY tag on 4 (a user's id), a tag of another type.
  await insert('object_tags', 'workspace_id, object_type, object_id, tag, created_at', [
    [WS, 1, 1, 'VIP', t], [WS, 1, 2, 'churn', t], [OTHER_WS, 1, 6, 'vip', t], [WS, 2, 4, 'vip', t],
  ]);
  await insert('static_lists', 'id, workspace_id, object_type, name, created_at', [[61, WS, 1, 'list', t], [62, WS, 2, 'companies', t]]);
  await insert('list_members', 'list_id, object_id, added_at', [[61, 1, t], [61, 3, t], [62, 12, t]]);
  // The filter index of custom attributes, from the JSON above (as the migration's backfill does).
  for (const type of OBJECT_TYPES) await backfillAttributeValues((sql, params) => db.dataSource.query(sql, params), type);
  // The numeric event properties, from the events above (as the migration's backfill does).
  await backfillEventNumbers((sql, params) => db.dataSource.query(sql, params));
}

const ATTRIBUTES: Record<string, FieldType> = { plan: 'STRING', score: 'NUMBER', vip: 'BOOLEAN', renewal_at: 'DATE' };

function context(objectType: ObjectType): ValidationContext {
  return {
    objectType,
    attributeTypes: (type) => new Map(type === 'USER' ? Object.entries(ATTRIBUTES) : []),
    listTypes: new Map<string, ObjectType>([['61', 'USER'], ['62', 'COMPANY']]),
    segmentTypes: new Map(),
  };
}

/** The ids the filter matches; also checks that its predicate is never NULL on any row of the workspace. */
async function ids(filter: unknown, objectType: ObjectType = 'USER', restrictToIds?: string[]): Promise<number[]> {
  const tree = validateFilter(filter, context(objectType));
  const q = compileMatchingIdsQuery(tree, { workspaceId: WS, objectType, now: NOW, restrictToIds });
  const rows: Array<{ id: string }> = await db.dataSource.query(q.sql, [...q.params]);
  const p = compilePredicate(tree, { workspaceId: WS, objectType, now: NOW, alias: 'x' });
  const truth: Array<{ m: unknown }> = await db.dataSource.query(
    `SELECT (${p.sql}) AS m FROM ${CATALOG[objectType].table} x WHERE x.workspace_id = ?`, [...p.params, WS]);
  expect(truth.map((r) => String(r.m)).filter((m) => m !== '0' && m !== '1')).toEqual([]);
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

const attr = (field: string, operator: string, value?: unknown): unknown => ({ attribute: { field, operator, value } });
const purchase = (extra: Record<string, unknown> = {}): unknown => ({ event: { name: 'purchase', ...extra } });

beforeAll(async () => {
  db = await createTestDatabase();
  await seed();
});
afterAll(async () => { await db?.drop(); });

describe('missing values', () => {
  test.each([
    ['EQ is case-insensitive', attr('country', 'EQ', 'POLAND'), [1, 5]],
    ['NEQ includes NULL and empty', attr('country', 'NEQ', 'Poland'), [2, 3, 4]],
    ['NOT_IN includes missing', attr('country', 'NOT_IN', ['poland', 'x']), [2, 3, 4]],
    ['IN', attr('country', 'IN', ['germany', 'x']), [4]],
    ['IS_SET', attr('country', 'IS_SET'), [1, 4, 5]],
    ['IS_NOT_SET: NULL and empty', attr('country', 'IS_NOT_SET'), [2, 3]],
    ['not EQ = NEQ', { not: attr('country', 'EQ', 'Poland') }, [2, 3, 4]],
    ['not not', { not: { not: attr('country', 'EQ', 'Poland') } }, [1, 5]],
    ['custom STRING EQ', attr('attributes.plan', 'EQ', 'PRO'), [1]],
    ['custom STRING NEQ: absent and empty pass', attr('attributes.plan', 'NEQ', 'pro'), [2, 3, 4, 5]],
    ['custom STRING IS_NOT_SET: absent and empty', attr('attributes.plan', 'IS_NOT_SET'), [2, 3]],
    ['custom NUMBER GT (a string "7" is not a number)', attr('attributes.score', 'GT', 1), [1, 4]],
    ['not custom NUMBER GT', { not: attr('attributes.score', 'GT', 1) }, [2, 3, 5]],
    ['custom NUMBER NOT_IN', attr('attributes.score', 'NOT_IN', [5]), [2, 3, 4, 5]],
    ['custom NUMBER IS_SET', attr('attributes.score', 'IS_SET'), [1, 4]],
    ['custom BOOLEAN IS_TRUE', attr('attributes.vip', 'IS_TRUE'), [1]],
    ['custom BOOLEAN IS_FALSE', attr('attributes.vip', 'IS_FALSE'), [4]],
    ['not IS_TRUE: missing passes', { not: attr('attributes.vip', 'IS_TRUE') }, [2, 3, 4, 5]],
    ['standard BOOLEAN', attr('marketingConsent', 'IS_TRUE'), [1, 4]],
    ['NUMBER-free NOT_CONTAINS: NULL email passes', attr('email', 'NOT_CONTAINS', '%'), [2, 3, 4, 5]],
    ['or of missing', { or: [attr('country', 'IS_NOT_SET'), attr('attributes.vip', 'IS_FALSE')] }, [2, 3, 4]],
  ])('%s', async (_name, filter, expected) => {
    expect(await ids(filter)).toEqual(expected);
  });
});

describe('strings', () => {
  test.each([
    ['% is literal', attr('email', 'CONTAINS', '%'), [1]],
    ['_ is literal', attr('email', 'CONTAINS', '_'), [2]],
    ['\\ is literal', attr('email', 'CONTAINS', '\\'), [3]],
    ['STARTS_WITH a%', attr('email', 'STARTS_WITH', 'a%'), [1]],
    ['ENDS_WITH', attr('email', 'ENDS_WITH', 'B@X.IO'), [1, 2, 3, 4]],
    ['"zurich" finds "Zürich"', attr('city', 'EQ', 'zurich'), [1, 2, 5]],
    ['CONTAINS is accent-insensitive', attr('city', 'CONTAINS', 'ÜRI'), [1, 2, 5]],
    ['custom STARTS_WITH', attr('attributes.plan', 'STARTS_WITH', 'pr'), [1, 5]],
  ])('%s', async (_name, filter, expected) => {
    expect(await ids(filter)).toEqual(expected);
  });
});

describe('dates and windows', () => {
  test.each([
    ['WITHIN_LAST_DAYS includes now − n exactly', attr('lastSeenAt', 'WITHIN_LAST_DAYS', 2), [1, 4, 5]],
    ['WITHIN_LAST_DAYS fractional', attr('lastSeenAt', 'WITHIN_LAST_DAYS', 1.5), [1, 5]],
    ['MORE_THAN_DAYS_AGO excludes now − n exactly', attr('lastSeenAt', 'MORE_THAN_DAYS_AGO', 2), [2]],
    ['BEFORE is strict', attr('lastSeenAt', 'BEFORE', ago(2).toISOString()), [2]],
    ['AFTER is strict', attr('lastSeenAt', 'AFTER', ago(2).toISOString()), [1, 5]],
    ['BETWEEN is inclusive', attr('lastSeenAt', 'BETWEEN', [ago(10).toISOString(), ago(2).toISOString()]), [2, 4]],
    ['not BEFORE: NULL passes', { not: attr('lastSeenAt', 'BEFORE', ago(2).toISOString()) }, [1, 3, 4, 5]],
    ['custom DATE WITHIN_LAST_DAYS at the edge', attr('attributes.renewal_at', 'WITHIN_LAST_DAYS', 1), [1]],
    ['custom DATE MORE_THAN_DAYS_AGO', attr('attributes.renewal_at', 'MORE_THAN_DAYS_AGO', 30), [4]],
    ['custom DATE AFTER a date-only value', attr('attributes.renewal_at', 'AFTER', '2025-05-01'), [1]],
    ['window lastDays includes now − n exactly', purchase({ window: { lastDays: 7 }, value: 3 }), [1]],
    ['window lastDays just short', purchase({ window: { lastDays: 6.9 }, value: 3 }), []],
    ['window from/to inclusive', purchase({ window: { from: ago(7), to: ago(3) }, value: 2 }), [1]],
    ['window to only', purchase({ window: { to: ago(30).toISOString() } }), [4]],
  ])('%s', async (_name, filter, expected) => {
    expect(await ids(filter)).toEqual(expected);
  });
});

describe('events', () => {
  test.each([
    ['default COUNT GTE 1; name compares case-insensitively; other workspace ignored', purchase(), [1, 4]],
    ['COUNT EQ 0 matches users without events', purchase({ operator: 'EQ', value: 0 }), [2, 3, 5]],
    ['COUNT LT 1', purchase({ operator: 'LT', value: 1 }), [2, 3, 5]],
    ['COUNT NEQ 5', purchase({ operator: 'NEQ', value: 5 }), [1, 2, 3, 4, 5]],
    ['COUNT BETWEEN', purchase({ operator: 'BETWEEN', value: [0, 1] }), [2, 3, 4, 5]],
    ['COUNT GTE 3', purchase({ value: 3 }), [1]],
    ['not COUNT GTE 1', { not: purchase() }, [2, 3, 5]],
    ['SUM over none is 0', purchase({ aggregate: 'SUM', property: 'amount', operator: 'EQ', value: 0 }), [2, 3, 4, 5]],
    ['SUM counts JSON numbers only', purchase({ aggregate: 'SUM', property: 'amount', operator: 'EQ', value: 12.5 }), [1]],
    ['AVG over none is missing', purchase({ aggregate: 'AVG', property: 'amount', operator: 'IS_NOT_SET' }), [2, 3, 4, 5]],
    ['AVG compares only where present', purchase({ aggregate: 'AVG', property: 'amount', operator: 'GTE', value: 0 }), [1]],
    ['not AVG GTE: missing passes', { not: purchase({ aggregate: 'AVG', property: 'amount', operator: 'GTE', value: 0 }) }, [2, 3, 4, 5]],
    ['MAX', purchase({ aggregate: 'MAX', property: 'amount', operator: 'EQ', value: 10 }), [1]],
    ['MIN', purchase({ aggregate: 'MIN', property: 'amount', operator: 'LT', value: 3 }), [1]],
    ['LAST_OCCURRED_AT IS_NOT_SET', purchase({ aggregate: 'LAST_OCCURRED_AT', operator: 'IS_NOT_SET' }), [2, 3, 5]],
    ['LAST_OCCURRED_AT WITHIN_LAST_DAYS', purchase({ aggregate: 'LAST_OCCURRED_AT', operator: 'WITHIN_LAST_DAYS', value: 1 }), [1]],
    ['FIRST_OCCURRED_AT BEFORE', purchase({ aggregate: 'FIRST_OCCURRED_AT', operator: 'BEFORE', value: ago(30).toISOString() }), [4]],
    ['FIRST_OCCURRED_AT MORE_THAN_DAYS_AGO', purchase({ aggregate: 'FIRST_OCCURRED_AT', operator: 'MORE_THAN_DAYS_AGO', value: 7 }), [4]],
    ['where NUMBER', purchase({ where: [{ property: 'amount', operator: 'GT', value: 3 }] }), [1]],
    ['where NUMBER: a string "5" is missing', purchase({ where: [{ property: 'amount', operator: 'EQ', value: 5 }] }), []],
    ['where NEQ: missing passes', purchase({ where: [{ property: 'amount', operator: 'NEQ', value: 10 }], value: 2 }), [1]],
    ['where BOOLEAN', purchase({ where: [{ property: 'ok', operator: 'IS_TRUE' }] }), [1]],
    ['where IS_SET: null and "" are not set', purchase({ where: [{ property: 'note', operator: 'IS_SET' }] }), []],
    ['where IS_SET on numbers and strings', purchase({ where: [{ property: 'amount', operator: 'IS_SET' }], value: 3 }), [1]],
    ['where IS_NOT_SET', purchase({ where: [{ property: 'amount', operator: 'IS_NOT_SET' }] }), [4]],
    ['where DATE: date-only and Z timestamps count, others are missing',
      purchase({ where: [{ property: 'at', operator: 'AFTER', value: '2025-06-01' }], value: 2 }), [1]],
    ['where DATE: lower-case t/z is not ISO (missing), though set',
      { or: [{ event: { name: 'page view', where: [{ property: 'at', operator: 'AFTER', value: '2025-01-01' }] } },
        { event: { name: 'page view', where: [{ property: 'at', operator: 'IS_NOT_SET' }] } }] }, []],
    ['where DATE: IS_SET on any string', { event: { name: 'Page View', where: [{ property: 'at', operator: 'IS_SET' }] } }, [3]],
    ['where DATE BETWEEN', purchase({ where: [{ property: 'at', operator: 'BETWEEN', value: ['2025-06-10', '2025-06-10T00:00:00Z'] }] }), [1]],
    ['where STRING', purchase({ where: [{ property: 'plan', operator: 'EQ', value: 'PRO' }] }), [1]],
    ['where conditions all hold on one event',
      purchase({ where: [{ property: 'amount', operator: 'GT', value: 3 }, { property: 'ok', operator: 'IS_TRUE' }] }), []],
  ])('%s', async (_name, filter, expected) => {
    expect(await ids(filter)).toEqual(expected);
  });

  test('PRODUCT events are the events naming the product', async () => {
    expect(await ids(purchase(), 'PRODUCT')).toEqual([51]);
    expect(await ids(purchase({ operator: 'EQ', value: 0 }), 'PRODUCT')).toEqual([52]);
  });
});

describe('tags and lists', () => {
  test.each([
    ['tag, trimmed and case-insensitive; other workspace and type ignored', { tag: { tag: ' vip ' } }, [1]],
    ['has: false', { tag: { tag: 'vip', has: false } }, [2, 3, 4, 5]],
    ['list', { list: { listId: '61' } }, [1, 3]],
    ['not in list', { list: { listId: '61', isMember: false } }, [2, 4, 5]],
  ])('%s', async (_name, filter, expected) => {
    expect(await ids(filter)).toEqual(expected);
  });
});

describe('related', () => {
  const related = (relation: string, filter: unknown, quantifier = 'ANY'): unknown => ({ related: { relation, quantifier, filter } });
  test.each([
    ['own ANY', related('company', attr('name', 'EQ', 'acme')), [1]],
    ['own NONE: no company and another workspace\'s company pass', related('company', attr('name', 'IS_SET'), 'NONE'), [2, 4, 5]],
    ['inverse ANY: other workspace\'s deal ignored', related('deals', attr('name', 'IS_SET')), [1, 4]],
    ['inverse ANY with a condition', related('deals', attr('value', 'GT', 50)), [1]],
    ['inverse NONE', related('deals', attr('status', 'EQ', 'open'), 'NONE'), [2, 3, 5]],
    ['NONE with a missing value inside', related('deals', attr('value', 'IS_NOT_SET'), 'NONE'), [1, 2, 3, 5]],
    ['nested three deep', related('deals', related('company', related('users', attr('city', 'EQ', 'zurich')))), [1]],
    ['nested with events inside', related('company', related('users', purchase({ value: 3 }))), [1]],
  ])('%s', async (_name, filter, expected) => {
    expect(await ids(filter)).toEqual(expected);
  });

  test('from companies: users with events, deals NONE', async () => {
    expect(await ids(related('users', purchase()), 'COMPANY')).toEqual([11]);
    expect(await ids(related('deals', attr('name', 'IS_SET'), 'NONE'), 'COMPANY')).toEqual([12]);
    expect(await ids({ list: { listId: '62' } }, 'COMPANY')).toEqual([12]);
  });
});

describe('statements', () => {
  test('restrictToIds narrows the result; an empty list matches nothing', async () => {
    expect(await ids(attr('country', 'NEQ', 'Poland'), 'USER', ['1', '2', '6'])).toEqual([2]);
    expect(await ids(attr('country', 'NEQ', 'Poland'), 'USER', [])).toEqual([]);
  });

  test('count query', async () => {
    const tree = validateFilter(attr('country', 'NEQ', 'Poland'), context('USER'));
    const q = compileCountQuery(tree, { workspaceId: WS, objectType: 'USER', now: NOW });
    const rows: Array<{ n: string | number }> = await db.dataSource.query(q.sql, [...q.params]);
    expect(Number(rows[0].n)).toBe(3);
  });

  test('INSERT … SELECT under strict mode: JSON dates and numbers raise no conversion errors', async () => {
    const tree = validateFilter({ or: [
      purchase({ where: [{ property: 'at', operator: 'BEFORE', value: '2025-06-11' }, { property: 'amount', operator: 'GT', value: 0 }] }),
      purchase({ aggregate: 'SUM', property: 'amount', operator: 'GT', value: 1 }),
      attr('attributes.renewal_at', 'WITHIN_LAST_DAYS', 30),
      attr('attributes.score', 'GT', 0),
    ] }, context('USER'));
    const q = compileMatchingIdsQuery(tree, { workspaceId: WS, objectType: 'USER', now: NOW });
    await db.dataSource.query('CREATE TABLE strict_probe (id BIGINT UNSIGNED NOT NULL PRIMARY KEY)');
    await db.dataSource.query(`INSERT INTO strict_probe (id) ${q.sql}`, [...q.params]);
    const rows: Array<{ id: string }> = await db.dataSource.query('SELECT id FROM strict_probe ORDER BY id');
    expect(rows.map((r) => Number(r.id))).toEqual([1, 4]);
  });

  test('hostile strings are plain values', async () => {
    const hostile = "x' OR 1=1 -- \\' \") OR TRUE #";
    expect(await ids(attr('country', 'NEQ', hostile))).toEqual([1, 2, 3, 4, 5]);
    expect(await ids({ tag: { tag: hostile } })).toEqual([]);
    expect(await ids(purchase({ name: hostile, operator: 'EQ', value: 0 }))).toEqual([1, 2, 3, 4, 5]);
  });
});
