/**
 * The next-change moments (src/core/filter/moments.ts), table-style: for each time-relative
 * operator and aggregate, under `not` and `related`, whether the tree depends on time, whether
 * there is a query, which thresholds it binds, and that no client value is spliced into the SQL
 * text. Three representative statements are pinned by string. Whether the moments are right is
 * checked against the reference evaluator in tests/property/time-moments.spec.ts.
 */
import { compileNextChangeQuery, dependsOnTime, NextChangeOptions } from '../../../src/core/filter/moments';
import { AttributeNode, EventNode, FieldRef, FilterNode, PropertyCondition } from '../../../src/core/filter/filter-tree';
import { FieldType, FilterOperator, ObjectType } from '../../../src/core/object-types';

const DAY = 86_400_000;
const NOW = new Date('2025-06-15T12:00:00.000Z');
/** A workspace id, an event name and an attribute key that appear nowhere in the SQL the code owns. */
const WS = '90210';
const NAME = 'zebra_buy';
const KEY = 'renew_zq';

/** k: the first whole millisecond strictly after `days` days (a date x is more than `days` old from x + k on). */
const k = (days: number): number => {
  let ms = Math.floor(days * DAY);
  while (ms <= days * DAY) ms++;
  return ms;
};
/** now − k: a date x still changes after now exactly when x > now − k. */
const upcoming = (days: number): Date => new Date(NOW.getTime() - k(days));
/** The lower bound of a `lastDays` window at now (rounded up to a whole millisecond, as the predicate's). */
const windowStart = (days: number): Date => new Date(Math.ceil(NOW.getTime() - days * DAY));

const opts = (objectType: ObjectType = 'USER', extra: Partial<NextChangeOptions> = {}): NextChangeOptions =>
  ({ workspaceId: WS, objectType, now: NOW, ...extra });

const std = (name: string, type: FieldType = 'DATE'): FieldRef => ({ kind: 'standard', name, type });
const custom = (key: string, type: FieldType = 'DATE'): FieldRef => ({ kind: 'custom', key, type });
const attr = (field: FieldRef, operator: FilterOperator, value: AttributeNode['value'] = null): AttributeNode =>
  ({ kind: 'attribute', field, operator, value });
const event = (e: Partial<EventNode> = {}): EventNode => ({
  kind: 'event', name: NAME, where: [], window: null, aggregate: 'COUNT', property: null, operator: 'GTE', value: 1, ...e,
});
const where = (operator: FilterOperator, value: PropertyCondition['value'], property = 'at'): PropertyCondition =>
  ({ property, type: 'DATE', operator, value });
const lastDays = (days: number) => ({ kind: 'lastDays', days }) as const;
const related = (relation: string, target: ObjectType, filter: FilterNode, quantifier: 'ANY' | 'NONE' = 'ANY'): FilterNode =>
  ({ kind: 'related', relation, target, quantifier, filter });
const not = (child: FilterNode): FilterNode => ({ kind: 'not', child });
const tag: FilterNode = { kind: 'tag', tag: 'vip', has: true };
const list: FilterNode = { kind: 'list', listId: '61', isMember: false };
const segment: FilterNode = { kind: 'segment', segmentId: '71', isMember: true };

const lastSeenWithin = (days: number) => attr(std('lastSeenAt'), 'WITHIN_LAST_DAYS', days);

/** A param that is `date` (a Date, or its canonical text for JSON dates). */
const sameInstant = (p: unknown, date: Date): boolean =>
  (p instanceof Date && p.getTime() === date.getTime()) || p === date.toISOString();
/** A param that is the interval k, in milliseconds or microseconds. */
const isSpan = (p: unknown, ms: number): boolean => p === ms || p === ms * 1000;

// ------------------------------------------------------------------------------------------ time-relative trees

/**
 * [name, tree, object type, day counts of its relative comparisons (each must bind now − k and k),
 *  day counts of its lastDays windows (each must bind the window start and k)]
 */
type TimeCase = [string, FilterNode, ObjectType, number[], number[]];

