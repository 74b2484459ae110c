/**
 * `npm run bench -- freshness`: how soon time-relative results flip, what it costs.
 *
 * On the filter benchmark's data set (`npm run bench -- generate`, database segments_bench: 1M
 * users, 100k companies, 10M events whose times are relative to the moment of generation), the
 * service runs as its own process (ROLE=all, TIME_SWEEP_MS 2 s) with 20 time-relative real-time
 * segments (18 USER, 2 COMPANY).
 *
 * Part A (lag): nothing is written; time passes for BENCH_FRESH_MINUTES (10). At the start the
 * benchmark reads the moments the service keeps (`segment_time_triggers`) that fall inside the
 * observation; a graphql-ws subscriber receives every `segmentMembershipChanged`. For each
 * object in a TIME change whose moment was in that snapshot, lag = receipt − moment (the moment
 * is when its result changes: a moment's result differs from the one before only at or after
 * it). Rows re-evaluated = the count of the service's `segments_time_trigger_lag_seconds`
 * histogram over the observation, per hour, against the rows a 4-hourly full sweep of the same
 * segments touches (every object of their type, 6 times a day). At the end a full sync of each
 * segment (what the scheduled sync would do) shows how many objects it still had to correct.
 *
 * Part B (ingestion cost): trackEvents batches (BENCH_FRESH_BATCH, 200 events of random users)
 * from BENCH_FRESH_CONCURRENCY (4) clients for BENCH_FRESH_INGEST_SECONDS (30), once with the
 * bookkeeping on and once with TIME_TRIGGERS=false (same segments, real time on in both), in
 * BENCH_FRESH_ROUNDS (2) alternated rounds on fresh processes: events/s, request latency, and the
 * CPU seconds of the service and of mysqld per 1,000 events until the real-time evaluation of
 * the burst has settled (no statement of the service running on the database for 2 s). The events are deleted afterwards (message ids
 * `fresh-bench-…`), and so are the segments, so the data set stays the one generated.
 *
 * Prints markdown; writes bench/results/freshness.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import { DataSource } from 'typeorm';
import WebSocket from 'ws';
import { createDataSource } from '../src/db/data-source';
import { BENCH_DB, ensureDataset, openBenchDataSource, readMeta, RESULTS_DIR } from './generate';
import { databaseUrl, gql, machine, quantile, RunningService, startService, tuneDatabase } from './harness';

const MINUTES = Number(process.env.BENCH_FRESH_MINUTES ?? 10);
const INGEST_SECONDS = Number(process.env.BENCH_FRESH_INGEST_SECONDS ?? 30);
const CONCURRENCY = Number(process.env.BENCH_FRESH_CONCURRENCY ?? 4);
const BATCH = Number(process.env.BENCH_FRESH_BATCH ?? 200);
const PARTS = (process.env.BENCH_PARTS ?? 'lag,ingest').split(',');
const ROUNDS = Number(process.env.BENCH_FRESH_ROUNDS ?? 2);
/** BENCH_SERVICE_LOG_LEVEL (e.g. debug, with BENCH_SERVICE_LOG=<file>): the service's log level (default warn). */
const SERVICE_LOG_LEVEL: Record<string, string> = process.env.BENCH_SERVICE_LOG_LEVEL ? { LOG_LEVEL: process.env.BENCH_SERVICE_LOG_LEVEL } : {};
const PORT = 4340;
const PREFIX = 'fresh';

