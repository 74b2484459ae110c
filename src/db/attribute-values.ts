/**
 * Writes attribute_values, the filter index of custom attributes (src/core/filter/attribute-values.ts).
 *
 * - The write path (`writeAttributeValues`): the service has each object's attributes before and
 *   after a write, so the rows of the keys that changed are computed in JS (`typedValue`) and
 *   written set-based: one multi-row upsert and one delete per batch. Callers run it in the
 *   transaction that writes the JSON; the test loader uses it too, so the filter tests check the
 *   write path's typing.
 * - From the JSON already in the tables (`backfillAttributeValues`, `reindexAttributeValues`): one
 *   `INSERT … SELECT` over the rows' keys (`JSON_TABLE(JSON_KEYS(attributes))`) with the same rules
 *   in SQL (`typedValueColumns`), for the migration, the benchmark generator and repairs.
 */
import { CATALOG } from '../core/catalog';
import { FieldType, OBJECT_TYPE_CODE, ObjectType } from '../core/object-types';
import { ATTRIBUTE_VALUES_TABLE, typedValue, typedValueColumns, VALUE_COLUMN } from '../core/filter/attribute-values';
import type { SqlFragment } from '../core/filter/filter-tree';
import { raw } from '../core/filter/sql';
import { marks } from './sql-helpers';

type Query = (sql: string, params?: unknown[]) => Promise<unknown>;

const TYPES = Object.keys(VALUE_COLUMN) as FieldType[];
const VALUE_COLUMNS = TYPES.map((t) => VALUE_COLUMN[t]);

/** Rows per statement: 8 parameters a row stays far below the 65,535 placeholders of a statement. */
const ROWS_PER_STATEMENT = 2000;

/** An object's attributes around a write: `before` absent for an object the write created. */
export interface AttributeChange {
  readonly id: string;
  readonly before?: Readonly<Record<string, unknown>>;
  readonly after: Readonly<Record<string, unknown>>;
}

/**
 * Brings the rows of the written objects in step with their new attributes: for every key whose
 * value changed (all keys of a created object), the new row is upserted, or the old one deleted
 * when the new value has none (removed with null, '', or no longer of a type the filter reads).
 * Keys that did not change are not touched.
 */
export async function writeAttributeValues(query: Query, type: ObjectType, workspaceId: string, changes: readonly AttributeChange[]): Promise<void> {
  const code = OBJECT_TYPE_CODE[type];
  const upserts: unknown[][] = [];
  const deletes = new Map<string, string[]>(); // key → object ids
  for (const { id, before, after } of changes) {
    for (const key of new Set([...Object.keys(before ?? {}), ...Object.keys(after)])) {
      const old = before?.[key];
      const value = after[key];
      if (before && old === value) continue;
      const row = typedValue(value);
      if (row) upserts.push([workspaceId, code, id, key, row.str, row.num, row.date, row.bool === null ? null : Number(row.bool)]);
      else if (before && typedValue(old)) deletes.set(key, [...(deletes.get(key) ?? []), id]);
    }
  }
  if (deletes.size) {
    const groups = [...deletes];
    await query(
      `DELETE FROM ${ATTRIBUTE_VALUES_TABLE} WHERE workspace_id = ? AND object_type = ? AND (${groups.map(([, ids]) => `(attr_key = ? AND object_id IN (${marks(ids)}))`).join(' OR ')})`,
      [workspaceId, code, ...groups.flatMap(([key, ids]) => [key, ...ids])],
    );
  }
  for (let i = 0; i < upserts.length; i += ROWS_PER_STATEMENT) {
    const part = upserts.slice(i, i + ROWS_PER_STATEMENT);
    await query(
      `INSERT INTO ${ATTRIBUTE_VALUES_TABLE} (workspace_id, object_type, object_id, attr_key, ${VALUE_COLUMNS.join(', ')})
       VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
       ON DUPLICATE KEY UPDATE ${VALUE_COLUMNS.map((c) => `${c} = VALUES(${c})`).join(', ')}`,
      part.flat(),
    );
  }
}