const TIME_CASES: TimeCase[] = [
  ['standard DATE WITHIN_LAST_DAYS', lastSeenWithin(2), 'USER', [2], []],
  ['standard DATE MORE_THAN_DAYS_AGO', attr(std('lastSeenAt'), 'MORE_THAN_DAYS_AGO', 30), 'USER', [30], []],
  ['standard DATE of a deal, fractional days', attr(std('closedAt'), 'WITHIN_LAST_DAYS', 0.0002), 'DEAL', [0.0002], []],
  ['days that are not a whole number of milliseconds', attr(std('dueAt'), 'MORE_THAN_DAYS_AGO', 1.0000001), 'ACTIVITY', [1.0000001], []],
  ['custom DATE WITHIN_LAST_DAYS', attr(custom(KEY), 'WITHIN_LAST_DAYS', 2.75), 'USER', [2.75], []],
  ['custom DATE MORE_THAN_DAYS_AGO', attr(custom(KEY), 'MORE_THAN_DAYS_AGO', 0.5), 'COMPANY', [0.5], []],
  ['event lastDays, COUNT ≥ 1 (the default)', event({ window: lastDays(1.5) }), 'USER', [], [1.5]],
  ['event lastDays, COUNT EQ 0', event({ window: lastDays(3), operator: 'EQ', value: 0 }), 'USER', [], [3]],
  ['event lastDays, COUNT ≥ 3', event({ window: lastDays(2), value: 3 }), 'USER', [], [2]],
  ['event lastDays, SUM', event({ window: lastDays(3), aggregate: 'SUM', property: 'amount', operator: 'GT', value: 10 }), 'USER', [], [3]],
  ['event lastDays on a product', event({ window: lastDays(7) }), 'PRODUCT', [], [7]],
  ['FIRST_OCCURRED_AT MORE_THAN_DAYS_AGO (all time)', event({ aggregate: 'FIRST_OCCURRED_AT', operator: 'MORE_THAN_DAYS_AGO', value: 7 }), 'USER', [7], []],
  ['LAST_OCCURRED_AT WITHIN_LAST_DAYS (all time)', event({ aggregate: 'LAST_OCCURRED_AT', operator: 'WITHIN_LAST_DAYS', value: 3 }), 'USER', [3], []],
  ['LAST_OCCURRED_AT WITHIN_LAST_DAYS in a lastDays window', event({ aggregate: 'LAST_OCCURRED_AT', operator: 'WITHIN_LAST_DAYS', value: 1, window: lastDays(7) }), 'USER', [1], [7]],
  ['FIRST_OCCURRED_AT BEFORE in a lastDays window (the window moves it)', event({ aggregate: 'FIRST_OCCURRED_AT', operator: 'BEFORE', value: new Date('2025-06-01T00:00:00Z'), window: lastDays(2) }), 'USER', [], [2]],
  ['where: DATE property WITHIN_LAST_DAYS', event({ where: [where('WITHIN_LAST_DAYS', 2)] }), 'USER', [2], []],
  ['where: DATE property MORE_THAN_DAYS_AGO with a range window', event({ where: [where('MORE_THAN_DAYS_AGO', 1)], window: { kind: 'range', from: new Date('2025-01-01T00:00:00Z'), to: null } }), 'USER', [1], []],
  ['not', not(lastSeenWithin(2)), 'USER', [2], []],
  ['not not, inside and/or with timeless siblings', { kind: 'or', children: [tag, { kind: 'and', children: [list, not(not(lastSeenWithin(0.5)))] }] }, 'USER', [0.5], []],
  ['two relative conditions', { kind: 'and', children: [lastSeenWithin(1), event({ window: lastDays(3) })] }, 'USER', [1], [3]],
  ['related own column: USER → company', related('company', 'COMPANY', attr(std('createdAt'), 'WITHIN_LAST_DAYS', 1)), 'USER', [1], []],
  ['related own column, NONE: TICKET → user, an event window', related('user', 'USER', event({ window: lastDays(2) }), 'NONE'), 'TICKET', [], [2]],
  ['related inverse: COMPANY → users', related('users', 'USER', attr(std('lastSeenAt'), 'MORE_THAN_DAYS_AGO', 30), 'NONE'), 'COMPANY', [30], []],
  ['related inverse: USER → deals, custom DATE', related('deals', 'DEAL', attr(custom(KEY), 'WITHIN_LAST_DAYS', 2)), 'USER', [2], []],
  ['related two levels: COMPANY → users → deals', related('users', 'USER', related('deals', 'DEAL', attr(std('closedAt'), 'WITHIN_LAST_DAYS', 2))), 'COMPANY', [2], []],
  ['related two levels with not: DEAL → user → company', not(related('user', 'USER', not(related('company', 'COMPANY', attr(std('updatedAt'), 'MORE_THAN_DAYS_AGO', 1.5))), 'NONE')), 'DEAL', [1.5], []],
  ['related two levels to events: ACTIVITY → deal → user', related('deal', 'DEAL', related('user', 'USER', event({ aggregate: 'LAST_OCCURRED_AT', operator: 'WITHIN_LAST_DAYS', value: 0.25 }))), 'ACTIVITY', [0.25], []],
  ['a segment next to a relative condition', { kind: 'and', children: [segment, lastSeenWithin(2)] }, 'USER', [2], []],
];

