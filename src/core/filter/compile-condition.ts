/**
 * One operator applied to one operand (attributes, event properties, event aggregates). The
 * positive operators fail on a missing value; NEQ, NOT_IN, NOT_CONTAINS and IS_NOT_SET are
 * exactly their negation, which is safe because every fragment here is TRUE or FALSE.
 */
import { assertNever, FilterOperator } from '../object-types';
import { Condition, ConditionValue, ScalarValue, SqlFragment } from './filter-tree';
import { daysBefore, likeClause, likePattern } from './dialect';
import { Operand } from './operand';
import { join, param, raw, sql } from './sql';

/** The condition as a TRUE/FALSE expression, wrapped so that it is safe to negate or combine. */
export function compileCondition(operand: Operand, condition: Condition, now: Date): SqlFragment {
  const { operator, value } = condition;
  const v = operand.value;
  const bind = (x: ScalarValue): SqlFragment => param(x instanceof Date ? operand.dateParam(x) : x);
  const positive = (op: FilterOperator): SqlFragment => compileCondition(operand, { operator: op, value }, now);
  switch (operator) {
    case 'EQ': return test(operand, sql`${v} = ${bind(scalar(value))}`);
    case 'NEQ': return negate(positive('EQ'));
    case 'GT': return test(operand, sql`${v} > ${bind(scalar(value))}`);
    case 'GTE': return test(operand, sql`${v} >= ${bind(scalar(value))}`);
    case 'LT': return test(operand, sql`${v} < ${bind(scalar(value))}`);
    case 'LTE': return test(operand, sql`${v} <= ${bind(scalar(value))}`);
    case 'BETWEEN': {
      const [low, high] = list(value);
      return test(operand, sql`${v} BETWEEN ${bind(low)} AND ${bind(high)}`);
    }
    case 'IN': return test(operand, sql`${v} IN (${join(list(value).map(bind), ', ')})`);
    case 'NOT_IN': return negate(positive('IN'));
    case 'CONTAINS': return test(operand, sql`${v} ${likeClause(likePattern(text(value), 'contains'))}`);
    case 'NOT_CONTAINS': return negate(positive('CONTAINS'));
    case 'STARTS_WITH': return test(operand, sql`${v} ${likeClause(likePattern(text(value), 'prefix'))}`);
    case 'ENDS_WITH': return test(operand, sql`${v} ${likeClause(likePattern(text(value), 'suffix'))}`);
    case 'IS_SET': return isSet(operand);
    case 'IS_NOT_SET': return negate(isSet(operand));
    case 'IS_TRUE': return test(operand, truth(operand, true));
    case 'IS_FALSE': return test(operand, truth(operand, false));
    case 'BEFORE': return test(operand, sql`${v} < ${bind(date(value))}`);
    case 'AFTER': return test(operand, sql`${v} > ${bind(date(value))}`);
    case 'WITHIN_LAST_DAYS':
      return test(operand, sql`${v} BETWEEN ${bind(daysBefore(now, days(value)))} AND ${bind(now)}`);
    case 'MORE_THAN_DAYS_AGO': return test(operand, sql`${v} < ${bind(daysBefore(now, days(value)))}`);
    default: return assertNever(operator, 'filter operator');
  }
}

/** `NOT x`; every compiled condition is parenthesised or a function call, so no parentheses are needed. */
export const negate = (fragment: SqlFragment): SqlFragment => sql`NOT ${fragment}`;

/** A comparison that holds only for a present value: TRUE or FALSE, never NULL. */
function test(operand: Operand, comparison: SqlFragment): SqlFragment {
  if (operand.holds) return operand.holds(comparison);
  return operand.present
    ? sql`(${operand.present} AND ${comparison})`
    : sql`COALESCE(${comparison}, FALSE)`;
}

/**
 * `x IS TRUE` / `x IS FALSE`; `x = TRUE` / `x = FALSE` for a stored 0/1 column, where it means the
 * same and an index serves it (MariaDB reads no index range for IS TRUE).
 */
function truth(operand: Operand, value: boolean): SqlFragment {
  const literal = raw(value ? 'TRUE' : 'FALSE');
  return operand.storedBoolean ? sql`${operand.value} = ${literal}` : sql`${operand.value} IS ${literal}`;
}

function isSet(operand: Operand): SqlFragment {
  if (operand.holds) return operand.holds(operand.present ?? sql`${operand.value} IS NOT NULL`);
  return operand.present ? sql`(${operand.present})` : sql`(${operand.value} IS NOT NULL)`;
}

// The tree is validated: these only narrow the value's type, and fail loudly on a broken tree.

function scalar(value: ConditionValue): ScalarValue {
  if (value === null || Array.isArray(value)) throw new Error('filter tree: expected a scalar value');
  return value as ScalarValue;
}

function list(value: ConditionValue): readonly ScalarValue[] {
  if (!Array.isArray(value) || value.length === 0) throw new Error('filter tree: expected a non-empty array value');
  return value;
}

function text(value: ConditionValue): string {
  if (typeof value !== 'string') throw new Error('filter tree: expected a string value');
  return value;
}

function date(value: ConditionValue): Date {
  if (!(value instanceof Date)) throw new Error('filter tree: expected a Date value');
  return value;
}

function days(value: ConditionValue): number {
  if (typeof value !== 'number') throw new Error('filter tree: expected a number of days');
  return value;
}