/** Removes the value rows of objects (deleted ones). */
export async function deleteAttributeValues(query: Query, type: ObjectType, workspaceId: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await query(
    `DELETE FROM ${ATTRIBUTE_VALUES_TABLE} WHERE workspace_id = ? AND object_type = ? AND object_id IN (${marks(ids)})`,
    [workspaceId, OBJECT_TYPE_CODE[type], ...ids],
  );
}

// ---------------------------------------------------------------------------------------------- from the JSON in SQL

/** Keys the filter can name (ATTRIBUTE_KEY_PATTERN); a key outside it could not be filtered on, so it gets no row. */
const KEY_REGEXP = '^[A-Za-z_][A-Za-z0-9_]{0,63}$';

/**
 * `INSERT INTO attribute_values … SELECT` the value rows of the rows of `type`'s table matching
 * `where` (over alias `o`, with `params`). The key comes from the document itself (binary: keys
 * are case-sensitive, as in JSON); the path is built from it, never from input.
 */
function insertFromJson(type: ObjectType, where: string, params: unknown[]): { sql: string; params: unknown[] } {
  const { columns, present } = typedValueColumns(raw('o.attributes'), raw(`CONCAT('$."', k.attr_key, '"')`));
  const sql = `INSERT INTO ${ATTRIBUTE_VALUES_TABLE} (workspace_id, object_type, object_id, attr_key, ${VALUE_COLUMNS.join(', ')})
    SELECT o.workspace_id, ?, o.id, k.attr_key, ${TYPES.map((t) => owned(columns[t])).join(', ')}
    FROM ${CATALOG[type].table} o
    JOIN JSON_TABLE(JSON_KEYS(o.attributes), '$[*]' COLUMNS (attr_key VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$')) k
    WHERE ${where} AND k.attr_key REGEXP '${KEY_REGEXP}' AND ${owned(present)}`;
  return { sql, params: [OBJECT_TYPE_CODE[type], ...params] };
}

/** The text of a fragment that binds no parameter (the typed columns read their path from SQL); checked. */
function owned(fragment: SqlFragment): string {
  if (fragment.params.length) throw new Error('attribute value expressions must not bind parameters');
  return fragment.sql;
}

/**
 * Rebuilds the value rows of some objects from the JSON stored in their rows (for JSON written
 * by other means than the service: a repair, an older writer).
 */
export async function reindexAttributeValues(query: Query, type: ObjectType, workspaceId: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await deleteAttributeValues(query, type, workspaceId, ids);
  const q = insertFromJson(type, `o.workspace_id = ? AND o.id IN (${marks(ids)})`, [workspaceId, ...ids]);
  await query(q.sql, q.params);
}

/**
 * Fills attribute_values from the JSON of every row of `type`'s table (all workspaces), in chunks
 * of `chunk` ids (default 50,000), one statement each, with no transaction of its own: with
 * autocommit each chunk commits. For tables whose rows have no value rows yet (the migration,
 * generated benchmark data). `onChunk` reports the rows of each chunk. Returns the rows inserted.
 */
export async function backfillAttributeValues(
  query: Query,
  type: ObjectType,
  options: { readonly chunk?: number; readonly onChunk?: (rows: number) => void } = {},
): Promise<number> {
  const table = CATALOG[type].table;
  const [range] = (await query(`SELECT CAST(MIN(id) AS CHAR) AS lo, CAST(MAX(id) AS CHAR) AS hi FROM ${table}`)) as Array<{ lo: string | null; hi: string | null }>;
  if (range.lo === null || range.hi === null) return 0;
  const chunk = BigInt(options.chunk ?? 50_000);
  let rows = 0;
  for (let from = BigInt(range.lo); from <= BigInt(range.hi); from += chunk) {
    const q = insertFromJson(type, 'o.id BETWEEN ? AND ?', [String(from), String(from + chunk - 1n)]);
    const result = (await query(q.sql, q.params)) as { affectedRows?: number } | undefined;
    const n = result?.affectedRows ?? 0;
    rows += n;
    options.onChunk?.(n);
  }
  return rows;
}
