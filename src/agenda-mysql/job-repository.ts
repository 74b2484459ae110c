/**
 * Agenda's `JobRepository` on a MySQL/MariaDB table.
 */
import type { Pool } from 'mysql2/promise';
import type {
  JobId,
  JobParameters,
  JobRepository,
  JobRepositoryOptions,
  JobsOverview,
  JobsQueryOptions,
  JobsResult,
  JobState,
  JobWithState,
  RemoveJobsOptions,
} from './agenda-types';
import { orderBy, queryOptionsWhere, removeOptionsWhere } from './job-filters';
import { lockFirst, nextJobCandidates, sameJobCandidate } from './job-locking';
import { JOB_COLUMNS, parseJobId, rowToJob, toDate, type JobRow } from './job-row';
import { saveJob } from './job-save';
import { OVERVIEW_STATES, overviewSql, stateExpression, stateWhere } from './job-state-sql';
import { agendaJobsTableDdl } from './schema';
import { checkServer, type ServerVersion } from './server-check';
import { selectRows, write, type SqlFragment } from './sql';

/** What the repository needs; the backend validates the table name before building one. */
export interface MysqlJobRepositoryConfig {
  readonly pool: Pool;
  readonly tableName: string;
  readonly ensureSchema: boolean;
}

/** Largest LIMIT MySQL accepts; used when only an OFFSET is wanted. */
const NO_LIMIT = '18446744073709551615';

function count(value: unknown): number {
  return Number(value ?? 0);
}