const log = (s: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Filter = Record<string, unknown>;
const ev = (name: string, extra: Filter = {}) => ({ event: { name, ...extra } });
const attr = (field: string, operator: string, value: unknown) => ({ attribute: { field, operator, value } });

/** 20 time-relative segments of the kinds marketers keep (USER unless said). */
const SEGMENTS: Array<{ name: string; objectType?: 'USER' | 'COMPANY'; filter: Filter }> = [
  { name: 'seen in 7 days', filter: attr('lastSeenAt', 'WITHIN_LAST_DAYS', 7) },
  { name: 'not seen in 30 days', filter: attr('lastSeenAt', 'MORE_THAN_DAYS_AGO', 30) },
  { name: 'seen today', filter: attr('lastSeenAt', 'WITHIN_LAST_DAYS', 1) },
  { name: 'viewed a page in 7 days', filter: ev('page_view', { window: { lastDays: 7 } }) },
  { name: '5+ page views in 30 days', filter: ev('page_view', { window: { lastDays: 30 }, operator: 'GTE', value: 5 }) },
  { name: 'ordered in 30 days', filter: ev('order_completed', { window: { lastDays: 30 } }) },
  { name: 'no order in 90 days', filter: { not: ev('order_completed', { window: { lastDays: 90 } }) } },
  { name: 'spent 500+ in 30 days', filter: ev('order_completed', { window: { lastDays: 30 }, aggregate: 'SUM', property: 'total', operator: 'GTE', value: 500 }) },
  { name: 'viewed a product in 3 days', filter: ev('product_viewed', { aggregate: 'LAST_OCCURRED_AT', operator: 'WITHIN_LAST_DAYS', value: 3 }) },
  { name: 'first order over 180 days ago', filter: ev('order_completed', { aggregate: 'FIRST_OCCURRED_AT', operator: 'MORE_THAN_DAYS_AGO', value: 180 }) },
  { name: 'renewal in the last 30 days', filter: attr('attributes.renewalAt', 'WITHIN_LAST_DAYS', 30) },
  { name: 'renewal over a day ago', filter: attr('attributes.renewalAt', 'MORE_THAN_DAYS_AGO', 1) },
  { name: 'pro, away 14 days', filter: { and: [attr('attributes.plan', 'EQ', 'pro'), attr('lastSeenAt', 'MORE_THAN_DAYS_AGO', 14)] } },
  { name: 'active today or ordered this week', filter: { or: [ev('page_view', { window: { lastDays: 1 } }), ev('order_completed', { window: { lastDays: 7 } })] } },
  { name: 'signed up in the last year', filter: attr('createdAt', 'WITHIN_LAST_DAYS', 365) },
  { name: 'subscribed in 60 days', filter: ev('newsletter_subscribed', { window: { lastDays: 60 } }) },
  { name: 'pricing 3+ times today', filter: ev('page_view', { window: { lastDays: 1 }, where: [{ property: 'path', operator: 'EQ', value: '/pricing' }], operator: 'GTE', value: 3 }) },
  { name: 'not seen in 90 days (not)', filter: { not: attr('lastSeenAt', 'WITHIN_LAST_DAYS', 90) } },
  { name: 'companies with a user seen this week', objectType: 'COMPANY', filter: { related: { relation: 'users', filter: attr('lastSeenAt', 'WITHIN_LAST_DAYS', 7) } } },
  { name: 'companies without an order in 30 days', objectType: 'COMPANY', filter: { related: { relation: 'users', quantifier: 'NONE', filter: ev('order_completed', { window: { lastDays: 30 } }) } } },
];

function stats(xs: readonly number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: quantile(s, 0.5), p95: quantile(s, 0.95), max: s.length ? s[s.length - 1] : NaN };
}

/** Reads one counter-like sample (`name` with no labels) from the service's /metrics. */
async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

/** CPU seconds (user + system) of a process, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s)
}

function mysqldPid(): number {
  for (const name of ['/run/mysqld/mysqld.pid', '/var/run/mysqld/mysqld.pid']) {
    if (fs.existsSync(name)) return Number(fs.readFileSync(name, 'utf8').trim());
  }
  for (const dir of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    const comm = fs.readFileSync(`/proc/${dir}/comm`, 'utf8').trim();
    if (comm === 'mariadbd' || comm === 'mysqld') return Number(dir);
  }
  throw new Error('no mysqld process found');
}

/** Resolves once no other connection runs a statement on the benchmark database for 8 polls in a row (2 s). */
async function settle(ds: DataSource, maxMs = 600_000): Promise<void> {
  const t0 = Date.now();
  let quiet = 0;
  while (quiet < 8 && Date.now() - t0 < maxMs) {
    await sleep(250);
    const [{ n }] = (await ds.query("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ? AND COMMAND = 'Query' AND ID <> CONNECTION_ID()", [BENCH_DB])) as Array<{ n: string }>;
    quiet = Number(n) === 0 ? quiet + 1 : 0;
  }
}

/** Deletes this benchmark's segments and everything of theirs, and its events. */
async function cleanUp(ds: DataSource, ws: string): Promise<void> {
  const segs = (await ds.query('SELECT id FROM segments WHERE workspace_id = ? AND name LIKE ?', [ws, `${PREFIX} %`])) as Array<{ id: string }>;
  for (const { id } of segs) {
    for (const table of ['segment_members', 'segment_membership_history', 'segment_time_triggers']) {
      for (;;) {
        const res = (await ds.query(`DELETE FROM ${table} WHERE segment_id = ? LIMIT 200000`, [id])) as { affectedRows: number };
        if (res.affectedRows < 200000) break;
      }
    }
    for (const table of ['segment_sync_runs', 'segment_change_events', 'segment_dependencies', 'segment_hidden_agents']) await ds.query(`DELETE FROM ${table} WHERE segment_id = ?`, [id]);
    await ds.query('DELETE FROM segments WHERE id = ?', [id]);
    await ds.query("DELETE FROM agenda_jobs WHERE name = 'segment-sync' AND JSON_VALUE(data, '$.segmentId') = ?", [id]).catch(() => undefined);
  }
  for (;;) {
    const res = (await ds.query("DELETE FROM events WHERE workspace_id = ? AND message_id LIKE 'fresh-bench-%' LIMIT 100000", [ws])) as { affectedRows: number };
    if (res.affectedRows < 100000) break;
  }
}

