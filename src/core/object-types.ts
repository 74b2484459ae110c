/** The six kinds of CRM object, and the value types of their fields. */
export const OBJECT_TYPES = ['USER', 'COMPANY', 'PRODUCT', 'DEAL', 'ACTIVITY', 'TICKET'] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];

export const FIELD_TYPES = ['STRING', 'NUMBER', 'BOOLEAN', 'DATE'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const FILTER_OPERATORS = [
  'EQ', 'NEQ', 'GT', 'GTE', 'LT', 'LTE', 'BETWEEN', 'IN', 'NOT_IN', 'CONTAINS', 'NOT_CONTAINS',
  'STARTS_WITH', 'ENDS_WITH', 'IS_SET', 'IS_NOT_SET', 'IS_TRUE', 'IS_FALSE', 'BEFORE', 'AFTER',
  'WITHIN_LAST_DAYS', 'MORE_THAN_DAYS_AGO',
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

/** Operators each field type allows (SEMANTICS.md, "Operators by type"). */
export const OPERATORS_BY_TYPE: Record<FieldType, readonly FilterOperator[]> = {
  STRING: ['EQ', 'NEQ', 'IN', 'NOT_IN', 'CONTAINS', 'NOT_CONTAINS', 'STARTS_WITH', 'ENDS_WITH', 'IS_SET', 'IS_NOT_SET'],
  NUMBER: ['EQ', 'NEQ', 'GT', 'GTE', 'LT', 'LTE', 'BETWEEN', 'IN', 'NOT_IN', 'IS_SET', 'IS_NOT_SET'],
  DATE: ['BEFORE', 'AFTER', 'BETWEEN', 'WITHIN_LAST_DAYS', 'MORE_THAN_DAYS_AGO', 'IS_SET', 'IS_NOT_SET'],
  BOOLEAN: ['IS_TRUE', 'IS_FALSE', 'IS_SET', 'IS_NOT_SET'],
};

export const EVENT_AGGREGATES = ['COUNT', 'SUM', 'AVG', 'MIN', 'MAX', 'FIRST_OCCURRED_AT', 'LAST_OCCURRED_AT'] as const;
export type EventAggregate = (typeof EVENT_AGGREGATES)[number];

/** Small integer codes used where tables hold objects of several types (tags, lists, members). */
export const OBJECT_TYPE_CODE: Record<ObjectType, number> = {
  USER: 1, COMPANY: 2, PRODUCT: 3, DEAL: 4, ACTIVITY: 5, TICKET: 6,
};

export function isObjectType(value: unknown): value is ObjectType {
  return typeof value === 'string' && (OBJECT_TYPES as readonly string[]).includes(value);
}

export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
