/** The command line, as a user runs it: a real process against a real (fresh) database. */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { createDataSource } from '../../src/db/data-source';
import { AuthService } from '../../src/services/auth.service';
import { testServerUrl } from '../support/db';

const run = promisify(execFile);
const main = path.join(__dirname, '..', '..', 'dist', 'src', 'main.js');
const dbName = `seg_test_cli_${crypto.randomBytes(4).toString('hex')}`;
const url = new URL(testServerUrl());
url.pathname = `/${dbName}`;

afterAll(async () => {
  const conn = await mysql.createConnection(testServerUrl());
  await conn.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
  await conn.end();
});

test('the build exists (npm run build)', () => {
  expect(fs.existsSync(main)).toBe(true);
});

test('create-workspace creates the database, migrates, and prints one JSON line with a working admin token', async () => {
  const { stdout } = await run('node', [main, 'create-workspace', '--name', 'Acme'], { env: { ...process.env, DATABASE_URL: url.toString() } });
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  const out = JSON.parse(lines[0]);
  expect(Object.keys(out).sort()).toEqual(['agentId', 'token', 'workspaceId']);
  const ds = createDataSource({ databaseUrl: url.toString(), poolSize: 2 });
  await ds.initialize();
  try {
    expect(await new AuthService(ds).authenticate(out.token)).toEqual({ agentId: out.agentId, workspaceId: out.workspaceId, role: 'ADMIN' });
    const [ws] = await ds.query('SELECT name FROM workspaces WHERE id = ?', [out.workspaceId]);
    expect(ws.name).toBe('Acme');
  } finally {
    await ds.destroy();
  }
});

test('create-workspace without a name exits 2 with the usage', async () => {
  await expect(run('node', [main, 'create-workspace'], { env: { ...process.env, DATABASE_URL: url.toString() } })).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--name') });
});

test('bad configuration is reported, value by value', async () => {
  const err = await run('node', [main, 'migrate'], { env: { ...process.env, DATABASE_URL: 'postgres://x/y', PORT: 'eighty', ROLE: 'boss' } }).catch((e) => e);
  expect(err.code).toBe(1);
  expect(err.stderr).toContain('DATABASE_URL must start with mysql://');
  expect(err.stderr).toContain('PORT must be an integer');
  expect(err.stderr).toContain('ROLE must be one of all, api, worker');
});
