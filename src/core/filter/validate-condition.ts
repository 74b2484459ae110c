/**
 * Operator and value checks shared by attribute conditions, event property conditions and
 * event aggregates: the operator must be allowed for the type, and the value must have the
 * operator's shape (SEMANTICS.md "Filters").
 */
import { badInput } from '../errors';
import {
  assertNever, FieldType, FILTER_OPERATORS, FilterOperator, OPERATORS_BY_TYPE,
} from '../object-types';
import { Condition, ConditionValue, ScalarValue } from './filter-tree';
import {
  checkDate, checkDays, checkNumber, checkString, FILTER_LIMITS, isGiven, isIsoDateString, show,
} from './validate-values';

export function checkOperator(value: unknown, path: string): FilterOperator {
  if (typeof value !== 'string' || !(FILTER_OPERATORS as readonly string[]).includes(value)) {
    throw badInput(path, `unknown operator ${show(value)}; operators: ${FILTER_OPERATORS.join(', ')}`);
  }
  return value as FilterOperator;
}

/**
 * The condition `operator value` on something of `type`. `subject` names it for messages, e.g.
 * `field 'age' of type NUMBER`.
 */
export function checkCondition(operator: FilterOperator, value: unknown, type: FieldType, path: string, subject: string): Condition {
  const allowed = OPERATORS_BY_TYPE[type];
  if (!allowed.includes(operator)) {
    throw badInput(path, `operator ${operator} is not allowed for ${subject}; allowed: ${allowed.join(', ')}`);
  }
  return { operator, value: checkValue(operator, value, type, path, `value of ${operator} for ${subject}`) };
}

function checkValue(operator: FilterOperator, value: unknown, type: FieldType, path: string, what: string): ConditionValue {
  switch (operator) {
    case 'EQ': case 'NEQ': case 'GT': case 'GTE': case 'LT': case 'LTE':
    case 'CONTAINS': case 'NOT_CONTAINS': case 'STARTS_WITH': case 'ENDS_WITH': case 'BEFORE': case 'AFTER':
      return checkScalar(value, type, path, what);
    case 'BETWEEN': return checkRange(value, type, path, what);
    case 'IN': case 'NOT_IN': return checkList(value, type, path, what);
    case 'WITHIN_LAST_DAYS': case 'MORE_THAN_DAYS_AGO': return checkDays(value, path, what);
    case 'IS_SET': case 'IS_NOT_SET': case 'IS_TRUE': case 'IS_FALSE':
      if (isGiven(value)) throw badInput(path, `${operator} takes no value, got ${show(value)}`);
      return null;
    default: return assertNever(operator, 'filter operator');
  }
}

function checkScalar(value: unknown, type: FieldType, path: string, what: string): ScalarValue {
  switch (type) {
    case 'STRING': return checkString(value, path, what);
    case 'NUMBER': return checkNumber(value, path, what);
    case 'DATE': return checkDate(value, path, what);
    case 'BOOLEAN': throw badInput(path, `${what}: BOOLEAN takes IS_TRUE / IS_FALSE, not a value`);
    default: return assertNever(type, 'field type');
  }
}

function checkRange(value: unknown, type: FieldType, path: string, what: string): readonly ScalarValue[] {
  if (!Array.isArray(value) || value.length !== 2) throw badInput(path, `${what} must be [low, high], got ${show(value)}`);
  const [low, high] = value.map((v, i) => checkScalar(v, type, path, `${what} (${i === 0 ? 'low' : 'high'})`));
  if (low > high) throw badInput(path, `${what} must be [low, high] with low <= high`);
  return [low, high];
}

function checkList(value: unknown, type: FieldType, path: string, what: string): readonly ScalarValue[] {
  const max = FILTER_LIMITS.maxListValues;
  if (!Array.isArray(value) || value.length === 0 || value.length > max) {
    throw badInput(path, `${what} must be a non-empty array of at most ${max} values, got ${show(value)}`);
  }
  return value.map((v, i) => checkScalar(v, type, path, `${what} (item ${i})`));
}

/**
 * How an event property is compared, from the operator and the value: numeric operators and
 * number values → NUMBER, IS_TRUE/IS_FALSE → BOOLEAN, date operators and ISO dates in BETWEEN →
 * DATE, text operators and string values → STRING, IS_SET/IS_NOT_SET → ANY (presence only).
 */
export function inferPropertyType(operator: FilterOperator, value: unknown, path: string): FieldType | 'ANY' {
  switch (operator) {
    case 'GT': case 'GTE': case 'LT': case 'LTE': return 'NUMBER';
    case 'IS_TRUE': case 'IS_FALSE': return 'BOOLEAN';
    case 'BEFORE': case 'AFTER': case 'WITHIN_LAST_DAYS': case 'MORE_THAN_DAYS_AGO': return 'DATE';
    case 'CONTAINS': case 'NOT_CONTAINS': case 'STARTS_WITH': case 'ENDS_WITH': return 'STRING';
    case 'IS_SET': case 'IS_NOT_SET': return 'ANY';
    case 'EQ': case 'NEQ':
      if (typeof value === 'number') return 'NUMBER';
      if (typeof value === 'string') return 'STRING';
      throw badInput(path, `${operator} on an event property takes a number or a string, got ${show(value)}`);
    case 'IN': case 'NOT_IN': return listType(operator, value, path);
    case 'BETWEEN':
      if (Array.isArray(value) && value.length === 2) {
        if (value.every((v) => typeof v === 'number')) return 'NUMBER';
        if (value.every(isIsoDateString)) return 'DATE';
      }
      throw badInput(path, `BETWEEN on an event property takes [low, high] of two numbers or two ISO-8601 dates, got ${show(value)}`);
    default: return assertNever(operator, 'filter operator');
  }
}

function listType(operator: FilterOperator, value: unknown, path: string): FieldType {
  if (!Array.isArray(value) || value.length === 0) return 'STRING'; // checkList reports the shape
  if (value.every((v) => typeof v === 'number')) return 'NUMBER';
  if (value.every((v) => typeof v === 'string')) return 'STRING';
  const kinds = value.some((v) => typeof v === 'number') && value.some((v) => typeof v === 'string');
  throw badInput(path, kinds
    ? `${operator} on an event property takes all numbers or all strings; this list mixes numbers and strings`
    : `${operator} on an event property takes numbers or strings`);
}
