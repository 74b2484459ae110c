/**
 * `npm run bench -- live`: how fast real-time changes reach subscribers, on a fresh database of
 * its own (`segments_bench_live`, dropped at the end).
 *
 * Part A (write-to-subscriber latency under load): the service runs as its own process
 * (harness `startService`, as in production: ROLE=all, one process), with 5 real-time segments
 * over BENCH_LIVE_USERS (20,000) users. A writer sends `trackEvents` of 100 events every 100 ms
 * (1,000 events/s, on a fixed schedule, to random users) for BENCH_LIVE_SECONDS (60); meanwhile a
 * prober toggles a probe user's city every 250 ms (`upsertUsers`, one user), which moves it in or
 * out of the "Oslo" segment. A graphql-ws subscriber (this process) listens to
 * `segmentMembershipChanged` of that segment; latency = receipt of the change naming the probe
 * user, minus the moment the probe's HTTP response arrived (and minus the request start).
 *
 * Part B (fan-out): the API runs in a process of this benchmark (forked once per N, with
 * --expose-gc; createServices + startLive + startApiServer, as tests/support/server.ts does, and as
 * `startRuntime` does for ROLE=api minus the job runner),
 * so that the event-loop delay (perf_hooks.monitorEventLoopDelay) and the RSS are the server's.
 * N = 1,000 and 5,000 graphql-ws clients (BENCH_LIVE_SUBSCRIBERS), spread over 4 forked client
 * processes, each subscribe to `segmentCountChanged(segmentIds: [s])`. 30 count changes
 * (BENCH_LIVE_CHANGES), each made by an `upsertUsers` over HTTP (a new user entering the
 * segment, so the count names the change) once every client has the previous one. Latency per delivery = arrival at the client − the payload's `at` (set in the
 * sync's transaction just before its commit), and − the moment the mutation returned; "to every
 * client" = the last arrival of each change. Memory per connection = (RSS after connecting and
 * subscribing N clients − RSS before) / N.
 *
 * Env BENCH_REDIS=1 runs both parts with REDIS_URL (default redis://127.0.0.1:6379) instead of
 * the in-memory pub/sub. Prints markdown tables; writes bench/results/live.json.
 */
import { ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createClient } from 'graphql-ws';
import mysql from 'mysql2/promise';
import WebSocket from 'ws';
import { createSchema } from '../src/graphql/schema';
import { startLive } from '../src/live';
import { createLogger } from '../src/logger';
import { openDatabase } from '../src/runtime';
import { startApiServer } from '../src/server/app';
import { createServices } from '../src/services';
import { RESULTS_DIR } from './generate';
import { databaseUrl, dropDatabase, gql, machine, quantile, startService, tuneDatabase } from './harness';

const DB = process.env.BENCH_LIVE_DB ?? 'segments_bench_live';
const USERS = Number(process.env.BENCH_LIVE_USERS ?? 20_000);
const SECONDS = Number(process.env.BENCH_LIVE_SECONDS ?? 60);
const EVENTS_PER_SECOND = Number(process.env.BENCH_LIVE_RATE ?? 1_000);
const SUBSCRIBERS = (process.env.BENCH_LIVE_SUBSCRIBERS ?? '1000,5000').split(',').map(Number);
const CHANGES = Number(process.env.BENCH_LIVE_CHANGES ?? 30);
const CLIENT_PROCESSES = Number(process.env.BENCH_LIVE_CLIENT_PROCESSES ?? 4);
const REDIS_URL = process.env.BENCH_REDIS === '1' ? (process.env.REDIS_URL ?? 'redis://127.0.0.1:6379') : null;
const PARTS = (process.env.BENCH_PARTS ?? 'latency,fanout').split(',');
const PORT = 4330;

