/**
 * `attribute_values`: the filter index of custom attributes. The `attributes` JSON column stays
 * the record (reads, key-by-key merges); beside it, one row per object and key whose JSON value
 * the filter can read, with the value in the column of its type, so that a condition on a custom
 * attribute is one index range instead of parsing every row's JSON (BENCHMARKS.md, "Custom
 * attribute storage").
 *
 * The typing rules are those of `jsonOperand` (operand.ts), written once here for the writer
 * (src/db/attribute-values.ts): a JSON number is a NUMBER, true/false a BOOLEAN, a non-empty string a
 * STRING, and a string in one of the two ISO date forms naming a day that exists also a DATE (the
 * same row then holds `str_value` and `date_value`). Anything else (null, arrays, objects, '')
 * has no row: it is missing for every type.
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

/**
 * The typed columns of the JSON value at `path` of `doc`, in the order of `VALUE_COLUMN`'s keys
 * (str, num, date, bool), and `present`: whether the value has a row at all (TRUE/FALSE). Every
 * expression is free of warnings for any JSON value, so it is safe in strict-mode INSERT … SELECT.
 */
export function typedValueColumns(doc: SqlFragment, path: SqlFragment): { readonly columns: Record<FieldType, SqlFragment>; readonly present: SqlFragment } {
  const type = jsonTypeAt(doc, path);
  const value = jsonValueAt(doc, path);
  // `<> ''` in the JSON's own collation, exactly as jsonOperand tells an empty string from a present one.
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
