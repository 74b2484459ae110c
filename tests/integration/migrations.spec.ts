/**
 * Processes that start together (an API and workers on a new database) migrate one at a time:
 * both start, and every migration is applied exactly once.
 */
import mysql from 'mysql2/promise';
import { createLogger } from '../../src/logger';
import { openDatabase } from '../../src/runtime';
import { testServerUrl } from '../support/db';

test('two processes opening a new database at once both start, and each migration runs once', async () => {
  const name = `seg_migrate_${process.pid}_${Date.now() % 100000}`;
  const url = new URL(testServerUrl());
  url.pathname = `/${name}`;
  const logger = createLogger('silent');
  const config = { databaseUrl: url.toString(), dbPoolSize: 4 };
  try {
    const [a, b] = await Promise.all([openDatabase(config, logger), openDatabase(config, logger)]);
    const rows = (await a.query('SELECT name, COUNT(*) AS n FROM typeorm_migrations GROUP BY name')) as Array<{ name: string; n: string }>;
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.filter((r) => Number(r.n) !== 1)).toEqual([]);
    expect(await a.showMigrations()).toBe(false);
    await Promise.all([a.destroy(), b.destroy()]);
  } finally {
    const admin = await mysql.createConnection(testServerUrl());
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.end();
  }
});
