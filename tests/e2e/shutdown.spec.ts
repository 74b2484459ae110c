/**
 * SIGTERM on the real service process (ROLE=all) with a scheduled sync in flight, a graphql-ws
 * subscriber and HTTP keep-alive clients. The sync is held in flight deterministically: the test
 * keeps the segment's row locked, so the sync waits in its final transaction (its run RUNNING,
 * its named lock held) until the test lets go.
 *
 * - A sync that cannot finish in the budget is released: its connection is killed (rolled back,
 *   named lock free), its job unlocked and due again with its schedule kept, and the next
 *   worker redoes it (the interrupted run is recorded as failed).
 * - That next worker is stopped in turn while its sync waits, but this time the row is let go
 *   a second later: the sync finishes within the budget and is waited for.
 * - Either way: new connections are refused at once, a request in flight gets its answer, idle
 *   keep-alive connections are closed, subscribers get 1001 (Going Away), and the process exits
 *   with code 0 within 10 seconds.
 */
import http from 'node:http';
import mysql from 'mysql2/promise';
import { CreateSegmentDocument, UpsertUsersDocument } from '../generated/graphql';
import { GqlClient } from '../support/client';
import { createTestDatabase, TestDatabase } from '../support/db';
import { killAllServices, ServiceProcess, spawnService, until } from '../support/service-process';
import { connected, subscribe, wsClient } from '../support/ws';
import { createLogger } from '../../src/logger';
import { createServices } from '../../src/services';

let db: TestDatabase;
let token: string;
const held: mysql.Connection[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  ({ token } = await createServices(db.dataSource, createLogger('silent')).workspaces.createWorkspace({ name: 'Shutdown' }));
});

afterAll(async () => {
  await killAllServices();
  for (const c of held) await c.end().catch(() => undefined);
  await db?.drop();
});

const ENV = { ROLE: 'all', JOB_POLL_MS: '200', LOG_LEVEL: 'info' };

/** A connection of the test that locks rows in an open transaction until `release()`. */
async function lockRows(sql: string, params: unknown[]): Promise<{ release(): Promise<void> }> {
  const conn = await mysql.createConnection(db.url);
  held.push(conn);
  await conn.query('START TRANSACTION');
  await conn.query(sql, params);
  return { async release() { await conn.query('ROLLBACK'); await conn.end(); } };
}

async function startWithSegment(name: string) {
  const service = await spawnService({ ...ENV, DATABASE_URL: db.url });
  await service.ready();
  const client = new GqlClient(`${service.url}/graphql`, token);
  const seg = (await client.ok(CreateSegmentDocument, { input: { objectType: 'USER', name, filter: { attribute: { field: 'city', operator: 'EQ', value: name } } } })).createSegment;
  await client.ok(UpsertUsersDocument, { input: [{ externalId: `${name}-1`, city: name }, { externalId: `${name}-2`, city: name }] });
  // Real time adds both; once it has, no evaluation is pending that could take the segment's
  // lock after the test holds its row (it would then wait on the row, and the sync behind it).
  await until(() => db.dataSource.query('SELECT member_count AS n FROM segments WHERE id = ?', [seg.id]) as Promise<Array<{ n: number }>>, (r) => Number(r[0]?.n) === 2, 10_000);
  return { service, client, segmentId: seg.id };
}

const runs = (segmentId: string) =>
  db.dataSource.query("SELECT id, status, trigger_kind, error FROM segment_sync_runs WHERE segment_id = ? AND trigger_kind = 'SCHEDULE' ORDER BY id", [segmentId]) as Promise<Array<{ id: string; status: string; error: string | null }>>;

/** Makes the segment's scheduled sync due now and waits until it runs (RUNNING, waiting for the row lock). */
async function syncInFlight(segmentId: string): Promise<void> {
  await db.dataSource.query("UPDATE agenda_jobs SET next_run_at = NOW(3) - INTERVAL 1 SECOND WHERE name = 'segment-sync' AND JSON_VALUE(data, '$.segmentId') = ?", [segmentId]);
  await until(() => runs(segmentId), (r) => r.some((x) => x.status === 'RUNNING'), 10_000);
}

/** What a process logged from its stop on (its warnings and errors say why a stop failed). */
const problems = (service: ServiceProcess) => service.logs.slice(service.logs.findIndex((l) => l.msg === 'shutting down'));

/** SIGTERM; resolves with the exit code and how long the process took to exit. */
async function terminate(service: ServiceProcess): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  service.child.kill('SIGTERM');
  const { code } = await service.exited;
  return { code, ms: Date.now() - started };
}

