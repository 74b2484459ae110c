/**
 * Writes attribute_values, the filter index of custom attributes (src/core/filter/attribute-values.ts),
 * always from the `attributes` JSON already written to the object rows, by one set-based
 * `INSERT … SELECT` over the rows' keys (`JSON_TABLE(JSON_KEYS(attributes))`). Upserts, deletes,
 * the migration's backfill, the benchmark generator and the test loader all go through here, so
 * the index follows the filter's typing rules whoever writes, and a value never travels twice.
 *
 * Callers run these in the transaction that writes the JSON (the rows are then locked already).
 */
import { CATALOG } from '../core/catalog';
import { OBJECT_TYPE_CODE, ObjectType } from '../core/object-types';
import { ATTRIBUTE_VALUES_TABLE, typedValueColumns, VALUE_COLUMN } from '../core/filter/attribute-values';
import { raw } from '../core/filter/sql';
import { marks } from './sql-helpers';

type Query = (sql: string, params?: unknown[]) => Promise<unknown>;

/** Keys the filter can name (ATTRIBUTE_KEY_PATTERN); a key outside it could not be filtered on, so it gets no row. */
const KEY_REGEXP = '^[A-Za-z_][A-Za-z0-9_]{0,63}$';

/**
 * `INSERT INTO attribute_values … SELECT` the value rows of the rows of `type`'s table matching
 * `where` (over alias `o`, with `params`), limited to `keys` when given. The key column is binary
 * (keys are case-sensitive, as in JSON); the path is built from it, never from input.
 */
function insertRows(type: ObjectType, where: string, params: unknown[], keys?: readonly string[]): { sql: string; params: unknown[] } {
  const { columns, present } = typedValueColumns(raw('o.attributes'), raw(`CONCAT('$."', k.attr_key, '"')`));
  const types = Object.keys(VALUE_COLUMN) as Array<keyof typeof VALUE_COLUMN>;
  const keyFilter = keys ? ` AND k.attr_key IN (${marks(keys)})` : '';
  const sql = `INSERT INTO ${ATTRIBUTE_VALUES_TABLE} (workspace_id, object_type, object_id, attr_key, ${types.map((t) => VALUE_COLUMN[t]).join(', ')})
    SELECT o.workspace_id, ?, o.id, k.attr_key, ${types.map((t) => columns[t].sql).join(', ')}
    FROM ${CATALOG[type].table} o
    JOIN JSON_TABLE(JSON_KEYS(o.attributes), '$[*]' COLUMNS (attr_key VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$')) k
    WHERE ${where}${keyFilter} AND k.attr_key REGEXP '${KEY_REGEXP}' AND ${present.sql}`;
  // The typed columns and `present` take no parameters (their path is SQL); checked here.
  if (types.some((t) => columns[t].params.length) || present.params.length) throw new Error('attribute value columns must not bind parameters');
  return { sql, params: [OBJECT_TYPE_CODE[type], ...params, ...(keys ?? [])] };
}

/**
 * Adds the value rows of objects that have none yet (just created). Throws on a duplicate row,
 * which would mean the index was out of step.
 */
export async function insertAttributeValues(query: Query, type: ObjectType, workspaceId: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const q = insertRows(type, `o.workspace_id = ? AND o.id IN (${marks(ids)})`, [workspaceId, ...ids]);
  await query(q.sql, q.params);
}

/** Removes the value rows of objects (all their keys, or only `keys`). */
export async function deleteAttributeValues(query: Query, type: ObjectType, workspaceId: string, ids: readonly string[], keys?: readonly string[]): Promise<void> {
  if (ids.length === 0 || keys?.length === 0) return;
  const keyFilter = keys ? ` AND attr_key IN (${marks(keys)})` : '';
  await query(
    `DELETE FROM ${ATTRIBUTE_VALUES_TABLE} WHERE workspace_id = ? AND object_type = ? AND object_id IN (${marks(ids)})${keyFilter}`,
    [workspaceId, OBJECT_TYPE_CODE[type], ...ids, ...(keys ?? [])],
  );
}

/**
 * Rewrites the value rows of existing objects from their JSON: for `keys` only when given (the
 * keys a write changed, on any of the objects), else for all of them.
 */
export async function rewriteAttributeValues(query: Query, type: ObjectType, workspaceId: string, ids: readonly string[], keys?: readonly string[]): Promise<void> {
  if (ids.length === 0 || keys?.length === 0) return;
  await deleteAttributeValues(query, type, workspaceId, ids, keys);
  const q = insertRows(type, `o.workspace_id = ? AND o.id IN (${marks(ids)})`, [workspaceId, ...ids], keys);
  await query(q.sql, q.params);
}

/**
 * Fills attribute_values from the JSON of every row of `type`'s table (all workspaces) whose id is
 * in [fromId, toId], in chunks of `chunk` ids, one statement each (no transaction of its own: with
 * autocommit each chunk commits). For tables whose rows have no value rows yet (migration,
 * generated benchmark data); `onChunk` reports progress. Returns the rows inserted.
 */
export async function backfillAttributeValues(
  query: Query,
  type: ObjectType,
  options: { readonly chunk?: number; readonly onChunk?: (rows: number) => void } = {},
): Promise<number> {
  const table = CATALOG[type].table;
  const [range] = (await query(`SELECT MIN(id) AS lo, MAX(id) AS hi FROM ${table}`)) as Array<{ lo: string | null; hi: string | null }>;
  if (range.lo === null || range.hi === null) return 0;
  const chunk = BigInt(options.chunk ?? 50_000);
  let rows = 0;
  for (let from = BigInt(range.lo); from <= BigInt(range.hi); from += chunk) {
    const q = insertRows(type, 'o.id BETWEEN ? AND ?', [String(from), String(from + chunk - 1n)]);
    const result = (await query(q.sql, q.params)) as { affectedRows?: number } | undefined;
    const n = result?.affectedRows ?? 0;
    rows += n;
    options.onChunk?.(n);
  }
  return rows;
}
