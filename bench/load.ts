/**
 * `npm run bench -- load`: a mixed load against one service process, idle and while the largest
 * benchmark segment is fully synced over and over.
 *
 * Data set: `npm run bench -- generate` (database `segments_bench`, env BENCH_DB; 1,000,000
 * users, 10M events), generated first when the database is empty. The service runs as its own
 * process (harness `startService`, ROLE=all: API, real-time evaluation and the job runner, as in
 * production) on the generator's workspace (its token from `bench_meta`).
 *
 * Segments made here are named `bench-load …`:
 * - four "periodic" segments (filters of bench/filters.ts: standard-fields, related-company, tag,
 *   event-count-window), real-time, the default 4-hour schedule. That does not fire within a
 *   minute, so the benchmark compresses it: every BENCH_LOAD_SCHEDULE_EVERY (15) s it makes the
 *   next of their recurring Agenda jobs due (`next_run_at` = now), and the service's own job
 *   runner runs it (trigger SCHEDULE), as a worker does;
 * - the largest filter of bench/filters.ts, event-none-window (≈ 750k members; "no page_view in
 *   60 days"), not real-time, created (and synced once) before the measurements.
 *
 * Load: BENCH_LOAD_CLIENTS (12) concurrent clients over HTTP, each sending its next request as soon
 * as the previous one returned (closed loop, fixed concurrency), the operation drawn at random
 * (seeded: both phases send the same sequence) from this mix:
 *   segments list 10 %, one segment's count 20 %, a members page (50, with the member's company;
 *   each client follows the cursor for up to 20 pages) 25 %, trackEvents of BENCH_LOAD_BATCH (100)
 *   events 15 %, trackEvents of one event 30 %.
 * Events go to random existing users (by externalId) with the generator's name mix; their
 * messageIds start with `bench-load-`.
 *
 * Phases (BENCH_LOAD_PHASES, default `idle,sync,idle`), each BENCH_LOAD_SECONDS (60) after a
 * BENCH_LOAD_WARMUP (10 s) unmeasured warm-up of the same load:
 * - idle: the load and the periodic syncs;
 * - sync: the same, while `syncSegment` of the largest segment runs continuously (a loop that
 *   calls it again as soon as it returns; the phase starts once the first one is RUNNING).
 * An idle phase on either side of the sync phase shows how much the machine drifted meanwhile;
 * the ingestion p99 ratio is the sync phase's p99 over the p99 of all idle requests pooled (and,
 * in the JSON, over each idle phase alone).
 * Per phase: requests, req/s, p50/p95/p99/max per operation, errors (HTTP, GraphQL or a wrong
 * answer), the sync runs that overlapped the phase, CPU of the machine, the service, MariaDB and
 * this process (from /proc), load averages, InnoDB counters (global status deltas), and once a
 * second the statements of the bench database waiting for a named lock (GET_LOCK) or a row lock.
 *
 * The events it tracks stay in `segments_bench` while it runs (bench/generate.ts counts only the
 * generated events, those without a messageId, so other benchmarks still find the data set
 * complete). At the end the bench segments (members, history, time triggers, runs, outbox rows,
 * jobs) and those events are deleted: the data set is left as the generator made it. Writes
 * bench/results/load.json; prints a markdown table per phase.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import mysql, { type Pool } from 'mysql2/promise';
import { CASES } from './filters';
import { BENCH_DB, ensureDataset, openBenchDataSource, readMeta, RESULTS_DIR, type BenchMeta } from './generate';
import { databaseUrl, machine, quantile, ROOT, startService, tuneDatabase, type RunningService } from './harness';

const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 60);
const WARMUP = Number(process.env.BENCH_LOAD_WARMUP ?? 10);
const CLIENTS = Number(process.env.BENCH_LOAD_CLIENTS ?? 12);
const BATCH = Number(process.env.BENCH_LOAD_BATCH ?? 100);
const SCHEDULE_EVERY = Number(process.env.BENCH_LOAD_SCHEDULE_EVERY ?? 15);
const PHASES = (process.env.BENCH_LOAD_PHASES ?? 'idle,sync,idle').split(',') as Array<'idle' | 'sync'>;
const PORT = Number(process.env.BENCH_LOAD_PORT ?? 4350);
const PREFIX = 'bench-load';
const MESSAGE_PREFIX = 'bench-load-';
const PAGES_PER_WALK = 20;
/** A measured request that takes longer counts as an error; setup calls and the largest segment's syncs get SETUP_TIMEOUT_MS. */
const REQUEST_TIMEOUT_MS = 120_000;
const SETUP_TIMEOUT_MS = 30 * 60_000;

