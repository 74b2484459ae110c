/**
 * Shared pieces of the benchmarks: a fresh database, the service started as a separate
 * process (as in production), a workspace token, a GraphQL client, and timing helpers.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';

const run = promisify(execFile);
export const ROOT = path.join(__dirname, '..', '..');
const MAIN = path.join(ROOT, 'dist', 'src', 'main.js');

export function serverUrl(): string {
  return process.env.BENCH_DATABASE_SERVER ?? 'mysql://root@127.0.0.1:3306/';
}

export function databaseUrl(name: string): string {
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(name: string): Promise<void> {
  const conn = await mysql.createConnection(serverUrl());
  await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await conn.end();
}

/**
 * The server settings the figures were measured with. MariaDB's defaults (128 MiB buffer pool,
 * 96 MiB redo log) are sized for a laptop; a production database is configured for its data.
 * Both settings are dynamic on MariaDB 10.9+ (on MySQL 8.0.30+ use innodb_redo_log_capacity).
 */
export async function tuneDatabase(bufferPoolGiB = 8, redoLogGiB = 2): Promise<Record<string, string>> {
  const conn = await mysql.createConnection(serverUrl());
  try {
    await conn.query('SET GLOBAL innodb_buffer_pool_size = GREATEST(@@innodb_buffer_pool_size, ?)', [bufferPoolGiB * 2 ** 30]).catch(() => undefined);
    await conn.query('SET GLOBAL innodb_log_file_size = GREATEST(@@innodb_log_file_size, ?)', [redoLogGiB * 2 ** 30]).catch(() => undefined);
    const [[row]] = (await conn.query('SELECT @@innodb_buffer_pool_size AS bp, @@innodb_log_file_size AS log, @@innodb_flush_log_at_trx_commit AS flush')) as unknown as [[Record<string, string>]];
    return { innodb_buffer_pool_size: `${Number(row.bp) / 2 ** 30} GiB`, innodb_log_file_size: `${Number(row.log) / 2 ** 30} GiB`, innodb_flush_log_at_trx_commit: String(row.flush) };
  } finally {
    await conn.end();
  }
}

export interface RunningService {
  readonly url: string;
  readonly token: string;
  /** The service process's pid (e.g. to read its CPU time from /proc). */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * Starts `node dist/src/main.js start` on `db` (created and migrated), with a new workspace; with
 * `options.token`, on the existing workspace of that token instead (e.g. the data set of
 * bench/generate.ts, whose token is in `bench_meta`), and no workspace is made.
 */
export async function startService(db: string, port: number, env: Record<string, string> = {}, options: { token?: string } = {}): Promise<RunningService> {
  const baseEnv = { ...process.env, DATABASE_URL: databaseUrl(db), PORT: String(port), HOST: '127.0.0.1', SEED_DEMO: 'false', LOG_LEVEL: 'warn', ...env };
  let token = options.token;
  if (token === undefined) {
    const { stdout } = await run('node', [MAIN, 'create-workspace', '--name', 'Bench'], { env: baseEnv });
    token = (JSON.parse(stdout.trim()) as { token: string }).token;
  }
  // BENCH_SERVICE_LOG=<file>: the service's own log lines (pino, on stdout) go there.
  const logFile = process.env.BENCH_SERVICE_LOG;
  const out = logFile ? fs.openSync(logFile, 'a') : 'ignore';
  const child: ChildProcess = spawn('node', [MAIN, 'start'], { env: baseEnv, stdio: ['ignore', out, 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    token,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return; // already gone: 'exit' will not come again
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

export async function gql<T = unknown>(url: string, token: string, query: string, variables?: unknown): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors).slice(0, 500));
  return body.data as T;
}

/** Runs `task(i)` for i in [0, n) with at most `concurrency` at once. */
export async function pool(n: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await task(next++);
  }));
}

export async function machine(): Promise<string> {
  const conn = await mysql.createConnection(serverUrl());
  const [[{ v }]] = (await conn.query('SELECT VERSION() AS v')) as unknown as [[{ v: string }]];
  await conn.end();
  return `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${v}`;
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
