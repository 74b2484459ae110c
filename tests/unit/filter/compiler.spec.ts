import fc from 'fast-check';
import { DomainError } from '../../../src/core/errors';
import { compileCountQuery, compileMatchingIdsQuery, compilePredicate } from '../../../src/core/filter/compiler';
import { AttributeNode, EventNode, FieldRef, FilterNode } from '../../../src/core/filter/filter-tree';
import { validateFilter, ValidationContext } from '../../../src/core/filter/validate-filter';
import { FieldType, FilterOperator, ObjectType } from '../../../src/core/object-types';

const NOW = new Date('2025-06-15T12:00:00.000Z');
const ago = (days: number): Date => new Date(NOW.getTime() - days * 86_400_000);
const WS = '7';
const opts = (objectType: ObjectType = 'USER') => ({ workspaceId: WS, objectType, now: NOW });

const std = (name: string, type: FieldType): FieldRef => ({ kind: 'standard', name, type });
const custom = (key: string, type: FieldType): FieldRef => ({ kind: 'custom', key, type });
const attr = (field: FieldRef, operator: FilterOperator, value: AttributeNode['value'] = null): AttributeNode =>
  ({ kind: 'attribute', field, operator, value });
const event = (e: Partial<EventNode> = {}): EventNode => ({
  kind: 'event', name: 'purchase', where: [], window: null, aggregate: 'COUNT', property: null, operator: 'GTE', value: 1, ...e,
});

// Literal SQL pieces the tables below reuse.
const STR = "o.country IS NOT NULL AND o.country <> ''";
const json = (doc: string) => ({
  type: `IFNULL(JSON_TYPE(JSON_EXTRACT(${doc}, ?)), 'NULL')`,
  value: `JSON_VALUE(${doc}, ?)`,
});
const P = json('e1.properties');
const DATE_RE = "'^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{3}){0,1}Z){0,1}$'";
const jsonDate = (doc: string) => ({
  present: `COALESCE(JSON_VALUE(${doc}, ?) COLLATE utf8mb4_bin REGEXP ${DATE_RE}, FALSE)`,
  value: `CONCAT(TRIM(TRAILING 'Z' FROM JSON_VALUE(${doc}, ?)), SUBSTRING('0000-00-00T00:00:00.000', CHAR_LENGTH(TRIM(TRAILING 'Z' FROM JSON_VALUE(${doc}, ?))) + 1), 'Z') COLLATE utf8mb4_bin`,
});
const S_USER = 'FROM events e1 WHERE e1.workspace_id = ? AND e1.user_id = o.id AND e1.name = ?';
/** The events of every object at once, in the last 7 days (set-based aggregate conditions): not correlated. */
const S_SET = 'FROM events e1 WHERE e1.workspace_id = ? AND e1.name = ? AND e1.occurred_at >= ?';
/** Over all time, every user's events of a name at once, from the index in user order. */
const S_BY_USER = 'FROM events e1 FORCE INDEX (ix_name_user_time) WHERE e1.workspace_id = ? AND e1.name = ?';
const W7 = { kind: 'lastDays', days: 7 } as const;
const NUM_PROP = `CASE WHEN ${P.type} IN ('INTEGER', 'DOUBLE') THEN CAST(${P.value} AS DOUBLE) END`;
/** SUM/AVG/MIN/MAX without `where`: S's numbers from event_numbers (property key beside the name), every owner at once. */
const N_SET = 'FROM event_numbers e1 WHERE e1.workspace_id = ? AND e1.name = ? AND e1.prop_key = ?';
/** The same for one owner (correlated). */
const N_USER = 'FROM event_numbers e1 WHERE e1.workspace_id = ? AND e1.user_id = o.id AND e1.name = ? AND e1.prop_key = ?';
const path = (key: string) => `$."${key}"`;

type Case = [string, FilterNode, string, unknown[], ObjectType?];

/** Rows compiled in `form`: correlated (a few restricted ids, the default) or set (whole tables). */
function check(cases: Case[], form: 'set' | 'correlated' = 'correlated'): void {
  // A rest parameter: Jest takes a declared parameter beyond a row's length for a `done` callback.
  test.each(cases)('%s', (...row) => {
    const [, node, sql, params, objectType] = row;
    const compiled = compilePredicate(node, { ...opts(objectType ?? 'USER'), form });
    expect(compiled.sql).toBe(sql);
    expect(compiled.params).toEqual(params);
    // The only question marks in the text are the placeholders.
    expect(compiled.sql.split('?').length - 1).toBe(compiled.params.length);
  });
}

describe('standard fields', () => check([
  ['STRING EQ', attr(std('country', 'STRING'), 'EQ', 'Poland'), `(${STR} AND o.country = ?)`, ['Poland']],
  ['STRING NEQ is NOT EQ', attr(std('country', 'STRING'), 'NEQ', 'Poland'), `NOT (${STR} AND o.country = ?)`, ['Poland']],
  ['STRING IN', attr(std('country', 'STRING'), 'IN', ['a', 'b']), `(${STR} AND o.country IN (?, ?))`, ['a', 'b']],
  ['STRING NOT_IN', attr(std('country', 'STRING'), 'NOT_IN', ['a']), `NOT (${STR} AND o.country IN (?))`, ['a']],
  ['CONTAINS escapes % _ and the escape character; \\ is literal', attr(std('email', 'STRING'), 'CONTAINS', 'a%b_c\\d!'),
    "(o.email IS NOT NULL AND o.email <> '' AND o.email LIKE ? ESCAPE '!')", ['%a!%b!_c\\d!!%']],
  ['NOT_CONTAINS', attr(std('email', 'STRING'), 'NOT_CONTAINS', 'x'), "NOT (o.email IS NOT NULL AND o.email <> '' AND o.email LIKE ? ESCAPE '!')", ['%x%']],
  ['STARTS_WITH', attr(std('email', 'STRING'), 'STARTS_WITH', '_a'), "(o.email IS NOT NULL AND o.email <> '' AND o.email LIKE ? ESCAPE '!')", ['!_a%']],
  ['ENDS_WITH', attr(std('email', 'STRING'), 'ENDS_WITH', '%'), "(o.email IS NOT NULL AND o.email <> '' AND o.email LIKE ? ESCAPE '!')", ['%!%']],
  ['STRING IS_SET', attr(std('country', 'STRING'), 'IS_SET'), `(${STR})`, []],
  ['STRING IS_NOT_SET', attr(std('country', 'STRING'), 'IS_NOT_SET'), `NOT (${STR})`, []],
  ['NUMBER GT', attr(std('employees', 'NUMBER'), 'GT', 10), '(o.employees IS NOT NULL AND o.employees > ?)', [10], 'COMPANY'],
  ['NUMBER LTE', attr(std('employees', 'NUMBER'), 'LTE', 10), '(o.employees IS NOT NULL AND o.employees <= ?)', [10], 'COMPANY'],
  ['NUMBER BETWEEN', attr(std('annualRevenue', 'NUMBER'), 'BETWEEN', [1, 2.5]),
    '(o.annual_revenue IS NOT NULL AND o.annual_revenue BETWEEN ? AND ?)', [1, 2.5], 'COMPANY'],
  ['NUMBER IS_NOT_SET', attr(std('price', 'NUMBER'), 'IS_NOT_SET'), 'NOT (o.price IS NOT NULL)', [], 'PRODUCT'],
  ['BOOLEAN IS_TRUE', attr(std('marketingConsent', 'BOOLEAN'), 'IS_TRUE'),
    '(o.marketing_consent IS NOT NULL AND o.marketing_consent IS TRUE)', []],
  ['BOOLEAN IS_FALSE', attr(std('marketingConsent', 'BOOLEAN'), 'IS_FALSE'),
    '(o.marketing_consent IS NOT NULL AND o.marketing_consent IS FALSE)', []],
  ['DATE BEFORE', attr(std('lastSeenAt', 'DATE'), 'BEFORE', ago(3)), '(o.last_seen_at IS NOT NULL AND o.last_seen_at < ?)', [ago(3)]],
  ['DATE AFTER', attr(std('closedAt', 'DATE'), 'AFTER', ago(3)), '(o.closed_at IS NOT NULL AND o.closed_at > ?)', [ago(3)], 'DEAL'],
  ['DATE BETWEEN', attr(std('createdAt', 'DATE'), 'BETWEEN', [ago(3), ago(1)]),
    '(o.created_at IS NOT NULL AND o.created_at BETWEEN ? AND ?)', [ago(3), ago(1)]],
  ['WITHIN_LAST_DAYS (fractional): now − n ≤ x ≤ now', attr(std('lastSeenAt', 'DATE'), 'WITHIN_LAST_DAYS', 1.5),
    '(o.last_seen_at IS NOT NULL AND o.last_seen_at BETWEEN ? AND ?)', [new Date('2025-06-14T00:00:00.000Z'), NOW]],
  ['MORE_THAN_DAYS_AGO: x < now − n', attr(std('lastSeenAt', 'DATE'), 'MORE_THAN_DAYS_AGO', 0.1),
    '(o.last_seen_at IS NOT NULL AND o.last_seen_at < ?)', [new Date('2025-06-15T09:36:00.000Z')]],
]));