describe.each(TIME_CASES)('%s', (_name, node, objectType, relative, windows) => {
  test('depends on time and has a query', () => {
    expect(dependsOnTime(node)).toBe(true);
    const q = compileNextChangeQuery(node, opts(objectType));
    expect(q).not.toBeNull();
    // Only objects of the workspace and type: the sources' owner columns may name others.
    expect(q!.sql).toMatch(/^SELECT s\.object_id, MIN\(s\.due_at\) AS due_at FROM \(.*\) s JOIN [a-z_]+ o ON o\.id = s\.object_id AND o\.workspace_id = \? GROUP BY s\.object_id$/s);
  });

  test('binds the thresholds: now − k and k for each relative comparison, the window start and k for each window', () => {
    const { params } = compileNextChangeQuery(node, opts(objectType))!;
    for (const days of relative) {
      expect({ days, upcoming: params.some((p) => sameInstant(p, upcoming(days))) }).toEqual({ days, upcoming: true });
      expect({ days, span: params.some((p) => isSpan(p, k(days))) }).toEqual({ days, span: true });
    }
    for (const days of windows) {
      expect({ days, windowStart: params.some((p) => sameInstant(p, windowStart(days))) }).toEqual({ days, windowStart: true });
      expect({ days, span: params.some((p) => isSpan(p, k(days))) }).toEqual({ days, span: true });
    }
    // Every relative comparison asks "is x still to change after now": now − k, never another instant.
    const instants = params.filter((p): p is Date => p instanceof Date).map((d) => d.getTime());
    const allowed = new Set([NOW.getTime(), ...relative.map((d) => upcoming(d).getTime()), ...windows.map((d) => windowStart(d).getTime()),
      new Date('2025-06-01T00:00:00Z').getTime(), new Date('2025-01-01T00:00:00Z').getTime()]);
    expect(instants.filter((t) => !allowed.has(t)).map((t) => new Date(t).toISOString())).toEqual([]);
    // The workspace is a parameter of every source.
    expect(params).toContain(WS);
  });

  test('values only in params: the text has one ? per param and no client value', () => {
    const restrictToIds = ['777001', '777002'];
    for (const q of [compileNextChangeQuery(node, opts(objectType))!, compileNextChangeQuery(node, opts(objectType, { restrictToIds }))!]) {
      expect(q.sql.split('?').length - 1).toBe(q.params.length);
      // (Day counts of one or two characters, like 2 or 30, would match aliases such as m2: left out.)
      const spliced = [WS, NAME, KEY, ...restrictToIds, NOW.toISOString(), '2025-06-15 12:00',
        ...[...relative, ...windows].flatMap((d) => [String(d), String(k(d)), String(k(d) * 1000), upcoming(d).toISOString()])];
      expect(spliced.filter((v) => v.length >= 3 && q.sql.includes(v))).toEqual([]);
    }
  });

  test('restrictToIds: the ids are params; none asked, no row possible', () => {
    const some = compileNextChangeQuery(node, opts(objectType, { restrictToIds: ['777001', '777002'] }))!;
    expect(some.params).toEqual(expect.arrayContaining(['777001', '777002']));
    const none = compileNextChangeQuery(node, opts(objectType, { restrictToIds: [] }))!;
    expect(none.sql).toMatch(/\bFALSE\b/);
  });
});

// ------------------------------------------------------------------------------------------ timeless trees

