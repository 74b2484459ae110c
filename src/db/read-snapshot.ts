/**
 * One consistent view of the database for a whole read-only GraphQL operation: a segment's
 * count, its members page and its runs all come from the same snapshot, so a reader never sees
 * the count of one sync with the members of the next. Opened lazily on first use; released
 * when the response is sent.
 */
import { DataSource, QueryRunner } from 'typeorm';

export type QueryFn = (sql: string, params?: unknown[]) => Promise<unknown>;

export class ReadSnapshot {
  private runner: QueryRunner | null = null;
  private opening: Promise<QueryRunner> | null = null;

  constructor(private readonly ds: DataSource) {}

  readonly query: QueryFn = async (sql, params) => (await this.open()).query(sql, params);

  private open(): Promise<QueryRunner> {
    this.opening ??= (async () => {
      const runner = this.ds.createQueryRunner();
      await runner.connect();
      await runner.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      await runner.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
      this.runner = runner;
      return runner;
    })();
    return this.opening;
  }

  async release(): Promise<void> {
    const runner = this.runner ?? (this.opening ? await this.opening.catch(() => null) : null);
    this.runner = null;
    this.opening = null;
    if (!runner) return;
    try {
      await runner.query('COMMIT');
    } finally {
      await runner.release();
    }
  }
}
