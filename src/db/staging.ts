/**
 * Temporary tables that stage a set for a few statements (a sync's new members, its moments, a
 * change preview): in memory while they fit, on disk otherwise.
 */
import type { QueryRunner } from 'typeorm';
import { ER_RECORD_FILE_FULL } from './connection-errors';

/**
 * Staging tables live in memory up to this size per table (session max_heap_table_size; memory
 * is taken as rows arrive, ~60 bytes per id): inserting 1M ids into an InnoDB temporary table
 * took 12 s, into a MEMORY one 2 s (BENCHMARKS.md "Sync"). A larger set falls back to InnoDB.
 */
export const STAGING_MEMORY_BYTES = 1024 * 1024 * 1024;

/**
 * (Re)creates the temporary table `name` with `columns` on the runner's connection and fills it
 * with `fill`: as a MEMORY table of at most `memoryBytes`, or, when that is full, again as an
 * InnoDB one.
 */
export async function stageTemporary(
  runner: QueryRunner,
  table: { name: string; columns: string },
  fill: () => Promise<unknown>,
  memoryBytes: number = STAGING_MEMORY_BYTES,
): Promise<void> {
  await runner.query('SET SESSION max_heap_table_size = ?', [memoryBytes]);
  const attempt = async (engine: 'MEMORY' | 'InnoDB') => {
    await runner.query(`DROP TEMPORARY TABLE IF EXISTS ${table.name}`);
    await runner.query(`CREATE TEMPORARY TABLE ${table.name} (${table.columns}) ENGINE=${engine}`);
    await fill();
  };
  try {
    await attempt('MEMORY');
  } catch (error) {
    if ((error as { errno?: number }).errno !== ER_RECORD_FILE_FULL) throw error;
    await attempt('InnoDB');
  }
}