const log = (s: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const r1 = (x: number) => Math.round(x * 10) / 10;
const fmtN = (n: number) => n.toLocaleString('en-US');

// ---------------------------------------------------------------------------------------------
// Operations.

type OpName = 'segments' | 'segmentCount' | 'membersPage' | 'trackEventsBatch' | 'trackEvent';
const MIX: ReadonlyArray<readonly [OpName, number]> = [
  ['segments', 10], ['segmentCount', 20], ['membersPage', 25], ['trackEventsBatch', 15], ['trackEvent', 30],
];
const INGESTION: readonly OpName[] = ['trackEventsBatch', 'trackEvent'];
const LABEL: Record<OpName, string> = {
  segments: 'segments list (`segments(objectType: USER)`)',
  segmentCount: 'segment count (`segment(id) { count }`)',
  membersPage: 'members page (50, with company)',
  trackEventsBatch: `trackEvents, ${BATCH} events`,
  trackEvent: 'trackEvents, 1 event',
};

const Q_SEGMENTS = 'query { segments(objectType: USER) { id name count syncStatus lastSyncedAt nextSyncAt realtime } }';
const Q_COUNT = 'query($id: ID!) { segment(id: $id) { id count syncStatus } }';
const Q_MEMBERS = `query($id: ID!, $after: String) { segment(id: $id) { id members(first: 50, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { joinedAt node { id ... on User { externalId email firstName lastName country lastSeenAt company { name } } } } } } }`;
const M_TRACK = 'mutation($input: [EventInput!]!) { trackEvents(input: $input) { accepted duplicates } }';
const M_CREATE = 'mutation($input: CreateSegmentInput!) { createSegment(input: $input) { id count } }';
const M_SYNC = 'mutation($id: ID!) { syncSegment(id: $id) { id status durationMs entered exited count error } }';

interface Answer<T> { ok: boolean; ms: number; data?: T; error?: string }

/** Keep-alive connections, as a frontend's or SDK's HTTP client keeps them. */
const agent = new http.Agent({ keepAlive: true });

/**
 * One GraphQL request over node:http (not fetch: undici's 300 s headers timeout would cut the
 * largest segment's syncs, which answer only when done).
 */
function call<T>(svc: RunningService, query: string, variables?: unknown, timeoutMs = REQUEST_TIMEOUT_MS): Promise<Answer<T>> {
  const t0 = performance.now();
  const payload = JSON.stringify({ query, variables });
  return new Promise((resolve) => {
    const req = http.request(`${svc.url}/graphql`, {
      method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization: `Bearer ${svc.token}` },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => done({ ok: false, ms: performance.now() - t0, error: String(e).slice(0, 300) }));
      res.on('end', () => {
        const ms = performance.now() - t0;
        const text = Buffer.concat(chunks).toString('utf8');
        let body: { data?: T; errors?: unknown[] };
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          return done({ ok: false, ms, error: `HTTP ${res.statusCode}: ${text.slice(0, 200)}` });
        }
        if (res.statusCode !== 200 || body.errors) return done({ ok: false, ms, error: `HTTP ${res.statusCode}: ${JSON.stringify(body.errors ?? body).slice(0, 300)}` });
        done({ ok: true, ms, data: body.data });
      });
    });
    const timer = setTimeout(() => req.destroy(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs);
    const done = (a: Answer<T>) => { clearTimeout(timer); resolve(a); };
    req.on('error', (e) => done({ ok: false, ms: performance.now() - t0, error: String(e).slice(0, 300) }));
    req.end(payload);
  });
}

async function must<T>(svc: RunningService, query: string, variables?: unknown): Promise<T> {
  const a = await call<T>(svc, query, variables, SETUP_TIMEOUT_MS);
  if (!a.ok) throw new Error(a.error);
  return a.data as T;
}

/** mulberry32: a small seeded PRNG, so every phase sends the same sequence of operations. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An event as the generator's mix: page_view 60 %, product_viewed 25 %, order_completed 11 %, newsletter 4 %. */
function event(rand: () => number, users: number, products: number, messageId: string): Record<string, unknown> {
  const user = `u${1 + Math.floor(rand() * users)}`;
  const k = rand();
  const product = `p${1 + Math.floor(products * rand() ** 2)}`;
  if (k < 0.6) return { userExternalId: user, name: 'page_view', properties: { path: ['/', '/pricing', '/blog', '/docs', '/signup'][Math.floor(rand() * 5)] }, messageId };
  if (k < 0.85) return { userExternalId: user, name: 'product_viewed', productExternalId: product, properties: { sku: product }, messageId };
  if (k < 0.96) return { userExternalId: user, name: 'order_completed', productExternalId: product, properties: { total: Math.round((10 + rand() ** 2 * 990) * 100) / 100, currency: 'USD', items: 1 + Math.floor(rand() * 4) }, messageId };
  return { userExternalId: user, name: 'newsletter_subscribed', properties: { source: 'footer' }, messageId };
}

interface Sample { op: OpName; ms: number; ok: boolean }

interface LoadContext {
  svc: RunningService;
  meta: BenchMeta;
  segmentIds: readonly string[];
}

