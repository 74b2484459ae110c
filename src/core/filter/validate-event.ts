/** Validation of `event` conditions: name, where, window, aggregate with its property, operator and value. */
import { CATALOG } from '../catalog';
import { badInput } from '../errors';
import { EVENT_AGGREGATES, EventAggregate, FieldType, ObjectType } from '../object-types';
import { EventNode, PropertyCondition, TimeWindow } from './filter-tree';
import { checkCondition, checkOperator, inferPropertyType } from './validate-condition';
import {
  checkDate, checkDays, checkKey, checkString, FILTER_LIMITS, inputObject, isGiven, show,
} from './validate-values';

const EVENT_FIELDS = ['name', 'where', 'window', 'aggregate', 'property', 'operator', 'value'] as const;
const PROPERTY_FIELDS = ['property', 'operator', 'value'] as const;
const WINDOW_FIELDS = ['lastDays', 'from', 'to'] as const;
/** The contract's defaults of EventConditionInput. */
const DEFAULT_VALUE = 1;

export function validateEvent(input: unknown, objectType: ObjectType, path: string): EventNode {
  const event = inputObject(input, path, 'event', EVENT_FIELDS);
  if (!CATALOG[objectType].eventColumn) {
    throw badInput(path, `${objectType} has no events; event conditions apply to USER and PRODUCT`);
  }
  const name = checkString(event.name, path, 'event name');
  if (name.trim() === '') throw badInput(path, 'event name must not be empty');
  const where = validateWhere(event.where, `${path}.where`);
  const window = isGiven(event.window) ? validateWindow(event.window, `${path}.window`) : null;
  const aggregate = checkAggregate(event.aggregate, path);
  const property = validateAggregateProperty(aggregate, event.property, path);
  const type: FieldType = aggregate === 'FIRST_OCCURRED_AT' || aggregate === 'LAST_OCCURRED_AT' ? 'DATE' : 'NUMBER';
  const operator = isGiven(event.operator) ? checkOperator(event.operator, path) : 'GTE';
  const condition = checkCondition(operator, eventValue(operator, event.value), type, path, `aggregate ${aggregate} of type ${type}`);
  return { kind: 'event', name, where, window, aggregate, property, ...condition };
}

/**
 * The value, with the contract's default 1 when it is absent. GraphQL fills that default in
 * even for IS_SET / IS_NOT_SET, where a value makes no sense: there a 1 is taken for "none".
 */
function eventValue(operator: string, value: unknown): unknown {
  if (value === undefined) return operator === 'IS_SET' || operator === 'IS_NOT_SET' ? null : DEFAULT_VALUE;
  if ((operator === 'IS_SET' || operator === 'IS_NOT_SET') && value === DEFAULT_VALUE) return null;
  return value;
}

function checkAggregate(value: unknown, path: string): EventAggregate {
  if (!isGiven(value)) return 'COUNT';
  if (typeof value !== 'string' || !(EVENT_AGGREGATES as readonly string[]).includes(value)) {
    throw badInput(path, `unknown aggregate ${show(value)}; aggregates: ${EVENT_AGGREGATES.join(', ')}`);
  }
  return value as EventAggregate;
}

function validateAggregateProperty(aggregate: EventAggregate, value: unknown, path: string): string | null {
  const needs = aggregate === 'SUM' || aggregate === 'AVG' || aggregate === 'MIN' || aggregate === 'MAX';
  if (needs && !isGiven(value)) throw badInput(path, `aggregate ${aggregate} needs the numeric event property it reads ('property')`);
  if (!needs && isGiven(value)) throw badInput(path, `aggregate ${aggregate} takes no 'property'; only SUM, AVG, MIN and MAX do`);
  return needs ? checkKey(value, path, 'event property name') : null;
}

function validateWhere(value: unknown, path: string): readonly PropertyCondition[] {
  if (!isGiven(value)) return [];
  if (!Array.isArray(value)) throw badInput(path, `where must be an array of property conditions, got ${show(value)}`);
  if (value.length > FILTER_LIMITS.maxConditions) throw badInput(path, `where takes at most ${FILTER_LIMITS.maxConditions} conditions`);
  return value.map((c, i) => validatePropertyCondition(c, `${path}.${i}`));
}

function validatePropertyCondition(input: unknown, path: string): PropertyCondition {
  const c = inputObject(input, path, 'event property condition', PROPERTY_FIELDS);
  const property = checkKey(c.property, path, 'event property name');
  const operator = checkOperator(c.operator, path);
  const type = inferPropertyType(operator, c.value, path);
  const subject = `event property '${property}' compared as ${type}`;
  const condition = type === 'ANY'
    ? checkCondition(operator, c.value, 'STRING', path, subject)
    : checkCondition(operator, c.value, type, path, subject);
  return { property, type, ...condition };
}

function validateWindow(value: unknown, path: string): TimeWindow {
  const w = inputObject(value, path, 'window', WINDOW_FIELDS);
  const range = isGiven(w.from) || isGiven(w.to);
  if (isGiven(w.lastDays) && range) throw badInput(path, 'window takes either lastDays or from/to, not both');
  if (isGiven(w.lastDays)) return { kind: 'lastDays', days: checkDays(w.lastDays, path, 'window lastDays') };
  if (!range) throw badInput(path, 'window needs lastDays, or from and/or to');
  const from = isGiven(w.from) ? checkDate(w.from, path, 'window from') : null;
  const to = isGiven(w.to) ? checkDate(w.to, path, 'window to') : null;
  if (from && to && from.getTime() > to.getTime()) throw badInput(path, 'window from must not be after to');
  return { kind: 'range', from, to };
}
