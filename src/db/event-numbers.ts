/**
 * Writes event_numbers (src/core/filter/event-numbers.ts), always from events rows already
 * written, by one set-based `INSERT … SELECT` over their top-level keys
 * (`JSON_TABLE(JSON_KEYS(properties))`). Event ingestion, the migration's backfill, the benchmark
 * generator and the test loader all go through here, so the rows follow the filter's typing rule
 * whoever writes them.
 *
 * Deleting an event deletes its rows (foreign key ON DELETE CASCADE, whatever deletes it); the
 * only change of an event's row, a deleted product (`product_id` set to NULL), is mirrored by
 * `clearEventNumbersProduct`.
 */
import { EVENT_NUMBERS_TABLE, jsonNumberAt } from '../core/filter/event-numbers';
import { raw } from '../core/filter/sql';
import { marks } from './sql-helpers';

type Query = (sql: string, params?: unknown[]) => Promise<unknown>;

/** Keys the filter can name (ATTRIBUTE_KEY_PATTERN); a key outside it could not be aggregated, so it gets no row. */
const KEY_REGEXP = '^[A-Za-z_][A-Za-z0-9_]{0,63}$';

/**
 * A JSON number inside an object always follows a `:` (JSON whitespace between): properties
 * whose text has no such place hold no number and skip the JSON parse (JSON_KEYS costs ~4 µs an
 * event; on the benchmark's 10M events only 11 % pass). A string like "a:1" passes too; the
 * typing rule decides.
 */
const MAY_HOLD_NUMBER = ':[[:space:]]*[-0-9]';

/**
 * `INSERT INTO event_numbers … SELECT` the number rows of the events `e` matching `where`. The key
 * column of JSON_TABLE is wider than any key the filter can name (a longer key is cut to 255
 * characters with a warning, and then fails the pattern); the path is built from the key only
 * once the key matched the pattern (CASE: AND promises no order), so no key can break it.
 */
function insertRows(where: string, params: unknown[]): { sql: string; params: unknown[] } {
  const path = raw(`CONCAT('$."', k.prop_key, '"')`);
  const number = jsonNumberAt(raw('e.properties'), path);
  if (number.present.params.length || number.value.params.length) throw new Error('event number columns must not bind parameters');
  const sql = `INSERT INTO ${EVENT_NUMBERS_TABLE} (event_id, prop_key, workspace_id, user_id, product_id, name, occurred_at, num_value)
    SELECT e.id, k.prop_key, e.workspace_id, e.user_id, e.product_id, e.name, e.occurred_at, ${number.value.sql}
    FROM events e
    JOIN JSON_TABLE(JSON_KEYS(e.properties), '$[*]' COLUMNS (prop_key VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$')) k
    WHERE ${where} AND e.properties REGEXP '${MAY_HOLD_NUMBER}'
      AND (CASE WHEN k.prop_key REGEXP '${KEY_REGEXP}' THEN ${number.present.sql} ELSE FALSE END)`;
  return { sql, params };
}

/**
 * Adds the number rows of the events a batch just inserted: those of `workspaceId` created at
 * `createdAt` with an id from `fromEventId` (the first id the batch's INSERT generated, its
 * `insertId`) on. Run it in the inserting transaction at READ COMMITTED: the search is then a
 * consistent read without locks (at REPEATABLE READ, `INSERT … SELECT` would lock the range up to
 * the end of `events` and hold up every concurrent ingestion until commit). It may also meet
 * events that other transactions committed meanwhile in the same millisecond (auto-increment ids
 * of concurrent inserts can interleave); those already have their rows, which `NOT EXISTS`
 * skips. Returns the rows inserted.
 */
export async function insertEventNumbers(query: Query, batch: { readonly workspaceId: string; readonly fromEventId: string; readonly createdAt: Date }): Promise<number> {
  const q = insertRows(
    `e.workspace_id = ? AND e.id >= ? AND e.created_at = ? AND NOT EXISTS (SELECT 1 FROM ${EVENT_NUMBERS_TABLE} x WHERE x.event_id = e.id)`,
    [batch.workspaceId, batch.fromEventId, batch.createdAt],
  );
  const result = (await query(q.sql, q.params)) as { affectedRows?: number } | undefined;
  return result?.affectedRows ?? 0;
}

/**
 * Fills event_numbers from every event (all workspaces) with an id in [MIN(id), MAX(id)], in
 * chunks of `chunk` ids, one statement each (no transaction of its own: with autocommit each
 * chunk commits). For events that have no rows yet (the migration, generated benchmark data);
 * `onChunk` reports each chunk's rows inserted and ids covered. Returns the rows inserted.
 */
export async function backfillEventNumbers(
  query: Query,
  options: { readonly chunk?: number; readonly onChunk?: (rows: number, ids: number) => void } = {},
): Promise<number> {
  const [range] = (await query('SELECT MIN(id) AS lo, MAX(id) AS hi FROM events')) as Array<{ lo: string | null; hi: string | null }>;
  if (range.lo === null || range.hi === null) return 0;
  const chunk = BigInt(options.chunk ?? 200_000);
  let rows = 0;
  for (let from = BigInt(range.lo); from <= BigInt(range.hi); from += chunk) {
    const q = insertRows('e.id BETWEEN ? AND ?', [String(from), String(from + chunk - 1n)]);
    const result = (await query(q.sql, q.params)) as { affectedRows?: number } | undefined;
    const n = result?.affectedRows ?? 0;
    rows += n;
    options.onChunk?.(n, Number(chunk));
  }
  return rows;
}

/**
 * Mirrors `UPDATE events SET product_id = NULL` for deleted products; run it before that update,
 * which it finds the rows through (events' product index, then event_numbers by primary key).
 */
export async function clearEventNumbersProduct(query: Query, workspaceId: string, productIds: readonly string[]): Promise<void> {
  if (productIds.length === 0) return;
  await query(
    `UPDATE events e JOIN ${EVENT_NUMBERS_TABLE} n ON n.event_id = e.id SET n.product_id = NULL
     WHERE e.workspace_id = ? AND e.product_id IN (${marks(productIds)})`,
    [workspaceId, ...productIds],
  );
}