/** Runs the mixed load with CLIENTS clients until `until` (performance.now()); returns every request. */
async function runLoad(ctx: LoadContext, tag: string, seconds: number, errors: Map<string, number>): Promise<{ samples: Sample[]; elapsedMs: number }> {
  const samples: Sample[] = [];
  const total = MIX.reduce((s, [, w]) => s + w, 0);
  const start = performance.now();
  const until = start + seconds * 1000;
  const fail = (op: OpName, error: string) => {
    const key = `${op}: ${error.replace(/\d{3,}/g, 'N').slice(0, 160)}`;
    errors.set(key, (errors.get(key) ?? 0) + 1);
  };
  await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
    const rand = rng(1000 + c);
    const cursors = new Map<string, { after: string | null; pages: number }>();
    let seq = 0;
    while (performance.now() < until) {
      let x = rand() * total;
      const op = MIX.find(([, w]) => (x -= w) < 0)?.[0] ?? 'trackEvent';
      const seg = ctx.segmentIds[Math.floor(rand() * ctx.segmentIds.length)];
      let answer: Answer<unknown>;
      let check: string | null = null;
      switch (op) {
        case 'segments': {
          const a = await call<{ segments: Array<{ id: string }> }>(ctx.svc, Q_SEGMENTS);
          if (a.ok && !ctx.segmentIds.every((id) => a.data!.segments.some((s) => s.id === id))) check = 'a bench segment is missing from the list';
          answer = a;
          break;
        }
        case 'segmentCount': {
          const a = await call<{ segment: { count: number } | null }>(ctx.svc, Q_COUNT, { id: seg });
          if (a.ok && !(a.data!.segment && a.data!.segment.count >= 0)) check = 'no segment';
          answer = a;
          break;
        }
        case 'membersPage': {
          const walk = cursors.get(seg) ?? { after: null, pages: 0 };
          const a = await call<{ segment: { members: { edges: unknown[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } | null }>(ctx.svc, Q_MEMBERS, { id: seg, after: walk.after });
          if (a.ok) {
            const m = a.data!.segment?.members;
            if (!m) check = 'no segment';
            else {
              const more = m.pageInfo.hasNextPage && walk.pages + 1 < PAGES_PER_WALK;
              cursors.set(seg, more ? { after: m.pageInfo.endCursor, pages: walk.pages + 1 } : { after: null, pages: 0 });
            }
          }
          answer = a;
          break;
        }
        case 'trackEventsBatch':
        case 'trackEvent': {
          const n = op === 'trackEvent' ? 1 : BATCH;
          const input = Array.from({ length: n }, () => event(rand, ctx.meta.users, ctx.meta.products, `${MESSAGE_PREFIX}${tag}-${c}-${seq++}`));
          const a = await call<{ trackEvents: { accepted: number; duplicates: number } }>(ctx.svc, M_TRACK, { input });
          if (a.ok && a.data!.trackEvents.accepted + a.data!.trackEvents.duplicates !== n) check = `accepted ${a.data!.trackEvents.accepted} + duplicates ${a.data!.trackEvents.duplicates} ≠ ${n}`;
          answer = a;
          break;
        }
      }
      const ok = answer.ok && check === null;
      if (!ok) fail(op, answer.error ?? check ?? 'unknown');
      samples.push({ op, ms: answer.ms, ok });
    }
  }));
  return { samples, elapsedMs: performance.now() - start };
}

// ---------------------------------------------------------------------------------------------
// What the machine did meanwhile: CPU from /proc, load averages, InnoDB status counters.

function procTicks(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime (fields 14, 15)
  } catch {
    return null;
  }
}

function machineTicks(): { busy: number; total: number } {
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  const idle = cpu[3] + (cpu[4] ?? 0);
  return { busy: total - idle, total };
}

