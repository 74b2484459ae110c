/**
 * Redis going away and coming back, with the real service process (REDIS_URL) and a private
 * redis-server of this test (no persistence), killed and started again on the same port: while
 * it is gone /readyz is 503 and names Redis; once it is back /readyz is 200 by itself and a
 * graphql-ws subscriber receives a change made after the recovery.
 */
import { ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { GqlClient } from '../support/client';
import { createTestDatabase, TestDatabase } from '../support/db';
import { freePort, killAllServices, ServiceProcess, spawnService, until } from '../support/service-process';
import { connected, subscribe, wsClient } from '../support/ws';
import { CreateSegmentDocument, UpsertUsersDocument } from '../generated/graphql';
import { createLogger } from '../../src/logger';
import { createServices } from '../../src/services';

let db: TestDatabase;
let redis: ChildProcess | null = null;
let service: ServiceProcess;

afterAll(async () => {
  await killAllServices();
  await stopRedis();
  await db?.drop();
});

/** True when something answers PONG on the port. */
function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

async function startRedis(port: number): Promise<void> {
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await until(() => pings(port), (ok) => ok, 10_000);
}

async function stopRedis(): Promise<void> {
  const r = redis;
  redis = null;
  if (!r || r.exitCode !== null || r.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    r.once('exit', () => resolve());
    r.kill('SIGKILL');
  });
}

const readyz = async () => {
  const res = await fetch(`${service.url}/readyz`);
  return { status: res.status, body: (await res.json()) as { problems?: string[] } };
};

type CountMsg = { segmentCountChanged: { segmentId: string; count: number } };

test('Redis killed: /readyz is 503 naming Redis; Redis back on its port: ready again, subscriptions receive new changes', async () => {
  db = await createTestDatabase();
  const { token } = await createServices(db.dataSource, createLogger('silent')).workspaces.createWorkspace({ name: 'Redis faults' });
  const redisPort = await freePort();
  await startRedis(redisPort);
  service = await spawnService({ DATABASE_URL: db.url, REDIS_URL: `redis://127.0.0.1:${redisPort}`, ROLE: 'all', LOG_LEVEL: 'warn' });
  await service.ready();
  const client = new GqlClient(`${service.url}/graphql`, token);
  const seg = (await client.ok(CreateSegmentDocument, { input: { objectType: 'USER', name: 'Oslo', filter: { attribute: { field: 'city', operator: 'EQ', value: 'Oslo' } } } })).createSegment;

  const ws = wsClient(service.wsUrl, token);
  try {
    const ready = connected(ws);
    const counts = subscribe<CountMsg>(ws, 'subscription { segmentCountChanged { segmentId count } }');
    await ready;
    // The subscription is live once a change reaches it (through Redis).
    await client.ok(UpsertUsersDocument, { input: [{ externalId: 'before', city: 'Oslo' }] });
    expect((await counts.next(10_000)).segmentCountChanged).toEqual({ segmentId: seg.id, count: 1 });

    const killedAt = Date.now();
    await stopRedis();
    const down = await until(readyz, (r) => r.status === 503, 10_000);
    const notReadyMs = Date.now() - killedAt;
    expect(down.body.problems).toEqual(['redis unreachable']);
    // The rest of the service still answers: GraphQL does not need Redis to read and write.
    expect((await client.ok('{ me { role } }'))).toEqual({ me: { role: 'ADMIN' } });

    const restartedAt = Date.now();
    await startRedis(redisPort);
    await until(readyz, (r) => r.status === 200, 15_000);
    const readyAgainMs = Date.now() - restartedAt;

    // A change after the recovery reaches the subscriber that was connected all along.
    counts.queue.splice(0);
    await client.ok(UpsertUsersDocument, { input: [{ externalId: 'after', city: 'Oslo' }] });
    const deadline = Date.now() + 10_000;
    let last: CountMsg | undefined;
    while (last?.segmentCountChanged.count !== 2 && Date.now() < deadline) last = await counts.next(deadline - Date.now());
    expect(last?.segmentCountChanged).toEqual({ segmentId: seg.id, count: 2 });
    expect(service.child.exitCode).toBeNull();
    // Noticed within a readiness probe or two, recovered within ioredis's reconnect backoff (≤ 2 s).
    expect(notReadyMs).toBeLessThan(3_000);
    expect(readyAgainMs).toBeLessThan(5_000);
    process.stdout.write(`${JSON.stringify({ notReadyMs, readyAgainMs })}\n`);
  } finally {
    await ws.dispose();
  }
}, 60_000);
