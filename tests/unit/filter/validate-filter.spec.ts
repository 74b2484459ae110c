import { DomainError } from '../../../src/core/errors';
import { FilterNode } from '../../../src/core/filter/filter-tree';
import { validateFilter, ValidationContext } from '../../../src/core/filter/validate-filter';
import { FieldType, ObjectType } from '../../../src/core/object-types';

const ATTRIBUTES: Partial<Record<ObjectType, Record<string, FieldType>>> = {
  USER: { plan: 'STRING', score: 'NUMBER', vip: 'BOOLEAN', renewal_at: 'DATE' },
  COMPANY: { tier: 'STRING' },
};

const ctx = (objectType: ObjectType = 'USER'): ValidationContext => ({
  objectType,
  attributeTypes: (type) => new Map(Object.entries(ATTRIBUTES[type] ?? {})),
  listTypes: new Map<string, ObjectType>([['61', 'USER'], ['62', 'COMPANY']]),
  segmentTypes: new Map<string, ObjectType>([['71', 'USER'], ['72', 'COMPANY']]),
});

const attr = (field: string, operator: string, value?: unknown): unknown => ({ attribute: { field, operator, value } });
const event = (e: Record<string, unknown>): unknown => ({ event: { name: 'purchase', ...e } });
const where = (...conditions: unknown[]): unknown => event({ where: conditions });
const tag = { tag: { tag: 'vip' } };
const nestNot = (depth: number): unknown => (depth === 1 ? tag : { not: nestNot(depth - 1) });