function findPid(names: readonly string[]): number | undefined {
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (names.includes(fs.readFileSync(`/proc/${d}/comm`, 'utf8').trim())) return Number(d);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

const STATUS = ['Innodb_row_lock_waits', 'Innodb_row_lock_time', 'Innodb_deadlocks', 'Innodb_buffer_pool_reads', 'Innodb_log_waits', 'Created_tmp_disk_tables', 'Questions'];

async function globalStatus(admin: Pool): Promise<Record<string, number>> {
  const [rows] = (await admin.query(`SHOW GLOBAL STATUS WHERE Variable_name IN (${STATUS.map(() => '?').join(',')})`, STATUS)) as unknown as [Array<{ Variable_name: string; Value: string }>];
  return Object.fromEntries(rows.map((r) => [r.Variable_name, Number(r.Value)]));
}

interface Monitor { stop(): Promise<MachineReport> }
interface MachineReport {
  machineCpuPercent: number;
  serviceCpuPercent: number | null;
  mariadbCpuPercent: number | null;
  /** This load generator (the benchmark's own process). */
  benchCpuPercent: number;
  /** Everything else on the machine: other engineers' tests and benchmarks, the OS. */
  otherCpuPercent: number | null;
  loadAverage1mAtStart: number;
  loadAverage1mMax: number;
  uptimeAtStart: string;
  uptimeAtEnd: string;
  status: Record<string, number>;
  threadsRunningMax: number;
  threadsRunningMean: number;
  /**
   * Once a second: statements of the bench database waiting for a lock, by kind and statement
   * (first words): `User lock` = GET_LOCK (a segment's named lock), `row lock` = an InnoDB
   * transaction in LOCK WAIT. The global Innodb_row_lock_* counters above include other
   * databases of the server (other engineers' tests); these samples do not.
   */
  lockWaitSamples: { seconds: number; secondsWithUserLockWait: number; secondsWithRowLockWait: number; byStatement: Record<string, number> };
}

const uptime = () => `load average: ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}`;

async function monitor(admin: Pool, servicePid: number | undefined, mariadbPid: number | undefined): Promise<Monitor> {
  const cores = os.cpus().length;
  const hz = 100; // USER_HZ on Linux
  const m0 = machineTicks();
  const s0 = procTicks(servicePid);
  const d0 = procTicks(mariadbPid);
  const b0 = process.cpuUsage();
  const st0 = await globalStatus(admin);
  const t0 = performance.now();
  const uptimeAtStart = uptime();
  const load1 = [os.loadavg()[0]];
  const threads: number[] = [];
  const locks = { seconds: 0, secondsWithUserLockWait: 0, secondsWithRowLockWait: 0, byStatement: {} as Record<string, number> };
  let stopped = false;
  const sampler = (async () => {
    while (!stopped) {
      load1.push(os.loadavg()[0]);
      const [[r]] = (await admin.query("SHOW GLOBAL STATUS LIKE 'Threads_running'")) as unknown as [[{ Value: string }]];
      threads.push(Number(r.Value));
      const [waiting] = (await admin.query(
        `SELECT p.state, LEFT(REGEXP_REPLACE(p.info, '[[:space:]]+', ' '), 60) AS info, t.trx_state FROM information_schema.processlist p
         LEFT JOIN information_schema.innodb_trx t ON t.trx_mysql_thread_id = p.id
         WHERE p.db = DATABASE() AND p.command = 'Query' AND (p.state = 'User lock' OR t.trx_state = 'LOCK WAIT')`,
      )) as unknown as [Array<{ state: string; info: string | null; trx_state: string | null }>];
      locks.seconds++;
      if (waiting.some((w) => w.state === 'User lock')) locks.secondsWithUserLockWait++;
      if (waiting.some((w) => w.trx_state === 'LOCK WAIT')) locks.secondsWithRowLockWait++;
      for (const w of waiting) {
        const key = `${w.state === 'User lock' ? 'named lock' : 'row lock'}: ${(w.info ?? '').replace(/'[^']*'/g, '?').replace(/\d+/g, 'N').slice(0, 50)}`;
        locks.byStatement[key] = (locks.byStatement[key] ?? 0) + 1;
      }
      await sleep(1000);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await sampler;
      const secs = (performance.now() - t0) / 1000;
      const m1 = machineTicks();
      const s1 = procTicks(servicePid);
      const d1 = procTicks(mariadbPid);
      const b1 = process.cpuUsage(b0);
      const benchPct = r1(((b1.user + b1.system) / 1e6 / secs / cores) * 100);
      const st1 = await globalStatus(admin);
      const pct = (ticks: number) => r1((ticks / hz / secs / cores) * 100);
      const machinePct = r1(((m1.busy - m0.busy) / (m1.total - m0.total)) * 100);
      const servicePct = s0 !== null && s1 !== null ? pct(s1 - s0) : null;
      const mariadbPct = d0 !== null && d1 !== null ? pct(d1 - d0) : null;
      return {
        machineCpuPercent: machinePct,
        serviceCpuPercent: servicePct,
        mariadbCpuPercent: mariadbPct,
        benchCpuPercent: benchPct,
        otherCpuPercent: servicePct !== null && mariadbPct !== null ? r1(machinePct - servicePct - mariadbPct - benchPct) : null,
        loadAverage1mAtStart: load1[0],
        loadAverage1mMax: Math.max(...load1),
        uptimeAtStart,
        uptimeAtEnd: uptime(),
        status: Object.fromEntries(STATUS.map((k) => [k, (st1[k] ?? 0) - (st0[k] ?? 0)])),
        threadsRunningMax: Math.max(0, ...threads),
        threadsRunningMean: r1(threads.reduce((a, b) => a + b, 0) / Math.max(1, threads.length)),
        lockWaitSamples: locks,
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Segments of the benchmark: creation, the compressed schedule, clean-up.

const PERIODIC = ['standard-fields', 'related-company', 'tag', 'event-count-window'];
const LARGEST = 'event-none-window';

function filterOf(name: string): unknown {
  const c = CASES.find((x) => x.name === name);
  if (!c) throw new Error(`no filter ${name} in bench/filters.ts`);
  if (JSON.stringify(c.filter).includes('NOW+')) throw new Error(`${name}: relative dates are not supported here`);
  return c.filter;
}

/** Makes the recurring SCHEDULE job of `segmentId` due now: the service's job runner takes it within its poll period. */
async function makeDue(admin: Pool, segmentId: string): Promise<number> {
  const [res] = (await admin.query(
    "UPDATE agenda_jobs SET next_run_at = UTC_TIMESTAMP(3) WHERE name = 'segment-sync' AND JSON_VALUE(data, '$.segmentId') = ? AND JSON_VALUE(data, '$.trigger') = 'SCHEDULE' AND disabled = 0",
    [segmentId],
  )) as unknown as [{ affectedRows: number }];
  return res.affectedRows;
}

/** Deletes the segments this benchmark made (and everything of theirs) and the events it tracked. */
async function cleanUp(admin: Pool, ws: string): Promise<void> {
  const t0 = performance.now();
  const [segs] = (await admin.query('SELECT id FROM segments WHERE workspace_id = ? AND name LIKE ?', [ws, `${PREFIX} %`])) as unknown as [Array<{ id: string }>];
  for (const { id } of segs) {
    for (const table of ['segment_members', 'segment_membership_history', 'segment_time_triggers']) {
      for (;;) {
        const [res] = (await admin.query(`DELETE FROM ${table} WHERE segment_id = ? LIMIT 100000`, [id]).catch((e: { code?: string }) => {
          if (e.code === 'ER_NO_SUCH_TABLE') return [{ affectedRows: 0 }]; // a schema before that table
          throw e;
        })) as unknown as [{ affectedRows: number }];
        if (res.affectedRows < 100000) break;
      }
    }
    for (const table of ['segment_sync_runs', 'segment_change_events', 'segment_dependencies', 'segment_hidden_agents']) await admin.query(`DELETE FROM ${table} WHERE segment_id = ?`, [id]);
    await admin.query("DELETE FROM agenda_jobs WHERE name = 'segment-sync' AND JSON_VALUE(data, '$.segmentId') = ?", [String(id)]);
    await admin.query('DELETE FROM segments WHERE id = ?', [id]);
  }
  let events = 0;
  for (;;) {
    const [res] = (await admin.query('DELETE FROM events WHERE workspace_id = ? AND message_id LIKE ? LIMIT 50000', [ws, `${MESSAGE_PREFIX}%`])) as unknown as [{ affectedRows: number }];
    events += res.affectedRows;
    if (res.affectedRows < 50000) break;
  }
  if (segs.length || events) log(`cleaned up ${segs.length} bench segments and ${fmtN(events)} bench events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** The commit the service was built from, and whether src/ had uncommitted changes (a shared working tree). */
function codeVersion(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', cwd: ROOT }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'migrations'], { encoding: 'utf8', cwd: ROOT }).trim().split('\n').filter(Boolean).length;
    return dirty ? `${head} + ${dirty} uncommitted files in src/ and migrations/` : head;
  } catch {
    return 'unknown';
  }
}

async function openDataset(): Promise<BenchMeta> {
  const probe = await openBenchDataSource(BENCH_DB);
  let meta = await readMeta(probe);
  const [{ n }] = (await probe.query('SELECT COUNT(*) AS n FROM users')) as Array<{ n: string }>;
  await probe.destroy();
  if (!meta) {
    if (Number(n) > 0) throw new Error(`${BENCH_DB} holds users but no bench_meta: it is being generated; wait for it, or set BENCH_DB to a database of your own`);
    const made = await ensureDataset({ fresh: false });
    meta = made.meta;
    await made.ds.destroy();
  }
  return meta;
}

// ---------------------------------------------------------------------------------------------

interface OpStats { op: OpName; requests: number; perSecond: number; p50: number; p95: number; p99: number; max: number; mean: number; errors: number }

function opStats(samples: readonly Sample[], elapsedMs: number, op: OpName | 'ingestion' | 'all'): OpStats {
  const mine = samples.filter((s) => (op === 'all' ? true : op === 'ingestion' ? INGESTION.includes(s.op) : s.op === op));
  const ms = mine.map((s) => s.ms).sort((a, b) => a - b);
  return {
    op: op as OpName, requests: mine.length, perSecond: r1(mine.length / (elapsedMs / 1000)),
    p50: r1(quantile(ms, 0.5)), p95: r1(quantile(ms, 0.95)), p99: r1(quantile(ms, 0.99)), max: r1(ms[ms.length - 1] ?? NaN),
    mean: r1(ms.reduce((a, b) => a + b, 0) / Math.max(1, ms.length)), errors: mine.filter((s) => !s.ok).length,
  };
}

interface RunRow { segment: string; trigger: string; status: string; startedAt: string; durationMs: number | null; entered: number | null; exited: number | null }

interface PhaseResult {
  phase: string;
  seconds: number;
  clients: number;
  operations: OpStats[];
  ingestion: OpStats;
  all: OpStats;
  errors: Record<string, number>;
  /** Sync runs of the bench segments that overlapped the phase (REALTIME runs are recorded only when something changed). */
  syncRuns: { schedule: RunRow[]; manual: RunRow[]; realtimeWithChanges: number; largestSyncCoveragePercent: number | null };
  eventsTracked: number;
  /** Phase sync: each syncSegment call of the largest segment (including the one that ran past the phase's end). */
  syncSegmentCalls?: Array<{ ok: boolean; ms: number; error?: string }>;
  machine: MachineReport;
}

async function main(): Promise<void> {
  const t00 = performance.now();
  const database = await tuneDatabase();
  const meta = await openDataset();
  const ws = meta.workspaceId;
  const admin = mysql.createPool({ uri: databaseUrl(BENCH_DB), timezone: 'Z', connectionLimit: 3, dateStrings: false });
  await cleanUp(admin, ws);
  const report: Record<string, unknown> = {
    date: new Date().toISOString(), machine: await machine(), database, db: BENCH_DB, dataset: { ...meta, token: undefined },
    clients: CLIENTS, seconds: SECONDS, warmupSeconds: WARMUP, batch: BATCH, mix: Object.fromEntries(MIX), scheduleEverySeconds: SCHEDULE_EVERY,
    code: codeVersion(),
    method: 'service as its own process (ROLE=all); closed loop of N HTTP clients, operation drawn from the mix; latency = request start to body received at the client',
  };
  const file = path.join(RESULTS_DIR, 'load.json');
  const save = () => { fs.mkdirSync(RESULTS_DIR, { recursive: true }); fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`); };
  const svc = await startService(BENCH_DB, PORT, { GRAPHIQL: 'false' }, { token: meta.token });
  const mariadbPid = findPid(['mariadbd', 'mysqld']);
  const phases: PhaseResult[] = [];
  const allSamples: Array<{ phase: string; samples: Sample[]; elapsedMs: number }> = [];
  try {
    // The bench segments.
    const names = new Map<string, string>();
    const periodic: string[] = [];
    for (const name of PERIODIC) {
      const t0 = performance.now();
      const s = await must<{ createSegment: { id: string; count: number } }>(svc, M_CREATE, { input: { objectType: 'USER', name: `${PREFIX} ${name}`, filter: filterOf(name), realtime: true } });
      periodic.push(s.createSegment.id);
      names.set(s.createSegment.id, name);
      log(`segment ${name}: ${fmtN(s.createSegment.count)} members (created in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
    const t0 = performance.now();
    const big = await must<{ createSegment: { id: string; count: number } }>(svc, M_CREATE, { input: { objectType: 'USER', name: `${PREFIX} ${LARGEST}`, filter: filterOf(LARGEST), realtime: false } });
    const bigId = big.createSegment.id;
    names.set(bigId, LARGEST);
    log(`segment ${LARGEST} (largest): ${fmtN(big.createSegment.count)} members (created in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    report.segments = [...names].map(([id, name]) => ({ id, name, realtime: name !== LARGEST }));
    const [jobs] = (await admin.query("SELECT COUNT(*) AS n FROM agenda_jobs WHERE name = 'segment-sync' AND JSON_VALUE(data, '$.trigger') = 'SCHEDULE' AND JSON_VALUE(data, '$.segmentId') IN (?)", [periodic])) as unknown as [[{ n: number }]];
    if (Number(jobs[0].n) !== periodic.length) throw new Error(`expected ${periodic.length} recurring sync jobs, found ${jobs[0].n}`);

    const ctx: LoadContext = { svc, meta, segmentIds: [...names.keys()] };
    let nextDue = 0;
    for (const phase of PHASES) {
      // Warm-up (JIT, pools, caches), not measured.
      if (WARMUP > 0) {
        const warm = await runLoad(ctx, `${phase}-warmup-${Date.now()}`, WARMUP, new Map());
        log(`${phase}: warm-up ${warm.samples.length} requests (${warm.samples.filter((s) => !s.ok).length} errors)`);
      }
      // The largest segment, synced over and over.
      let syncing = false;
      const syncCalls: Array<{ ok: boolean; ms: number; error?: string }> = [];
      let syncLoop: Promise<void> = Promise.resolve();
      if (phase === 'sync') {
        syncing = true;
        syncLoop = (async () => {
          while (syncing) {
            const a = await call<{ syncSegment: { status: string; error: string | null } }>(svc, M_SYNC, { id: bigId }, SETUP_TIMEOUT_MS);
            const ok = a.ok && a.data!.syncSegment.status === 'SUCCEEDED';
            syncCalls.push({ ok, ms: r1(a.ms), error: ok ? undefined : (a.error ?? a.data?.syncSegment.error ?? 'not SUCCEEDED') });
            if (!ok) log(`syncSegment failed: ${a.error ?? JSON.stringify(a.data)}`);
          }
        })();
        for (let i = 0; i < 300; i++) {
          const [[r]] = (await admin.query("SELECT COUNT(*) AS n FROM segment_sync_runs WHERE segment_id = ? AND status = 'RUNNING'", [bigId])) as unknown as [[{ n: number }]];
          if (Number(r.n) > 0) break;
          await sleep(100);
        }
      }
      // The measured phase, with the compressed schedule of the periodic segments.
      const startedAt = new Date();
      const mon = await monitor(admin, svc.pid, mariadbPid);
      const errors = new Map<string, number>();
      let scheduling = true;
      const scheduler = (async () => {
        const end = performance.now() + SECONDS * 1000;
        while (scheduling && performance.now() < end) {
          const id = periodic[nextDue++ % periodic.length];
          if ((await makeDue(admin, id)) !== 1) log(`could not make the sync job of ${names.get(id)} due`);
          const wait = Math.min(SCHEDULE_EVERY * 1000, end - performance.now());
          for (let w = 0; w < wait && scheduling; w += 200) await sleep(Math.min(200, wait - w));
        }
      })();
      log(`${phase}: ${SECONDS} s of load, ${CLIENTS} clients${phase === 'sync' ? `, ${LARGEST} syncing` : ''}; ${uptime()}`);
      const load = await runLoad(ctx, `${phase}-${Date.now()}`, SECONDS, errors);
      const endedAt = new Date();
      scheduling = false;
      await scheduler;
      const machineReport = await mon.stop();
      if (phase === 'sync') {
        log(`${phase}: load done; waiting for the running sync of ${LARGEST} to finish`);
        syncing = false;
        await syncLoop;
      }
      // Sync runs of the bench segments that overlapped the phase.
      const ids = [...names.keys()];
      const [runs] = (await admin.query(
        `SELECT segment_id, trigger_kind, status, started_at, finished_at, duration_ms, entered, exited FROM segment_sync_runs
         WHERE segment_id IN (?) AND started_at < ? AND (finished_at IS NULL OR finished_at > ?) ORDER BY started_at`,
        [ids, endedAt, startedAt],
      )) as unknown as [Array<{ segment_id: string; trigger_kind: string; status: string; started_at: Date; finished_at: Date | null; duration_ms: number | null; entered: number | null; exited: number | null }>];
      const row = (r: (typeof runs)[number]): RunRow => ({ segment: names.get(String(r.segment_id)) ?? String(r.segment_id), trigger: r.trigger_kind, status: r.status, startedAt: r.started_at.toISOString(), durationMs: r.duration_ms, entered: r.entered, exited: r.exited });
      const manual = runs.filter((r) => r.trigger_kind === 'MANUAL' && String(r.segment_id) === bigId);
      const covered = manual.reduce((s, r) => s + Math.max(0, Math.min(endedAt.getTime(), (r.finished_at ?? endedAt).getTime()) - Math.max(startedAt.getTime(), r.started_at.getTime())), 0);
      const tracked = load.samples.filter((s) => s.ok && INGESTION.includes(s.op)).reduce((n, s) => n + (s.op === 'trackEvent' ? 1 : BATCH), 0);
      const result: PhaseResult = {
        phase, seconds: r1(load.elapsedMs / 1000), clients: CLIENTS,
        operations: MIX.map(([op]) => opStats(load.samples, load.elapsedMs, op)),
        ingestion: opStats(load.samples, load.elapsedMs, 'ingestion'),
        all: opStats(load.samples, load.elapsedMs, 'all'),
        errors: Object.fromEntries(errors),
        syncRuns: {
          schedule: runs.filter((r) => r.trigger_kind === 'SCHEDULE').map(row),
          manual: manual.map(row),
          realtimeWithChanges: runs.filter((r) => r.trigger_kind === 'REALTIME').length,
          largestSyncCoveragePercent: phase === 'sync' ? r1((covered / (endedAt.getTime() - startedAt.getTime())) * 100) : null,
        },
        eventsTracked: tracked,
        machine: machineReport,
      };
      if (phase === 'sync') result.syncSegmentCalls = syncCalls;
      phases.push(result);
      allSamples.push({ phase, samples: load.samples, elapsedMs: load.elapsedMs });
      report.phases = phases;
      save();
      log(`${phase}: ${fmtN(result.all.requests)} requests (${result.all.perSecond}/s), ${result.all.errors} errors; ingestion p99 ${result.ingestion.p99} ms; ${result.syncRuns.schedule.length} scheduled syncs; machine CPU ${machineReport.machineCpuPercent} % (service ${machineReport.serviceCpuPercent} %, MariaDB ${machineReport.mariadbCpuPercent} %)`);
    }

    // Ratios against the idle phases: all idle requests pooled, and each idle phase alone.
    const idles = phases.filter((p) => p.phase === 'idle');
    const sync = phases.find((p) => p.phase === 'sync');
    if (idles.length && sync) {
      const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
      const pooled = allSamples.filter((x) => x.phase === 'idle').flatMap((x) => x.samples);
      const syncSamples = allSamples.find((x) => x.phase === 'sync')!;
      const p99Of = (samples: readonly Sample[], elapsed: number, op: OpName | 'ingestion') => opStats(samples, elapsed, op).p99;
      const ratios = (idleP99: (op: OpName | 'ingestion') => number) => ({
        trackEventsBatch: ratio(p99Of(syncSamples.samples, syncSamples.elapsedMs, 'trackEventsBatch'), idleP99('trackEventsBatch')),
        trackEvent: ratio(p99Of(syncSamples.samples, syncSamples.elapsedMs, 'trackEvent'), idleP99('trackEvent')),
        ingestion: ratio(p99Of(syncSamples.samples, syncSamples.elapsedMs, 'ingestion'), idleP99('ingestion')),
      });
      const vsPooled = ratios((op) => p99Of(pooled, 1, op));
      report.idlePooledP99 = { trackEventsBatch: p99Of(pooled, 1, 'trackEventsBatch'), trackEvent: p99Of(pooled, 1, 'trackEvent'), ingestion: p99Of(pooled, 1, 'ingestion') };
      report.ingestionP99Ratio = vsPooled;
      report.ingestionP99RatioVsEachIdlePhase = allSamples.filter((x) => x.phase === 'idle').map((x) => ratios((op) => p99Of(x.samples, x.elapsedMs, op)));
      report.goals = {
        zeroErrors: phases.every((p) => p.all.errors === 0),
        ingestionP99AtMost2x: Math.max(vsPooled.trackEventsBatch, vsPooled.trackEvent, vsPooled.ingestion) <= 2,
      };
    }
    save();

    for (const p of phases) {
      console.log([
        '',
        `Phase ${p.phase}: ${p.seconds} s, ${p.clients} clients; ${p.syncRuns.schedule.length} scheduled syncs${p.phase === 'sync' ? `, ${p.syncRuns.manual.length} syncs of ${LARGEST} (covering ${p.syncRuns.largestSyncCoveragePercent} % of the phase)` : ''}; machine CPU ${p.machine.machineCpuPercent} % (service ${p.machine.serviceCpuPercent} %, MariaDB ${p.machine.mariadbCpuPercent} %, load generator ${p.machine.benchCpuPercent} %, other ${p.machine.otherCpuPercent} %), ${p.machine.uptimeAtStart} → ${p.machine.uptimeAtEnd}`,
        `lock waits in ${BENCH_DB} (sampled each second): a GET_LOCK waiting in ${p.machine.lockWaitSamples.secondsWithUserLockWait} s, an InnoDB row lock in ${p.machine.lockWaitSamples.secondsWithRowLockWait} s of ${p.machine.lockWaitSamples.seconds} s; ${JSON.stringify(p.machine.lockWaitSamples.byStatement)}`,
        '| operation | requests | req/s | p50 (ms) | p99 (ms) | errors |',
        '|---|---:|---:|---:|---:|---:|',
        ...p.operations.map((o) => `| ${LABEL[o.op]} | ${fmtN(o.requests)} | ${o.perSecond} | ${o.p50} | ${o.p99} | ${o.errors} |`),
        `| all ingestion | ${fmtN(p.ingestion.requests)} | ${p.ingestion.perSecond} | ${p.ingestion.p50} | ${p.ingestion.p99} | ${p.ingestion.errors} |`,
        `| all | ${fmtN(p.all.requests)} | ${p.all.perSecond} | ${p.all.p50} | ${p.all.p99} | ${p.all.errors} |`,
      ].join('\n'));
      if (Object.keys(p.errors).length) console.log(`errors: ${JSON.stringify(p.errors, null, 2)}`);
    }
    if (report.ingestionP99Ratio) console.log(`\ningestion p99 ratio (sync / idle requests pooled): ${JSON.stringify(report.ingestionP99Ratio)}; vs each idle phase: ${JSON.stringify(report.ingestionP99RatioVsEachIdlePhase)}; goals: ${JSON.stringify(report.goals)}`);
  } finally {
    await svc.stop();
    await cleanUp(admin, ws).catch((e: unknown) => log(`clean-up failed: ${String(e)}`));
    // The data set must be as generated (bench/generate.ts checks its generated events, those without a messageId).
    try {
      const [[{ n }]] = (await admin.query('SELECT COUNT(*) AS n FROM events WHERE workspace_id = ? AND message_id IS NULL', [ws])) as unknown as [[{ n: number }]];
      if (Number(n) !== meta.events) log(`WARNING: ${BENCH_DB} holds ${fmtN(Number(n))} generated events, bench_meta says ${fmtN(meta.events)}`);
    } catch (e) {
      log(`WARNING: could not check ${BENCH_DB}: ${String(e)}`);
    }
    report.totalSeconds = r1((performance.now() - t00) / 1000);
    save();
    log(`written ${file} (${report.totalSeconds} s in all)`);
    await admin.end();
  }
}

if (require.main === module) main().then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(1); });