/** attribute_values rows of one key of the object type (code 1 = USER), aliased `v1`. */
const V_ROWS = 'FROM attribute_values v1 WHERE v1.workspace_id = ? AND v1.object_type = ?';
/** Whole tables: membership in the set of objects with a matching row (a semi-join; negated, one anti-join). */
const vSet = (condition: string) => `o.id IN (SELECT v1.object_id ${V_ROWS} AND v1.attr_key = ? AND ${condition})`;
/** A few rows: the comparison on the object's own row, found by primary key (a scalar subquery, never a semi-join). */
const vRow = (condition: string) => `COALESCE((SELECT ${condition} ${V_ROWS} AND v1.object_id = o.id AND v1.attr_key = ?), FALSE)`;

/** Custom attribute rows, compiled in both forms: [name, node, SQL from the form's wrapper, the comparison's parameters]. */
const CUSTOM: Array<[string, AttributeNode, (condition: (c: string) => string) => string, unknown[]]> = [
  ['STRING EQ in the column collation', attr(custom('plan', 'STRING'), 'EQ', 'pro'), (v) => v('v1.str_value = ?'), ['pro']],
  ['STRING NEQ is NOT of EQ', attr(custom('plan', 'STRING'), 'NEQ', 'pro'), (v) => `NOT ${v('v1.str_value = ?')}`, ['pro']],
  ['STRING IN', attr(custom('plan', 'STRING'), 'IN', ['a', 'b']), (v) => v('v1.str_value IN (?, ?)'), ['a', 'b']],
  ['STRING CONTAINS, literal', attr(custom('plan', 'STRING'), 'CONTAINS', '50%'), (v) => v("v1.str_value LIKE ? ESCAPE '!'"), ['%50!%%']],
  ['STRING NOT_CONTAINS', attr(custom('plan', 'STRING'), 'NOT_CONTAINS', 'a_'), (v) => `NOT ${v("v1.str_value LIKE ? ESCAPE '!'")}`, ['%a!_%']],
  ['STRING STARTS_WITH', attr(custom('plan', 'STRING'), 'STARTS_WITH', 'p'), (v) => v("v1.str_value LIKE ? ESCAPE '!'"), ['p%']],
  ['STRING IS_SET: a row with a non-empty string', attr(custom('plan', 'STRING'), 'IS_SET'), (v) => v('v1.str_value IS NOT NULL'), []],
  ['STRING IS_NOT_SET is NOT of IS_SET', attr(custom('plan', 'STRING'), 'IS_NOT_SET'), (v) => `NOT ${v('v1.str_value IS NOT NULL')}`, []],
  ['NUMBER GTE: JSON numbers only', attr(custom('score', 'NUMBER'), 'GTE', 2), (v) => v('v1.num_value >= ?'), [2]],
  ['NUMBER BETWEEN', attr(custom('score', 'NUMBER'), 'BETWEEN', [1, 5]), (v) => v('v1.num_value BETWEEN ? AND ?'), [1, 5]],
  ['NUMBER NOT_IN', attr(custom('score', 'NUMBER'), 'NOT_IN', [1, 2]), (v) => `NOT ${v('v1.num_value IN (?, ?)')}`, [1, 2]],
  ['BOOLEAN IS_TRUE: JSON true only', attr(custom('vip', 'BOOLEAN'), 'IS_TRUE'), (v) => v('v1.bool_value = TRUE'), []],
  ['BOOLEAN IS_FALSE: JSON false only', attr(custom('vip', 'BOOLEAN'), 'IS_FALSE'), (v) => v('v1.bool_value = FALSE'), []],
  ['DATE AFTER: a DATETIME(3) against a Date', attr(custom('renewal_at', 'DATE'), 'AFTER', new Date('2025-01-01T00:00:00Z')),
    (v) => v('v1.date_value > ?'), [new Date('2025-01-01T00:00:00Z')]],
  ['DATE WITHIN_LAST_DAYS', attr(custom('renewal_at', 'DATE'), 'WITHIN_LAST_DAYS', 2), (v) => v('v1.date_value BETWEEN ? AND ?'), [ago(2), NOW]],
  ['DATE MORE_THAN_DAYS_AGO (fractional)', attr(custom('renewal_at', 'DATE'), 'MORE_THAN_DAYS_AGO', 0.1),
    (v) => v('v1.date_value < ?'), [new Date('2025-06-15T09:36:00.000Z')]],
  ['DATE IS_SET: a row with a date', attr(custom('renewal_at', 'DATE'), 'IS_SET'), (v) => v('v1.date_value IS NOT NULL'), []],
];

describe('custom attributes, whole tables (set form): attribute_values semi- and anti-joins', () => check(
  CUSTOM.map(([name, node, text, params]): Case => [name, node, text(vSet), [WS, 1, node.field.kind === 'custom' ? node.field.key : '', ...params]]),
  'set',
));

describe('custom attributes, a few rows (correlated form): the object\'s attribute_values row by primary key', () => check(
  CUSTOM.map(([name, node, text, params]): Case => [name, node, text(vRow), [...params, WS, 1, node.field.kind === 'custom' ? node.field.key : '']]),
));

test('custom attributes of another object type and inside related use that type and row', () => {
  expect(compilePredicate(attr(custom('tier', 'STRING'), 'EQ', 'a'), { ...opts('TICKET'), form: 'set' })).toMatchObject({
    sql: "o.id IN (SELECT v1.object_id FROM attribute_values v1 WHERE v1.workspace_id = ? AND v1.object_type = ? AND v1.attr_key = ? AND v1.str_value = ?)",
    params: [WS, 6, 'tier', 'a'],
  });
});