const TIMELESS: Array<[string, FilterNode, ObjectType]> = [
  ['DATE BEFORE', attr(std('lastSeenAt'), 'BEFORE', new Date('2025-06-01T00:00:00Z')), 'USER'],
  ['DATE AFTER', attr(std('closedAt'), 'AFTER', new Date('2025-06-01T00:00:00Z')), 'DEAL'],
  ['DATE BETWEEN', attr(std('createdAt'), 'BETWEEN', [new Date('2025-06-01T00:00:00Z'), new Date('2025-06-02T00:00:00Z')]), 'USER'],
  ['DATE IS_SET / IS_NOT_SET', { kind: 'or', children: [attr(std('lastSeenAt'), 'IS_SET'), attr(custom(KEY), 'IS_NOT_SET')] }, 'USER'],
  ['custom DATE AFTER', attr(custom(KEY), 'AFTER', new Date('2025-06-01T00:00:00Z')), 'COMPANY'],
  ['a string, a number, a boolean', { kind: 'and', children: [attr(std('country', 'STRING'), 'EQ', 'PL'), attr(std('marketingConsent', 'BOOLEAN'), 'IS_TRUE')] }, 'USER'],
  ['event over all time', event(), 'USER'],
  ['event COUNT ≥ 3 in a from/to window', event({ value: 3, window: { kind: 'range', from: new Date('2025-06-01T00:00:00Z'), to: new Date('2025-06-10T00:00:00Z') } }), 'USER'],
  ['event SUM from a date', event({ aggregate: 'SUM', property: 'amount', operator: 'GT', value: 1, window: { kind: 'range', from: new Date('2025-06-01T00:00:00Z'), to: null } }), 'PRODUCT'],
  ['FIRST_OCCURRED_AT BEFORE (all time)', event({ aggregate: 'FIRST_OCCURRED_AT', operator: 'BEFORE', value: new Date('2025-06-01T00:00:00Z') }), 'USER'],
  ['LAST_OCCURRED_AT IS_SET (all time)', event({ aggregate: 'LAST_OCCURRED_AT', operator: 'IS_SET', value: null }), 'USER'],
  ['where: DATE property BETWEEN', event({ where: [where('BETWEEN', [new Date('2025-06-01T00:00:00Z'), new Date('2025-06-02T00:00:00Z')])] }), 'USER'],
  ['where: string and number properties', event({ where: [{ property: 'plan', type: 'STRING', operator: 'EQ', value: 'pro' }, { property: 'amount', type: 'NUMBER', operator: 'GT', value: 1 }] }), 'USER'],
  ['tag', tag, 'USER'],
  ['list', list, 'COMPANY'],
  ['segment (its own changes propagate separately)', segment, 'USER'],
  ['not of a segment', not(segment), 'USER'],
  ['and / or / not of timeless conditions', { kind: 'or', children: [tag, not({ kind: 'and', children: [list, segment] })] }, 'USER'],
  ['related to timeless conditions, two levels', related('users', 'USER', related('deals', 'DEAL', attr(std('closedAt'), 'BEFORE', new Date('2025-06-01T00:00:00Z'))), 'NONE'), 'COMPANY'],
  ['related to a segment', related('company', 'COMPANY', { kind: 'segment', segmentId: '72', isMember: false }), 'USER'],
];

describe('timeless trees', () => {
  test.each(TIMELESS)('%s: does not depend on time; no query', (_name, node, objectType) => {
    expect(dependsOnTime(node)).toBe(false);
    expect(compileNextChangeQuery(node, opts(objectType))).toBeNull();
    expect(compileNextChangeQuery(node, opts(objectType, { restrictToIds: ['1'] }))).toBeNull();
  });
});

// ------------------------------------------------------------------------------------------ no input changes the shape

describe('no input changes the shape of the SQL', () => {
  const tree = (s: string, key: string): FilterNode => ({
    kind: 'or', children: [
      attr(custom(key), 'WITHIN_LAST_DAYS', 2),
      event({ name: s, window: lastDays(1), where: [where('MORE_THAN_DAYS_AGO', 3, key), { property: key, type: 'STRING', operator: 'EQ', value: s }] }),
      related('company', 'COMPANY', attr(custom(key), 'MORE_THAN_DAYS_AGO', 1)),
    ],
  });
  const compile = (s: string, key = 'plan', ids = ['1', '2']) => compileNextChangeQuery(tree(s, key), { workspaceId: s, objectType: 'USER', now: NOW, restrictToIds: ids.map((i) => `${s}${i}`) })!;
  const benign = compile('hello');
  const HOSTILE = ["x' OR '1'='1", 'x" OR "1"="1', "\\'; DROP TABLE users; --", '?', '`users`', '*/ OR 1=1 /*', '$."a"', ') OR TRUE OR (', '\u0000', 'a\nb'];

  test.each(HOSTILE)('hostile value %j ends up only in params', (s) => {
    const hostile = compile(s);
    expect(hostile.sql).toBe(benign.sql);
    expect(hostile.params.length).toBe(benign.params.length);
  });

  test('the attribute key and property name (valid keys) only in params', () => {
    expect(compile('hello', 'Another_key_9').sql).toBe(benign.sql);
  });

  test('another now and other days change params only', () => {
    const a = compileNextChangeQuery(lastSeenWithin(2), opts())!;
    const b = compileNextChangeQuery(lastSeenWithin(0.001), { ...opts(), now: new Date('2031-01-01T00:00:00.123Z') })!;
    expect(b.sql).toBe(a.sql);
    expect(b.params).not.toEqual(a.params);
  });

  test('a tree that validation would not produce fails loudly', () => {
    expect(() => compileNextChangeQuery(attr(std('nope'), 'WITHIN_LAST_DAYS', 1), opts())).toThrow(/no field nope/);
    expect(() => compileNextChangeQuery(event({ window: lastDays(1) }), opts('DEAL'))).toThrow(/no events/);
    expect(() => compileNextChangeQuery(related('nope', 'USER', lastSeenWithin(1)), opts())).toThrow(/no relation nope/);
    expect(() => compileNextChangeQuery(attr(custom("a') OR 1=1"), 'WITHIN_LAST_DAYS', 1), opts())).toThrow(/unsafe/);
  });
});

