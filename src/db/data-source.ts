/** The TypeORM data source: MariaDB/MySQL through mysql2, UTC, utf8mb4, migrations from `migrations/`. */
import 'reflect-metadata';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { ENTITIES } from './entities';

export interface DataSourceOptions {
  /** mysql://user:password@host:port/database */
  readonly databaseUrl: string;
  readonly poolSize?: number;
}

const migrationsGlob = path.join(__dirname, '..', '..', 'migrations', '*.{ts,js}');

export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'mysql',
    url: options.databaseUrl,
    charset: 'utf8mb4_unicode_520_ci',
    timezone: 'Z',
    dateStrings: false,
    supportBigNumbers: true,
    bigNumberStrings: true,
    synchronize: false,
    migrationsRun: false,
    migrations: [migrationsGlob],
    migrationsTableName: 'typeorm_migrations',
    entities: ENTITIES,
    poolSize: options.poolSize ?? 20,
    extra: { connectionLimit: options.poolSize ?? 20, enableKeepAlive: true, multipleStatements: false },
    logging: false,
  });
}

/** Splits a database URL into the server URL and the database name, for creating the database. */
export function splitDatabaseUrl(databaseUrl: string): { serverUrl: string; database: string } {
  const url = new URL(databaseUrl);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  url.pathname = '/';
  return { serverUrl: url.toString(), database };
}
