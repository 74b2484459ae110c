import { DataSource } from 'typeorm';

/**
 * Allocates `count` consecutive ids for `table` from id_sequences, on its own autocommitted
 * statement so that concurrent batches do not queue behind one another's transactions. Ids
 * of a batch that later rolls back are simply never used.
 * @returns the first id of the block, as a bigint.
 */
export async function allocateIds(ds: DataSource, table: string, count: number): Promise<bigint> {
  if (count <= 0) return 0n;
  const runner = ds.createQueryRunner();
  try {
    await runner.query('UPDATE id_sequences SET next_id = LAST_INSERT_ID(next_id + ?) WHERE name = ?', [count, table]);
    const [{ last }] = (await runner.query('SELECT LAST_INSERT_ID() AS last')) as Array<{ last: string }>;
    return BigInt(last) - BigInt(count);
  } finally {
    await runner.release();
  }
}