function failure(input: unknown, objectType: ObjectType = 'USER'): DomainError {
  try {
    validateFilter(input, ctx(objectType));
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected validateFilter to throw');
}

describe('validateFilter: errors name the path and what is allowed', () => {
  // [case, input, path, message fragment, object type]
  const cases: Array<[string, unknown, string, string, ObjectType?]> = [
    ['not an object', 'tag', 'filter', 'a filter node must be an object'],
    ['an array', [tag], 'filter', 'must be an object, got an array of 1'],
    ['no kind set', {}, 'filter', 'a filter node sets exactly one of and, or, not, attribute, event, tag, list, segment, related; this one sets none'],
    ['only nulls set', { and: null, tag: null }, 'filter', 'this one sets none'],
    ['two kinds set', { ...tag, list: { listId: '61' } }, 'filter', 'this one sets tag, list'],
    ['unknown node key', { foo: 1 }, 'filter', "a filter node has no field 'foo'"],
    ['empty and', { and: [] }, 'filter.and', 'and takes a non-empty array of filter nodes'],
    ['empty or', { and: [tag, { or: [] }] }, 'filter.and.1.or', 'or takes a non-empty array'],
    ['or not an array', { or: tag }, 'filter.or', 'or takes a non-empty array'],
    ['unknown field', { and: [tag, { or: [attr('foo', 'EQ', 'x')] }] }, 'filter.and.1.or.0.attribute',
      "unknown field 'foo' of USER; use a standard field or attributes.<key>"],
    ['unknown field lists the standard fields', attr('foo', 'EQ', 'x'), 'filter.attribute', 'standard fields: externalId, createdAt'],
    ['undefined custom attribute', attr('attributes.nope', 'EQ', 'x'), 'filter.attribute',
      "unknown field 'attributes.nope' of USER; use a standard field or attributes.<key> (no attribute 'nope' is defined for USER)"],
    ['custom attribute of another type', attr('attributes.tier', 'EQ', 'x'), 'filter.attribute', "unknown field 'attributes.tier' of USER"],
    ['unsafe attribute key', attr("attributes.a') OR 1=1 --", 'EQ', 'x'), 'filter.attribute', 'attribute key'],
    ['attribute key with a dot', attr('attributes.a.b', 'EQ', 'x'), 'filter.attribute', 'only letters, digits and _'],
    ['huge field name is not echoed whole', attr('f'.repeat(900), 'EQ', 'x'), 'filter.attribute', `unknown field '${'f'.repeat(60)}…'`],
    ['field too long', attr('f'.repeat(1001), 'EQ', 'x'), 'filter.attribute', 'field must be at most 1000 characters'],
    ['attribute extra key', { attribute: { field: 'email', operator: 'EQ', value: 'a', op: 1 } }, 'filter.attribute', "attribute has no field 'op'"],
    ['unknown operator', attr('email', 'LIKE', 'x'), 'filter.attribute', "unknown operator 'LIKE'"],
    ['operator not allowed for NUMBER', attr('attributes.score', 'CONTAINS', 'x'), 'filter.attribute',
      "operator CONTAINS is not allowed for field 'attributes.score' of type NUMBER; allowed: EQ, NEQ, GT, GTE, LT, LTE, BETWEEN, IN, NOT_IN, IS_SET, IS_NOT_SET"],
    ['operator not allowed for BOOLEAN', attr('marketingConsent', 'EQ', true), 'filter.attribute',
      "operator EQ is not allowed for field 'marketingConsent' of type BOOLEAN; allowed: IS_TRUE, IS_FALSE, IS_SET, IS_NOT_SET"],
    ['operator not allowed for STRING', attr('email', 'GT', 'a'), 'filter.attribute', "field 'email' of type STRING; allowed: EQ, NEQ, IN"],
    ['operator not allowed for DATE', attr('lastSeenAt', 'EQ', '2025-01-01'), 'filter.attribute', 'of type DATE; allowed: BEFORE, AFTER, BETWEEN'],
    ['STRING value not a string', attr('email', 'EQ', 5), 'filter.attribute', "value of EQ for field 'email' of type STRING must be a string, got number 5"],
    ['NUMBER value a numeric string', attr('attributes.score', 'EQ', '5'), 'filter.attribute', 'must be a finite number'],
    ['NUMBER value not finite', attr('attributes.score', 'GT', Infinity), 'filter.attribute', 'must be a finite number'],
    ['NUMBER value NaN', attr('attributes.score', 'GT', NaN), 'filter.attribute', 'must be a finite number'],
    ['DATE value not ISO', attr('lastSeenAt', 'BEFORE', 'yesterday'), 'filter.attribute', 'must be an ISO-8601 date or date-time'],
    ['DATE value not a real day', attr('lastSeenAt', 'BEFORE', '2025-02-30'), 'filter.attribute', 'ISO-8601'],
    ['DATE value a number', attr('attributes.renewal_at', 'AFTER', 1700000000000), 'filter.attribute', 'ISO-8601'],
    ['BETWEEN not a pair', attr('attributes.score', 'BETWEEN', [1]), 'filter.attribute', 'must be [low, high]'],
    ['BETWEEN low > high', attr('attributes.score', 'BETWEEN', [5, 1]), 'filter.attribute', 'with low <= high'],
    ['BETWEEN dates low > high', attr('lastSeenAt', 'BETWEEN', ['2025-02-01', '2025-01-01']), 'filter.attribute', 'low <= high'],
    ['BETWEEN element of the wrong type', attr('attributes.score', 'BETWEEN', [1, 'x']), 'filter.attribute', '(high) must be a finite number'],
    ['IN empty', attr('country', 'IN', []), 'filter.attribute', 'must be a non-empty array of at most 1000 values'],
    ['IN not an array', attr('country', 'IN', 'Poland'), 'filter.attribute', 'must be a non-empty array'],
    ['NOT_IN too long', attr('country', 'NOT_IN', Array(1001).fill('x')), 'filter.attribute', 'at most 1000 values, got an array of 1001'],
    ['IN item of the wrong type', attr('country', 'IN', ['a', 2]), 'filter.attribute', '(item 1) must be a string'],
    ['IN item too long', attr('country', 'IN', ['a', 'x'.repeat(1001)]), 'filter.attribute', '(item 1) must be at most 1000 characters'],
    ['days zero', attr('lastSeenAt', 'WITHIN_LAST_DAYS', 0), 'filter.attribute', 'must be a positive number of days'],
    ['days negative', attr('lastSeenAt', 'MORE_THAN_DAYS_AGO', -1), 'filter.attribute', 'positive number of days'],
    ['days a string', attr('lastSeenAt', 'MORE_THAN_DAYS_AGO', '3'), 'filter.attribute', 'positive number of days'],
    ['days too many', attr('lastSeenAt', 'WITHIN_LAST_DAYS', 1e9), 'filter.attribute', 'at most 365000'],
    ['IS_SET with a value', attr('email', 'IS_SET', 'x'), 'filter.attribute', 'IS_SET takes no value'],
    ['IS_TRUE with a value', attr('marketingConsent', 'IS_TRUE', true), 'filter.attribute', 'IS_TRUE takes no value'],
    ['string value too long', attr('email', 'EQ', 'x'.repeat(1001)), 'filter.attribute', 'must be at most 1000 characters'],
    ['string too long in code points', attr('email', 'CONTAINS', '😀'.repeat(1001)), 'filter.attribute', 'at most 1000 characters'],
    ['event on a type without events', event({}), 'filter.event', 'COMPANY has no events; event conditions apply to USER and PRODUCT', 'COMPANY'],
    ['event name empty', event({ name: ' ' }), 'filter.event', 'event name must not be empty'],
    ['event name too long', event({ name: 'n'.repeat(1001) }), 'filter.event', 'event name must be at most 1000 characters'],
    ['event name not a string', event({ name: 3 }), 'filter.event', 'event name must be a string'],
    ['unknown aggregate', event({ aggregate: 'MEDIAN' }), 'filter.event', "unknown aggregate 'MEDIAN'"],
    ['SUM without property', event({ aggregate: 'SUM', value: 3 }), 'filter.event', "aggregate SUM needs the numeric event property it reads ('property')"],
    ['AVG without property', event({ aggregate: 'AVG', value: 3 }), 'filter.event', 'aggregate AVG needs'],
    ['COUNT with property', event({ aggregate: 'COUNT', property: 'amount' }), 'filter.event', "aggregate COUNT takes no 'property'"],
    ['LAST_OCCURRED_AT with property', event({ aggregate: 'LAST_OCCURRED_AT', property: 'amount', operator: 'IS_SET' }), 'filter.event', "takes no 'property'"],
    ['bad aggregate property', event({ aggregate: 'MAX', property: 'a b' }), 'filter.event', 'event property name'],
    ['COUNT with a DATE operator', event({ operator: 'BEFORE', value: '2025-01-01' }), 'filter.event',
      'operator BEFORE is not allowed for aggregate COUNT of type NUMBER; allowed: EQ, NEQ'],
    ['FIRST_OCCURRED_AT with the default GTE', event({ aggregate: 'FIRST_OCCURRED_AT' }), 'filter.event',
      'operator GTE is not allowed for aggregate FIRST_OCCURRED_AT of type DATE; allowed: BEFORE, AFTER'],
    ['COUNT value not a number', event({ operator: 'EQ', value: 'many' }), 'filter.event', 'must be a finite number'],
    ['IS_SET on an aggregate with a value other than the default', event({ aggregate: 'AVG', property: 'x', operator: 'IS_SET', value: 2 }), 'filter.event', 'IS_SET takes no value'],
    ['window with lastDays and from', event({ window: { lastDays: 3, from: '2025-01-01' } }), 'filter.event.window', 'window takes either lastDays or from/to, not both'],
    ['window with neither', event({ window: {} }), 'filter.event.window', 'window needs lastDays, or from and/or to'],
    ['window with only nulls', event({ window: { lastDays: null, from: null, to: null } }), 'filter.event.window', 'window needs lastDays'],
    ['window from after to', event({ window: { from: '2025-02-01', to: new Date('2025-01-01T00:00:00Z') } }), 'filter.event.window', 'window from must not be after to'],
    ['window lastDays zero', event({ window: { lastDays: 0 } }), 'filter.event.window', 'window lastDays must be a positive number of days'],
    ['window bad date', event({ window: { from: 'soon' } }), 'filter.event.window', 'window from must be an ISO-8601'],
    ['window invalid Date', event({ window: { to: new Date('x') } }), 'filter.event.window', 'window to must be an ISO-8601'],
    ['where not an array', event({ where: {} }), 'filter.event.where', 'where must be an array'],
    ['where property name unsafe', where({ property: 'a"b', operator: 'IS_SET' }), 'filter.event.where.0', "event property name 'a\"b' must start with a letter or _"],
    ['where property name too long', where({ property: 'p'.repeat(65), operator: 'IS_SET' }), 'filter.event.where.0', 'at most 64'],
    ['where mixed IN', where({ property: 'x', operator: 'IS_SET' }, { property: 'plan', operator: 'IN', value: [1, 'a'] }),
      'filter.event.where.1', 'takes all numbers or all strings; this list mixes numbers and strings'],
    ['where IN of booleans', where({ property: 'plan', operator: 'NOT_IN', value: [true] }), 'filter.event.where.0', 'takes numbers or strings'],
    ['where EQ boolean', where({ property: 'ok', operator: 'EQ', value: true }), 'filter.event.where.0', 'EQ on an event property takes a number or a string'],
    ['where BETWEEN mixed', where({ property: 'x', operator: 'BETWEEN', value: [1, '2025-01-01'] }), 'filter.event.where.0',
      'BETWEEN on an event property takes [low, high] of two numbers or two ISO-8601 dates'],
    ['where GT with a string', where({ property: 'x', operator: 'GT', value: '5' }), 'filter.event.where.0', 'must be a finite number'],
    ['where IS_SET with a value', where({ property: 'x', operator: 'IS_SET', value: 1 }), 'filter.event.where.0', 'IS_SET takes no value'],
    ['where unknown operator', where({ property: 'x', operator: 'MATCHES', value: 1 }), 'filter.event.where.0', "unknown operator 'MATCHES'"],
    ['nested event path', { and: [tag, { not: where({ property: 'x', operator: 'GT', value: 'a' }) }] }, 'filter.and.1.not.event.where.0', 'finite number'],
    ['tag empty after trim', { tag: { tag: '   ' } }, 'filter.tag', 'tag must not be empty'],
    ['tag too long', { tag: { tag: 't'.repeat(1001) } }, 'filter.tag', 'tag must be at most 1000 characters'],
    ['tag has not a boolean', { tag: { tag: 'a', has: 'no' } }, 'filter.tag', 'has must be true or false'],
    ['unknown list', { list: { listId: '99' } }, 'filter.list', "unknown list '99'"],
    ['list of another type', { list: { listId: '62' } }, 'filter.list', "list '62' holds COMPANY objects; this filter is for USER"],
    ['unknown segment', { segment: { segmentId: '99' } }, 'filter.segment', "unknown segment '99'"],
    ['segment of another type', { segment: { segmentId: '72' } }, 'filter.segment', "segment '72' is of COMPANY objects; this filter is for USER"],
    ['unknown relation', { related: { relation: 'friends', filter: tag } }, 'filter.related',
      "unknown relation 'friends' of USER; relations: company, deals, tickets, activities"],
    ['no relations at all', { related: { relation: 'users', filter: tag } }, 'filter.related', "unknown relation 'users' of PRODUCT; PRODUCT has no relations", 'PRODUCT'],
    ['bad quantifier', { related: { relation: 'deals', quantifier: 'ALL', filter: tag } }, 'filter.related', 'quantifier must be ANY or NONE'],
    ['related without filter', { related: { relation: 'deals' } }, 'filter.related', 'related needs a filter'],
    ['related filter checks the target type', { related: { relation: 'company', filter: attr('email', 'EQ', 'x') } },
      'filter.related.filter.attribute', "unknown field 'email' of COMPANY"],
    ['related filter uses the target attributes', { related: { relation: 'company', filter: attr('attributes.plan', 'EQ', 'x') } },
      'filter.related.filter.attribute', "unknown field 'attributes.plan' of COMPANY"],
    ['related list of the target type', { related: { relation: 'company', filter: { list: { listId: '61' } } } },
      'filter.related.filter.list', "list '61' holds USER objects; this filter is for COMPANY"],
    ['depth 11', nestNot(11), `filter${'.not'.repeat(10)}`, 'filters nest at most 10 levels deep'],
    ['related counts as depth', { related: { relation: 'company', filter: nestNot(10) } }, `filter.related.filter${'.not'.repeat(9)}`, 'at most 10 levels'],
    ['201 conditions', { and: Array(201).fill(tag) }, 'filter.and.200', 'a filter holds at most 200 conditions'],
    ['conditions count across the tree', { or: [{ and: Array(150).fill(tag) }, { not: { and: Array(51).fill(tag) } }] },
      'filter.or.1.not.and.50', 'at most 200 conditions'],
  ];

  // A rest parameter: Jest takes a declared parameter beyond a row's length for a `done` callback.
  test.each(cases)('%s', (...row) => {
    const [, input, path, fragment, objectType] = row;
    const error = failure(input, objectType ?? 'USER');
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.path).toBe(path);
    expect(error.message).toContain(fragment);
    expect(error.message.length).toBeLessThan(400);
  });

  test('a custom path prefix', () => {
    expect(() => validateFilter({ and: [] }, ctx(), 'input.filter')).toThrow(expect.objectContaining({ path: 'input.filter.and' }));
  });
});

