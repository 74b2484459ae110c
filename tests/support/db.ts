/**
 * Test databases: each suite gets its own freshly created database with the real migrations,
 * dropped at the end. The server comes from TEST_DATABASE_SERVER (default the local MariaDB).
 */
import crypto from 'node:crypto';
import mysql from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { createDataSource } from '../../src/db/data-source';

export function testServerUrl(): string {
  return process.env.TEST_DATABASE_SERVER ?? 'mysql://root@127.0.0.1:3306/';
}

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  readonly dataSource: DataSource;
  drop(): Promise<void>;
}

/** Creates `seg_test_<random>`, runs every migration, and returns an initialised data source. */
export async function createTestDatabase(prefix = 'seg_test'): Promise<TestDatabase> {
  const name = `${prefix}_${crypto.randomBytes(5).toString('hex')}`;
  const admin = await mysql.createConnection(testServerUrl());
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci`);
  await admin.end();
  const url = new URL(testServerUrl());
  url.pathname = `/${name}`;
  const dataSource = createDataSource({ databaseUrl: url.toString(), poolSize: 10 });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return {
    name,
    url: url.toString(),
    dataSource,
    async drop() {
      if (dataSource.isInitialized) await dataSource.destroy();
      const conn = await mysql.createConnection(testServerUrl());
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    },
  };
}
