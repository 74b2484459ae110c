/**
 * WHERE and ORDER BY clauses built from Agenda's option objects. Values are always `?`
 * parameters; column names come only from the fixed maps below.
 */
import type { JobsQueryOptions, JobsSort, RemoveJobsOptions } from './agenda-types';
import { parseJobId, toDate } from './job-row';
import type { SqlFragment } from './sql';

const NEVER: SqlFragment = { sql: '0 = 1', params: [] };

function and(parts: SqlFragment[]): SqlFragment {
  return { sql: parts.map(p => `(${p.sql})`).join(' AND '), params: parts.flatMap(p => p.params) };
}

function idsIn(ids: readonly unknown[]): SqlFragment {
  const valid = ids.map(parseJobId).filter((id): id is string => id !== undefined);
  return valid.length ? { sql: 'id IN (?)', params: [valid] } : NEVER;
}

/** `data` contains the given value (the MySQL analogue of Postgres `@>`). */
function dataContains(data: unknown): SqlFragment {
  return { sql: 'JSON_CONTAINS(data, ?)', params: [JSON.stringify(data)] };
}

/**
 * The filter of `removeJobs`, `disableJobs` and `enableJobs`. `id`/`ids`, `name`/`names`/
 * `notNames` and `data` (containment) are ANDed.
 *
 * @returns the condition, or undefined when the options name no criteria: an empty filter
 *   must affect nothing rather than every job.
 */
export function removeOptionsWhere(options: RemoveJobsOptions): SqlFragment | undefined {
  const parts: SqlFragment[] = [];
  if (options.id !== undefined) parts.push(idsIn([options.id]));
  else if (options.ids?.length) parts.push(idsIn(options.ids));
  if (options.name !== undefined) parts.push({ sql: 'name = ?', params: [options.name] });
  else if (options.names?.length) parts.push({ sql: 'name IN (?)', params: [options.names] });
  else if (options.notNames?.length) parts.push({ sql: 'name NOT IN (?)', params: [options.notNames] });
  if (options.data !== undefined) parts.push(dataContains(options.data));
  return parts.length ? and(parts) : undefined;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, c => `\\${c}`);
}

/**
 * The filter of `queryJobs`, without its `state` (see job-state-sql.ts).
 *
 * @returns the condition; `1 = 1` when nothing filters.
 */
export function queryOptionsWhere(options: JobsQueryOptions): SqlFragment {
  const parts: SqlFragment[] = [];
  if (options.name) parts.push({ sql: 'name = ?', params: [options.name] });
  else if (options.names?.length) parts.push({ sql: 'name IN (?)', params: [options.names] });
  if (options.id) parts.push(idsIn([options.id]));
  else if (options.ids?.length) parts.push(idsIn(options.ids));
  // Names compare exactly (utf8mb4_bin), but a search box should not care about case.
  if (options.search) parts.push({ sql: 'LOWER(name) LIKE LOWER(?)', params: [`%${escapeLike(options.search)}%`] });
  if (options.data !== undefined) parts.push(dataContains(options.data));
  if (options.includeDisabled === false) parts.push({ sql: 'disabled = 0', params: [] });
  return parts.length ? and(parts) : { sql: '1 = 1', params: [] };
}

/** Top-level job fields a `unique()` key may name, and their columns. */
const UNIQUE_COLUMNS: Record<string, string> = {
  name: 'name',
  type: 'type',
  priority: 'priority',
  nextRunAt: 'next_run_at',
  disabled: 'disabled',
  repeatInterval: 'repeat_interval',
  repeatAt: 'repeat_at',
  repeatTimezone: 'repeat_timezone',
};

/**
 * Converts `data.a.b` to the JSON path `$."a"."b"` (each member quoted, so any key works).
 *
 * @throws Error for an empty segment or one containing `"` or `\`.
 */
export function jsonPath(key: string): string {
  const segments = key.split('.').slice(1);
  if (segments.some(s => s === '' || /["\\]/.test(s))) throw new Error(`unsupported unique key ${JSON.stringify(key)}`);
  return ['$', ...segments.map(s => `"${s}"`)].join('.');
}

/** Equality of the JSON at `path` with `value`, with MongoDB's meaning of `{ key: null }`. */
function jsonEquals(path: string, value: unknown): SqlFragment {
  if (value === null || value === undefined) {
    return { sql: "JSON_EXTRACT(data, ?) IS NULL OR JSON_TYPE(JSON_EXTRACT(data, ?)) = 'NULL'", params: [path, path] };
  }
  // JSON_CONTAINS is equality for scalars but containment for objects and arrays; containment
  // both ways is equality for those too (up to array order and duplicates).
  const json = JSON.stringify(value);
  return {
    sql: 'JSON_CONTAINS(data, ?, ?) AND JSON_CONTAINS(?, JSON_EXTRACT(data, ?))',
    params: [json, path, json, path],
  };
}

/**
 * The condition matching a job's `unique()` object: keys are `data`, `data.<path>`, or one of
 * the top-level fields name, type, priority, nextRunAt, disabled, repeatInterval, repeatAt,
 * repeatTimezone.
 *
 * @throws Error for any other key.
 */
export function uniqueWhere(unique: Record<string, unknown>): SqlFragment {
  const parts = Object.entries(unique).map(([key, value]): SqlFragment => {
    if (key === 'data') return jsonEquals('$', value);
    if (key.startsWith('data.')) return jsonEquals(jsonPath(key), value);
    const column = UNIQUE_COLUMNS[key];
    if (!column) throw new Error(`unsupported unique key ${JSON.stringify(key)}`);
    const param = value instanceof Date || key === 'nextRunAt' ? toDate(value) : typeof value === 'boolean' ? Number(value) : value;
    return { sql: `${column} <=> ?`, params: [param] };
  });
  return parts.length ? and(parts) : { sql: '1 = 1', params: [] };
}

const SORT_EXPRESSIONS: Record<keyof JobsSort, { expr: string; nullable: boolean }> = {
  nextRunAt: { expr: 'next_run_at', nullable: true },
  lastRunAt: { expr: 'last_run_at', nullable: true },
  lastFinishedAt: { expr: 'last_finished_at', nullable: true },
  priority: { expr: 'priority', nullable: false },
  name: { expr: 'name', nullable: false },
  data: { expr: 'CAST(data AS CHAR CHARACTER SET utf8mb4)', nullable: true },
};

const DEFAULT_SORT: JobsSort = { nextRunAt: 'desc', lastRunAt: 'desc' };

/**
 * ORDER BY for `queryJobs`: the sort's keys in their order, NULLs last (as in Agenda's other
 * backends), then id so pages are stable.
 *
 * @param sort - default `{ nextRunAt: 'desc', lastRunAt: 'desc' }`.
 */
export function orderBy(sort: JobsSort | undefined): string {
  const entries = Object.entries(sort && Object.keys(sort).length ? sort : DEFAULT_SORT) as Array<[keyof JobsSort, string]>;
  const terms = entries
    .filter(([key]) => key in SORT_EXPRESSIONS)
    .flatMap(([key, direction]) => {
      const { expr, nullable } = SORT_EXPRESSIONS[key];
      const dir = direction === 'asc' ? 'ASC' : 'DESC';
      return nullable ? [`(${expr} IS NULL) ASC`, `${expr} ${dir}`] : [`${expr} ${dir}`];
    });
  return [...terms, 'id ASC'].join(', ');
}