describe('events', () => check([
  ['default COUNT GTE 1 is EXISTS', event(), `EXISTS (SELECT 1 ${S_USER})`, [WS, 'purchase']],
  ['COUNT GT 0 is EXISTS', event({ operator: 'GT', value: 0 }), `EXISTS (SELECT 1 ${S_USER})`, [WS, 'purchase']],
  ['COUNT EQ 0 is NOT EXISTS', event({ operator: 'EQ', value: 0 }), `NOT EXISTS (SELECT 1 ${S_USER})`, [WS, 'purchase']],
  ['COUNT LT 1 is NOT EXISTS', event({ operator: 'LT', value: 1 }), `NOT EXISTS (SELECT 1 ${S_USER})`, [WS, 'purchase']],
  ['COUNT GTE 3 in the last 7 days is IN (GROUP BY … HAVING)', event({ value: 3, window: W7 }),
    `(o.id IN (SELECT e1.user_id ${S_SET} GROUP BY e1.user_id HAVING COALESCE(COUNT(*) >= ?, FALSE)))`, [WS, 'purchase', ago(7), 3]],
  ['COUNT NEQ 5 over all time: NOT IN over the index in user order', event({ operator: 'NEQ', value: 5 }),
    `(o.id NOT IN (SELECT e1.user_id ${S_BY_USER} GROUP BY e1.user_id HAVING COALESCE(COUNT(*) = ?, FALSE)))`, [WS, 'purchase', 5]],
  ['COUNT GTE 3 over all time: IN over the index in user order', event({ value: 3 }),
    `(o.id IN (SELECT e1.user_id ${S_BY_USER} GROUP BY e1.user_id HAVING COALESCE(COUNT(*) >= ?, FALSE)))`, [WS, 'purchase', 3]],
  ['COUNT GTE 3 up to a date (no lower bound): the same with the bound', event({ value: 3, window: { kind: 'range', from: null, to: ago(1) } }),
    `(o.id IN (SELECT e1.user_id ${S_BY_USER} AND e1.occurred_at <= ? GROUP BY e1.user_id HAVING COALESCE(COUNT(*) >= ?, FALSE)))`, [WS, 'purchase', ago(1), 3]],
  ['COUNT GTE 3 from a date is set-based', event({ value: 3, window: { kind: 'range', from: ago(7), to: ago(1) } }),
    '(o.id IN (SELECT e1.user_id FROM events e1 WHERE e1.workspace_id = ? AND e1.name = ? AND e1.occurred_at >= ? AND e1.occurred_at <= ?'
    + ' GROUP BY e1.user_id HAVING COALESCE(COUNT(*) >= ?, FALSE)))', [WS, 'purchase', ago(7), ago(1), 3]],
  ['COUNT NEQ 5 in a window holds for none: NOT IN (… HAVING COUNT = 5)', event({ operator: 'NEQ', value: 5, window: W7 }),
    `(o.id NOT IN (SELECT e1.user_id ${S_SET} GROUP BY e1.user_id HAVING COALESCE(COUNT(*) = ?, FALSE)))`, [WS, 'purchase', ago(7), 5]],
  ['COUNT LT 3 holds for none: NOT IN (… HAVING NOT COUNT < 3)', event({ operator: 'LT', value: 3, window: W7 }),
    `(o.id NOT IN (SELECT e1.user_id ${S_SET} GROUP BY e1.user_id HAVING NOT COALESCE(COUNT(*) < ?, FALSE)))`, [WS, 'purchase', ago(7), 3]],
  ['COUNT BETWEEN 0 and 2 holds for none', event({ operator: 'BETWEEN', value: [0, 2], window: W7 }),
    `(o.id NOT IN (SELECT e1.user_id ${S_SET} GROUP BY e1.user_id HAVING NOT COALESCE(COUNT(*) BETWEEN ? AND ?, FALSE)))`, [WS, 'purchase', ago(7), 0, 2]],
  ['COUNT BETWEEN 1 and 2 fails for none', event({ operator: 'BETWEEN', value: [1, 2], window: W7 }),
    `(o.id IN (SELECT e1.user_id ${S_SET} GROUP BY e1.user_id HAVING COALESCE(COUNT(*) BETWEEN ? AND ?, FALSE)))`, [WS, 'purchase', ago(7), 1, 2]],
  ['COUNT IN (0, 4) holds for none', event({ operator: 'IN', value: [0, 4], window: W7 }),
    `(o.id NOT IN (SELECT e1.user_id ${S_SET} GROUP BY e1.user_id HAVING NOT COALESCE(COUNT(*) IN (?, ?), FALSE)))`, [WS, 'purchase', ago(7), 0, 4]],
  ['COUNT NOT_IN (2, 3) holds for none', event({ operator: 'NOT_IN', value: [2, 3], window: W7 }),
    `(o.id NOT IN (SELECT e1.user_id ${S_SET} GROUP BY e1.user_id HAVING COALESCE(COUNT(*) IN (?, ?), FALSE)))`, [WS, 'purchase', ago(7), 2, 3]],
  ['COUNT EQ 2 fails for none', event({ operator: 'EQ', value: 2, window: W7 }),
    `(o.id IN (SELECT e1.user_id ${S_SET} GROUP BY e1.user_id HAVING COALESCE(COUNT(*) = ?, FALSE)))`, [WS, 'purchase', ago(7), 2]],
  ['window from/to inclusive', event({ window: { kind: 'range', from: ago(7), to: ago(1) } }),
    '(o.id IN (SELECT e1.user_id FROM events e1 WHERE e1.workspace_id = ? AND e1.name = ? AND e1.occurred_at >= ? AND e1.occurred_at <= ?))', [WS, 'purchase', ago(7), ago(1)]],
  ['window with only to', event({ window: { kind: 'range', from: null, to: ago(1) } }),
    `EXISTS (SELECT 1 ${S_USER} AND e1.occurred_at <= ?)`, [WS, 'purchase', ago(1)]],
  ['SUM over all time: event_numbers grouped by owner (fails for none: SUM is 0)', event({ aggregate: 'SUM', property: 'amount', operator: 'GT', value: 10 }),
    `(o.id IN (SELECT e1.user_id ${N_SET} GROUP BY e1.user_id HAVING COALESCE(COALESCE(SUM(e1.num_value), 0) > ?, FALSE)))`, [WS, 'purchase', 'amount', 10]],
  ['AVG IS_NOT_SET over all time holds for none (missing)', event({ aggregate: 'AVG', property: 'amount', operator: 'IS_NOT_SET', value: null }),
    `(o.id NOT IN (SELECT e1.user_id ${N_SET} GROUP BY e1.user_id HAVING (AVG(e1.num_value) IS NOT NULL)))`, [WS, 'purchase', 'amount']],
  ['MIN BETWEEN over all time', event({ aggregate: 'MIN', property: 'amount', operator: 'BETWEEN', value: [1, 2] }),
    `(o.id IN (SELECT e1.user_id ${N_SET} GROUP BY e1.user_id HAVING COALESCE(MIN(e1.num_value) BETWEEN ? AND ?, FALSE)))`, [WS, 'purchase', 'amount', 1, 2]],
  ['MAX IN over all time', event({ aggregate: 'MAX', property: 'amount', operator: 'IN', value: [1] }),
    `(o.id IN (SELECT e1.user_id ${N_SET} GROUP BY e1.user_id HAVING COALESCE(MAX(e1.num_value) IN (?), FALSE)))`, [WS, 'purchase', 'amount', 1]],
  ['SUM with where conditions reads the events\' JSON (over all time: a scalar subquery)', event({
    aggregate: 'SUM', property: 'amount', operator: 'GT', value: 10, where: [{ property: 'plan', type: 'ANY', operator: 'IS_SET', value: null }],
  }), `COALESCE((SELECT COALESCE(SUM(${NUM_PROP}), 0) ${S_USER}`
    + ` AND (CASE ${P.type} WHEN 'NULL' THEN FALSE WHEN 'STRING' THEN ${P.value} <> '' ELSE TRUE END)) > ?, FALSE)`,
  [path('amount'), path('amount'), WS, 'purchase', path('plan'), path('plan'), 10]],
  ['windowed SUM with where conditions reads the events\' JSON, set-based', event({
    aggregate: 'SUM', property: 'amount', operator: 'GT', value: 10, window: W7, where: [{ property: 'plan', type: 'ANY', operator: 'IS_SET', value: null }],
  }), `(o.id IN (SELECT e1.user_id ${S_SET} AND (CASE ${P.type} WHEN 'NULL' THEN FALSE WHEN 'STRING' THEN ${P.value} <> '' ELSE TRUE END)`
    + ` GROUP BY e1.user_id HAVING COALESCE(COALESCE(SUM(${NUM_PROP}), 0) > ?, FALSE)))`,
  [WS, 'purchase', ago(7), path('plan'), path('plan'), path('amount'), path('amount'), 10]],
  ['PRODUCT: SUM over all time from event_numbers skips events without a product', event({ aggregate: 'SUM', property: 'amount', operator: 'GTE', value: 3 }),
    `(o.id IN (SELECT e1.product_id ${N_SET} AND e1.product_id IS NOT NULL GROUP BY e1.product_id HAVING COALESCE(COALESCE(SUM(e1.num_value), 0) >= ?, FALSE)))`,
    [WS, 'purchase', 'amount', 3], 'PRODUCT'],
  ['LAST_OCCURRED_AT WITHIN_LAST_DAYS', event({ aggregate: 'LAST_OCCURRED_AT', operator: 'WITHIN_LAST_DAYS', value: 3 }),
    `(o.id IN (SELECT e1.user_id ${S_BY_USER} GROUP BY e1.user_id HAVING COALESCE(MAX(e1.occurred_at) BETWEEN ? AND ?, FALSE)))`, [WS, 'purchase', ago(3), NOW]],
  ['FIRST_OCCURRED_AT BEFORE', event({ aggregate: 'FIRST_OCCURRED_AT', operator: 'BEFORE', value: ago(3) }),
    `(o.id IN (SELECT e1.user_id ${S_BY_USER} GROUP BY e1.user_id HAVING COALESCE(MIN(e1.occurred_at) < ?, FALSE)))`, [WS, 'purchase', ago(3)]],
  ['PRODUCT: COUNT over all time stays a lookup per product', event({ value: 3 }),
    'COALESCE((SELECT COUNT(*) FROM events e1 WHERE e1.workspace_id = ? AND e1.product_id = o.id AND e1.name = ?) >= ?, FALSE)', [WS, 'purchase', 3], 'PRODUCT'],
  ['windowed SUM GT 10 fails for none (SUM is 0)', event({ aggregate: 'SUM', property: 'amount', operator: 'GT', value: 10, window: W7 }),
    `(o.id IN (SELECT e1.user_id ${N_SET} AND e1.occurred_at >= ? GROUP BY e1.user_id HAVING COALESCE(COALESCE(SUM(e1.num_value), 0) > ?, FALSE)))`,
    [WS, 'purchase', 'amount', ago(7), 10]],
  ['windowed SUM LTE 0 holds for none', event({ aggregate: 'SUM', property: 'amount', operator: 'LTE', value: 0, window: W7 }),
    `(o.id NOT IN (SELECT e1.user_id ${N_SET} AND e1.occurred_at >= ? GROUP BY e1.user_id HAVING NOT COALESCE(COALESCE(SUM(e1.num_value), 0) <= ?, FALSE)))`,
    [WS, 'purchase', 'amount', ago(7), 0]],
  ['windowed AVG IS_NOT_SET holds for none (missing)', event({ aggregate: 'AVG', property: 'amount', operator: 'IS_NOT_SET', value: null, window: W7 }),
    `(o.id NOT IN (SELECT e1.user_id ${N_SET} AND e1.occurred_at >= ? GROUP BY e1.user_id HAVING (AVG(e1.num_value) IS NOT NULL)))`,
    [WS, 'purchase', 'amount', ago(7)]],
  ['windowed AVG GTE 0 fails for none (missing, not 0)', event({ aggregate: 'AVG', property: 'amount', operator: 'GTE', value: 0, window: W7 }),
    `(o.id IN (SELECT e1.user_id ${N_SET} AND e1.occurred_at >= ? GROUP BY e1.user_id HAVING COALESCE(AVG(e1.num_value) >= ?, FALSE)))`,
    [WS, 'purchase', 'amount', ago(7), 0]],
  ['windowed MIN NEQ 0 holds for none (missing)', event({ aggregate: 'MIN', property: 'amount', operator: 'NEQ', value: 0, window: W7 }),
    `(o.id NOT IN (SELECT e1.user_id ${N_SET} AND e1.occurred_at >= ? GROUP BY e1.user_id HAVING COALESCE(MIN(e1.num_value) = ?, FALSE)))`,
    [WS, 'purchase', 'amount', ago(7), 0]],
  ['windowed MAX NOT_IN holds for none (missing)', event({ aggregate: 'MAX', property: 'amount', operator: 'NOT_IN', value: [1], window: W7 }),
    `(o.id NOT IN (SELECT e1.user_id ${N_SET} AND e1.occurred_at >= ? GROUP BY e1.user_id HAVING COALESCE(MAX(e1.num_value) IN (?), FALSE)))`,
    [WS, 'purchase', 'amount', ago(7), 1]],
  ['windowed LAST_OCCURRED_AT WITHIN_LAST_DAYS', event({ aggregate: 'LAST_OCCURRED_AT', operator: 'WITHIN_LAST_DAYS', value: 3, window: W7 }),
    `(o.id IN (SELECT e1.user_id ${S_SET} GROUP BY e1.user_id HAVING COALESCE(MAX(e1.occurred_at) BETWEEN ? AND ?, FALSE)))`,
    [WS, 'purchase', ago(7), ago(3), NOW]],
  ['windowed FIRST_OCCURRED_AT BEFORE', event({ aggregate: 'FIRST_OCCURRED_AT', operator: 'BEFORE', value: ago(3), window: W7 }),
    `(o.id IN (SELECT e1.user_id ${S_SET} GROUP BY e1.user_id HAVING COALESCE(MIN(e1.occurred_at) < ?, FALSE)))`, [WS, 'purchase', ago(7), ago(3)]],
  ['FIRST_OCCURRED_AT IS_SET is EXISTS', event({ aggregate: 'FIRST_OCCURRED_AT', operator: 'IS_SET', value: null }),
    `EXISTS (SELECT 1 ${S_USER})`, [WS, 'purchase']],
  ['LAST_OCCURRED_AT IS_NOT_SET is NOT EXISTS', event({ aggregate: 'LAST_OCCURRED_AT', operator: 'IS_NOT_SET', value: null }),
    `NOT EXISTS (SELECT 1 ${S_USER})`, [WS, 'purchase']],
  ['PRODUCT events name the product', event(), 'EXISTS (SELECT 1 FROM events e1 WHERE e1.workspace_id = ? AND e1.product_id = o.id AND e1.name = ?)',
    [WS, 'purchase'], 'PRODUCT'],
  ['PRODUCT: set-based form skips events without a product', event({ value: 2, window: W7 }),
    '(o.id IN (SELECT e1.product_id FROM events e1 WHERE e1.workspace_id = ? AND e1.name = ? AND e1.product_id IS NOT NULL AND e1.occurred_at >= ?'
    + ' GROUP BY e1.product_id HAVING COALESCE(COUNT(*) >= ?, FALSE)))', [WS, 'purchase', ago(7), 2], 'PRODUCT'],
  ['PRODUCT: NOT IN form', event({ operator: 'LTE', value: 2, window: W7 }),
    '(o.id NOT IN (SELECT e1.product_id FROM events e1 WHERE e1.workspace_id = ? AND e1.name = ? AND e1.product_id IS NOT NULL AND e1.occurred_at >= ?'
    + ' GROUP BY e1.product_id HAVING NOT COALESCE(COUNT(*) <= ?, FALSE)))', [WS, 'purchase', ago(7), 2], 'PRODUCT'],
  ['where conditions go into the set-based WHERE', event({ value: 2, window: W7, where: [{ property: 'amount', type: 'NUMBER', operator: 'GT', value: 5 }] }),
    `(o.id IN (SELECT e1.user_id ${S_SET} AND (${P.type} IN ('INTEGER', 'DOUBLE') AND CAST(${P.value} AS DOUBLE) > ?)`
    + ' GROUP BY e1.user_id HAVING COALESCE(COUNT(*) >= ?, FALSE)))', [WS, 'purchase', ago(7), path('amount'), path('amount'), 5, 2]],
  ['where: typed property conditions', event({ where: [
    { property: 'amount', type: 'NUMBER', operator: 'GT', value: 5 },
    { property: 'plan', type: 'STRING', operator: 'NEQ', value: 'pro' },
    { property: 'ok', type: 'BOOLEAN', operator: 'IS_TRUE', value: null },
  ] }), `EXISTS (SELECT 1 ${S_USER}`
    + ` AND (${P.type} IN ('INTEGER', 'DOUBLE') AND CAST(${P.value} AS DOUBLE) > ?)`
    + ` AND NOT (${P.type} = 'STRING' AND ${P.value} <> '' AND ${P.value} COLLATE utf8mb4_unicode_520_ci = ?)`
    + ` AND (${P.type} = 'BOOLEAN' AND (JSON_EXTRACT(e1.properties, ?) = 'true') IS TRUE))`,
  [WS, 'purchase', path('amount'), path('amount'), 5, path('plan'), path('plan'), path('plan'), 'pro', path('ok'), path('ok')]],
  ['where: DATE property', event({ where: [{ property: 'at', type: 'DATE', operator: 'MORE_THAN_DAYS_AGO', value: 2 }] }),
    `EXISTS (SELECT 1 ${S_USER} AND (${jsonDate('e1.properties').present} AND ${jsonDate('e1.properties').value} < ?))`,
    [WS, 'purchase', path('at'), path('at'), path('at'), '2025-06-13T12:00:00.000Z']],
  ['where: IS_SET / IS_NOT_SET on any JSON type', event({ where: [
    { property: 'note', type: 'ANY', operator: 'IS_SET', value: null },
    { property: 'x', type: 'ANY', operator: 'IS_NOT_SET', value: null },
  ] }), `EXISTS (SELECT 1 ${S_USER}`
    + ` AND (CASE ${P.type} WHEN 'NULL' THEN FALSE WHEN 'STRING' THEN ${P.value} <> '' ELSE TRUE END)`
    + ` AND NOT (CASE ${P.type} WHEN 'NULL' THEN FALSE WHEN 'STRING' THEN ${P.value} <> '' ELSE TRUE END))`,
  [WS, 'purchase', path('note'), path('note'), path('x'), path('x')]],
  ['set form: "has such an event" in the last 7 days is IN over the window', event({ window: W7 }),
    `(o.id IN (SELECT e1.user_id ${S_SET}))`, [WS, 'purchase', ago(7)]],
  ['set form: "has no such event" in the last 7 days is NOT IN over the window (no dependent NOT EXISTS)', event({ operator: 'EQ', value: 0, window: W7 }),
    `(o.id NOT IN (SELECT e1.user_id ${S_SET}))`, [WS, 'purchase', ago(7)]],
  ['set form: PRODUCT existence skips events without a product', event({ window: W7 }),
    '(o.id IN (SELECT e1.product_id FROM events e1 WHERE e1.workspace_id = ? AND e1.name = ? AND e1.product_id IS NOT NULL AND e1.occurred_at >= ?))',
    [WS, 'purchase', ago(7)], 'PRODUCT'],
], 'set'));

