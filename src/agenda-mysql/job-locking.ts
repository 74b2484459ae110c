/**
 * Handing out jobs: each lock is one READ COMMITTED transaction that picks a row with
 * `SELECT … FOR UPDATE SKIP LOCKED` and stamps `locked_at` before committing. A row another
 * worker is in the middle of locking is skipped rather than waited for, and once committed its
 * `locked_at` keeps it out of every later pick, so each due job goes to exactly one caller.
 */
import type { Pool } from 'mysql2/promise';
import { JOB_COLUMNS, type JobRow } from './job-row';
import { inTransaction, selectRows, write, type SqlFragment } from './sql';

/** One candidate query: which rows may be locked, and which to take first. */
interface Candidates {
  readonly where: SqlFragment;
  /** Must follow an index so that LIMIT 1 stops at the first free row instead of reading,
   * and briefly locking, every candidate before sorting them. */
  readonly orderBy: string;
}

/**
 * Locks the first free row of the first candidate query that has one.
 *
 * @returns the row as it is after locking, or undefined when no candidate is free.
 */
export async function lockFirst(
  pool: Pool,
  table: string,
  candidates: readonly Candidates[],
  lockedAt: Date,
  lastModifiedBy: string | null,
): Promise<JobRow | undefined> {
  return inTransaction(
    pool,
    async conn => {
      for (const { where, orderBy } of candidates) {
        const [row] = await selectRows<JobRow>(
          conn,
          `SELECT ${JOB_COLUMNS} FROM \`${table}\` WHERE ${where.sql} ORDER BY ${orderBy} LIMIT 1 FOR UPDATE SKIP LOCKED`,
          where.params,
        );
        if (!row) continue;
        await write(conn, `UPDATE \`${table}\` SET locked_at = ?, last_modified_by = ? WHERE id = ?`, [lockedAt, lastModifiedBy, row.id]);
        return { ...row, locked_at: lockedAt, last_modified_by: lastModifiedBy };
      }
      return undefined;
    },
    'READ COMMITTED',
  );
}

/**
 * The candidates for `getNextJobToRun`, most urgent first.
 *
 * 1. A lock older than the deadline: its worker died or stalled (a live worker renews
 *    `locked_at` with `touch()`), so the job is handed out again. These come first so that a
 *    steady stream of new jobs cannot starve recovery; they are rare, and index ix_name_locked
 *    makes the check cheap.
 * 2. An unlocked job due before the next scan, earliest `next_run_at` first and then highest
 *    priority, in the order of index ix_name_next_run.
 */
export function nextJobCandidates(jobName: string, nextScanAt: Date, lockDeadline: Date): Candidates[] {
  return [
    {
      where: { sql: 'name = ? AND locked_at <= ? AND disabled = 0', params: [jobName, lockDeadline] },
      orderBy: 'locked_at ASC',
    },
    {
      where: {
        sql: 'name = ? AND next_run_at <= ? AND locked_at IS NULL AND disabled = 0',
        params: [jobName, nextScanAt],
      },
      orderBy: 'next_run_at ASC, neg_priority ASC',
    },
  ];
}

/**
 * The candidate for `lockJob`: this very job, still unlocked, enabled, and still due at the
 * `nextRunAt` the caller saw (if it was rescheduled meanwhile, the caller's copy is stale).
 */
export function sameJobCandidate(id: string, name: string, nextRunAt: Date | null): Candidates[] {
  return [
    {
      where: {
        sql: 'id = ? AND name = ? AND next_run_at <=> ? AND locked_at IS NULL AND disabled = 0',
        params: [id, name, nextRunAt],
      },
      orderBy: 'id',
    },
  ];
}
