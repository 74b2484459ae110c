/**
 * Integration (real MariaDB, real migrations): the table DDL, the table-name guard, and the
 * checks made at connect (server version, UTC pool).
 */
import mysql from 'mysql2/promise';
import {
  agendaJobsTableDdl,
  assertSupportsSkipLocked,
  assertValidTableName,
  MysqlBackend,
  parseServerVersion,
} from '../../src/agenda-mysql';
import { createTestDatabase, type TestDatabase } from '../support/db';

let db: TestDatabase;
let pool: mysql.Pool;

beforeAll(async () => {
  db = await createTestDatabase('agenda_schema');
  pool = mysql.createPool({ uri: db.url, timezone: 'Z', connectionLimit: 4 });
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('table name', () => {
  it.each(['agenda_jobs', '_x', 'A1', 'a'.repeat(64)])('accepts %s', name => {
    expect(assertValidTableName(name)).toBe(name);
  });

  it.each(['', '1jobs', 'jobs-x', 'jobs`; DROP TABLE users; --', 'a'.repeat(65), 'db.jobs'])('rejects %j', name => {
    expect(() => assertValidTableName(name)).toThrow(/invalid Agenda jobs table name/);
    expect(() => agendaJobsTableDdl(name)).toThrow(/invalid Agenda jobs table name/);
    expect(() => new MysqlBackend({ pool, tableName: name })).toThrow(/invalid Agenda jobs table name/);
  });
});

describe('DDL', () => {
  it('the migration created agenda_jobs as utf8mb4 with UTC DATETIME(3) columns and the lock indexes', async () => {
    const [rows] = await pool.query<mysql.RowDataPacket[]>('SHOW CREATE TABLE agenda_jobs');
    const ddl = String(rows[0]['Create Table']);
    expect(ddl).toMatch(/CHARSET=utf8mb4/);
    expect(ddl).toMatch(/`next_run_at` datetime\(3\)/);
    expect(ddl).toMatch(/`data` .*(json|longtext)/i);
    for (const index of ['uq_single_name', 'ix_name_next_run', 'ix_name_locked', 'ix_next_run']) expect(ddl).toContain(index);
  });

  it('is idempotent, and ensureSchema creates a custom table at connect', async () => {
    const backend = new MysqlBackend({ pool, tableName: 'custom_jobs', ensureSchema: true });
    await backend.connect();
    await pool.query(agendaJobsTableDdl('custom_jobs'));
    const saved = await backend.repository.saveJob({ name: 'x', priority: 0, nextRunAt: null, type: 'normal', data: 1 }, undefined);
    expect(await backend.repository.getJobById(saved._id!)).toMatchObject({ name: 'x', data: 1 });
  });

  it('the due-job pick follows ix_name_next_run, so LIMIT 1 stops at the first free row', async () => {
    const values = Array.from({ length: 300 }, (_, i) => [`job-${i % 10}`, i % 7, new Date(Date.now() - i * 1000)]);
    await pool.query('INSERT INTO agenda_jobs (name, priority, next_run_at) VALUES ?', [values]);
    await pool.query('ANALYZE TABLE agenda_jobs');
    const [plan] = await pool.query<mysql.RowDataPacket[]>(
      `EXPLAIN SELECT id FROM agenda_jobs WHERE name = ? AND next_run_at <= ? AND locked_at IS NULL AND disabled = 0
       ORDER BY next_run_at ASC, neg_priority ASC LIMIT 1 FOR UPDATE SKIP LOCKED`,
      ['job-3', new Date()],
    );
    expect(plan[0].key).toBe('ix_name_next_run');
    expect(String(plan[0].Extra)).not.toMatch(/filesort/i);
  });
});

describe('server version', () => {
  it.each([
    ['10.11.6-MariaDB-1:10.11.6+maria~ubu2204', 'MariaDB', 10, 11],
    ['5.5.5-10.6.12-MariaDB-log', 'MariaDB', 10, 6],
    ['11.4.2-MariaDB', 'MariaDB', 11, 4],
    ['8.0.36', 'MySQL', 8, 0],
    ['8.4.0-commercial', 'MySQL', 8, 4],
  ])('parses %s', (raw, flavor, major, minor) => {
    const version = parseServerVersion(raw);
    expect(version).toEqual({ flavor, major, minor, raw });
    expect(() => assertSupportsSkipLocked(version)).not.toThrow();
  });

  it.each([
    ['10.5.23-MariaDB', /found MariaDB 10\.5\.23-MariaDB, need MariaDB >= 10\.6/],
    ['10.3.39-MariaDB-0+deb10u1', /found MariaDB 10\.3\.39.*need MariaDB >= 10\.6/],
    ['5.7.44-log', /found MySQL 5\.7\.44-log, need MySQL >= 8\.0/],
  ])('rejects %s, naming the version found and the minimum', (raw, message) => {
    expect(() => assertSupportsSkipLocked(parseServerVersion(raw))).toThrow(message);
  });

  it('rejects an unparseable version string', () => {
    expect(() => parseServerVersion('banana')).toThrow(/cannot parse/);
  });

  it('connect() rejects an old server with that message', async () => {
    const oldServer = {
      query: async () => [[{ version: '10.5.9-MariaDB', sent: '2000-01-01 00:00:00.000', received: new Date(Date.UTC(2000, 0, 1)) }], []],
    } as unknown as mysql.Pool;
    await expect(new MysqlBackend({ pool: oldServer }).connect()).rejects.toThrow(/found MariaDB 10\.5\.9-MariaDB, need MariaDB >= 10\.6/);
  });

  it('connect() reports the real server it found', async () => {
    const backend = new MysqlBackend({ pool, ensureSchema: false });
    await backend.connect();
    expect(backend.repository.serverVersion).toMatchObject({ flavor: expect.stringMatching(/MariaDB|MySQL/) });
  });
});

describe('UTC pool check', () => {
  it.each([{ timezone: '+02:00' }, { timezone: 'Z', dateStrings: true }])('connect() rejects a pool with %j', async extra => {
    const other = mysql.createPool({ uri: db.url, connectionLimit: 1, ...extra });
    try {
      await expect(new MysqlBackend({ pool: other, ensureSchema: false }).connect()).rejects.toThrow(/timezone: 'Z'/);
    } finally {
      await other.end();
    }
  });

  it('connect() can be retried after a failure and then succeeds', async () => {
    let calls = 0;
    const flaky = {
      query: async (...args: Parameters<mysql.Pool['query']>) => {
        calls += 1;
        if (calls === 1) throw new Error('connection refused');
        return pool.query(...args);
      },
    } as unknown as mysql.Pool;
    const backend = new MysqlBackend({ pool: flaky, ensureSchema: false });
    await expect(backend.connect()).rejects.toThrow('connection refused');
    await expect(backend.connect()).resolves.toBeUndefined();
    await expect(backend.connect()).resolves.toBeUndefined();
    expect(calls).toBe(2);
  });
});
