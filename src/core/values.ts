/**
 * Checking and normalising written values: custom attribute values by their type, and the
 * limits on text. Pure; throws BAD_USER_INPUT naming the path of the bad value.
 */
import { badInput } from './errors';
import { FieldType } from './object-types';
import { ATTRIBUTE_KEY_PATTERN } from './catalog';

export const MAX_TEXT = 1000;
export const MAX_EXTERNAL_ID = 255;

/** The type a key gets from its first value (SEMANTICS.md): number, boolean, else STRING. */
export function inferFieldType(value: unknown): FieldType {
  if (typeof value === 'number') return 'NUMBER';
  if (typeof value === 'boolean') return 'BOOLEAN';
  return 'STRING';
}

/** Canonical UTC form of a DATE: `YYYY-MM-DDTHH:mm:ss.sssZ` (sorts in time order as text). */
export function canonicalDate(value: unknown, path: string): string {
  const date = parseIsoDate(value);
  if (!date) throw badInput(path, `expected an ISO-8601 date or date-time string such as 2026-01-31 or 2026-01-31T12:00:00Z, got ${describe(value)}`);
  return date.toISOString();
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parses an ISO-8601 date (UTC midnight) or date-time (UTC unless it names an offset); null
 * otherwise, also for a day or time that does not exist (2026-02-30, 24:00), which JavaScript's
 * Date would silently move to the next month or day.
 */
export function parseIsoDate(value: unknown): Date | null {
  const m = typeof value === 'string' ? ISO.exec(value.trim()) : null;
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((part) => Number(part ?? 0));
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  let text = (value as string).trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) text += 'T00:00:00Z';
  else if (!/(Z|[+-]\d{2}:?\d{2})$/.test(text)) text += 'Z';
  const date = new Date(text.replace(' ', 'T'));
  const year = date.getUTCFullYear();
  return Number.isNaN(date.getTime()) || year < 1000 || year > 9999 ? null : date;
}

/** Checks a custom attribute value against its type; returns the value to store. */
export function coerceAttributeValue(type: FieldType, value: unknown, path: string): string | number | boolean {
  switch (type) {
    case 'STRING':
      if (typeof value !== 'string') throw badInput(path, `attribute is STRING, got ${describe(value)}`);
      return checkText(value, path);
    case 'NUMBER':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw badInput(path, `attribute is NUMBER, got ${describe(value)}`);
      return value;
    case 'BOOLEAN':
      if (typeof value !== 'boolean') throw badInput(path, `attribute is BOOLEAN, got ${describe(value)}`);
      return value;
    case 'DATE':
      return canonicalDate(value, path);
  }
}

/** A text of at most MAX_TEXT characters (code points, as MySQL counts them). */
export function checkText(value: string, path: string, max = MAX_TEXT): string {
  if ([...value].length > max) throw badInput(path, `must be at most ${max} characters`);
  return value;
}

export function checkAttributeKey(key: string, path: string): string {
  if (!ATTRIBUTE_KEY_PATTERN.test(key)) {
    throw badInput(path, `attribute key '${key.slice(0, 80)}' must start with a letter or _ and hold only letters, digits and _ (at most 64)`);
  }
  return key;
}

/** Attributes input: a JSON object of key to scalar or null (null removes the key). */
export function checkAttributesShape(value: unknown, path: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badInput(path, `attributes must be a JSON object of key to value, got ${describe(value)}`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    checkAttributeKey(key, `${path}.${key.slice(0, 64)}`);
    if (v !== null && typeof v === 'object') throw badInput(`${path}.${key}`, 'attribute values must be a string, number, boolean or null');
    if (typeof v === 'number' && !Number.isFinite(v)) throw badInput(`${path}.${key}`, 'numbers must be finite');
    out[key] = v;
  }
  return out;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string "${value.slice(0, 40)}${value.length > 40 ? '…' : ''}"`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