async function openDataset() {
  const probe = await openBenchDataSource(BENCH_DB);
  let meta = await readMeta(probe);
  await probe.destroy();
  if (!meta) {
    const made = await ensureDataset({ fresh: false });
    meta = made.meta;
    await made.ds.destroy();
  }
  return meta;
}

async function createSegments(svc: RunningService) {
  const made: Array<{ id: string; name: string; objectType: string; count: number; seconds: number }> = [];
  for (const s of SEGMENTS) {
    const t0 = performance.now();
    const res = await gql<{ createSegment: { id: string; count: number } }>(svc.url, svc.token,
      'mutation($input: CreateSegmentInput!) { createSegment(input: $input) { id count } }',
      { input: { objectType: s.objectType ?? 'USER', name: `${PREFIX} ${s.name}`, filter: s.filter, realtime: true } });
    const seconds = (performance.now() - t0) / 1000;
    made.push({ id: res.createSegment.id, name: s.name, objectType: s.objectType ?? 'USER', count: res.createSegment.count, seconds });
    log(`created "${s.name}": ${res.createSegment.count} members in ${seconds.toFixed(1)} s`);
  }
  return made;
}

async function lagPart(ds: DataSource, svc: RunningService, ws: string, segs: Awaited<ReturnType<typeof createSegments>>) {
  const ids = segs.map((s) => s.id);
  const [{ tracked }] = (await ds.query(`SELECT COUNT(*) AS tracked FROM segment_time_triggers WHERE segment_id IN (${ids.map(() => '?').join(',')})`, ids)) as Array<{ tracked: string }>;
  const start = Date.now();
  const end = start + MINUTES * 60_000;
  const snapshot = new Map<string, number>();
  const rows = (await ds.query(
    `SELECT segment_id, object_id, due_at FROM segment_time_triggers WHERE segment_id IN (${ids.map(() => '?').join(',')}) AND due_at <= ?`,
    [...ids, new Date(end)],
  )) as Array<{ segment_id: string; object_id: string; due_at: Date }>;
  for (const r of rows) snapshot.set(`${r.segment_id}:${r.object_id}`, r.due_at.getTime());
  log(`${tracked} moments kept; ${snapshot.size} due in the next ${MINUTES} min`);

  const lags: number[] = [];
  const perSegment = new Map<string, number>(ids.map((id) => [id, 0]));
  let unmatched = 0;
  let early = 0;
  const client = createClient({ url: `${svc.url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${svc.token}` }, retryAttempts: 5 });
  const disposers = ids.map((id) => client.subscribe<{ segmentMembershipChanged: { trigger: string; enteredIds: string[]; exitedIds: string[] } }>(
    { query: 'subscription($id: ID!) { segmentMembershipChanged(segmentId: $id) { trigger enteredIds exitedIds } }', variables: { id } },
    {
      next: (msg) => {
        const now = Date.now();
        const change = msg.data?.segmentMembershipChanged;
        if (!change || change.trigger !== 'TIME') return;
        for (const objectId of [...change.enteredIds, ...change.exitedIds]) {
          perSegment.set(id, (perSegment.get(id) ?? 0) + 1);
          const due = snapshot.get(`${id}:${objectId}`);
          if (due === undefined) { unmatched++; continue; }
          if (now < due) early++;
          lags.push(now - due);
        }
      },
      error: (e) => log(`subscription error ${JSON.stringify(e).slice(0, 200)}`),
      complete: () => undefined,
    },
  ));
  await sleep(2_000);
  const before = await metric(svc.url, 'segments_time_trigger_lag_seconds_count');
  const t0 = Date.now();
  while (Date.now() < end) {
    await sleep(30_000);
    log(`${lags.length} time changes received so far`);
  }
  const evaluated = (await metric(svc.url, 'segments_time_trigger_lag_seconds_count')) - before;
  const hours = (Date.now() - t0) / 3_600_000;
  disposers.forEach((d) => d());
  await client.dispose();

  // What a scheduled sync still finds to correct.
  const corrections: Array<{ name: string; entered: number; exited: number }> = [];
  for (const s of segs) {
    const run = await gql<{ syncSegment: { entered: number; exited: number } }>(svc.url, svc.token, 'mutation($id: ID!) { syncSegment(id: $id) { entered exited } }', { id: s.id });
    corrections.push({ name: s.name, ...run.syncSegment });
  }
  const [{ users }] = (await ds.query('SELECT COUNT(*) AS users FROM users WHERE workspace_id = ?', [ws])) as Array<{ users: string }>;
  const [{ companies }] = (await ds.query('SELECT COUNT(*) AS companies FROM companies WHERE workspace_id = ?', [ws])) as Array<{ companies: string }>;
  const sweepRowsPerHour = segs.reduce((n, s) => n + (s.objectType === 'COMPANY' ? Number(companies) : Number(users)), 0) / 4;
  return {
    minutes: MINUTES, momentsKept: Number(tracked), dueInObservation: snapshot.size,
    lagMs: stats(lags), changesReceived: lags.length + unmatched, unmatched, early,
    changesPerSegment: segs.map((s) => ({ name: s.name, changes: perSegment.get(s.id) ?? 0 })),
    rowsReevaluated: evaluated, rowsReevaluatedPerHour: Math.round(evaluated / hours), sweepRowsPerHour: Math.round(sweepRowsPerHour),
    corrections,
  };
}