describe('events, correlated form (a few restricted ids: each id\'s own events, never a whole window)', () => check([
  ['SUM over all time: one owner\'s numbers in event_numbers', event({ aggregate: 'SUM', property: 'amount', operator: 'GT', value: 10 }),
    `COALESCE((SELECT COALESCE(SUM(e1.num_value), 0) ${N_USER}) > ?, FALSE)`, [WS, 'purchase', 'amount', 10]],
  ['AVG IS_NOT_SET in the last 7 days', event({ aggregate: 'AVG', property: 'amount', operator: 'IS_NOT_SET', value: null, window: W7 }),
    `NOT ((SELECT AVG(e1.num_value) ${N_USER} AND e1.occurred_at >= ?) IS NOT NULL)`, [WS, 'purchase', 'amount', ago(7)]],
  ['PRODUCT: MAX over one product\'s events reads their JSON (events\' product index)', event({ aggregate: 'MAX', property: 'amount', operator: 'LT', value: 5 }),
    `COALESCE((SELECT MAX(${NUM_PROP}) FROM events e1 WHERE e1.workspace_id = ? AND e1.product_id = o.id AND e1.name = ?) < ?, FALSE)`,
    [path('amount'), path('amount'), WS, 'purchase', 5], 'PRODUCT'],
  ['MIN with where conditions reads the events\' JSON', event({ aggregate: 'MIN', property: 'amount', operator: 'LT', value: 5, where: [{ property: 'plan', type: 'ANY', operator: 'IS_SET', value: null }] }),
    `COALESCE((SELECT MIN(${NUM_PROP}) ${S_USER} AND (CASE ${P.type} WHEN 'NULL' THEN FALSE WHEN 'STRING' THEN ${P.value} <> '' ELSE TRUE END)) < ?, FALSE)`,
    [path('amount'), path('amount'), WS, 'purchase', path('plan'), path('plan'), 5]],
  ['COUNT GTE 3 in the last 7 days is a scalar subquery', event({ value: 3, window: W7 }),
    `COALESCE((SELECT COUNT(*) ${S_USER} AND e1.occurred_at >= ?) >= ?, FALSE)`, [WS, 'purchase', ago(7), 3]],
  ['"has no such event" in the last 7 days is NOT EXISTS', event({ operator: 'EQ', value: 0, window: W7 }),
    `NOT EXISTS (SELECT 1 ${S_USER} AND e1.occurred_at >= ?)`, [WS, 'purchase', ago(7)]],
]));

