/**
 * Small mysql2 helpers: typed reads and writes, transactions, named locks, deadlock retry.
 */
import { createHash } from 'node:crypto';
import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';

/** Anything that runs a query: the pool, or one connection inside a transaction. */
export type Queryable = Pool | PoolConnection;

/** A piece of SQL with its `?` parameters, in order. */
export interface SqlFragment {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** @returns the rows of a SELECT, typed as the caller says. */
export async function selectRows<T>(db: Queryable, sql: string, params: readonly unknown[] = []): Promise<T[]> {
  const [rows] = await db.query<RowDataPacket[]>(sql, params as unknown[]);
  return rows as unknown as T[];
}

/** @returns the header of an INSERT, UPDATE or DELETE (affected rows, insert id). */
export async function write(db: Queryable, sql: string, params: readonly unknown[] = []): Promise<ResultSetHeader> {
  const [header] = await db.query<ResultSetHeader>(sql, params as unknown[]);
  return header;
}

/**
 * Runs `fn` in a transaction on one pooled connection; commits on success, rolls back on error.
 *
 * @param isolation - for this transaction only. READ COMMITTED is what a `SKIP LOCKED` queue
 *   wants: rows read but rejected by the WHERE are unlocked at once instead of being held
 *   (and so skipped by every other worker) until commit, and no gap locks are taken.
 * @returns what `fn` returns.
 * @throws whatever `fn` or the database throws, after rolling back.
 */
export async function inTransaction<T>(
  pool: Pool,
  fn: (conn: PoolConnection) => Promise<T>,
  isolation?: 'READ COMMITTED',
): Promise<T> {
  const conn = await pool.getConnection();
  // A connection whose rollback failed may still hold row locks: close it, never reuse it.
  let reusable = true;
  try {
    if (isolation) await conn.query(`SET TRANSACTION ISOLATION LEVEL ${isolation}`);
    await conn.beginTransaction();
    try {
      const result = await fn(conn);
      await conn.commit();
      return result;
    } catch (error) {
      await conn.rollback().catch(() => void (reusable = false));
      throw error;
    }
  } finally {
    if (reusable) conn.release();
    else conn.destroy();
  }
}

/**
 * Runs `fn` holding a server-wide named lock (`GET_LOCK`), so callers in any process that use
 * the same key run one at a time. The key is hashed because MySQL limits lock names to 64
 * characters.
 *
 * @param timeoutSeconds - how long to wait for the lock; default 10.
 * @returns what `fn` returns.
 * @throws Error when the lock is not obtained in time; whatever `fn` throws.
 */
export async function withNamedLock<T>(
  pool: Pool,
  key: string,
  fn: (conn: PoolConnection) => Promise<T>,
  timeoutSeconds = 10,
): Promise<T> {
  const conn = await pool.getConnection();
  // A connection that failed to release the lock still holds it: close it, never reuse it.
  let reusable = true;
  try {
    // Named locks are server-wide: scope the key by database so that schedulers on different
    // databases of one server do not wait for each other.
    const [{ db }] = await selectRows<{ db: string | null }>(conn, 'SELECT DATABASE() AS db', []);
    const lockName = `agenda:${createHash('sha1').update(`${db ?? ''}:${key}`).digest('hex')}`;
    const [row] = await selectRows<{ got: number | null }>(conn, 'SELECT GET_LOCK(?, ?) AS got', [lockName, timeoutSeconds]);
    if (Number(row?.got) !== 1) throw new Error(`could not obtain lock for ${key} within ${timeoutSeconds}s`);
    try {
      return await fn(conn);
    } finally {
      await conn.query('SELECT RELEASE_LOCK(?)', [lockName]).catch(() => void (reusable = false));
    }
  } finally {
    if (reusable) conn.release();
    else conn.destroy();
  }
}

const ER_LOCK_DEADLOCK = 1213;

/**
 * Retries `fn` when InnoDB picks it as a deadlock victim (concurrent `INSERT … ON DUPLICATE
 * KEY UPDATE` on the same unique key can deadlock; the retry then sees the other row).
 *
 * @returns what `fn` returns.
 * @throws the last error after `attempts` deadlocks (default 5), or any other error at once.
 */
export async function retryOnDeadlock<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (error) {
      const errno = (error as { errno?: number }).errno;
      if (errno !== ER_LOCK_DEADLOCK || attempt >= attempts) throw error;
    }
  }
}