describe('validateFilter: valid inputs', () => {
  const d = (iso: string): Date => new Date(iso);
  const cases: Array<[string, unknown, FilterNode, ObjectType?]> = [
    ['standard STRING', attr('country', 'EQ', 'Poland'),
      { kind: 'attribute', field: { kind: 'standard', name: 'country', type: 'STRING' }, operator: 'EQ', value: 'Poland' }],
    ['custom NUMBER IN', attr('attributes.score', 'IN', [1, 2.5]),
      { kind: 'attribute', field: { kind: 'custom', key: 'score', type: 'NUMBER' }, operator: 'IN', value: [1, 2.5] }],
    ['DATE values become Dates (date-only is UTC midnight, offsets apply)', attr('lastSeenAt', 'BETWEEN', ['2025-01-01', '2025-01-02T01:00:00+01:00']),
      { kind: 'attribute', field: { kind: 'standard', name: 'lastSeenAt', type: 'DATE' }, operator: 'BETWEEN', value: [d('2025-01-01T00:00:00Z'), d('2025-01-02T00:00:00Z')] }],
    ['days keep their number', attr('attributes.renewal_at', 'WITHIN_LAST_DAYS', 0.5),
      { kind: 'attribute', field: { kind: 'custom', key: 'renewal_at', type: 'DATE' }, operator: 'WITHIN_LAST_DAYS', value: 0.5 }],
    ['IS_* have a null value', attr('marketingConsent', 'IS_TRUE', null),
      { kind: 'attribute', field: { kind: 'standard', name: 'marketingConsent', type: 'BOOLEAN' }, operator: 'IS_TRUE', value: null }],
    ['event defaults', event({}),
      { kind: 'event', name: 'purchase', where: [], window: null, aggregate: 'COUNT', property: null, operator: 'GTE', value: 1 }],
    ['event as GraphQL delivers it (nulls, defaults filled in)', event({ where: null, window: null, aggregate: 'COUNT', property: null, operator: 'GTE', value: 1 }),
      { kind: 'event', name: 'purchase', where: [], window: null, aggregate: 'COUNT', property: null, operator: 'GTE', value: 1 }],
    ['event IS_NOT_SET ignores the default value 1', event({ aggregate: 'LAST_OCCURRED_AT', operator: 'IS_NOT_SET', value: 1 }),
      { kind: 'event', name: 'purchase', where: [], window: null, aggregate: 'LAST_OCCURRED_AT', property: null, operator: 'IS_NOT_SET', value: null }],
    ['event SUM with window and typed where', event({
      aggregate: 'SUM', property: 'amount', operator: 'GT', value: 10, window: { lastDays: 7 },
      where: [
        { property: 'amount', operator: 'GTE', value: 1 },
        { property: 'plan', operator: 'IN', value: ['a', 'b'] },
        { property: 'qty', operator: 'EQ', value: 3 },
        { property: 'at', operator: 'BETWEEN', value: ['2025-01-01', '2025-01-31'] },
        { property: 'qty', operator: 'BETWEEN', value: [1, 2] },
        { property: 'ok', operator: 'IS_FALSE' },
        { property: 'at', operator: 'WITHIN_LAST_DAYS', value: 3 },
        { property: 'note', operator: 'CONTAINS', value: 'x' },
        { property: 'note', operator: 'IS_SET' },
      ],
    }), {
      kind: 'event', name: 'purchase', aggregate: 'SUM', property: 'amount', operator: 'GT', value: 10, window: { kind: 'lastDays', days: 7 },
      where: [
        { property: 'amount', type: 'NUMBER', operator: 'GTE', value: 1 },
        { property: 'plan', type: 'STRING', operator: 'IN', value: ['a', 'b'] },
        { property: 'qty', type: 'NUMBER', operator: 'EQ', value: 3 },
        { property: 'at', type: 'DATE', operator: 'BETWEEN', value: [d('2025-01-01T00:00:00Z'), d('2025-01-31T00:00:00Z')] },
        { property: 'qty', type: 'NUMBER', operator: 'BETWEEN', value: [1, 2] },
        { property: 'ok', type: 'BOOLEAN', operator: 'IS_FALSE', value: null },
        { property: 'at', type: 'DATE', operator: 'WITHIN_LAST_DAYS', value: 3 },
        { property: 'note', type: 'STRING', operator: 'CONTAINS', value: 'x' },
        { property: 'note', type: 'ANY', operator: 'IS_SET', value: null },
      ],
    }],
    ['window from/to (DateTime scalars or strings), either may be absent', event({ window: { from: d('2025-01-01T00:00:00Z'), to: null } }),
      { kind: 'event', name: 'purchase', where: [], window: { kind: 'range', from: d('2025-01-01T00:00:00Z'), to: null }, aggregate: 'COUNT', property: null, operator: 'GTE', value: 1 }],
    ['PRODUCT events', event({ aggregate: 'FIRST_OCCURRED_AT', operator: 'BEFORE', value: '2025-01-01T00:00:00.000Z' }),
      { kind: 'event', name: 'purchase', where: [], window: null, aggregate: 'FIRST_OCCURRED_AT', property: null, operator: 'BEFORE', value: d('2025-01-01T00:00:00Z') }, 'PRODUCT'],
    ['tag is trimmed, has defaults to true', { tag: { tag: '  vip ' } }, { kind: 'tag', tag: 'vip', has: true }],
    ['list and segment, isMember defaults to true', { and: [{ list: { listId: 61, isMember: false } }, { segment: { segmentId: '71', isMember: null } }] },
      { kind: 'and', children: [{ kind: 'list', listId: '61', isMember: false }, { kind: 'segment', segmentId: '71', isMember: true }] }],
    ['related: target type and default quantifier', { related: { relation: 'company', filter: attr('attributes.tier', 'IS_SET') } },
      { kind: 'related', relation: 'company', target: 'COMPANY', quantifier: 'ANY',
        filter: { kind: 'attribute', field: { kind: 'custom', key: 'tier', type: 'STRING' }, operator: 'IS_SET', value: null } }],
    ['or / not with explicit nulls on the other kinds', { or: [{ not: tag, and: null }], tag: null },
      { kind: 'or', children: [{ kind: 'not', child: { kind: 'tag', tag: 'vip', has: true } }] }],
  ];

  test.each(cases)('%s', (...row) => {
    const [, input, expected, objectType] = row;
    expect(validateFilter(input, ctx(objectType ?? 'USER'))).toEqual(expected);
  });

  test('limits are inclusive: depth 10 and 200 conditions pass', () => {
    expect(() => validateFilter(nestNot(10), ctx())).not.toThrow();
    expect(() => validateFilter({ and: Array(200).fill(tag) }, ctx())).not.toThrow();
    expect(() => validateFilter(attr('country', 'IN', Array(1000).fill('x')), ctx())).not.toThrow();
    expect(() => validateFilter(attr('country', 'EQ', 'x'.repeat(1000)), ctx())).not.toThrow();
  });

  test('GraphQL input objects with a null prototype', () => {
    const node = Object.assign(Object.create(null) as object, { tag: Object.assign(Object.create(null) as object, { tag: 'vip', has: true }) });
    expect(validateFilter(node, ctx())).toEqual({ kind: 'tag', tag: 'vip', has: true });
  });
});