describe('tags, lists, segments', () => check([
  ['tag', { kind: 'tag', tag: 'vip', has: true },
    'EXISTS (SELECT 1 FROM object_tags t1 WHERE t1.workspace_id = ? AND t1.object_type = ? AND t1.object_id = o.id AND t1.tag = ?)', [WS, 1, 'vip']],
  ['tag has: false, on companies', { kind: 'tag', tag: 'vip', has: false },
    'NOT EXISTS (SELECT 1 FROM object_tags t1 WHERE t1.workspace_id = ? AND t1.object_type = ? AND t1.object_id = o.id AND t1.tag = ?)', [WS, 2, 'vip'], 'COMPANY'],
  ['list', { kind: 'list', listId: '61', isMember: true }, 'EXISTS (SELECT 1 FROM list_members l1 WHERE l1.list_id = ? AND l1.object_id = o.id)', ['61']],
  ['not in list', { kind: 'list', listId: '61', isMember: false }, 'NOT EXISTS (SELECT 1 FROM list_members l1 WHERE l1.list_id = ? AND l1.object_id = o.id)', ['61']],
  ['segment', { kind: 'segment', segmentId: '71', isMember: true },
    'EXISTS (SELECT 1 FROM segment_members s1 WHERE s1.segment_id = ? AND s1.object_id = o.id)', ['71']],
  ['not in segment', { kind: 'segment', segmentId: '71', isMember: false },
    'NOT EXISTS (SELECT 1 FROM segment_members s1 WHERE s1.segment_id = ? AND s1.object_id = o.id)', ['71']],
]));