// ------------------------------------------------------------------------------------------ pinned statements

describe('pinned statements', () => {
  test('a standard DATE column, WITHIN_LAST_DAYS 2: x while in the future, else x + k; only x > now − k', () => {
    expect(compileNextChangeQuery(lastSeenWithin(2), opts())).toEqual({
      sql: 'SELECT s.object_id, MIN(s.due_at) AS due_at FROM ('
        + 'SELECT m1.id AS object_id, (CASE WHEN m1.last_seen_at > ? THEN m1.last_seen_at ELSE m1.last_seen_at + INTERVAL ? MICROSECOND END) AS due_at'
        + ' FROM users m1 WHERE m1.workspace_id = ? AND m1.last_seen_at > ?'
        + ') s JOIN users o ON o.id = s.object_id AND o.workspace_id = ? GROUP BY s.object_id',
      params: [NOW, k(2) * 1000, WS, upcoming(2), WS],
    });
  });

  test('event windows: "S is not empty" waits for the latest event to leave, SUM for the earliest', () => {
    const node: FilterNode = { kind: 'or', children: [
      event({ window: lastDays(1.5) }),
      event({ window: lastDays(3), aggregate: 'SUM', property: 'amount', operator: 'GT', value: 10 }),
    ] };
    expect(compileNextChangeQuery(node, opts())).toEqual({
      sql: 'SELECT s.object_id, MIN(s.due_at) AS due_at FROM ('
        + 'SELECT m1.user_id AS object_id, MAX(m1.occurred_at) + INTERVAL ? MICROSECOND AS due_at FROM events m1'
        + ' WHERE m1.workspace_id = ? AND m1.name = ? AND m1.occurred_at >= ? GROUP BY m1.user_id'
        + ' UNION ALL '
        + 'SELECT m2.user_id AS object_id, MIN(m2.occurred_at) + INTERVAL ? MICROSECOND AS due_at FROM events m2'
        + ' WHERE m2.workspace_id = ? AND m2.name = ? AND m2.occurred_at >= ? GROUP BY m2.user_id'
        + ') s JOIN users o ON o.id = s.object_id AND o.workspace_id = ? GROUP BY s.object_id',
      params: [k(1.5) * 1000, WS, NAME, windowStart(1.5), k(3) * 1000, WS, NAME, windowStart(3), WS],
    });
  });

  test('related inverse, restricted: COMPANY → users, lifted to the company of each user', () => {
    const node = related('users', 'USER', attr(std('lastSeenAt'), 'MORE_THAN_DAYS_AGO', 30), 'NONE');
    expect(compileNextChangeQuery(node, opts('COMPANY', { restrictToIds: ['5', '6'] }))).toEqual({
      sql: 'SELECT s.object_id, MIN(s.due_at) AS due_at FROM ('
        + 'SELECT m4.company_id AS object_id, MIN(m5.due_at) AS due_at FROM users m4 JOIN ('
        // MORE_THAN_DAYS_AGO flips only at x + k.
        + 'SELECT m3.id AS object_id, (m3.last_seen_at + INTERVAL ? MICROSECOND) AS due_at'
        + ' FROM users m3 WHERE m3.workspace_id = ? AND m3.last_seen_at > ?'
        // The related ids of each level: a DISTINCT derived table, materialised on its own.
        + ' AND m3.id IN (SELECT m2.id FROM (SELECT DISTINCT m1.id AS id FROM users m1 WHERE m1.workspace_id = ? AND m1.company_id IN (?, ?)) m2)'
        + ') m5 ON m5.object_id = m4.id WHERE m4.workspace_id = ? AND m4.company_id IS NOT NULL AND m4.company_id IN (?, ?) GROUP BY m4.company_id'
        + ') s JOIN companies o ON o.id = s.object_id AND o.workspace_id = ? GROUP BY s.object_id',
      params: [k(30) * 1000, WS, upcoming(30), WS, '5', '6', WS, '5', '6', WS],
    });
  });
});