/** A request on a new connection: resolves with the status, or the error code when it cannot connect. */
function freshRequest(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    http.get(`${url}/healthz`, { agent: false }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

/** A POST through `agent`; resolves with status and body. */
function post(agent: http.Agent, url: string, body: unknown): Promise<{ status: number; body: string; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/graphql`, { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, connection: res.headers.connection }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** The statements running now on this test's database. */
const statements = async () => {
  const rows = await db.dataSource.query("SELECT INFO AS query FROM information_schema.PROCESSLIST WHERE DB = ? AND COMMAND = 'Query'", [db.name]) as Array<{ query: string | null }>;
  return rows.map((r) => r.query ?? '');
};
const lockFree = async (segmentId: string) => {
  const [{ free }] = await db.dataSource.query("SELECT IS_FREE_LOCK(CONCAT(LEFT(DATABASE(), 40), ':seg-sync:', ?)) AS free", [segmentId]) as Array<{ free: number }>;
  return Number(free) === 1;
};
const lockedJobs = async () => {
  const [{ n }] = await db.dataSource.query('SELECT COUNT(*) AS n FROM agenda_jobs WHERE locked_at IS NOT NULL') as Array<{ n: string }>;
  return Number(n);
};

test('SIGTERM: clients closed properly, a stuck sync released and redone by the next worker, a finishing sync waited for; exit 0 within 10 s', async () => {
  const { service, segmentId } = await startWithSegment('Oslo');
  const segmentRow = await lockRows('SELECT id FROM segments WHERE id = ? FOR UPDATE', [segmentId]);
  await syncInFlight(segmentId);
  expect(await lockFree(segmentId)).toBe(false);

  // A subscriber, an idle keep-alive connection, and a request in flight (an upsert waiting on a row the test holds).
  const ws = wsClient(service.wsUrl, token);
  const wsReady = connected(ws);
  const closeCode = new Promise<number>((resolve) => ws.on('closed', (event) => resolve((event as { code: number }).code)));
  subscribe(ws, 'subscription { segmentCountChanged { segmentId count } }');
  await wsReady;
  const idleAgent = new http.Agent({ keepAlive: true });
  expect((await post(idleAgent, service.url, { query: '{ me { role } }' })).status).toBe(200);
  const idleSocketClosed = new Promise<void>((resolve) => {
    const sockets = Object.values(idleAgent.freeSockets).flat();
    expect(sockets).toHaveLength(1);
    sockets[0]!.once('close', () => resolve());
  });
  const [{ id: userId }] = await db.dataSource.query("SELECT id FROM users WHERE external_id = 'Oslo-1'") as Array<{ id: string }>;
  const userRow = await lockRows('SELECT id FROM users WHERE id = ? FOR UPDATE', [userId]);
  const busyAgent = new http.Agent({ keepAlive: true });
  const inFlight = post(busyAgent, service.url, { query: 'mutation { upsertUsers(input: [{ externalId: "Oslo-1", firstName: "Ola" }]) { firstName } }' });
  await until(statements, (queries) => queries.some((q) => /FROM users .* FOR UPDATE/.test(q))); // waiting for the row

  const exit = terminate(service);
  // New connections are refused at once.
  expect(await until(() => freshRequest(service.url), (r) => r === 'ECONNREFUSED', 2_000)).toBe('ECONNREFUSED');
  // The request in flight gets its answer once its row is free, on a connection closed after it.
  await new Promise((r) => setTimeout(r, 500));
  await userRow.release();
  const answered = await inFlight;
  expect(answered.status).toBe(200);
  expect(JSON.parse(answered.body)).toEqual({ data: { upsertUsers: [{ firstName: 'Ola' }] } });
  expect(answered.connection).toBe('close');
  await idleSocketClosed;
  expect(await closeCode).toBe(1001);

  const { code, ms } = await exit;
  // (On a failure, the warnings and errors of the stop say why.)
  expect({ code, problems: code === 0 ? [] : problems(service) }).toEqual({ code: 0, problems: [] });
  expect(ms).toBeLessThan(10_000);
  expect(service.logs.some((l) => l.msg === 'jobs still running at shutdown were released')).toBe(true);

  // Released: the named lock is free, no job row is locked, the run waits for its redo, the job is due with its schedule.
  expect(await lockFree(segmentId)).toBe(true);
  expect(await lockedJobs()).toBe(0);
  expect((await runs(segmentId)).map((r) => r.status)).toEqual(['RUNNING']);
  const [job] = await db.dataSource.query("SELECT next_run_at <= NOW(3) AS due, repeat_interval FROM agenda_jobs WHERE name = 'segment-sync' AND JSON_VALUE(data, '$.segmentId') = ?", [segmentId]) as Array<{ due: number; repeat_interval: string | null }>;
  expect({ due: Number(job.due), repeatInterval: job.repeat_interval }).toEqual({ due: 1, repeatInterval: '240 minutes' });
  // The previous results are whole.
  const [{ members }] = await db.dataSource.query('SELECT COUNT(*) AS members FROM segment_members WHERE segment_id = ?', [segmentId]) as Array<{ members: string }>;
  expect(Number(members)).toBe(2);

  // The next worker redoes it, and is itself stopped while doing so (the row is still held):
  // the interrupted run is recorded as failed, and this time the sync finishes within the budget.
  const next = await spawnService({ ...ENV, DATABASE_URL: db.url, ROLE: 'worker' });
  await until(() => runs(segmentId), (r) => r.length === 2 && r[1].status === 'RUNNING', 20_000);
  const finishing = terminate(next);
  await new Promise((r) => setTimeout(r, 1_000));
  await segmentRow.release();
  const finished = await finishing;
  expect({ code: finished.code, problems: finished.code === 0 ? [] : problems(next) }).toEqual({ code: 0, problems: [] });
  expect(finished.ms).toBeLessThan(10_000);
  expect(next.logs.some((l) => l.msg === 'jobs still running at shutdown were released')).toBe(false);
  const redone = await runs(segmentId);
  expect(redone.map((r) => r.status)).toEqual(['FAILED', 'SUCCEEDED']);
  expect(redone[0].error).toMatch(/interrupted/);
  expect(await lockFree(segmentId)).toBe(true);
  expect(await lockedJobs()).toBe(0);
  process.stdout.write(`${JSON.stringify({ releasedShutdownMs: ms, finishedShutdownMs: finished.ms })}\n`);
  idleAgent.destroy();
  busyAgent.destroy();
}, 60_000);