const isSet = (name: string): AttributeNode => attr(std(name, 'STRING'), 'IS_SET');

describe('related (fresh aliases at every depth)', () => check([
  ['own relation ANY', { kind: 'related', relation: 'company', target: 'COMPANY', quantifier: 'ANY', filter: isSet('industry') },
    "EXISTS (SELECT 1 FROM companies r1 WHERE r1.workspace_id = ? AND r1.id = o.company_id AND (r1.industry IS NOT NULL AND r1.industry <> ''))", [WS]],
  ['inverse relation NONE', { kind: 'related', relation: 'deals', target: 'DEAL', quantifier: 'NONE', filter: isSet('stage') },
    "NOT EXISTS (SELECT 1 FROM deals r1 WHERE r1.workspace_id = ? AND r1.user_id = o.id AND (r1.stage IS NOT NULL AND r1.stage <> ''))", [WS]],
  ['nested, with events and tags inside', {
    kind: 'related', relation: 'deals', target: 'DEAL', quantifier: 'ANY', filter: {
      kind: 'and', children: [
        { kind: 'tag', tag: 'big', has: true },
        { kind: 'related', relation: 'user', target: 'USER', quantifier: 'ANY', filter: event() },
      ],
    },
  }, 'EXISTS (SELECT 1 FROM deals r1 WHERE r1.workspace_id = ? AND r1.user_id = o.id AND ('
    + 'EXISTS (SELECT 1 FROM object_tags t2 WHERE t2.workspace_id = ? AND t2.object_type = ? AND t2.object_id = r1.id AND t2.tag = ?)'
    + ' AND EXISTS (SELECT 1 FROM users r3 WHERE r3.workspace_id = ? AND r3.id = r1.user_id AND '
    + 'EXISTS (SELECT 1 FROM events e4 WHERE e4.workspace_id = ? AND e4.user_id = r3.id AND e4.name = ?))))',
  [WS, WS, 4, 'big', WS, WS, 'purchase']],
  ['windowed event inside related: the related row\'s own events', {
    kind: 'related', relation: 'users', target: 'USER', quantifier: 'NONE', filter: {
      kind: 'not', child: event({ operator: 'LT', value: 3, window: W7 }),
    },
  }, 'NOT EXISTS (SELECT 1 FROM users r1 WHERE r1.workspace_id = ? AND r1.company_id = o.id AND NOT COALESCE((SELECT COUNT(*)'
    + ' FROM events e2 WHERE e2.workspace_id = ? AND e2.user_id = r1.id AND e2.name = ? AND e2.occurred_at >= ?) < ?, FALSE))',
  [WS, WS, 'purchase', ago(7), 3], 'COMPANY'],
  ['related from COMPANY, custom attribute of the target', {
    kind: 'related', relation: 'users', target: 'USER', quantifier: 'ANY', filter: attr(custom('score', 'NUMBER'), 'LT', 3),
  }, 'EXISTS (SELECT 1 FROM users r1 WHERE r1.workspace_id = ? AND r1.company_id = o.id AND '
    + 'COALESCE((SELECT v2.num_value < ? FROM attribute_values v2 WHERE v2.workspace_id = ? AND v2.object_type = ? AND v2.object_id = r1.id AND v2.attr_key = ?), FALSE))',
  [WS, 3, WS, 1, 'score'], 'COMPANY'],
]));

describe('and / or / not', () => check([
  ['and', { kind: 'and', children: [isSet('country'), { kind: 'tag', tag: 'a', has: true }] },
    `((${STR}) AND EXISTS (SELECT 1 FROM object_tags t1 WHERE t1.workspace_id = ? AND t1.object_type = ? AND t1.object_id = o.id AND t1.tag = ?))`, [WS, 1, 'a']],
  ['or of one', { kind: 'or', children: [isSet('country')] }, `((${STR}))`, []],
  ['not of or', { kind: 'not', child: { kind: 'or', children: [isSet('country'), isSet('city')] } },
    `NOT ((${STR}) OR (o.city IS NOT NULL AND o.city <> ''))`, []],
  ['not not', { kind: 'not', child: { kind: 'not', child: isSet('country') } }, `NOT NOT (${STR})`, []],
]));

describe('set form: windowed events nested in related, or, not', () => check([
  ['set-based event inside related: IN on the related row, subquery not correlated', {
    kind: 'related', relation: 'users', target: 'USER', quantifier: 'NONE', filter: {
      kind: 'not', child: event({ operator: 'LT', value: 3, window: W7 }),
    },
  }, 'NOT o.id IN (SELECT r1.company_id FROM users r1 WHERE r1.workspace_id = ? AND r1.company_id IS NOT NULL AND NOT (r1.id NOT IN (SELECT e2.user_id'
    + ' FROM events e2 WHERE e2.workspace_id = ? AND e2.name = ? AND e2.occurred_at >= ? GROUP BY e2.user_id HAVING NOT COALESCE(COUNT(*) < ?, FALSE))))',
  [WS, WS, 'purchase', ago(7), 3], 'COMPANY'],
  ['or with a set-based event, and not of one', { kind: 'or', children: [
    isSet('country'),
    { kind: 'not', child: event({ value: 2, window: W7 }) },
  ] }, `((${STR}) OR NOT (o.id IN (SELECT e1.user_id ${S_SET} GROUP BY e1.user_id HAVING COALESCE(COUNT(*) >= ?, FALSE))))`, [WS, 'purchase', ago(7), 2]],
], 'set'));

/** An event `where` condition ("the property ok is set"), and its SQL on e1. */
const HAS_OK: EventNode['where'] = [{ property: 'ok', type: 'ANY', operator: 'IS_SET', value: null }];
const OK_SET = `(CASE ${P.type} WHEN 'NULL' THEN FALSE WHEN 'STRING' THEN ${P.value} <> '' ELSE TRUE END)`;