async function ingest(ds: DataSource, svc: RunningService, userCount: number, label: string) {
  const latencies: number[] = [];
  let events = 0;
  let errors = 0;
  let seq = 0;
  const mysqld = mysqldPid();
  const cpu0 = { svc: cpuSeconds(svc.pid!), db: cpuSeconds(mysqld) };
  const t0 = Date.now();
  const stopAt = t0 + INGEST_SECONDS * 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < stopAt) {
      const input = Array.from({ length: BATCH }, () => ({
        userId: String(1 + Math.floor(Math.random() * userCount)),
        name: Math.random() < 0.8 ? 'page_view' : 'order_completed',
        properties: { path: '/pricing', total: 120 },
        messageId: `fresh-bench-${label}-${seq++}`,
      }));
      const s = performance.now();
      try {
        await gql(svc.url, svc.token, 'mutation($input: [EventInput!]!) { trackEvents(input: $input) { accepted } }', { input });
        events += BATCH;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - s);
    }
  }));
  const seconds = (Date.now() - t0) / 1000;
  // The real-time evaluation of the burst runs after the requests: wait until the service has no
  // statement running on the database (a quick time sweep may be caught now and then: several
  // quiet polls in a row are needed).
  await settle(ds);
  const cpu = { svc: cpuSeconds(svc.pid!) - cpu0.svc, db: cpuSeconds(mysqld) - cpu0.db };
  const settledSeconds = (Date.now() - t0) / 1000 - seconds;
  const l = stats(latencies);
  return {
    label, events, errors, eventsPerSecond: Math.round(events / seconds), batch: BATCH, concurrency: CONCURRENCY,
    p50Ms: Math.round(l.p50), p99Ms: Math.round(quantile([...latencies].sort((a, b) => a - b), 0.99)),
    settledSeconds: Math.round(settledSeconds * 10) / 10,
    cpuSecondsPer1000: { service: Math.round((cpu.svc / events) * 1000 * 1000) / 1000, mysqld: Math.round((cpu.db / events) * 1000 * 1000) / 1000 },
  };
}

