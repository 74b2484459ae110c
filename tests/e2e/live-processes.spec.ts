/**
 * Several processes: with REDIS_URL, a change made through process A reaches a subscriber on
 * process B; and a committed change whose maker died before publishing is published anyway.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase, TestDatabase } from '../support/db';
import { GqlClient } from '../support/client';
import { subscribe, wsClient, connected } from '../support/ws';
import { CreateSegmentDocument, UpsertUsersDocument } from '../generated/graphql';

const MAIN = path.join(__dirname, '..', '..', 'dist', 'src', 'main.js');
const REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = promisify(execFile);
let db: TestDatabase;
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await db?.drop();
});

async function startProcess(port: number, role: string): Promise<string> {
  const child = spawn(process.execPath, [MAIN, 'start'], {
    env: { ...process.env, DATABASE_URL: db.url, PORT: String(port), HOST: '127.0.0.1', ROLE: role, REDIS_URL: REDIS, SEED_DEMO: 'false', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 150; i++) {
    if (await fetch(`${url}/readyz`).then((r) => r.ok, () => false)) return url;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`process on ${port} did not become ready`);
}

const port = () => 20_000 + Math.floor(Math.random() * 20_000);
const COUNTS = 'subscription { segmentCountChanged { segmentId count previousCount trigger } }';
type CountMsg = { segmentCountChanged: { segmentId: string; count: number; previousCount: number; trigger: string } };

test('a change made through process A reaches a subscriber on process B, and a dead maker\'s change is still published', async () => {
  db = await createTestDatabase();
  const { stdout } = await run('node', [MAIN, 'create-workspace', '--name', 'Two'], { env: { ...process.env, DATABASE_URL: db.url } });
  const { token, workspaceId } = JSON.parse(stdout.trim());
  const a = await startProcess(port(), 'all');
  const b = await startProcess(port(), 'api');
  const ws = wsClient(`${b.replace('http', 'ws')}/graphql`, token);
  const ready = connected(ws);
  const counts = subscribe<CountMsg>(ws, COUNTS);
  await ready;
  await new Promise((r) => setTimeout(r, 200));

  const ca = new GqlClient(`${a}/graphql`, token);
  const seg = (await ca.ok(CreateSegmentDocument, { input: { objectType: 'USER', name: 'Oslo', filter: { attribute: { field: 'city', operator: 'EQ', value: 'Oslo' } } } })).createSegment;
  await ca.ok(UpsertUsersDocument, { input: [{ externalId: 'x', city: 'Oslo' }] });
  expect((await counts.next()).segmentCountChanged).toMatchObject({ segmentId: seg.id, count: 1, previousCount: 0, trigger: 'REALTIME' });

  // A process committed a change and died before publishing it: the outbox row is all that is left.
  await db.dataSource.query(
    `INSERT INTO segment_change_events (workspace_id, segment_id, object_type, trigger_kind, previous_count, member_count, entered_count, exited_count, entered_ids, exited_ids, at)
     VALUES (?, ?, 1, 'MANUAL', 1, 5, 4, 0, '["9","10","11","12"]', '[]', NOW(3) - INTERVAL 5 SECOND)`,
    [workspaceId, seg.id],
  );
  expect((await counts.next(10_000)).segmentCountChanged).toMatchObject({ segmentId: seg.id, count: 5, previousCount: 1, trigger: 'MANUAL' });
  await new Promise((r) => setTimeout(r, 1_500));
  expect(counts.queue).toEqual([]); // published once, by one of the two processes
  const [{ unpublished }] = await db.dataSource.query('SELECT COUNT(*) AS unpublished FROM segment_change_events WHERE published_at IS NULL');
  expect(Number(unpublished)).toBe(0);
  await ws.dispose();
}, 60_000);
