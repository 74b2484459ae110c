/**
 * How a job is stored: the row shape, the select list, and the mapping both ways.
 */
import type { JobId, JobParameters } from './agenda-types';

/** A jobs-table row as read through {@link JOB_COLUMNS}. */
export interface JobRow {
  id: number | string;
  name: string;
  priority: number;
  type: 'normal' | 'single';
  next_run_at: Date | null;
  locked_at: Date | null;
  last_run_at: Date | null;
  last_finished_at: Date | null;
  failed_at: Date | null;
  fail_count: number | null;
  fail_reason: string | null;
  repeat_interval: string | null;
  repeat_timezone: string | null;
  repeat_at: string | null;
  data_json: string | null;
  disabled: number;
  progress: number | null;
  fork: number;
  last_modified_by: string | null;
  start_date: Date | null;
  end_date: Date | null;
  skip_days: string | null;
  debounce_started_at: Date | null;
}

/**
 * The select list for a {@link JobRow}. `data` is read as text because MySQL's JSON type comes
 * back parsed while MariaDB's (a LONGTEXT) comes back as a string; text is the same on both.
 */
export const JOB_COLUMNS = [
  'id', 'name', 'priority', 'type', 'next_run_at', 'locked_at', 'last_run_at', 'last_finished_at',
  'failed_at', 'fail_count', 'fail_reason', 'repeat_interval', 'repeat_timezone', 'repeat_at',
  'CAST(data AS CHAR CHARACTER SET utf8mb4) AS data_json', 'disabled', 'progress', 'fork',
  'last_modified_by', 'start_date', 'end_date', 'skip_days', 'debounce_started_at',
].join(', ');

/** Job ids are the table's BIGINT key; anything else names no job. */
export function parseJobId(id: unknown): string | undefined {
  const text = String(id ?? '');
  return /^[1-9][0-9]{0,19}$/.test(text) ? text : undefined;
}

/** @returns the row as Agenda's job parameters; SQL NULL becomes `undefined`. */
export function rowToJob<DATA = unknown>(row: JobRow): JobParameters<DATA> {
  return {
    _id: String(row.id) as JobId,
    name: row.name,
    priority: row.priority,
    nextRunAt: row.next_run_at,
    type: row.type,
    lockedAt: row.locked_at ?? undefined,
    lastRunAt: row.last_run_at ?? undefined,
    lastFinishedAt: row.last_finished_at ?? undefined,
    failedAt: row.failed_at ?? undefined,
    failCount: row.fail_count ?? undefined,
    failReason: row.fail_reason ?? undefined,
    repeatInterval: row.repeat_interval ?? undefined,
    repeatTimezone: row.repeat_timezone ?? undefined,
    repeatAt: row.repeat_at ?? undefined,
    data: (row.data_json === null ? undefined : JSON.parse(row.data_json)) as DATA,
    disabled: Boolean(row.disabled),
    progress: row.progress ?? undefined,
    fork: Boolean(row.fork),
    lastModifiedBy: row.last_modified_by ?? undefined,
    startDate: row.start_date ?? undefined,
    endDate: row.end_date ?? undefined,
    skipDays: row.skip_days === null ? undefined : (JSON.parse(row.skip_days) as number[]),
    debounceStartedAt: row.debounce_started_at ?? undefined,
  };
}

/**
 * @returns the value as a Date, or null for null/undefined.
 * @throws Error for a value that is not a valid date (mysql2 would send it as garbage).
 */
export function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(value as string | number);
  if (Number.isNaN(date.getTime())) throw new Error(`invalid date for an Agenda job: ${String(value)}`);
  return date;
}

/** @returns the job's data as JSON text; `undefined` data is stored as SQL NULL. */
export function dataToJson(data: unknown): string | null {
  return data === undefined ? null : JSON.stringify(data);
}

/**
 * The columns a user's `job.save()` defines (schedule, payload, flags), in insert order, with
 * their values. The processor's columns (lockedAt, lastRunAt, fail*, progress) are not here:
 * Agenda keeps them out of `save()` so a save cannot race a running job.
 */
export function definitionColumns(job: JobParameters, lastModifiedBy: string | null): Array<[string, unknown]> {
  return [
    ['priority', job.priority ?? 0],
    ['next_run_at', toDate(job.nextRunAt)],
    ['type', job.type ?? 'normal'],
    ['repeat_interval', job.repeatInterval ? String(job.repeatInterval) : null],
    ['repeat_timezone', job.repeatTimezone || null],
    ['repeat_at', job.repeatAt || null],
    ['data', dataToJson(job.data)],
    ['fork', job.fork ? 1 : 0],
    ['last_modified_by', lastModifiedBy],
    ['start_date', toDate(job.startDate)],
    ['end_date', toDate(job.endDate)],
    ['skip_days', job.skipDays?.length ? JSON.stringify(job.skipDays) : null],
  ];
}

/**
 * Processor-managed columns present on the job (not `undefined`), with their values: written by
 * `saveJob` only when a caller passes them explicitly.
 */
export function presentProcessorColumns(job: JobParameters): Array<[string, unknown]> {
  const columns: Array<[string, unknown]> = [];
  if (job.lockedAt !== undefined) columns.push(['locked_at', toDate(job.lockedAt)]);
  if (job.lastRunAt !== undefined) columns.push(['last_run_at', toDate(job.lastRunAt)]);
  if (job.lastFinishedAt !== undefined) columns.push(['last_finished_at', toDate(job.lastFinishedAt)]);
  if (job.failedAt !== undefined) columns.push(['failed_at', toDate(job.failedAt)]);
  if (job.failCount !== undefined) columns.push(['fail_count', job.failCount]);
  if (job.failReason !== undefined) columns.push(['fail_reason', job.failReason]);
  if (job.progress !== undefined) columns.push(['progress', job.progress]);
  return columns;
}