async function main(): Promise<void> {
  const database = await tuneDatabase();
  const meta = await openDataset();
  const ws = meta.workspaceId;
  const ds: DataSource = createDataSource({ databaseUrl: databaseUrl(BENCH_DB), poolSize: 4 });
  await ds.initialize();
  const report: Record<string, unknown> = { date: new Date().toISOString(), machine: await machine(), database, db: BENCH_DB, dataset: { ...meta, token: undefined } };
  const save = () => {
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(RESULTS_DIR, 'freshness.json'), `${JSON.stringify(report, null, 2)}\n`);
  };
  let svc: RunningService | null = null;
  try {
    await cleanUp(ds, ws);
    svc = await startService(BENCH_DB, PORT, { TIME_SWEEP_MS: '2000', ...SERVICE_LOG_LEVEL }, { token: meta.token });
    const segs = await createSegments(svc);
    report.segments = segs;
    save();
    if (PARTS.includes('lag')) {
      const lag = await lagPart(ds, svc, ws, segs);
      report.lag = lag;
      save();
      console.log(`\n### Lag (${lag.minutes} min, no writes)\n`);
      console.log(`| moments kept | due in the observation | TIME changes received (matched) | lag p50 | p95 | max | received before their moment |\n|---:|---:|---:|---:|---:|---:|---:|`);
      console.log(`| ${lag.momentsKept} | ${lag.dueInObservation} | ${lag.changesReceived} (${lag.lagMs.n}) | ${(lag.lagMs.p50 / 1000).toFixed(2)} s | ${(lag.lagMs.p95 / 1000).toFixed(2)} s | ${(lag.lagMs.max / 1000).toFixed(2)} s | ${lag.early} |`);
      console.log(`\nRows re-evaluated: ${lag.rowsReevaluated} in ${lag.minutes} min = ${lag.rowsReevaluatedPerHour}/h, against ${lag.sweepRowsPerHour}/h for a 4-hourly full sweep of the same segments.`);
      console.log(`Corrections by a full sync at the end: ${lag.corrections.map((c) => c.entered + c.exited).reduce((a, b) => a + b, 0)} objects (${lag.corrections.filter((c) => c.entered + c.exited > 0).map((c) => `${c.name}: +${c.entered}/-${c.exited}`).join(', ') || 'none'}).`);
    }
    if (PARTS.includes('ingest')) {
      const [{ users }] = (await ds.query('SELECT MAX(id) AS users FROM users WHERE workspace_id = ?', [ws])) as Array<{ users: string }>;
      // Alternated rounds (off, on, off, on, …), each on a fresh process, after everything the
      // previous step started has settled; the medians are compared.
      const runs: Array<Awaited<ReturnType<typeof ingest>>> = [];
      for (let round = 0; round < ROUNDS * 2; round++) {
        const label = round % 2 === 0 ? 'off' : 'on';
        await svc?.stop();
        svc = await startService(BENCH_DB, PORT, { TIME_SWEEP_MS: '2000', ...SERVICE_LOG_LEVEL, ...(label === 'off' ? { TIME_TRIGGERS: 'false' } : {}) }, { token: meta.token });
        await settle(ds);
        const run = await ingest(ds, svc, Number(users), label);
        runs.push(run);
        log(`ingest ${label}: ${run.eventsPerSecond} events/s, settled after ${run.settledSeconds} s, CPU ${run.cpuSecondsPer1000.service} + ${run.cpuSecondsPer1000.mysqld} s / 1,000 events`);
      }
      const median = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);
      const cost = (x: (typeof runs)[number]) => x.cpuSecondsPer1000.service + x.cpuSecondsPer1000.mysqld;
      const of = (label: string) => runs.filter((r) => r.label === label);
      const on = { cpuPer1000: median(of('on').map(cost)), eventsPerSecond: median(of('on').map((r) => r.eventsPerSecond)), p99Ms: median(of('on').map((r) => r.p99Ms)), settledSeconds: median(of('on').map((r) => r.settledSeconds)) };
      const off = { cpuPer1000: median(of('off').map(cost)), eventsPerSecond: median(of('off').map((r) => r.eventsPerSecond)), p99Ms: median(of('off').map((r) => r.p99Ms)), settledSeconds: median(of('off').map((r) => r.settledSeconds)) };
      report.ingest = {
        rounds: ROUNDS, runs, on, off,
        cpuCostPercent: Math.round(((on.cpuPer1000 - off.cpuPer1000) / off.cpuPer1000) * 1000) / 10,
        throughputCostPercent: Math.round(((off.eventsPerSecond - on.eventsPerSecond) / off.eventsPerSecond) * 1000) / 10,
      };
      save();
      console.log('\n### Ingestion with and without the bookkeeping\n');
      console.log('| bookkeeping | events | events/s | p50 | p99 | errors | settled after | CPU s / 1,000 events (service + mysqld) |\n|---|---:|---:|---:|---:|---:|---:|---:|');
      for (const x of runs) console.log(`| ${x.label} | ${x.events} | ${x.eventsPerSecond} | ${x.p50Ms} ms | ${x.p99Ms} ms | ${x.errors} | ${x.settledSeconds} s | ${x.cpuSecondsPer1000.service} + ${x.cpuSecondsPer1000.mysqld} |`);
      console.log(`\nCost of the bookkeeping (medians of ${ROUNDS} rounds each): ${JSON.stringify({ on, off, cpuCostPercent: (report.ingest as { cpuCostPercent: number }).cpuCostPercent, throughputCostPercent: (report.ingest as { throughputCostPercent: number }).throughputCostPercent })}`);
    }
  } finally {
    await svc?.stop();
    await cleanUp(ds, ws);
    await ds.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
