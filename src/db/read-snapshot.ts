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
      try {
        await runner.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
        await runner.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
      } catch (error) {
        discard(runner);
        throw error;
      }
      this.runner = runner;
      return runner;
    })();
    return this.opening;
  }

  /**
   * Ends the snapshot. Never throws: the operation only read, so its answer stands even if the
   * connection died meanwhile; a connection whose COMMIT failed is closed, never pooled again.
   */
  async release(): Promise<void> {
    const runner = this.runner ?? (this.opening ? await this.opening.catch(() => null) : null);
    this.runner = null;
    this.opening = null;
    if (!runner) return;
    try {
      await runner.query('COMMIT');
      await runner.release();
    } catch {
      discard(runner);
    }
  }
}

/** Closes the runner's connection instead of returning it to the pool (its state is unknown). */
function discard(runner: QueryRunner): void {
  (runner as unknown as { databaseConnection?: { destroy?: () => void } }).databaseConnection?.destroy?.();
  void runner.release().catch(() => undefined);
}