describe('statements', () => {
  const tag: FilterNode = { kind: 'tag', tag: 'vip', has: true };
  const TAG = 'EXISTS (SELECT 1 FROM object_tags t1 WHERE t1.workspace_id = ? AND t1.object_type = ? AND t1.object_id = o.id AND t1.tag = ?)';

  /**
   * Over the whole table, a tag alone is its set alone: tag rows name only objects of the
   * workspace (IdSet.ofExistingObjects), and nothing is tested on the object's row.
   */
  const TAG_ONLY = 'FROM (SELECT d2.object_id AS id FROM (SELECT t1.object_id FROM object_tags t1 WHERE t1.workspace_id = ? AND t1.object_type = ? AND t1.tag = ?) d2) o';

  test('matching ids', () => {
    expect(compileMatchingIdsQuery(tag, opts('DEAL'))).toEqual({
      sql: `SELECT o.id ${TAG_ONLY}`, params: [WS, 4, 'vip'],
    });
  });

  test('whole table: sets of existing objects alone skip the object table; with any other condition, or only other sets, it is read', () => {
    const plan = attr(custom('plan', 'STRING'), 'EQ', 'pro');
    const PLAN_SET = 'SELECT v2.object_id FROM attribute_values v2 WHERE v2.workspace_id = ? AND v2.object_type = ? AND v2.attr_key = ? AND v2.str_value = ?';
    expect(compileCountQuery({ kind: 'and', children: [tag, plan] }, opts())).toEqual({
      sql: `SELECT COUNT(*) AS n FROM (SELECT d3.object_id AS id FROM (SELECT t1.object_id FROM object_tags t1 WHERE t1.workspace_id = ? AND t1.object_type = ? AND t1.tag = ?) d3 JOIN (${PLAN_SET}) d4 ON d4.object_id = d3.object_id) o`,
      params: [WS, 1, 'vip', WS, 1, 'plan', 'pro'],
    });
    // A set of ids that may name deleted objects (segment members) or other workspaces' (events): the row is read.
    expect(compileCountQuery({ kind: 'segment', segmentId: '8', isMember: true }, opts()).sql).toBe(
      'SELECT COUNT(*) AS n FROM (SELECT s1.object_id FROM segment_members s1 WHERE s1.segment_id = ?) d2 STRAIGHT_JOIN users o ON o.id = d2.object_id WHERE o.workspace_id = ?',
    );
    expect(compileCountQuery(event({ value: 3, window: W7 }), opts()).sql).toMatch(/\) d2 STRAIGHT_JOIN users o ON o\.id = d2\.user_id WHERE o\.workspace_id = \?$/);
    // Another condition: the object's row is read after the sets, as always.
    expect(compileCountQuery({ kind: 'and', children: [tag, isSet('country')] }, opts()).sql).toBe(
      `SELECT COUNT(*) AS n FROM (SELECT t1.object_id FROM object_tags t1 WHERE t1.workspace_id = ? AND t1.object_type = ? AND t1.tag = ?) d2 STRAIGHT_JOIN users o ON o.id = d2.object_id WHERE o.workspace_id = ? AND (${STR})`,
    );
  });

  test('whole table: the id sets of the top-level and are joined first, the other conditions cheapest first', () => {
    const tree: FilterNode = { kind: 'and', children: [
      event({ operator: 'GT', value: 1, where: HAS_OK }), // COUNT over all time with a JSON condition: a correlated subquery per user
      { kind: 'not', child: { kind: 'tag', tag: 'x', has: true } }, // an anti-join, not an id set
      { kind: 'and', children: [
        isSet('country'),
        attr(custom('plan', 'STRING'), 'EQ', 'pro'), // an id set
      ] },
      event({ value: 3, window: W7 }), // set-based COUNT ≥ 3 in 7 days: an id set
      { kind: 'or', children: [isSet('city'), { kind: 'tag', tag: 'y', has: true }] },
    ] };
    const q = compileCountQuery(tree, opts());
    expect(q.sql).toBe([
      'SELECT COUNT(*) AS n',
      "FROM (SELECT v3.object_id FROM attribute_values v3 WHERE v3.workspace_id = ? AND v3.object_type = ? AND v3.attr_key = ? AND v3.str_value = ?) d6",
      `JOIN (SELECT e4.user_id FROM events e4 WHERE e4.workspace_id = ? AND e4.name = ? AND e4.occurred_at >= ? GROUP BY e4.user_id HAVING COALESCE(COUNT(*) >= ?, FALSE)) d7 ON d7.user_id = d6.object_id`,
      'STRAIGHT_JOIN users o ON o.id = d6.object_id',
      `WHERE o.workspace_id = ? AND (${STR})`,
      'AND NOT o.id IN (SELECT t2.object_id FROM object_tags t2 WHERE t2.workspace_id = ? AND t2.object_type = ? AND t2.tag = ?)',
      "AND ((o.city IS NOT NULL AND o.city <> '') OR o.id IN (SELECT t5.object_id FROM object_tags t5 WHERE t5.workspace_id = ? AND t5.object_type = ? AND t5.tag = ?))",
      `AND COALESCE((SELECT COUNT(*) FROM events e1 WHERE e1.workspace_id = ? AND e1.user_id = o.id AND e1.name = ? AND ${OK_SET}) > ?, FALSE)`,
    ].join(' '));
    expect(q.params).toEqual([WS, 1, 'plan', 'pro', WS, 'purchase', ago(7), 3, WS, WS, 1, 'x', WS, 1, 'y', WS, 'purchase', path('ok'), path('ok'), 1]);
  });

  test('whole table without an id set: one table, the conditions cheapest first', () => {
    const tree: FilterNode = { kind: 'and', children: [
      event({ operator: 'GT', value: 1, where: HAS_OK }),
      event({ operator: 'EQ', value: 0, window: W7 }), // NOT IN over the window: not an id set
      isSet('country'),
    ] };
    expect(compileMatchingIdsQuery(tree, opts()).sql).toBe(
      `SELECT o.id FROM users o WHERE o.workspace_id = ? AND (${STR}) AND (o.id NOT IN (SELECT e2.user_id ${S_SET.replace(/e1/g, 'e2')}))`
      + ` AND COALESCE((SELECT COUNT(*) FROM events e1 WHERE e1.workspace_id = ? AND e1.user_id = o.id AND e1.name = ? AND ${OK_SET}) > ?, FALSE)`,
    );
  });

  test('at most 6 id sets are joined (MariaDB joins at most 61 tables; a filter has up to 200 conditions), the others stay IN tests', () => {
    const tags: FilterNode = { kind: 'and', children: Array.from({ length: 8 }, (_, i): FilterNode => ({ kind: 'tag', tag: `t${i}`, has: true })) };
    const q = compileCountQuery(tags, opts());
    expect(q.sql.match(/\) d\d+/g)).toEqual([') d9', ') d10', ') d11', ') d12', ') d13', ') d14']);
    expect(q.sql).toMatch(/WHERE o\.workspace_id = \? AND o\.id IN \(SELECT t7\.object_id .*\) AND o\.id IN \(SELECT t8\.object_id .*\)$/);
    expect(q.params.slice(-7)).toEqual([WS, WS, 1, 't6', WS, 1, 't7']);
  });

  test('an id set only where the condition is exactly membership of a set with each id once', () => {
    const set = { ...opts(), form: 'set' as const };
    const idSet = (node: FilterNode) => compilePredicate(node, set).idSet;
    expect(idSet({ kind: 'tag', tag: 'x', has: true })).toEqual({
      select: { sql: 'SELECT t1.object_id FROM object_tags t1 WHERE t1.workspace_id = ? AND t1.object_type = ? AND t1.tag = ?', params: [WS, 1, 'x'] },
      column: 'object_id',
      ofExistingObjects: true,
    });
    expect(idSet({ kind: 'list', listId: '9', isMember: true })?.column).toBe('object_id');
    expect(idSet(attr(custom('plan', 'STRING'), 'IS_SET'))?.column).toBe('object_id');
    expect(idSet(event({ aggregate: 'SUM', property: 'amount', operator: 'GT', value: 5 }))?.column).toBe('user_id');
    expect(compilePredicate(event({ value: 2, window: W7 }), { ...opts('PRODUCT'), form: 'set' }).idSet?.column).toBe('product_id');
    for (const node of [
      { kind: 'tag', tag: 'x', has: false },
      { kind: 'list', listId: '9', isMember: false },
      attr(custom('plan', 'STRING'), 'NEQ', 'pro'),
      attr(custom('plan', 'STRING'), 'IS_NOT_SET'),
      event({ window: W7 }), // "S is not empty": the same id many times
      event({ operator: 'LT', value: 3, window: W7 }), // true for an empty S: NOT IN
      event({ operator: 'GT', value: 1, where: HAS_OK }), // correlated
      { kind: 'related', relation: 'deals', target: 'DEAL', quantifier: 'ANY', filter: isSet('name') },
      { kind: 'and', children: [{ kind: 'tag', tag: 'x', has: true }] },
    ] as FilterNode[]) expect(idSet(node)).toBeUndefined();
    // A few restricted ids: correlated lookups, no sets.
    expect(compilePredicate({ kind: 'tag', tag: 'x', has: true }, opts()).idSet).toBeUndefined();
  });

  test('set forms of list, segment and related conditions (whole-table statements)', () => {
    const set = { ...opts(), form: 'set' as const };
    expect(compilePredicate({ kind: 'list', listId: '9', isMember: false }, set)).toEqual({
      sql: 'NOT o.id IN (SELECT l1.object_id FROM list_members l1 WHERE l1.list_id = ?)', params: ['9'],
    });
    expect(compilePredicate({ kind: 'segment', segmentId: '8', isMember: true }, set)).toMatchObject({
      sql: 'o.id IN (SELECT s1.object_id FROM segment_members s1 WHERE s1.segment_id = ?)', params: ['8'],
    });
    expect(compilePredicate({ kind: 'related', relation: 'company', target: 'COMPANY', quantifier: 'NONE', filter: isSet('country') }, set).sql).toBe(
      "NOT (o.company_id IS NOT NULL AND o.company_id IN (SELECT r1.id FROM companies r1 WHERE r1.workspace_id = ? AND (r1.country IS NOT NULL AND r1.country <> '')))",
    );
    expect(compilePredicate({ kind: 'related', relation: 'deals', target: 'DEAL', quantifier: 'ANY', filter: { kind: 'tag', tag: 'x', has: true } }, set).sql).toBe(
      'o.id IN (SELECT r1.user_id FROM deals r1 WHERE r1.workspace_id = ? AND r1.user_id IS NOT NULL AND r1.id IN (SELECT t2.object_id FROM object_tags t2 WHERE t2.workspace_id = ? AND t2.object_type = ? AND t2.tag = ?))',
    );
  });

  test('matching ids restricted to some ids', () => {
    expect(compileMatchingIdsQuery(tag, { ...opts(), restrictToIds: ['1', '2'] })).toEqual({
      sql: `SELECT o.id FROM users o WHERE o.workspace_id = ? AND ${TAG} AND o.id IN (?, ?)`, params: [WS, WS, 1, 'vip', '1', '2'],
    });
    expect(compileMatchingIdsQuery(tag, { ...opts(), restrictToIds: [] }).sql).toBe(`SELECT o.id FROM users o WHERE o.workspace_id = ? AND ${TAG} AND FALSE`);
  });

  test('count', () => {
    expect(compileCountQuery(tag, opts('TICKET'))).toEqual({
      sql: `SELECT COUNT(*) AS n ${TAG_ONLY}`, params: [WS, 6, 'vip'],
    });
  });

  test('a caller alias', () => {
    expect(compilePredicate(isSet('country'), { ...opts(), alias: 'u' }).sql).toBe("(u.country IS NOT NULL AND u.country <> '')");
  });

  test('aliases that could clash or inject are refused', () => {
    for (const alias of ['e1', 'r12', 'o; DROP TABLE users', 'O', '']) {
      expect(() => compilePredicate(tag, { ...opts(), alias })).toThrow(/invalid row alias/);
    }
  });

  test('a tree that validation would not produce fails loudly', () => {
    expect(() => compilePredicate(attr(std('nope', 'STRING'), 'EQ', 'x'), opts())).toThrow(/no field nope/);
    expect(() => compilePredicate(event(), opts('DEAL'))).toThrow(/no events/);
    expect(() => compilePredicate(attr(custom("a') OR 1=1", 'STRING'), 'IS_SET'), opts())).toThrow(/unsafe attribute key/);
  });
});

