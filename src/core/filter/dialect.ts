/**
 * MariaDB (10.11) details of the filter compiler: collations, LIKE escaping, JSON access and
 * time thresholds. Everything else in the compiler is dialect-neutral SQL.
 */
import { ATTRIBUTE_KEY_PATTERN } from '../catalog';
import { SqlFragment } from './filter-tree';
import { param, raw, sql } from './sql';

/** The collation of every text column: case- and accent-insensitive ("zurich" = "Zürich"). */
export const STRING_COLLATION = 'utf8mb4_unicode_520_ci';

/**
 * LIKE escape character. `!` rather than `\` because a backslash inside an SQL literal means
 * different things with and without NO_BACKSLASH_ESCAPES; with `ESCAPE '!'` a `\` in the
 * pattern is an ordinary character.
 */
export const LIKE_ESCAPE = '!';

/** A LIKE pattern matching `value` literally: `%`, `_` and the escape character are escaped. */
export function likePattern(value: string, position: 'contains' | 'prefix' | 'suffix'): string {
  const literal = value.replace(/[!%_]/g, (ch) => LIKE_ESCAPE + ch);
  switch (position) {
    case 'contains': return `%${literal}%`;
    case 'prefix': return `${literal}%`;
    case 'suffix': return `%${literal}`;
  }
}

/** `LIKE ? ESCAPE '!'` with the pattern as a parameter. */
export const likeClause = (pattern: string): SqlFragment => sql`LIKE ${param(pattern)} ESCAPE '${raw(LIKE_ESCAPE)}'`;

/**
 * JSON path of one top-level key, `$."key"`. MariaDB accepts the path of JSON_VALUE and
 * JSON_EXTRACT as a parameter (checked, also for server-side prepared statements), so the path
 * always travels as a parameter; the key pattern is checked again here as a second safety.
 */
export function jsonPath(key: string): string {
  if (!ATTRIBUTE_KEY_PATTERN.test(key)) throw new Error(`unsafe JSON key ${JSON.stringify(key)}`);
  return `$."${key}"`;
}

/** The JSON path of `key` as a parameter. */
const keyPath = (key: string): SqlFragment => param(jsonPath(key));

// The `…At` forms take the path as SQL (a parameter, or a per-row expression where the keys come
// from the document itself: the attribute_values writer); the key forms bind `$."key"`.

/** The JSON type name at `path` of `doc` (`STRING`, `INTEGER`, `DOUBLE`, `BOOLEAN`, …), `'NULL'` when absent or null. */
export const jsonTypeAt = (doc: SqlFragment, path: SqlFragment): SqlFragment =>
  sql`IFNULL(JSON_TYPE(JSON_EXTRACT(${doc}, ${path})), 'NULL')`;
export const jsonTypeOf = (doc: SqlFragment, key: string): SqlFragment => jsonTypeAt(doc, keyPath(key));

/** The scalar at `path` of `doc` as text (strings unquoted and unescaped; NULL for objects and arrays). */
export const jsonValueAt = (doc: SqlFragment, path: SqlFragment): SqlFragment => sql`JSON_VALUE(${doc}, ${path})`;
export const jsonValue = (doc: SqlFragment, key: string): SqlFragment => jsonValueAt(doc, keyPath(key));

/** The JSON text at `path` of `doc` (`true`, `"a"`, `[1]`), NULL when absent. */
export const jsonTextAt = (doc: SqlFragment, path: SqlFragment): SqlFragment => sql`JSON_EXTRACT(${doc}, ${path})`;
export const jsonText = (doc: SqlFragment, key: string): SqlFragment => jsonTextAt(doc, keyPath(key));

/**
 * JSON strings that count as dates: ISO-8601 UTC timestamps `YYYY-MM-DDTHH:mm:ss(.sss)?Z` and
 * dates `YYYY-MM-DD`. Matched under a binary collation because REGEXP follows the collation
 * (case-insensitive otherwise). Written without `?` so that the SQL text holds no question mark
 * but the placeholders (some client-side formatters do not skip string literals).
 * No CAST: a failed cast is a warning, which strict mode turns into an error in INSERT … SELECT.
 */
const ISO_DATE_REGEXP =
  '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{3}){0,1}Z){0,1}$';

/** Whether the JSON value at `path` of `doc` is a date string of one of the two accepted forms (TRUE/FALSE). */
export const jsonIsDateAt = (doc: SqlFragment, path: SqlFragment): SqlFragment =>
  sql`COALESCE(${jsonValueAt(doc, path)} COLLATE utf8mb4_bin REGEXP '${raw(ISO_DATE_REGEXP)}', FALSE)`;
