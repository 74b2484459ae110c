/**
 * `saveJob`: update by id, upsert by name for `single` jobs (`every()`), upsert by the
 * `unique()` query (optionally debounced), or plain insert, in that order of precedence, as in
 * Agenda's MongoDB backend.
 */
import type { Pool } from 'mysql2/promise';
import type { JobParameters } from './agenda-types';
import { debounceSchedule } from './debounce';
import { uniqueWhere } from './job-filters';
import { definitionColumns, JOB_COLUMNS, presentProcessorColumns, rowToJob, toDate, type JobRow } from './job-row';
import { retryOnDeadlock, selectRows, withNamedLock, write, type Queryable } from './sql';

type Columns = Array<[string, unknown]>;

function setClause(columns: Columns): string {
  return columns.map(([column]) => `${column} = ?`).join(', ');
}

async function rowById(db: Queryable, table: string, id: unknown): Promise<JobRow | undefined> {
  const [row] = await selectRows<JobRow>(db, `SELECT ${JOB_COLUMNS} FROM \`${table}\` WHERE id = ?`, [id]);
  return row;
}

async function insert(db: Queryable, table: string, columns: Columns): Promise<JobRow> {
  const names = columns.map(([column]) => column).join(', ');
  const marks = columns.map(() => '?').join(', ');
  const header = await write(db, `INSERT INTO \`${table}\` (${names}) VALUES (${marks})`, columns.map(([, v]) => v));
  const row = await rowById(db, table, header.insertId);
  if (!row) throw new Error(`job ${header.insertId} vanished right after insert into ${table}`);
  return row;
}

/** Columns written when a save updates a stored job. `disabled` is kept unless the job sets it,
 * so re-declaring an `every()` job at start-up does not re-enable one an operator disabled. */
function updateColumns(job: JobParameters, lastModifiedBy: string | null): Columns {
  const columns = [...definitionColumns(job, lastModifiedBy), ...presentProcessorColumns(job)];
  if (job.disabled !== undefined) columns.push(['disabled', job.disabled ? 1 : 0]);
  return columns;
}

function insertColumns(job: JobParameters, lastModifiedBy: string | null): Columns {
  return [
    ['name', job.name],
    ...definitionColumns(job, lastModifiedBy),
    ...presentProcessorColumns(job),
    ['disabled', job.disabled ? 1 : 0],
  ];
}

async function updateById<DATA>(pool: Pool, table: string, job: JobParameters<DATA>, lastModifiedBy: string | null): Promise<JobParameters<DATA>> {
  const columns = updateColumns(job, lastModifiedBy);
  await write(pool, `UPDATE \`${table}\` SET ${setClause(columns)} WHERE id = ? AND name = ?`, [
    ...columns.map(([, v]) => v), String(job._id), job.name,
  ]);
  const [row] = await selectRows<JobRow>(pool, `SELECT ${JOB_COLUMNS} FROM \`${table}\` WHERE id = ? AND name = ?`, [String(job._id), job.name]);
  // Removed while the caller held it: hand back what it gave, as the other backends do.
  return row ? rowToJob<DATA>(row) : job;
}

/**
 * One row per name for `single` jobs, atomically via the unique key on `single_name`. A new
 * `nextRunAt` that is already due does not replace the stored one, so restarting a process
 * that declares `every('1 hour', …)` does not make the job run at every restart.
 */
async function upsertSingle<DATA>(pool: Pool, table: string, job: JobParameters<DATA>, lastModifiedBy: string | null, now: Date): Promise<JobParameters<DATA>> {
  const requested = toDate(job.nextRunAt);
  const keepStoredNextRun = requested !== null && requested <= now;
  const updates = updateColumns(job, lastModifiedBy).map(([column, value]): [string, unknown] =>
    column === 'next_run_at' && keepStoredNextRun ? ['next_run_at = COALESCE(next_run_at, ?)', value] : [`${column} = ?`, value],
  );
  const inserts = insertColumns(job, lastModifiedBy);
  const sql = `INSERT INTO \`${table}\` (${inserts.map(([c]) => c).join(', ')}) VALUES (${inserts.map(() => '?').join(', ')})
    ON DUPLICATE KEY UPDATE ${updates.map(([assignment]) => assignment).join(', ')}`;
  await retryOnDeadlock(() => write(pool, sql, [...inserts.map(([, v]) => v), ...updates.map(([, v]) => v)]));
  const [row] = await selectRows<JobRow>(pool, `SELECT ${JOB_COLUMNS} FROM \`${table}\` WHERE single_name = ?`, [job.name]);
  if (!row) throw new Error(`single job ${job.name} vanished right after its upsert into ${table}`);
  return rowToJob<DATA>(row);
}

/**
 * Upsert by the `unique()` query. A named lock per job name makes find-then-write atomic
 * across processes (no unique index can express an arbitrary query).
 */
async function upsertUnique<DATA>(pool: Pool, table: string, job: JobParameters<DATA>, lastModifiedBy: string | null, now: Date): Promise<JobParameters<DATA>> {
  const match = uniqueWhere(job.unique ?? {});
  const debounce = job.uniqueOpts?.debounce;
  return withNamedLock(pool, `${table}:${job.name}`, async conn => {
    const [existing] = await selectRows<JobRow>(
      conn,
      `SELECT ${JOB_COLUMNS} FROM \`${table}\` WHERE name = ? AND (${match.sql}) ORDER BY id LIMIT 1`,
      [job.name, ...match.params],
    );
    if (existing && job.uniqueOpts?.insertOnly && !debounce) return rowToJob<DATA>(existing);

    let columns: Columns = existing ? updateColumns(job, lastModifiedBy) : insertColumns(job, lastModifiedBy);
    if (debounce) {
      const stored = existing && { nextRunAt: existing.next_run_at, debounceStartedAt: existing.debounce_started_at };
      const schedule = debounceSchedule(stored, toDate(job.nextRunAt), debounce, now);
      columns = columns.filter(([c]) => c !== 'next_run_at' && c !== 'debounce_started_at');
      columns.push(['next_run_at', schedule.nextRunAt], ['debounce_started_at', schedule.debounceStartedAt]);
    }
    if (!existing) return rowToJob<DATA>(await insert(conn, table, columns));
    await write(conn, `UPDATE \`${table}\` SET ${setClause(columns)} WHERE id = ?`, [...columns.map(([, v]) => v), existing.id]);
    const row = await rowById(conn, table, existing.id);
    return row ? rowToJob<DATA>(row) : job;
  });
}

/**
 * Saves a job the way Agenda's `Job.save()` expects.
 *
 * @returns the stored job with its `_id`; for an update of a job that no longer exists, the
 *   job as given.
 * @throws Error for an unsupported `unique()` key or an invalid date; database errors.
 */
export async function saveJob<DATA>(
  pool: Pool,
  table: string,
  job: JobParameters<DATA>,
  lastModifiedBy: string | null,
  now = new Date(),
): Promise<JobParameters<DATA>> {
  if (job._id !== undefined && job._id !== null) return updateById(pool, table, job, lastModifiedBy);
  if (job.type === 'single') return upsertSingle(pool, table, job, lastModifiedBy, now);
  if (job.unique && Object.keys(job.unique).length) return upsertUnique(pool, table, job, lastModifiedBy, now);
  return rowToJob<DATA>(await insert(pool, table, insertColumns(job, lastModifiedBy)));
}