describe('no input changes the shape of the SQL', () => {
  const ATTRS: Record<string, FieldType> = { plan: 'STRING', score: 'NUMBER' };
  const ctx = (listId: string, segmentId: string): ValidationContext => ({
    objectType: 'USER',
    attributeTypes: () => new Map(Object.entries(ATTRS)),
    listTypes: new Map([[listId, 'USER']]),
    segmentTypes: new Map([[segmentId, 'USER']]),
  });

  /** A filter with a client string in every slot a string can go. */
  const filterWith = (s: string): unknown => ({
    and: [
      { attribute: { field: 'country', operator: 'EQ', value: s } },
      { attribute: { field: 'email', operator: 'CONTAINS', value: s } },
      { attribute: { field: 'attributes.plan', operator: 'NOT_IN', value: [s, s] } },
      { tag: { tag: `t${s}` } },
      { list: { listId: `l${s}` } },
      { segment: { segmentId: `s${s}`, isMember: false } },
      { event: { name: `e${s}`, where: [{ property: 'plan', operator: 'STARTS_WITH', value: s }, { property: 'p', operator: 'EQ', value: s }] } },
      { related: { relation: 'company', filter: { attribute: { field: 'name', operator: 'ENDS_WITH', value: s } } } },
    ],
  });
  const compile = (s: string) => compileMatchingIdsQuery(validateFilter(filterWith(s), ctx(`l${s}`, `s${s}`)), opts());
  const benign = compile('hello');

  const HOSTILE = [
    "x' OR '1'='1", 'x" OR "1"="1', "\\'; DROP TABLE users; --", '?', '??', '`users`', '*/ OR 1=1 /*', '$."a"', '%_\\!',
    ') OR TRUE OR (', '\u0000', '😀\u202e', 'a\nb', "' UNION SELECT id FROM agents #",
  ];

  test.each(HOSTILE)('hostile value %j ends up only in params', (s) => {
    const hostile = compile(s);
    expect(hostile.sql).toBe(benign.sql);
    expect(hostile.params.length).toBe(benign.params.length);
  });

  test('any string at all (property-based)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
      expect(compile(s).sql).toBe(benign.sql);
    }), { numRuns: 300 });
  });

  const refused: Array<[string, unknown]> = [
    ['field name', { attribute: { field: "country = '' OR 1=1 --", operator: 'IS_SET' } }],
    ['attribute key', { attribute: { field: 'attributes.plan") OR 1=1 --', operator: 'IS_SET' } }],
    ['attribute key with a path step', { attribute: { field: 'attributes.a.b', operator: 'IS_SET' } }],
    ['event property', { event: { name: 'x', where: [{ property: '"a"', operator: 'IS_SET' }] } }],
    ['aggregate property', { event: { name: 'x', aggregate: 'SUM', property: "amount') OR 1=1", value: 1 } }],
    ['relation', { related: { relation: 'company o JOIN agents', filter: { tag: { tag: 'a' } } } }],
    ['operator', { attribute: { field: 'country', operator: 'EQ OR 1=1', value: 'x' } }],
    ['aggregate', { event: { name: 'x', aggregate: 'COUNT(*) FROM agents' } }],
    ['quantifier', { related: { relation: 'company', quantifier: 'ANY) OR (1', filter: { tag: { tag: 'a' } } } }],
  ];

  test.each(refused)('a hostile %s is refused by validation', (_what, input) => {
    expect(() => validateFilter(input, ctx('1', '1'))).toThrow(DomainError);
  });
});