function pageNumber(value: number | undefined, what: string): number {
  const n = value ?? 0;
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${what} must be a non-negative integer, got ${value}`);
  return n;
}

/** A `JobRepository` whose every query runs on the given pool. */
export class MysqlJobRepository implements JobRepository {
  private readonly pool: Pool;
  private readonly table: string;
  private readonly ensureSchema: boolean;
  private connecting?: Promise<void>;
  private version?: ServerVersion;

  constructor(config: MysqlJobRepositoryConfig) {
    this.pool = config.pool;
    this.table = config.tableName;
    this.ensureSchema = config.ensureSchema;
  }

  /** The server version found at connect, once connected. */
  get serverVersion(): ServerVersion | undefined {
    return this.version;
  }

  /**
   * Checks the server (SKIP LOCKED support, UTC dates) and creates the table if asked.
   * Idempotent once it has succeeded: Agenda calls it from its constructor without handling a
   * rejection, so callers should call it first to get any error; Agenda's call is then a no-op.
   *
   * @throws Error for an unsupported server version or a pool not using `timezone: 'Z'`.
   */
  connect(): Promise<void> {
    this.connecting ??= (async () => {
      this.version = await checkServer(this.pool);
      if (this.ensureSchema) await this.pool.query(agendaJobsTableDdl(this.table));
    })().catch(error => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  /** Forgets the connect check so that the next `connect()` runs it again. */
  reset(): void {
    this.connecting = undefined;
  }

  async queryJobs(options: JobsQueryOptions = {}): Promise<JobsResult> {
    const now = new Date();
    const parts: SqlFragment[] = [queryOptionsWhere(options)];
    if (options.state) parts.push(stateWhere(options.state, now));
    const where = { sql: parts.map(p => `(${p.sql})`).join(' AND '), params: parts.flatMap(p => p.params) };
    const skip = pageNumber(options.skip, 'skip');
    const limit = pageNumber(options.limit, 'limit');
    const state = stateExpression(now);

    const rows = await selectRows<JobRow & { state: JobState }>(
      this.pool,
      `SELECT ${JOB_COLUMNS}, ${state.sql} AS state FROM \`${this.table}\` WHERE ${where.sql}
       ORDER BY ${orderBy(options.sort)} LIMIT ${limit > 0 ? '?' : NO_LIMIT} OFFSET ?`,
      [...state.params, ...where.params, ...(limit > 0 ? [limit] : []), skip],
    );
    const [{ total }] = await selectRows<{ total: unknown }>(
      this.pool,
      `SELECT COUNT(*) AS total FROM \`${this.table}\` WHERE ${where.sql}`,
      where.params,
    );
    const jobs = rows.map((row): JobWithState => {
      const job = rowToJob(row);
      return { ...job, _id: job._id as JobId, state: row.state };
    });
    return { jobs, total: count(total) };
  }

  async getJobsOverview(): Promise<JobsOverview[]> {
    const { sql, params } = overviewSql(this.table, new Date());
    const rows = await selectRows<Record<string, unknown> & { name: string }>(this.pool, sql, params);
    return rows.map(row => {
      const overview: JobsOverview = {
        name: row.name, total: count(row.total), running: 0, scheduled: 0, queued: 0,
        completed: 0, failed: 0, repeating: 0, paused: count(row.paused),
      };
      for (const state of OVERVIEW_STATES) overview[state] = count(row[state]);
      return overview;
    });
  }

  async getDistinctJobNames(): Promise<string[]> {
    const rows = await selectRows<{ name: string }>(this.pool, `SELECT DISTINCT name FROM \`${this.table}\` ORDER BY name`);
    return rows.map(row => row.name);
  }

  async getJobById(id: string): Promise<JobParameters | null> {
    const jobId = parseJobId(id);
    if (!jobId) return null;
    const [row] = await selectRows<JobRow>(this.pool, `SELECT ${JOB_COLUMNS} FROM \`${this.table}\` WHERE id = ?`, [jobId]);
    return row ? rowToJob(row) : null;
  }

  /** @returns how many jobs are due (`nextRunAt` before now), disabled or not, as in Agenda's other backends. */
  async getQueueSize(): Promise<number> {
    const [row] = await selectRows<{ n: unknown }>(this.pool, `SELECT COUNT(*) AS n FROM \`${this.table}\` WHERE next_run_at < ?`, [new Date()]);
    return count(row?.n);
  }

  async removeJobs(options: RemoveJobsOptions): Promise<number> {
    const where = removeOptionsWhere(options);
    if (!where) return 0;
    return (await write(this.pool, `DELETE FROM \`${this.table}\` WHERE ${where.sql}`, where.params)).affectedRows;
  }

  async disableJobs(options: RemoveJobsOptions): Promise<number> {
    return this.setDisabled(options, true);
  }

  async enableJobs(options: RemoveJobsOptions): Promise<number> {
    return this.setDisabled(options, false);
  }

  /** @returns the number of jobs whose flag changed (already-disabled jobs are not counted). */
  private async setDisabled(options: RemoveJobsOptions, disabled: boolean): Promise<number> {
    const where = removeOptionsWhere(options);
    if (!where) return 0;
    const header = await write(
      this.pool,
      `UPDATE \`${this.table}\` SET disabled = ? WHERE (${where.sql}) AND disabled <> ?`,
      [Number(disabled), ...where.params, Number(disabled)],
    );
    return header.affectedRows;
  }

  async purgeAllJobs(): Promise<number> {
    return (await write(this.pool, `DELETE FROM \`${this.table}\``)).affectedRows;
  }

  async saveJob<DATA = unknown>(job: JobParameters<DATA>, options: JobRepositoryOptions | undefined): Promise<JobParameters<DATA>> {
    return saveJob(this.pool, this.table, job, options?.lastModifiedBy ?? job.lastModifiedBy ?? null);
  }

  /**
   * Writes what the job processor owns: lock, run times, failure, progress. `touch()` comes
   * here too, so renewing a lock is an update of `locked_at`.
   *
   * @throws Error when the job no longer exists (Agenda logs and ignores it after a run).
   */
  async saveJobState(job: JobParameters, options: JobRepositoryOptions | undefined): Promise<void> {
    const id = parseJobId(job._id);
    if (!id) throw new Error(`cannot save the state of job ${job.name} without a valid _id`);
    const header = await write(
      this.pool,
      `UPDATE \`${this.table}\` SET locked_at = ?, next_run_at = ?, last_run_at = ?, progress = ?, fail_reason = ?,
         fail_count = ?, failed_at = ?, last_finished_at = ?, last_modified_by = ? WHERE id = ? AND name = ?`,
      [
        toDate(job.lockedAt), toDate(job.nextRunAt), toDate(job.lastRunAt), job.progress ?? null, job.failReason ?? null,
        job.failCount ?? null, toDate(job.failedAt), toDate(job.lastFinishedAt), options?.lastModifiedBy ?? null, id, job.name,
      ],
    );
    // affectedRows counts unchanged rows only with the FOUND_ROWS flag (mysql2's default, but
    // the pool is the caller's), so look before calling the job gone.
    if (header.affectedRows === 0 && !(await this.getJobById(id))) {
      throw new Error(`job ${id} (${job.name}) cannot be updated: it no longer exists`);
    }
  }

  async lockJob(job: JobParameters, options: JobRepositoryOptions | undefined): Promise<JobParameters | undefined> {
    const id = parseJobId(job._id);
    if (!id) return undefined;
    const row = await lockFirst(this.pool, this.table, sameJobCandidate(id, job.name, toDate(job.nextRunAt)), new Date(), options?.lastModifiedBy ?? null);
    return row && rowToJob(row);
  }

  /**
   * Releases a lock the processor took but will not use. Only a job with a pending `nextRunAt`
   * is unlocked, as in Agenda's MongoDB backend: a one-time job that has started has none.
   */
  async unlockJob(job: JobParameters): Promise<void> {
    const id = parseJobId(job._id);
    if (!id) return;
    await write(this.pool, `UPDATE \`${this.table}\` SET locked_at = NULL WHERE id = ? AND next_run_at IS NOT NULL`, [id]);
  }

  async unlockJobs(jobIds: (JobId | string)[]): Promise<void> {
    const ids = jobIds.map(parseJobId).filter((id): id is string => id !== undefined);
    if (!ids.length) return;
    await write(this.pool, `UPDATE \`${this.table}\` SET locked_at = NULL WHERE id IN (?)`, [ids]);
  }

  async getNextJobToRun(
    jobName: string,
    nextScanAt: Date,
    lockDeadline: Date,
    now: Date | undefined,
    options: JobRepositoryOptions | undefined,
  ): Promise<JobParameters | undefined> {
    const row = await lockFirst(
      this.pool,
      this.table,
      nextJobCandidates(jobName, nextScanAt, lockDeadline),
      now ?? new Date(),
      options?.lastModifiedBy ?? null,
    );
    return row && rowToJob(row);
  }
}
