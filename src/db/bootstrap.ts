/** Start-up of the database: create it when missing, run pending migrations, report readiness. */
import mysql from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { splitDatabaseUrl } from './data-source';

/** Creates the database of `databaseUrl` if it does not exist (utf8mb4, Unicode collation). */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const { serverUrl, database } = splitDatabaseUrl(databaseUrl);
  const conn = await mysql.createConnection(serverUrl);
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS ${conn.escapeId(database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci`);
  } finally {
    await conn.end();
  }
}

/**
 * Refuses servers that lack what the service relies on: SKIP LOCKED (job locking), JSON_VALUE
 * and window functions. MariaDB 10.6+ and MySQL 8.0+ have all three.
 */
export async function assertSupportedServer(ds: DataSource): Promise<string> {
  const [{ v }] = (await ds.query('SELECT VERSION() AS v')) as Array<{ v: string }>;
  const m = /^(\d+)\.(\d+)/.exec(v);
  const major = m ? Number(m[1]) : 0;
  const minor = m ? Number(m[2]) : 0;
  const maria = /mariadb/i.test(v);
  const ok = maria ? major > 10 || (major === 10 && minor >= 6) : major >= 8;
  if (!ok) throw new Error(`database server ${v} is too old: the service needs MariaDB 10.6+ or MySQL 8.0+`);
  return v;
}

/** Names of the migrations not yet applied. */
export async function pendingMigrations(ds: DataSource): Promise<boolean> {
  return ds.showMigrations();
}
