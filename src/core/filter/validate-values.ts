/**
 * Checks on the plain values of a filter input: objects, strings, numbers, dates, days. Each
 * throws BAD_USER_INPUT at the given path, saying what is allowed there.
 */
import { ATTRIBUTE_KEY_PATTERN } from '../catalog';
import { badInput } from '../errors';

export const FILTER_LIMITS = {
  /** Nesting depth of nodes (the root is 1; and/or/not/related children add one). */
  maxDepth: 10,
  /** Leaf nodes (attribute, event, tag, list, segment) in one filter. */
  maxConditions: 200,
  /** Values of an IN / NOT_IN list. */
  maxListValues: 1000,
  /** Characters of any string (values, names, tags, ids). */
  maxStringLength: 1000,
  /** WITHIN_LAST_DAYS / MORE_THAN_DAYS_AGO / lastDays: about 1000 years, so `now − n` stays a valid DATETIME. */
  maxDays: 365_000,
} as const;

export type InputObject = Readonly<Record<string, unknown>>;

/** A short, safe rendering of a client value for a message (never huge). */
export function show(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value instanceof Date) return `the date ${Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()}`;
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 60)}…` : value}'`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/** A plain object whose keys are all in `allowed`. */
export function inputObject(value: unknown, path: string, what: string, allowed: readonly string[]): InputObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Date) {
    throw badInput(path, `${what} must be an object, got ${show(value)}`);
  }
  const unknown = Object.keys(value).find((k) => !allowed.includes(k));
  if (unknown !== undefined) {
    throw badInput(path, `${what} has no field ${show(unknown)}; allowed: ${allowed.join(', ')}`);
  }
  return value as InputObject;
}

/** Whether a field of an input object is given (GraphQL delivers explicit nulls; they count as absent). */
export const isGiven = (value: unknown): boolean => value !== undefined && value !== null;

/** A string of at most `maxStringLength` characters (code points, as MariaDB counts them). */
export function checkString(value: unknown, path: string, what: string): string {
  if (typeof value !== 'string') throw badInput(path, `${what} must be a string, got ${show(value)}`);
  const max = FILTER_LIMITS.maxStringLength;
  if (value.length > max && (value.length > 2 * max || [...value].length > max)) {
    throw badInput(path, `${what} must be at most ${max} characters`);
  }
  return value;
}

/** A custom attribute key or event property name: letters, digits and _, at most 64, not starting with a digit. */
export function checkKey(value: unknown, path: string, what: string): string {
  const key = checkString(value, path, what);
  if (!ATTRIBUTE_KEY_PATTERN.test(key)) {
    throw badInput(path, `${what} ${show(key)} must start with a letter or _ and hold only letters, digits and _ (at most 64 characters)`);
  }
  return key;
}

export function checkNumber(value: unknown, path: string, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw badInput(path, `${what} must be a finite number, got ${show(value)}`);
  return value;
}

/** A positive finite number of days (fractions allowed), at most `maxDays`. */
export function checkDays(value: unknown, path: string, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > FILTER_LIMITS.maxDays) {
    throw badInput(path, `${what} must be a positive number of days (at most ${FILTER_LIMITS.maxDays}), got ${show(value)}`);
  }
  return value;
}

export function checkBoolean(value: unknown, path: string, what: string, fallback: boolean): boolean {
  if (!isGiven(value)) return fallback;
  if (typeof value !== 'boolean') throw badInput(path, `${what} must be true or false, got ${show(value)}`);
  return value;
}

/** An id: a string (or a safe integer, as JSON may hold it) of at most `maxStringLength` characters. */
export function checkId(value: unknown, path: string, what: string): string {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return checkString(value, path, what);
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * An ISO-8601 date (`2026-01-31`, UTC midnight) or date-time (`2026-01-31T12:00:00Z`, UTC
 * unless it names an offset) in the years 1000–9999, or a valid Date (the DateTime scalar).
 */
export function checkDate(value: unknown, path: string, what: string): Date {
  const date = value instanceof Date ? value : parseIsoDate(value);
  const year = date ? date.getUTCFullYear() : NaN;
  if (!date || Number.isNaN(date.getTime()) || year < 1000 || year > 9999) {
    throw badInput(path, `${what} must be an ISO-8601 date or date-time such as 2026-01-31 or 2026-01-31T12:00:00Z, got ${show(value)}`);
  }
  return date;
}

/** Whether `value` is a string `checkDate` accepts. */
export const isIsoDateString = (value: unknown): value is string => typeof value === 'string' && parseIsoDate(value) !== null;

function parseIsoDate(value: unknown): Date | null {
  if (typeof value !== 'string' || value.length > 40) return null;
  const m = ISO_DATE.exec(value);
  if (!m) return null;
  const [, y, mo, d, h = '00', mi = '00', s = '00', zone] = m;
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (day.getUTCMonth() !== Number(mo) - 1 || day.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    return null;
  }
  const text = m[4] === undefined ? `${y}-${mo}-${d}T00:00:00Z` : value.replace(' ', 'T') + (zone ? '' : 'Z');
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}
