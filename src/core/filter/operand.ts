/**
 * Operands: what a condition compares. Each says how to read its value and how to tell a missing
 * value (SQL NULL, absent JSON key, JSON null, a JSON value of another type, and for strings '')
 * from a present one, so that every compiled condition is TRUE or FALSE, never NULL.
 */
import { ATTRIBUTE_KEY_PATTERN, StandardField } from '../catalog';
import { assertNever, FieldType, OBJECT_TYPE_CODE } from '../object-types';
import { ATTRIBUTE_VALUES_TABLE, VALUE_COLUMN } from './attribute-values';
import { SqlFragment } from './filter-tree';
import {
  canonicalDateText, jsonCanonicalDate, jsonIsDate, jsonText, jsonTypeOf, jsonValue, STRING_COLLATION,
} from './dialect';
import { idSetMembership, param, raw, sql } from './sql';
import { Scope } from './scope';

export interface Operand {
  /** The value, comparable with parameters of its type; never NULL where `present` holds. */
  readonly value: SqlFragment;
  /**
   * TRUE/FALSE: the value is not missing. `null`: the value is NULL exactly when it is missing
   * (aggregates), and comparisons are made two-valued with COALESCE instead.
   */
  readonly present: SqlFragment | null;
  /** How a DATE value is passed: a Date for DATETIME columns, canonical text for JSON dates. */
  readonly dateParam: (date: Date) => Date | string;
  /**
   * When set, how "the value is present and `comparison` holds" is written instead of
   * `(present AND comparison)`: the operand lives in another table's row (custom attributes in
   * attribute_values), so the whole test is a set membership or a lookup. TRUE/FALSE.
   */
  readonly holds?: (comparison: SqlFragment) => SqlFragment;
  /** The value is a stored 0/1 column (never another number), so `= TRUE` is IS TRUE and can use an index. */
  readonly storedBoolean?: boolean;
}

const asDate = (date: Date): Date => date;

/** A standard column of the row aliased `alias`. A STRING column is missing when NULL or ''. */
export function columnOperand(alias: string, field: StandardField): Operand {
  const column = raw(`${alias}.${field.column}`);
  const present = field.type === 'STRING'
    ? sql`${column} IS NOT NULL AND ${column} <> ''`
    : sql`${column} IS NOT NULL`;
  return { value: column, present, dateParam: asDate };
}

/** A value that is NULL exactly when missing (a scalar subquery, an aggregate). */
export function nullableOperand(value: SqlFragment): Operand {
  return { value, present: null, dateParam: asDate };
}

/**
 * Custom attribute `key` of the row `scope.alias`, read as `type` from its row in attribute_values
 * (one index range; see attribute-values.ts for the typing rules, which are jsonOperand's). A
 * missing value has no row, or NULL in the column of `type`, so the test is membership in the
 * set of objects with a matching row: over a whole table (`scope.form === 'set'`) `o.id IN
 * (SELECT v.object_id …)`, which MariaDB runs as a semi-join (and its negation as one anti-join,
 * never a NOT EXISTS per row); for a few rows the comparison on the object's own row, found by
 * primary key, `COALESCE((SELECT <comparison> … v.object_id = o.id …), FALSE)`.
 */
export function attributeValueOperand(scope: Scope, key: string, type: FieldType): Operand {
  if (!ATTRIBUTE_KEY_PATTERN.test(key)) throw new Error(`unsafe attribute key ${JSON.stringify(key)}`);
  const v = scope.nextAlias('v');
  const o = scope.alias;
  const value = raw(`${v}.${VALUE_COLUMN[type]}`);
  const rows = sql`FROM ${raw(ATTRIBUTE_VALUES_TABLE)} ${raw(v)} WHERE ${raw(v)}.workspace_id = ${param(scope.workspaceId)} AND ${raw(v)}.object_type = ${param(OBJECT_TYPE_CODE[scope.objectType])}`;
  const holds = scope.form === 'set'
    // An id set: the primary key (…, object_id, attr_key) holds one row per object and key.
    ? (comparison: SqlFragment) => idSetMembership(o, sql`SELECT ${raw(v)}.object_id ${rows} AND ${raw(v)}.attr_key = ${param(key)} AND ${comparison}`, 'object_id', true)
    // At most one row (the primary key), read per object: a scalar subquery, which MariaDB never
    // turns into a semi-join (an EXISTS here is, and with 1,000 restricted ids or more, when the IN
    // list becomes a table, a NOT EXISTS materialised the key's whole range: 10 s instead of 0.1 s).
    : (comparison: SqlFragment) => sql`COALESCE((SELECT ${comparison} ${rows} AND ${raw(v)}.object_id = ${raw(o)}.id AND ${raw(v)}.attr_key = ${param(key)}), FALSE)`;
  return { value, present: sql`${value} IS NOT NULL`, dateParam: asDate, holds, storedBoolean: type === 'BOOLEAN' };
}

/**
 * The value at key `key` of the JSON document `doc` (custom attributes, event properties), read
 * as `type`: only a JSON value of that type counts (a JSON number for NUMBER, true/false for
 * BOOLEAN, a non-empty string for STRING, an ISO date string for DATE); anything else is missing.
 */
export function jsonOperand(doc: SqlFragment, key: string, type: FieldType): Operand {
  switch (type) {
    case 'STRING': return {
      value: sql`${jsonValue(doc, key)} COLLATE ${raw(STRING_COLLATION)}`,
      present: sql`${jsonTypeOf(doc, key)} = 'STRING' AND ${jsonValue(doc, key)} <> ''`,
      dateParam: asDate,
    };
    case 'NUMBER': return {
      value: sql`CAST(${jsonValue(doc, key)} AS DOUBLE)`,
      present: sql`${jsonTypeOf(doc, key)} IN ('INTEGER', 'DOUBLE')`,
      dateParam: asDate,
    };
    case 'BOOLEAN': return {
      value: sql`(${jsonText(doc, key)} = 'true')`,
      present: sql`${jsonTypeOf(doc, key)} = 'BOOLEAN'`,
      dateParam: asDate,
    };
    case 'DATE': return {
      value: jsonCanonicalDate(doc, key),
      present: jsonIsDate(doc, key),
      dateParam: canonicalDateText,
    };
    default: return assertNever(type, 'field type');
  }
}

/**
 * Whether `doc.key` is set whatever its type (event property IS_SET): present, not JSON null,
 * and not ''. TRUE/FALSE.
 */
export const jsonPresence = (doc: SqlFragment, key: string): SqlFragment =>
  sql`(CASE ${jsonTypeOf(doc, key)} WHEN 'NULL' THEN FALSE WHEN 'STRING' THEN ${jsonValue(doc, key)} <> '' ELSE TRUE END)`;
