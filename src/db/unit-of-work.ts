/**
 * Units of work: a transaction on one connection, retried on deadlocks and lock timeouts
 * (bounded, with jitter) so that concurrent writers of the same keys never see them, and
 * callbacks that run only after the commit (publishing changes).
 */
import { DataSource, EntityManager } from 'typeorm';

export interface UnitOfWork {
  readonly manager: EntityManager;
  /** Runs `fn` once the transaction has committed; never when it rolls back. */
  afterCommit(fn: () => void | Promise<void>): void;
  query<T = unknown>(sql: string, params?: readonly unknown[]): Promise<T>;
}

const RETRYABLE = new Set([1213 /* deadlock */, 1205 /* lock wait timeout */]);

export function isRetryable(error: unknown): boolean {
  const e = error as { errno?: number; driverError?: { errno?: number } };
  return RETRYABLE.has(e?.errno ?? e?.driverError?.errno ?? 0);
}

export function isDuplicateKey(error: unknown): boolean {
  const e = error as { errno?: number; driverError?: { errno?: number } };
  return (e?.errno ?? e?.driverError?.errno) === 1062;
}

export interface TransactionOptions {
  /** Attempts in all, including the first (default 5). */
  readonly attempts?: number;
  readonly isolation?: 'READ COMMITTED' | 'REPEATABLE READ';
  /** Also retry when a unique key was taken by a concurrent writer (the retry then sees it). */
  readonly retryOnDuplicate?: boolean;
}

/** Runs `work` in a transaction; retries the whole unit on deadlock; returns its result. */
export async function inTransaction<T>(ds: DataSource, work: (uow: UnitOfWork) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const callbacks: Array<() => void | Promise<void>> = [];
    try {
      const result = await ds.transaction(options.isolation ?? 'REPEATABLE READ', (manager) =>
        work({
          manager,
          afterCommit: (fn) => callbacks.push(fn),
          query: (sql, params) => manager.query(sql, params as unknown[]),
        }),
      );
      for (const fn of callbacks) await fn();
      return result;
    } catch (error) {
      const retry = isRetryable(error) || (options.retryOnDuplicate === true && isDuplicateKey(error));
      if (!retry || attempt >= attempts) throw error;
      await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 20 * attempt));
    }
  }
}