const log = (s: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const r1 = (x: number) => Math.round(x * 10) / 10;

function stats(xs: readonly number[]): { n: number; p50: number; p95: number; p99: number; max: number; mean: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: r1(quantile(s, 0.5)), p95: r1(quantile(s, 0.95)), p99: r1(quantile(s, 0.99)), max: r1(s[s.length - 1] ?? NaN), mean: r1(s.reduce((a, b) => a + b, 0) / Math.max(1, s.length)) };
}

const UPSERT = 'mutation($input: [UserInput!]!) { upsertUsers(input: $input) { id } }';
const TRACK = 'mutation($input: [EventInput!]!) { trackEvents(input: $input) { accepted } }';
const CREATE = 'mutation($input: CreateSegmentInput!) { createSegment(input: $input) { id count } }';
const MEMBERS = 'subscription($id: ID!) { segmentMembershipChanged(segmentId: $id) { segmentId trigger enteredIds exitedIds at } }';
const COUNTS = 'subscription($ids: [ID!]) { segmentCountChanged(segmentIds: $ids) { segmentId count at } }';

const SEGMENTS: ReadonlyArray<readonly [string, unknown]> = [
  ['Oslo', { attribute: { field: 'city', operator: 'EQ', value: 'Oslo' } }],
  ['Buyers', { event: { name: 'order_completed', operator: 'GTE', value: 3 } }],
  ['Active this week', { event: { name: 'page_view', window: { lastDays: 7 }, operator: 'GTE', value: 5 } }],
  ['Consenting visitors', { and: [{ attribute: { field: 'marketingConsent', operator: 'IS_TRUE' } }, { event: { name: 'page_view', operator: 'GTE', value: 1 } }] }],
  ['Big spenders', { event: { name: 'order_completed', aggregate: 'SUM', property: 'total', operator: 'GT', value: 500 } }],
];

// ---------------------------------------------------------------------------------------------
// Part A

interface LatencyResult {
  users: number;
  seconds: number;
  targetEventsPerSecond: number;
  achievedEventsPerSecond: number;
  trackEventsMs: ReturnType<typeof stats>;
  probes: number;
  received: number;
  missing: number;
  fromResponseMs: ReturnType<typeof stats>;
  fromRequestStartMs: ReturnType<typeof stats>;
  probeRequestMs: ReturnType<typeof stats>;
  clientEventLoopDelayP99Ms: number;
  membershipMessages: number;
  /** REALTIME runs recorded (evaluations that changed something) and their duration (stage + apply). */
  realtimeRunsWithChanges: number;
  realtimeRunMs: ReturnType<typeof stats>;
  /** segment_change_events.published_at − at: from just before the change's commit to its claim by the publisher. */
  outboxClaimLagMs: ReturnType<typeof stats>;
}

