/**
 * `attribute_values`: the filter index of custom attributes. The `attributes` JSON column stays
 * the record (reads, key-by-key merges); beside it, one row per object and key whose JSON value
 * the filter can read, with the value in the column of its type, so that a condition on a custom
 * attribute is one index range instead of parsing every row's JSON (BENCHMARKS.md, "Custom
 * attribute storage").
 *
 * The typing rules (those `jsonOperand` reads JSON with): a JSON number is a NUMBER, true/false a
 * BOOLEAN, a non-empty string a STRING, and a string in one of the two ISO date forms
 * (`YYYY-MM-DD`, `YYYY-MM-DDTHH:mm:ss(.sss)Z`) naming a day that exists also a DATE, the same
 * row then holding `str_value` and `date_value`. Anything else (null, arrays, objects, '') has no
 * row: it is missing for every type. "Empty" is as the database compares strings (PAD SPACE):
 * a string of spaces only is empty.
 *
 * They are written twice, on purpose: `typedValue` in JS for the write path (the service knows
 * each written value; computing rows in SQL from the JSON again cost as much as the inserts), and
 * `typedValueColumns` in SQL for rows that only the database has (the migration's backfill, the
 * benchmark generator). tests/integration/attribute-values.spec.ts holds both to the same rows.
 */
import { FieldType } from '../object-types';
import { SqlFragment } from './filter-tree';
import { jsonExistingDateTimeAt, jsonTextAt, jsonTypeAt, jsonValueAt } from './dialect';
import { sql } from './sql';

export const ATTRIBUTE_VALUES_TABLE = 'attribute_values';

/** The column holding a value of each type (NULL when the value is not of that type). */
export const VALUE_COLUMN: Readonly<Record<FieldType, string>> = {
  STRING: 'str_value',
  NUMBER: 'num_value',
  DATE: 'date_value',
  BOOLEAN: 'bool_value',
};

/** One value's row, by type; at least one is non-null. */
export interface TypedValue {
  readonly str: string | null;
  readonly num: number | null;
  readonly date: Date | null;
  readonly bool: boolean | null;
}

const ISO_DATE = /^([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{3})?Z)?$/;

/** The instant of a string in one of the two ISO date forms naming a day that exists (years 1000–9999); null otherwise. */
export function isoDateOf(text: string): Date | null {
  const m = ISO_DATE.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(Date.UTC(2000, mo - 1, d));
  day.setUTCFullYear(y);
  if (y < 1000 || day.getUTCDate() !== d) return null;
  return new Date(m[4] ? text : `${text}T00:00:00.000Z`);
}

/** The row of one JSON attribute value, or null when it is missing for every type. */
export function typedValue(value: unknown): TypedValue | null {
  switch (typeof value) {
    case 'number': return Number.isFinite(value) ? { str: null, num: value, date: null, bool: null } : null;
    case 'boolean': return { str: null, num: null, date: null, bool: value };
    case 'string': return /[^ ]/.test(value) ? { str: value, num: null, date: isoDateOf(value), bool: null } : null;
    default: return null;
  }
}

/**
 * The same rules in SQL: the typed columns of the JSON value at `path` of `doc`, and `present`:
 * whether the value has a row at all (TRUE/FALSE). Every expression is free of warnings for any
 * JSON value, so it is safe in strict-mode INSERT … SELECT.
 */
export function typedValueColumns(doc: SqlFragment, path: SqlFragment): { readonly columns: Record<FieldType, SqlFragment>; readonly present: SqlFragment } {
  const type = jsonTypeAt(doc, path);
  const value = jsonValueAt(doc, path);
  // `<> ''` in the JSON's own collation (utf8mb4_bin, PAD SPACE), as jsonOperand tells an empty string from a present one.
  const nonEmptyString = sql`${type} = 'STRING' AND ${value} <> ''`;
  return {
    columns: {
      STRING: sql`(CASE WHEN ${nonEmptyString} THEN ${value} END)`,
      NUMBER: sql`(CASE WHEN ${type} IN ('INTEGER', 'DOUBLE') THEN CAST(${value} AS DOUBLE) END)`,
      DATE: jsonExistingDateTimeAt(doc, path),
      BOOLEAN: sql`(CASE WHEN ${type} = 'BOOLEAN' THEN ${jsonTextAt(doc, path)} = 'true' END)`,
    },
    // A DATE is a non-empty string, so these are exactly the values with some non-NULL column.
    present: sql`(${type} IN ('INTEGER', 'DOUBLE', 'BOOLEAN') OR (${nonEmptyString}))`,
  };
}
