import { DataSource } from 'typeorm';

type Query = (sql: string, params?: unknown[]) => Promise<unknown>;

/**
 * Allocates `count` consecutive ids for `table` from id_sequences; returns the first, as a bigint.
 *
 * Without `query`, on its own autocommitted connection: call it BEFORE opening a transaction
 * (a transaction that waits for a second pool connection can exhaust the pool under load), so
 * concurrent batches do not queue behind one another's transactions. With `query` (a
 * transaction's connection), the sequence row stays locked until that transaction ends: only
 * for the rare top-up when an estimate made before the transaction fell short.
 * Ids of a batch that later rolls back, or that were not needed, are simply never used.
 */
export async function allocateIds(ds: DataSource, table: string, count: number, query?: Query): Promise<bigint> {
  if (count <= 0) return 0n;
  const run = async (q: Query) => {
    await q('UPDATE id_sequences SET next_id = LAST_INSERT_ID(next_id + ?) WHERE name = ?', [count, table]);
    const [{ last }] = (await q('SELECT LAST_INSERT_ID() AS last')) as Array<{ last: string }>;
    return BigInt(last) - BigInt(count);
  };
  if (query) return run(query);
  const runner = ds.createQueryRunner();
  try {
    return await run((sql, params) => runner.query(sql, params));
  } finally {
    await runner.release();
  }
}

/** A block of ids allocated ahead, handed out one by one; tops itself up inside the transaction if short. */
export class IdBlock {
  private constructor(private next: bigint, private left: number, private readonly ds: DataSource, private readonly table: string) {}

  static async allocate(ds: DataSource, table: string, count: number): Promise<IdBlock> {
    return new IdBlock(await allocateIds(ds, table, count), count, ds, table);
  }

  /** `count` ids; when the block runs short, the rest is allocated on the transaction's connection. */
  async take(count: number, query: Query): Promise<string[]> {
    const out: string[] = [];
    while (out.length < count && this.left > 0) {
      out.push(String(this.next++));
      this.left--;
    }
    if (out.length < count) {
      let extra = await allocateIds(this.ds, this.table, count - out.length, query);
      while (out.length < count) out.push(String(extra++));
    }
    return out;
  }
}