export const jsonIsDate = (doc: SqlFragment, key: string): SqlFragment => jsonIsDateAt(doc, keyPath(key));

/**
 * The date at `path` of `doc` in the canonical form `YYYY-MM-DDTHH:mm:ss.sssZ`, compared as binary
 * text (canonical strings sort in time order). Only meaningful where `jsonIsDate` holds: the
 * missing time or milliseconds are filled in from `0000-00-00T00:00:00.000`.
 */
export function jsonCanonicalDateAt(doc: SqlFragment, path: SqlFragment): SqlFragment {
  const bare = sql`TRIM(TRAILING 'Z' FROM ${jsonValueAt(doc, path)})`;
  return sql`CONCAT(${bare}, SUBSTRING('0000-00-00T00:00:00.000', CHAR_LENGTH(${bare}) + 1), 'Z') COLLATE utf8mb4_bin`;
}
export const jsonCanonicalDate = (doc: SqlFragment, key: string): SqlFragment => jsonCanonicalDateAt(doc, keyPath(key));

/**
 * Whether a date string that `jsonIsDateAt` accepts is exactly one of the two forms and names a
 * day that exists, in the years a DATETIME holds (1000–9999, as `parseIsoDate` of written
 * values): the pattern lets 02-30 and 04-31 through, and its `$` also matches before a final
 * line feed ("2025-01-01\n"), which the length rules out. Pure arithmetic on the digits, so it
 * never warns (strict mode makes a warning of STR_TO_DATE an error in INSERT … SELECT).
 */
function existingDay(text: SqlFragment): SqlFragment {
  const y = sql`CAST(LEFT(${text}, 4) AS UNSIGNED)`;
  const m = sql`CAST(SUBSTRING(${text}, 6, 2) AS UNSIGNED)`;
  const d = sql`CAST(SUBSTRING(${text}, 9, 2) AS UNSIGNED)`;
  const leap = sql`(${y} % 4 = 0 AND (${y} % 100 <> 0 OR ${y} % 400 = 0))`;
  return sql`CHAR_LENGTH(${text}) IN (10, 20, 24) AND ${y} >= 1000 AND ${d} <= (CASE ${m} WHEN 2 THEN IF(${leap}, 29, 28) WHEN 4 THEN 30 WHEN 6 THEN 30 WHEN 9 THEN 30 WHEN 11 THEN 30 ELSE 31 END)`;
}

/**
 * The date at `path` of `doc` as a DATETIME(3) (UTC), NULL unless it is a date string of one of the
 * two accepted forms naming a day that exists. Never a warning, so safe in strict-mode
 * INSERT … SELECT (the attribute_values backfill).
 */
export const jsonExistingDateTimeAt = (doc: SqlFragment, path: SqlFragment): SqlFragment =>
  // Nested CASEs: the digits are read only once the pattern holds (AND does not promise an order).
  sql`(CASE WHEN ${jsonIsDateAt(doc, path)} THEN (CASE WHEN ${existingDay(jsonValueAt(doc, path))} THEN STR_TO_DATE(${jsonCanonicalDateAt(doc, path)}, '%Y-%m-%dT%H:%i:%s.%fZ') END) END)`;

/** The parameter a canonical JSON date is compared with. */
export const canonicalDateText = (date: Date): string => date.toISOString();

export const DAY_MS = 86_400_000;

/**
 * `now − days` as a Date. Rounded up to the next millisecond: stored times are whole
 * milliseconds, so `x ≥ t` and `x < t` for a fractional `t` are `x ≥ ceil(t)` and `x < ceil(t)`.
 */
export function daysBefore(now: Date, days: number): Date {
  return new Date(Math.ceil(now.getTime() - days * DAY_MS));
}

/**
 * The date at `doc.key` as a DATETIME(3), NULL where `jsonIsDate` does not hold (and for a
 * calendar-impossible date such as 02-30, which the pattern lets through: run statements that
 * use it without STRICT_TRANS_TABLES, where that is a NULL and a warning rather than an error).
 */
export const jsonDateTime = (doc: SqlFragment, key: string): SqlFragment =>
  sql`(CASE WHEN ${jsonIsDate(doc, key)} THEN STR_TO_DATE(${jsonCanonicalDate(doc, key)}, '%Y-%m-%dT%H:%i:%s.%fZ') END)`;
