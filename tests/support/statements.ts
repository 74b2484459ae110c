/** What a piece of work runs on the database, for tests that assert which statements ran. */
import { MysqlQueryRunner } from 'typeorm/driver/mysql/MysqlQueryRunner';

/** The SQL statements run through query runners while `work` runs. */
export async function statementsOf(work: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const original = MysqlQueryRunner.prototype.query;
  MysqlQueryRunner.prototype.query = function (this: MysqlQueryRunner, ...args: Parameters<MysqlQueryRunner['query']>) {
    seen.push(String(args[0]));
    return original.apply(this, args);
  } as MysqlQueryRunner['query'];
  try {
    await work();
  } finally {
    MysqlQueryRunner.prototype.query = original;
  }
  return seen;
}