async function latencyPart(): Promise<LatencyResult> {
  await dropDatabase(DB);
  const svc = await startService(DB, PORT, { GRAPHIQL: 'false', ...(REDIS_URL ? { REDIS_URL } : {}) });
  try {
    const cities = ['Bergen', 'Lima', 'Rome', 'Quito'];
    const ids: string[] = [];
    for (let b = 0; b < USERS / 1000; b++) {
      const input = Array.from({ length: 1000 }, (_, i) => {
        const n = b * 1000 + i;
        return { externalId: `u${n}`, city: cities[n % cities.length], marketingConsent: n % 3 !== 0 };
      });
      ids.push(...(await gql<{ upsertUsers: Array<{ id: string }> }>(svc.url, svc.token, UPSERT, { input })).upsertUsers.map((u) => u.id));
    }
    const probeIds = (await gql<{ upsertUsers: Array<{ id: string }> }>(svc.url, svc.token, UPSERT, { input: Array.from({ length: 200 }, (_, i) => ({ externalId: `probe${i}`, city: 'Bergen' })) })).upsertUsers.map((u) => u.id);
    const segIds: string[] = [];
    for (const [name, filter] of SEGMENTS) segIds.push((await gql<{ createSegment: { id: string } }>(svc.url, svc.token, CREATE, { input: { objectType: 'USER', name, filter } })).createSegment.id);
    log(`latency: ${ids.length + probeIds.length} users, ${segIds.length} real-time segments`);

    // The subscriber.
    const client = createClient({ url: `${svc.url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${svc.token}` }, retryAttempts: 0, lazy: false });
    const arrivals = new Map<string, number[]>();
    let messages = 0;
    const connected = new Promise<void>((resolve) => { const off = client.on('connected', () => { off(); resolve(); }); });
    const dispose = client.subscribe<{ segmentMembershipChanged: { enteredIds: string[]; exitedIds: string[] } }>({ query: MEMBERS, variables: { id: segIds[0] } }, {
      next: (msg) => {
        const now = performance.now();
        messages++;
        const m = msg.data?.segmentMembershipChanged;
        if (!m) return;
        for (const id of m.enteredIds) (arrivals.get(`${id}:in`) ?? arrivals.set(`${id}:in`, []).get(`${id}:in`)!).push(now);
        for (const id of m.exitedIds) (arrivals.get(`${id}:out`) ?? arrivals.set(`${id}:out`, []).get(`${id}:out`)!).push(now);
      },
      error: (e) => log(`subscription error ${JSON.stringify(e)}`),
      complete: () => undefined,
    });
    await connected;
    await sleep(500);

    const elDelay = monitorEventLoopDelay({ resolution: 10 });
    elDelay.enable();
    const started = performance.now();
    const end = started + SECONDS * 1000;
    // The writer: 100 events every 100 ms on a fixed schedule (a late batch does not shift the next).
    const batch = Math.max(1, Math.round(EVENTS_PER_SECOND / 10));
    const trackMs: number[] = [];
    let sent = 0;
    let seq = 0;
    const inflight: Array<Promise<void>> = [];
    const writer = (async () => {
      for (let tick = 0; ; tick++) {
        const due = started + tick * 100;
        if (due >= end) break;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        const input = Array.from({ length: batch }, () => {
          const user = ids[Math.floor(Math.random() * ids.length)];
          const buy = Math.random() < 0.15;
          return { userId: user, name: buy ? 'order_completed' : 'page_view', properties: buy ? { total: Math.round(Math.random() * 300) } : { path: '/pricing' }, messageId: `m${seq++}` };
        });
        const t0 = performance.now();
        const p = gql(svc.url, svc.token, TRACK, { input }).then(() => { trackMs.push(performance.now() - t0); sent += input.length; }, (e: unknown) => { log(`trackEvents failed: ${String(e)}`); });
        inflight.push(p);
      }
      await Promise.all(inflight);
    })();
    // The prober: every 250 ms, one probe user in or out of "Oslo".
    const probes: Array<{ key: string; start: number; response: number }> = [];
    const probeMs: number[] = [];
    const inOslo = new Set<string>();
    const prober = (async () => {
      for (let k = 0; ; k++) {
        const due = started + 500 + k * 250;
        if (due >= end - 1000) break;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        const id = probeIds[k % probeIds.length];
        const entering = !inOslo.has(id);
        const start = performance.now();
        await gql(svc.url, svc.token, UPSERT, { input: [{ id, city: entering ? 'Oslo' : 'Bergen' }] });
        const response = performance.now();
        probeMs.push(response - start);
        if (entering) inOslo.add(id); else inOslo.delete(id);
        probes.push({ key: `${id}:${entering ? 'in' : 'out'}`, start, response });
      }
    })();
    await Promise.all([writer, prober]);
    const elapsed = (performance.now() - started) / 1000;
    await sleep(3000);
    elDelay.disable();
    dispose();
    await client.dispose();

    // What the server did meanwhile, from its own records: real-time runs (only those that changed
    // something are recorded) and the outbox (published_at − at = commit-to-claim lag).
    const admin = await mysql.createConnection(databaseUrl(DB));
    const [runRows] = (await admin.query("SELECT duration_ms AS d FROM segment_sync_runs WHERE trigger_kind = 'REALTIME'")) as unknown as [Array<{ d: number }>];
    const [lagRows] = (await admin.query('SELECT TIMESTAMPDIFF(MICROSECOND, at, published_at) / 1000 AS lag FROM segment_change_events WHERE published_at IS NOT NULL')) as unknown as [Array<{ lag: string }>];
    await admin.end();

    const fromResponse: number[] = [];
    const fromStart: number[] = [];
    let missing = 0;
    for (const p of probes) {
      const got = (arrivals.get(p.key) ?? []).find((t) => t >= p.start);
      if (got === undefined) { missing++; continue; }
      arrivals.set(p.key, (arrivals.get(p.key) ?? []).filter((t) => t !== got));
      fromResponse.push(Math.max(0, got - p.response));
      fromStart.push(got - p.start);
    }
    return {
      users: ids.length + probeIds.length, seconds: r1(elapsed), targetEventsPerSecond: EVENTS_PER_SECOND, achievedEventsPerSecond: Math.round(sent / elapsed),
      trackEventsMs: stats(trackMs), probes: probes.length, received: fromResponse.length, missing,
      fromResponseMs: stats(fromResponse), fromRequestStartMs: stats(fromStart), probeRequestMs: stats(probeMs),
      clientEventLoopDelayP99Ms: r1(elDelay.percentile(99) / 1e6), membershipMessages: messages,
      realtimeRunsWithChanges: runRows.length, realtimeRunMs: stats(runRows.map((r) => Number(r.d))),
      outboxClaimLagMs: stats(lagRows.map((r) => Number(r.lag))),
    };
  } finally {
    await svc.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Part B: the client processes.

interface ClientReport { latAt: Array<[number, number]>; arrivals: Array<[number, number]>; connected: number; failed: number }

async function clientMain(url: string, token: string, segmentId: string, n: number): Promise<void> {
  const send = (m: unknown) => process.send?.(m);
  const perCount = new Map<number, number>();
  const latAt: Array<[number, number]> = [];
  const arrivals: Array<[number, number]> = [];
  const clients: Array<ReturnType<typeof createClient>> = [];
  let connected = 0;
  let failed = 0;
  const one = async () => {
    const client = createClient({ url, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: false, keepAlive: 0 });
    clients.push(client);
    await new Promise<void>((resolve) => {
      const offOk = client.on('connected', () => { offOk(); offErr(); connected++; resolve(); });
      const offErr = client.on('error', () => { offOk(); offErr(); failed++; resolve(); });
    });
    client.subscribe<{ segmentCountChanged: { count: number; at: string } }>({ query: COUNTS, variables: { ids: [segmentId] } }, {
      next: (msg) => {
        const now = Date.now();
        const m = msg.data?.segmentCountChanged;
        if (!m) return;
        latAt.push([m.count, now - Date.parse(m.at)]);
        arrivals.push([m.count, now]);
        const c = (perCount.get(m.count) ?? 0) + 1;
        perCount.set(m.count, c);
        if (c === connected) send({ type: 'all', count: m.count });
      },
      error: () => { failed++; },
      complete: () => undefined,
    });
  };
  // 50 handshakes at a time, so the listen backlog never overflows.
  let next = 0;
  await Promise.all(Array.from({ length: 50 }, async () => { while (next < n) { next++; await one(); } }));
  send({ type: 'connected', connected, failed });
  process.on('message', (m: { type: string }) => {
    if (m.type === 'report') send({ type: 'report', report: { latAt, arrivals, connected, failed } satisfies ClientReport });
    if (m.type === 'close') {
      for (const c of clients) void c.dispose();
      setTimeout(() => process.exit(0), 500);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Part B: the server (this process) and the measurement.

interface FanoutResult {
  subscribers: number;
  clientProcesses: number;
  changes: number;
  connectSeconds: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  rssPerConnectionKiB: number;
  heapPerConnectionKiB: number;
  perDeliveryFromAtMs: ReturnType<typeof stats>;
  perDeliveryFromMutationReturnMs: ReturnType<typeof stats>;
  lastClientFromAtMs: ReturnType<typeof stats>;
  lastClientFromMutationReturnMs: ReturnType<typeof stats>;
  serverEventLoopDelayMs: { p50: number; p99: number; max: number };
  deliveries: number;
  expectedDeliveries: number;
}

async function fanoutPart(subscribers: readonly number[]): Promise<FanoutResult[]> {
  await dropDatabase(DB);
  const logger = createLogger('warn');
  const ds = await openDatabase({ databaseUrl: databaseUrl(DB), dbPoolSize: 20 }, logger);
  const services = createServices(ds, logger);
  const live = startLive({ services, logger, redisUrl: REDIS_URL });
  const api = await startApiServer({ config: { port: PORT + 1, host: '127.0.0.1', production: true, graphiql: false }, services, schema: await createSchema(live.pubSub), logger, pubSub: live.pubSub, readinessChecks: [() => live.readiness()] });
  const url = `http://127.0.0.1:${PORT + 1}`;
  const wsUrl = `ws://127.0.0.1:${PORT + 1}/graphql`;
  const results: FanoutResult[] = [];
  try {
    const { token } = await services.workspaces.createWorkspace({ name: 'Fan-out' });
    await gql(url, token, UPSERT, { input: Array.from({ length: 1000 }, (_, i) => ({ externalId: `f${i}`, city: 'Bergen' })) });
    const seg = (await gql<{ createSegment: { id: string } }>(url, token, CREATE, { input: { objectType: 'USER', name: 'Fan', filter: { attribute: { field: 'city', operator: 'EQ', value: 'Fan' } } } })).createSegment.id;
    // Each change adds one user to the segment, so the count names the change.
    let count = 0;
    const returnedAt = new Map<number, number>();
    const addOne = async (): Promise<number> => {
      count++;
      await gql(url, token, UPSERT, { input: [{ externalId: `fan-${count}`, city: 'Fan' }] });
      returnedAt.set(count, Date.now());
      return count;
    };

    for (const n of subscribers) {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      await sleep(500);
      const rssBefore = process.memoryUsage().rss;
      const heapBefore = process.memoryUsage().heapUsed;
      const per = Math.ceil(n / CLIENT_PROCESSES);
      const children: ChildProcess[] = [];
      const t0 = performance.now();
      const waiting = new Map<number, number>();
      const onAll = (c: number) => waiting.set(c, (waiting.get(c) ?? 0) + 1);
      let connected = 0;
      await Promise.all(Array.from({ length: CLIENT_PROCESSES }, (_, k) => new Promise<void>((resolve, reject) => {
        const count = Math.min(per, n - k * per);
        const child = fork(__filename, ['--client', wsUrl, token, seg, String(count)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        children.push(child);
        child.on('message', (m: { type: string; connected?: number; failed?: number; count?: number }) => {
          if (m.type === 'connected') {
            connected += m.connected ?? 0;
            if (m.failed) log(`fan-out: ${m.failed} clients failed to connect`);
            resolve();
          }
          if (m.type === 'all' && m.count !== undefined) onAll(m.count);
        });
        child.once('error', reject);
      })));
      const connectSeconds = (performance.now() - t0) / 1000;
      // Every subscription is active once a change reaches every client.
      const waitAll = async (c: number, ms: number) => {
        const deadline = Date.now() + ms;
        while ((waiting.get(c) ?? 0) < CLIENT_PROCESSES && Date.now() < deadline) await sleep(5);
        return (waiting.get(c) ?? 0) >= CLIENT_PROCESSES;
      };
      let warm = false;
      for (let i = 0; i < 10 && !warm; i++) warm = await waitAll(await addOne(), 10_000);
      if (!warm) throw new Error('the subscribers never all received a change');
      await sleep(500);
      gc?.();
      const rssAfter = process.memoryUsage().rss;
      const heapAfter = process.memoryUsage().heapUsed;
      log(`fan-out ${n}: ${connected} connected in ${connectSeconds.toFixed(1)} s; RSS ${(rssBefore / 2 ** 20).toFixed(0)} → ${(rssAfter / 2 ** 20).toFixed(0)} MiB`);

      // The measured changes, one at a time: the next once every client has the previous one.
      const measured: number[] = [];
      const elDelay = monitorEventLoopDelay({ resolution: 10 });
      const reports: ClientReport[] = [];
      elDelay.enable();
      for (let i = 0; i < CHANGES; i++) {
        const c = await addOne();
        measured.push(c);
        if (!(await waitAll(c, 15_000))) log(`fan-out ${n}: change ${c} did not reach every client within 15 s`);
        await sleep(100);
      }
      elDelay.disable();
      await Promise.all(children.map((c) => new Promise<void>((resolve) => {
        c.once('message', (m: { type: string; report?: ClientReport }) => { if (m.report) reports.push(m.report); resolve(); });
        c.send({ type: 'report' });
      })));
      for (const c of children) c.send({ type: 'close' });
      await Promise.all(children.map((c) => new Promise((r) => c.once('exit', r))));

      const fromAt: number[] = [];
      const fromRet: number[] = [];
      const lastAt = new Map<number, number>();
      const lastRet = new Map<number, number>();
      const wanted = new Set(measured);
      let deliveries = 0;
      for (const r of reports) {
        r.latAt.forEach(([c, lat], j) => {
          if (!wanted.has(c)) return;
          const ret = r.arrivals[j][1] - returnedAt.get(c)!;
          fromAt.push(lat);
          fromRet.push(ret);
          lastAt.set(c, Math.max(lastAt.get(c) ?? -Infinity, lat));
          lastRet.set(c, Math.max(lastRet.get(c) ?? -Infinity, ret));
          deliveries++;
        });
      }
      const result: FanoutResult = {
        subscribers: connected, clientProcesses: CLIENT_PROCESSES, changes: CHANGES, connectSeconds: r1(connectSeconds),
        rssBeforeMiB: r1(rssBefore / 2 ** 20), rssAfterMiB: r1(rssAfter / 2 ** 20),
        rssPerConnectionKiB: r1((rssAfter - rssBefore) / 1024 / connected), heapPerConnectionKiB: r1((heapAfter - heapBefore) / 1024 / connected),
        perDeliveryFromAtMs: stats(fromAt), perDeliveryFromMutationReturnMs: stats(fromRet), lastClientFromAtMs: stats([...lastAt.values()]), lastClientFromMutationReturnMs: stats([...lastRet.values()]),
        serverEventLoopDelayMs: { p50: r1(elDelay.percentile(50) / 1e6), p99: r1(elDelay.percentile(99) / 1e6), max: r1(elDelay.max / 1e6) },
        deliveries, expectedDeliveries: connected * CHANGES,
      };
      results.push(result);
      log(`fan-out ${n}: delivery p50 ${result.perDeliveryFromAtMs.p50} / p99 ${result.perDeliveryFromAtMs.p99} ms from at; every client p99 ${result.lastClientFromAtMs.p99} ms; loop delay p99 ${result.serverEventLoopDelayMs.p99} ms; ${result.rssPerConnectionKiB} KiB/connection`);
      await sleep(1000);
    }
  } finally {
    await api.close();
    await live.stop();
    await ds.destroy();
  }
  return results;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const database = await tuneDatabase();
  const report: Record<string, unknown> = {
    date: new Date().toISOString(), machine: await machine(), database, pubSub: REDIS_URL ? 'redis' : 'memory',
  };
  const file = path.join(RESULTS_DIR, REDIS_URL ? 'live-redis.json' : 'live.json');
  // A run of one part (BENCH_PARTS) keeps the other part of an earlier run in the file.
  const earlier = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  for (const part of ['latency', 'fanout'] as const) if (!PARTS.includes(part) && earlier[part] !== undefined) report[part] = earlier[part];
  const save = () => { fs.mkdirSync(RESULTS_DIR, { recursive: true }); fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`); };
  try {
    if (PARTS.includes('latency')) {
      const a = await latencyPart();
      report.latency = a;
      save();
      console.log([
        `Write-to-subscriber latency, ${a.achievedEventsPerSecond} events/s background load, ${a.probes} probes (${a.missing} missing):`,
        '| measured from | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) |', '|---|---:|---:|---:|---:|',
        `| probe's HTTP response | ${a.fromResponseMs.p50} | ${a.fromResponseMs.p95} | ${a.fromResponseMs.p99} | ${a.fromResponseMs.max} |`,
        `| probe's request start | ${a.fromRequestStartMs.p50} | ${a.fromRequestStartMs.p95} | ${a.fromRequestStartMs.p99} | ${a.fromRequestStartMs.max} |`,
        `| (trackEvents of ${Math.round(EVENTS_PER_SECOND / 10)} events, request) | ${a.trackEventsMs.p50} | ${a.trackEventsMs.p95} | ${a.trackEventsMs.p99} | ${a.trackEventsMs.max} |`,
        `| (server: real-time run, stage + apply; ${a.realtimeRunsWithChanges} runs with changes) | ${a.realtimeRunMs.p50} | ${a.realtimeRunMs.p95} | ${a.realtimeRunMs.p99} | ${a.realtimeRunMs.max} |`,
        `| (server: outbox published_at − at) | ${a.outboxClaimLagMs.p50} | ${a.outboxClaimLagMs.p95} | ${a.outboxClaimLagMs.p99} | ${a.outboxClaimLagMs.max} |`,
      ].join('\n'));
    }
    if (PARTS.includes('fanout')) {
      // Each N in a fresh process (with --expose-gc), so that RSS before/after is that N's alone.
      const b: FanoutResult[] = [];
      for (const n of SUBSCRIBERS) b.push(...(await fanoutInChild(n)));
      report.fanout = b;
      save();
      console.log([
        '| subscribers | delivery p50 / p99 from `at` (ms) | every client p50 / p99 from `at` (ms) | delivery p50 / p99 from mutation return (ms) | server loop delay p50 / p99 / max (ms) | RSS per connection (KiB) |',
        '|---:|---:|---:|---:|---:|---:|',
        ...b.map((r) => `| ${r.subscribers} | ${r.perDeliveryFromAtMs.p50} / ${r.perDeliveryFromAtMs.p99} | ${r.lastClientFromAtMs.p50} / ${r.lastClientFromAtMs.p99} | ${r.perDeliveryFromMutationReturnMs.p50} / ${r.perDeliveryFromMutationReturnMs.p99} | ${r.serverEventLoopDelayMs.p50} / ${r.serverEventLoopDelayMs.p99} / ${r.serverEventLoopDelayMs.max} | ${r.rssPerConnectionKiB} |`),
      ].join('\n'));
    }
  } finally {
    save();
    log(`written ${file}`);
    await dropDatabase(DB).catch(() => undefined);
  }
}

function fanoutInChild(n: number): Promise<FanoutResult[]> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--fanout', String(n)], { execArgv: [...process.execArgv, '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: FanoutResult[] | null = null;
    child.on('message', (m: { type: string; result?: FanoutResult[] }) => { if (m.type === 'fanout') result = m.result ?? null; });
    child.once('exit', (code) => (result ? resolve(result) : reject(new Error(`fan-out run for ${n} subscribers exited with ${code}`))));
  });
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--client') void clientMain(argv[1], argv[2], argv[3], Number(argv[4]));
  else if (argv[0] === '--fanout') {
    fanoutPart([Number(argv[1])]).then((result) => { process.send?.({ type: 'fanout', result }); setTimeout(() => process.exit(0), 200); }, (e: unknown) => { console.error(e); process.exit(1); });
  }
  else main().then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(1); });
}
