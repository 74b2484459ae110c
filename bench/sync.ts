/**
 * `npm run bench -- sync`: what a segment sync costs next to the bare count of its predicate, on
 * the filter benchmark's data set (database `segments_bench`, env BENCH_DB; see bench/generate.ts).
 *
 * Everything runs in this process on the service's own classes (createServices), on a DataSource
 * of its own (pool of 20, as a service process has):
 *
 * 1. Per filter of bench/filters.ts (`CASES`):
 *    - bare count: `compileCountQuery` of the validated tree, the statement only (1 warm-up,
 *      median of BENCH_RUNS = 3);
 *    - first sync: `SegmentService.create` (validates, inserts the row, syncs at once with
 *      trigger DEFINITION_CHANGED); its run's duration and the wall time of create;
 *    - unchanged re-sync: `SegmentSyncService.sync(id, 'MANUAL')`, median of BENCH_RUNS, with
 *      entered = exited = 0 and no member or history row written asserted;
 *    - the time of every statement of those syncs (the DataSource's query runners are wrapped).
 * 2. 1,000,000 membership changes: a segment on `marketingConsent IS_TRUE` (600k users), then
 *    `SegmentService.update` to its negation: 600k leave and 400k enter in one sync.
 * 3. 100 mixed segments (BENCH_SEGMENTS): the 10 filters × 10 variants (time windows shifted by
 *    0–9 days), created one after the other (100 first syncs, sequential), then all re-synced
 *    through the real job runner (Agenda on agenda-mysql, 4 syncs at once, polling every 2 s:
 *    the defaults of a worker process); with BENCH_BATCH_SEQUENTIAL=1 also re-synced one after
 *    the other first.
 *
 * 4. The floor (BENCH_PARTS=floor, not in the default parts): what any sync must at least do, per
 *    filter, each statement alternated with the bare count on one connection (sync session
 *    settings, median of BENCH_RUNS after a warm-up): the count plus SUM(id) (the least that can
 *    tell two sets of one size apart, and not even always), the fingerprint query, the
 *    materialisation of the set in a MEMORY table (the staging step), and the least
 *    durable write of it: `INSERT INTO bench_floor_members (object_id) <the predicate>`, one
 *    InnoDB table with one column and one index, no history, no join time, autocommit. If that
 *    alone is over 2× the count, no design that keeps one row per member meets "first sync ≤ 2×".
 *
 * 5. Change previews (BENCH_PARTS=preview, not in the default parts): a segment on the
 *    custom-attributes filter, then `previewSegmentChange` to each filter of `CASES` (median of
 *    BENCH_RUNS after a warm-up), with its counts.
 *
 * Segments made here are named `bench-sync …` and deleted (members, history, runs, outbox rows)
 * at the start and at the end, so the data set stays as the generator left it.
 * Env BENCH_PARTS=filters,flip,batch selects parts; BENCH_ONLY=name,… selects filters.
 * Prints markdown tables; writes bench/results/sync.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DataSource, QueryRunner } from 'typeorm';
import { compileCountQuery, compileFingerprintQuery, compileMatchingIdsQuery } from '../src/core/filter/compiler';
import { createDataSource } from '../src/db/data-source';
import { loadSegment } from '../src/db/segment-store';
import { startJobRunner } from '../src/jobs/job-runner';
import { createLogger } from '../src/logger';
import { createServices, Services } from '../src/services';
import type { RequestContext } from '../src/services/context';
import type { SyncRunRecord } from '../src/services/segment-types';
import { CASES } from './filters';
import { BENCH_DB, ensureDataset, openBenchDataSource, readMeta, RESULTS_DIR } from './generate';
import { databaseUrl, machine, tuneDatabase } from './harness';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ONLY = process.env.BENCH_ONLY?.split(',');
const PARTS = (process.env.BENCH_PARTS ?? 'filters,flip,batch').split(',');
const SEGMENTS = Number(process.env.BENCH_SEGMENTS ?? 100);
const PREFIX = 'bench-sync';
const DAY = 86_400_000;
const log = (s: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);
const r1 = (ms: number) => Math.round(ms * 10) / 10;

// ---------------------------------------------------------------------------------------------
// Statement timings: every query runner of the DataSource reports each statement while recording.

interface Statement { readonly label: string; ms: number; calls: number }

const LABELS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^SELECT GET_LOCK/, 'GET_LOCK'],
  [/^SELECT RELEASE_LOCK/, 'RELEASE_LOCK'],
  [/interrupted: the process/, 'mark interrupted runs'],
  [/^INSERT INTO segment_sync_runs/, 'insert run (RUNNING)'],
  [/^UPDATE segments SET sync_status = 'RUNNING'/, 'segment → RUNNING'],
  [/^SET SESSION TRANSACTION|^SET TRANSACTION/, 'SET isolation'],
  [/^CREATE TEMPORARY TABLE/, 'CREATE TEMPORARY TABLE ×4'],
  [/^TRUNCATE TABLE/, 'TRUNCATE temp ×4'],
  [/^INSERT INTO seg_new/, 'stage: INSERT INTO seg_new SELECT <predicate>'],
  [/^START TRANSACTION/, 'START TRANSACTION'],
  [/FOR UPDATE$/, 'SELECT segment FOR UPDATE'],
  [/^INSERT INTO seg_entered/, 'anti-join → seg_entered'],
  [/^INSERT INTO seg_exited/, 'anti-join → seg_exited'],
  [/^SELECT \(SELECT COUNT\(\*\) FROM seg_entered\)/, 'count entered/exited'],
  [/^DELETE m FROM segment_members/, 'DELETE exited members'],
  [/segment_membership_history .*'EXITED'/, 'history INSERT (EXITED)'],
  [/^INSERT INTO segment_members \(/, 'INSERT entered members'],
  [/segment_membership_history .*'ENTERED'/, 'history INSERT (ENTERED)'],
  [/^SELECT object_id FROM seg_/, 'sample ids'],
  [/^UPDATE segments SET member_count/, 'update segment'],
  [/^UPDATE segment_sync_runs SET status = 'SUCCEEDED'/, 'update run'],
  [/^INSERT INTO segment_change_events/, 'outbox INSERT'],
  [/^COMMIT/, 'COMMIT'],
  [/^DROP TEMPORARY TABLE/, 'DROP TEMPORARY TABLE'],
  [/^SELECT \* FROM segment_sync_runs/, 'read run'],
  [/^INSERT INTO segment_membership_history/, 'history INSERT'],
  [/^SELECT COUNT\(\*\) AS n, CAST\(COALESCE\(SUM/, 'fingerprint query'],
  [/^SELECT member_count, CAST\(member_sum/, 'read stored fingerprint'],
  [/^UPDATE segments SET member_sum/, 'write fingerprint'],
  [/^SELECT \* FROM segments |^SELECT segment_id, agent_id FROM segment_hidden_agents/, 'load segment'],
  [/FROM attribute_definitions|FROM static_lists|FROM segment_dependencies|FROM segments s|FROM segments WHERE/, 'validation context, dependencies'],
  [/^INSERT INTO segments |^INSERT INTO segment_dependencies|^INSERT INTO segment_hidden_agents/, 'insert segment row'],
];

let recording: Map<string, Statement> | null = null;

function labelOf(sql: string): string {
  const s = sql.trim().replace(/\s+/g, ' ');
  for (const [re, label] of LABELS) if (re.test(s)) return label;
  return 'other';
}

function instrument(ds: DataSource): void {
  const create = ds.createQueryRunner.bind(ds);
  ds.createQueryRunner = ((mode?: 'master' | 'slave') => {
    const runner: QueryRunner = create(mode);
    const query = runner.query.bind(runner);
    runner.query = (async (sql: string, params?: unknown[], structured?: boolean) => {
      const t0 = performance.now();
      try {
        return await query(sql, params, structured as never);
      } finally {
        if (recording) {
          const label = labelOf(sql);
          const s = recording.get(label) ?? { label, ms: 0, calls: 0 };
          s.ms += performance.now() - t0;
          s.calls++;
          recording.set(label, s);
        }
      }
    }) as QueryRunner['query'];
    return runner;
  }) as DataSource['createQueryRunner'];
}

async function recorded<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T; statements: Statement[] }> {
  recording = new Map();
  const t0 = performance.now();
  try {
    const value = await fn();
    const ms = performance.now() - t0;
    return { ms, value, statements: [...recording.values()].map((s) => ({ ...s, ms: r1(s.ms) })).sort((a, b) => b.ms - a.ms) };
  } finally {
    recording = null;
  }
}

// ---------------------------------------------------------------------------------------------

/** `NOW+30` in a filter stands for now + 30 days (as in bench/filters.ts). */
function resolveNow(filter: unknown, now: Date): unknown {
  if (typeof filter === 'string') {
    const m = /^NOW\+(\d+)$/.exec(filter);
    return m ? new Date(now.getTime() + Number(m[1]) * DAY).toISOString() : filter;
  }
  if (Array.isArray(filter)) return filter.map((f) => resolveNow(f, now));
  if (filter && typeof filter === 'object') return Object.fromEntries(Object.entries(filter).map(([k, v]) => [k, resolveNow(v, now)]));
  return filter;
}

/** A variant of a filter: every day count (windows, WITHIN_LAST_DAYS, MORE_THAN_DAYS_AGO) + k. */
function shiftDays(filter: unknown, k: number): unknown {
  if (Array.isArray(filter)) return filter.map((f) => shiftDays(f, k));
  if (!filter || typeof filter !== 'object') return filter;
  const o = filter as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(o)) {
    if (key === 'lastDays' && typeof v === 'number') out[key] = v + k;
    else if (key === 'value' && typeof v === 'number' && /DAYS/.test(String(o.operator))) out[key] = v + k;
    else out[key] = shiftDays(v, k);
  }
  return out;
}

function medianOf(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function rowsOf(ds: DataSource, segmentId: string): Promise<{ members: number; history: number }> {
  const [r] = (await ds.query(
    'SELECT (SELECT COUNT(*) FROM segment_members WHERE segment_id = ?) AS members, (SELECT COUNT(*) FROM segment_membership_history WHERE segment_id = ?) AS history',
    [segmentId, segmentId],
  )) as Array<{ members: string; history: string }>;
  return { members: Number(r.members), history: Number(r.history) };
}

/** Deletes the segments this benchmark made (and everything of theirs), in chunks. */
async function cleanUp(ds: DataSource, ws: string): Promise<void> {
  const segs = (await ds.query('SELECT id FROM segments WHERE workspace_id = ? AND name LIKE ?', [ws, `${PREFIX} %`])) as Array<{ id: string }>;
  if (segs.length === 0) return;
  const t0 = performance.now();
  for (const { id } of segs) {
    for (const table of ['segment_members', 'segment_membership_history']) {
      for (;;) {
        const res = (await ds.query(`DELETE FROM ${table} WHERE segment_id = ? LIMIT 200000`, [id])) as { affectedRows: number };
        if (res.affectedRows < 200000) break;
      }
    }
    for (const table of ['segment_sync_runs', 'segment_change_events', 'segment_dependencies']) await ds.query(`DELETE FROM ${table} WHERE segment_id = ?`, [id]);
    await ds.query('DELETE FROM segments WHERE id = ?', [id]);
  }
  log(`cleaned up ${segs.length} bench segments in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** The data set of bench/generate.ts; generated only into an empty database (never dropped here). */
async function openDataset(): Promise<{ ws: string; meta: NonNullable<Awaited<ReturnType<typeof readMeta>>> }> {
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
  return { ws: meta.workspaceId, meta };
}

// ---------------------------------------------------------------------------------------------

interface FilterRow {
  name: string;
  kind: string;
  count: number;
  bareCountMs: number;
  bareCountRuns: number[];
  /** Wall time of SegmentService.create (validation, row, the sync at once, reading it back). */
  firstSyncMs: number;
  /** segment_sync_runs.duration_ms of that sync: it stops before the DELETE/INSERT/history writes and the commit. */
  firstRunDurationMs: number;
  firstSyncStatements: Statement[];
  resyncMs: number;
  resyncRuns: number[];
  resyncEntered: number;
  resyncExited: number;
  resyncMemberRowsWritten: number;
  resyncHistoryRowsWritten: number;
  resyncStatements: Statement[];
  firstRatio: number;
  resyncRatio: number;
}

async function filtersPart(ds: DataSource, services: Services, ctx: RequestContext): Promise<FilterRow[]> {
  const ws = ctx.actor.workspaceId;
  const rows: FilterRow[] = [];
  for (const c of CASES) {
    if (ONLY && !ONLY.includes(c.name)) continue;
    const now = new Date();
    const input = resolveNow(c.filter, now);
    // The bare count: the same compiled predicate, the statement only.
    const tree = await services.filters.validateStored(ws, 'USER', input);
    const bare = async () => {
      const q = compileCountQuery(tree, { workspaceId: ws, objectType: 'USER', now: new Date() });
      const t0 = performance.now();
      const [{ n }] = (await ds.query(q.sql, [...q.params])) as Array<{ n: string }>;
      return { ms: performance.now() - t0, n: Number(n) };
    };
    await bare();
    const bareRuns: number[] = [];
    let count = 0;
    for (let i = 0; i < RUNS; i++) {
      const b = await bare();
      bareRuns.push(r1(b.ms));
      count = b.n;
    }
    // First sync: SegmentService.create syncs at once (DEFINITION_CHANGED).
    const created = await recorded(() => services.segments.create(ctx, { objectType: 'USER', name: `${PREFIX} ${c.name}`, filter: input, realtime: false }));
    const seg = created.value;
    const [firstRun] = (await ds.query('SELECT duration_ms, entered, status, error FROM segment_sync_runs WHERE segment_id = ? ORDER BY id DESC LIMIT 1', [seg.id])) as Array<{ duration_ms: number; entered: number; status: string; error: string | null }>;
    if (firstRun.status !== 'SUCCEEDED') throw new Error(`${c.name}: first sync ${firstRun.status}: ${firstRun.error}`);
    // Unchanged re-syncs.
    const resyncRuns: number[] = [];
    let statements: Statement[] = [];
    let entered = 0;
    let exited = 0;
    let memberRows = 0;
    let historyRows = 0;
    for (let i = 0; i < RUNS; i++) {
      const before = await rowsOf(ds, seg.id);
      const r = await recorded(() => services.segmentSyncs.sync(seg.id, 'MANUAL'));
      const run = r.value as SyncRunRecord;
      if (run.status !== 'SUCCEEDED') throw new Error(`${c.name}: re-sync ${run.status}: ${run.error}`);
      const after = await rowsOf(ds, seg.id);
      resyncRuns.push(r1(r.ms));
      entered += run.entered ?? 0;
      exited += run.exited ?? 0;
      memberRows += (run.entered ?? 0) + (run.exited ?? 0) + Math.abs(after.members - before.members);
      historyRows += after.history - before.history;
      if (i === Math.floor(RUNS / 2) || statements.length === 0) statements = r.statements;
    }
    const bareMs = medianOf(bareRuns);
    const resyncMs = medianOf(resyncRuns);
    const row: FilterRow = {
      name: c.name, kind: c.kind, count, bareCountMs: bareMs, bareCountRuns: bareRuns,
      firstSyncMs: r1(created.ms), firstRunDurationMs: Number(firstRun.duration_ms), firstSyncStatements: created.statements,
      resyncMs, resyncRuns, resyncEntered: entered, resyncExited: exited, resyncMemberRowsWritten: memberRows, resyncHistoryRowsWritten: historyRows,
      resyncStatements: statements,
      firstRatio: Math.round((created.ms / bareMs) * 100) / 100,
      resyncRatio: Math.round((resyncMs / bareMs) * 100) / 100,
    };
    rows.push(row);
    log(`${c.name}: ${count} members; bare count ${bareMs} ms; first sync ${row.firstSyncMs} ms (×${row.firstRatio}); re-sync ${resyncMs} ms (×${row.resyncRatio}), entered ${entered}, exited ${exited}, history rows ${historyRows}`);
    if (entered + exited + historyRows > 0) log(`  NOTE ${c.name}: the unchanged re-sync wrote rows (a time-relative filter whose boundary moved between runs?)`);
  }
  return rows;
}

interface FloorRow {
  name: string;
  count: number;
  /** Medians (ms) of BENCH_RUNS alternated runs on one connection. */
  countMs: number;
  countSumMs: number;
  fingerprintMs: number;
  stageMemoryMs: number;
  persistRowsMs: number;
  runs: Record<'count' | 'countSum' | 'fingerprint' | 'stageMemory' | 'persistRows', number[]>;
}

/** See 4. in the header: the least a sync can do, next to the bare count. */
async function floorPart(ds: DataSource, services: Services, ctx: RequestContext): Promise<FloorRow[]> {
  const ws = ctx.actor.workspaceId;
  const runner = ds.createQueryRunner();
  await runner.connect();
  const q = (sql: string, params: unknown[] = []) => runner.query(sql, params);
  const rows: FloorRow[] = [];
  try {
    await q('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
    await q('SET SESSION max_heap_table_size = ?', [1024 * 1024 * 1024]);
    await q('CREATE TEMPORARY TABLE IF NOT EXISTS floor_new (object_id BIGINT UNSIGNED NOT NULL, PRIMARY KEY USING BTREE (object_id)) ENGINE=MEMORY');
    await q('DROP TABLE IF EXISTS bench_floor_members');
    await q('CREATE TABLE bench_floor_members (object_id BIGINT UNSIGNED NOT NULL, PRIMARY KEY (object_id)) ENGINE=InnoDB');
    for (const c of CASES) {
      if (ONLY && !ONLY.includes(c.name)) continue;
      const tree = await services.filters.validateStored(ws, 'USER', resolveNow(c.filter, new Date()));
      const opts = () => ({ workspaceId: ws, objectType: 'USER' as const, now: new Date() });
      const timed = async (sql: string, params: readonly unknown[], after?: () => Promise<unknown>) => {
        const t0 = performance.now();
        const res = (await q(sql, [...params])) as Array<{ n?: string }> | { affectedRows?: number };
        const ms = performance.now() - t0;
        if (after) await after();
        return { ms, res };
      };
      const steps = {
        count: () => { const s = compileCountQuery(tree, opts()); return timed(s.sql, s.params); },
        countSum: () => { const s = compileCountQuery(tree, opts()); return timed(s.sql.replace(/^SELECT COUNT\(\*\) AS n /, 'SELECT COUNT(*) AS n, SUM(o.id) AS s '), s.params); },
        fingerprint: () => { const s = compileFingerprintQuery(tree, opts()); return timed(s.sql, s.params); },
        stageMemory: async () => { await q('TRUNCATE TABLE floor_new'); const s = compileMatchingIdsQuery(tree, opts()); return timed(`INSERT INTO floor_new (object_id) ${s.sql}`, s.params); },
        persistRows: () => { const s = compileMatchingIdsQuery(tree, opts()); return timed(`INSERT INTO bench_floor_members (object_id) ${s.sql}`, s.params, () => q('TRUNCATE TABLE bench_floor_members')); },
      };
      const runs = { count: [] as number[], countSum: [] as number[], fingerprint: [] as number[], stageMemory: [] as number[], persistRows: [] as number[] };
      let count = 0;
      for (const step of Object.values(steps)) await step(); // warm-up
      for (let i = 0; i < RUNS; i++) {
        for (const [name, step] of Object.entries(steps) as Array<[keyof typeof steps, () => Promise<{ ms: number; res: unknown }>]>) {
          const { ms, res } = await step();
          runs[name].push(r1(ms));
          if (name === 'count') count = Number((res as Array<{ n: string }>)[0].n);
          // A time-relative filter may gain or lose a few members between two statements.
          const written = name === 'persistRows' ? (res as { affectedRows: number }).affectedRows : count;
          if (Math.abs(written - count) > Math.max(10, count / 1000)) throw new Error(`${c.name}: the floor wrote ${written} rows for a count of ${count}`);
        }
      }
      const row: FloorRow = {
        name: c.name, count,
        countMs: medianOf(runs.count), countSumMs: medianOf(runs.countSum), fingerprintMs: medianOf(runs.fingerprint),
        stageMemoryMs: medianOf(runs.stageMemory), persistRowsMs: medianOf(runs.persistRows), runs,
      };
      rows.push(row);
      log(`floor ${c.name}: ${count}; count ${row.countMs} ms, +SUM ${row.countSumMs}, fingerprint ${row.fingerprintMs}, MEMORY stage ${row.stageMemoryMs}, rows persisted ${row.persistRowsMs} (×${(row.persistRowsMs / row.countMs).toFixed(2)})`);
    }
  } finally {
    await q('DROP TABLE IF EXISTS bench_floor_members').catch(() => undefined);
    await runner.release();
  }
  return rows;
}

interface PreviewRow { name: string; ms: number; runs: number[]; entering: number; exiting: number; count: number }

/** See 5. in the header. */
async function previewPart(ds: DataSource, services: Services, ctx: RequestContext): Promise<PreviewRow[]> {
  const now = new Date();
  const base = CASES.find((c) => c.name === 'custom-attributes')!;
  const created = await services.segments.create(ctx, { objectType: 'USER', name: `${PREFIX} preview`, filter: resolveNow(base.filter, now), realtime: false });
  const segment = (await loadSegment(ds, created.id))!;
  const rows: PreviewRow[] = [];
  for (const c of CASES) {
    if (ONLY && !ONLY.includes(c.name)) continue;
    const filter = resolveNow(c.filter, now);
    let p = await services.segmentReads.previewChange(ctx, segment, filter, 20);
    const runs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      p = await services.segmentReads.previewChange(ctx, segment, filter, 20);
      runs.push(r1(performance.now() - t0));
    }
    rows.push({ name: c.name, ms: medianOf(runs), runs, entering: p.enteringCount, exiting: p.exitingCount, count: p.count });
    log(`preview → ${c.name}: ${medianOf(runs)} ms; ${p.enteringCount} enter, ${p.exitingCount} leave, ${p.count} in all`);
  }
  return rows;
}

interface FlipResult {
  initialMembers: number;
  /** Wall time of SegmentService.create with its first sync. */
  initialSyncMs: number;
  initialStatements: Statement[];
  entered: number;
  exited: number;
  changed: number;
  /** Wall time of SegmentService.update, which syncs at once (DEFINITION_CHANGED). */
  syncMs: number;
  /** segment_sync_runs.duration_ms of that sync (stops before the writes; see FilterRow). */
  runDurationMs: number;
  rowsPerSecond: number;
  statements: Statement[];
}

async function flipPart(ds: DataSource, services: Services, ctx: RequestContext): Promise<FlipResult> {
  const consent = { attribute: { field: 'marketingConsent', operator: 'IS_TRUE' } };
  const first = await recorded(() => services.segments.create(ctx, { objectType: 'USER', name: `${PREFIX} flip`, filter: consent, realtime: false }));
  const seg = first.value;
  log(`flip: ${seg.count} members after the first sync (${first.ms.toFixed(0)} ms)`);
  const upd = await recorded(() => services.segments.update(ctx, seg.id, { filter: { not: consent } }));
  const [run] = (await ds.query('SELECT duration_ms, entered, exited, status FROM segment_sync_runs WHERE segment_id = ? ORDER BY id DESC LIMIT 1', [seg.id])) as Array<{ duration_ms: number; entered: number; exited: number; status: string }>;
  const changed = Number(run.entered) + Number(run.exited);
  const res: FlipResult = {
    initialMembers: seg.count, initialSyncMs: r1(first.ms), initialStatements: first.statements,
    entered: Number(run.entered), exited: Number(run.exited), changed, syncMs: r1(upd.ms), runDurationMs: Number(run.duration_ms),
    rowsPerSecond: Math.round(changed / (upd.ms / 1000)), statements: upd.statements,
  };
  log(`flip: entered ${res.entered}, exited ${res.exited} in ${res.syncMs} ms → ${res.rowsPerSecond} rows/s`);
  return res;
}

interface BatchResult {
  segments: number;
  createSequentialSeconds: number;
  /** Only with BENCH_BATCH_SEQUENTIAL=1. */
  resyncSequentialSeconds: number | null;
  resyncJobRunnerSeconds: number;
  jobRunner: { concurrency: number; processEveryMs: number };
  memberRows: number;
}

async function batchPart(ds: DataSource, services: Services, ctx: RequestContext): Promise<BatchResult> {
  const cases = CASES.filter((c) => !ONLY || ONLY.includes(c.name));
  const ids: string[] = [];
  const now = new Date();
  let t0 = performance.now();
  for (let i = 0; i < SEGMENTS; i++) {
    const c = cases[i % cases.length];
    const k = Math.floor(i / cases.length);
    const seg = await services.segments.create(ctx, { objectType: 'USER', name: `${PREFIX} batch ${c.name} +${k}`, filter: shiftDays(resolveNow(c.filter, now), k), realtime: false });
    ids.push(seg.id);
    if ((i + 1) % 10 === 0) log(`batch: ${i + 1} segments created (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  const createSequentialSeconds = (performance.now() - t0) / 1000;
  const [{ n }] = (await ds.query(`SELECT COUNT(*) AS n FROM segment_members WHERE segment_id IN (${ids.map(() => '?').join(',')})`, ids)) as Array<{ n: string }>;

  let resyncSequentialSeconds: number | null = null;
  if (process.env.BENCH_BATCH_SEQUENTIAL === '1') {
    t0 = performance.now();
    for (const id of ids) {
      const run = await services.segmentSyncs.sync(id, 'SCHEDULE');
      if (run?.status !== 'SUCCEEDED') throw new Error(`batch re-sync of ${id}: ${run?.status} ${run?.error}`);
    }
    resyncSequentialSeconds = (performance.now() - t0) / 1000;
    log(`batch: ${SEGMENTS} re-synced sequentially in ${resyncSequentialSeconds.toFixed(1)} s`);
  }

  // The real job runner, as a worker process runs it (defaults: 4 syncs at once, poll every 2 s).
  const concurrency = 4;
  const processEveryMs = 2_000;
  const jobs = await startJobRunner({ databaseUrl: databaseUrl(BENCH_DB), services, logger: createLogger('warn'), process: true, concurrency, processEveryMs });
  try {
    const [{ maxId }] = (await ds.query('SELECT COALESCE(MAX(id), 0) AS maxId FROM segment_sync_runs')) as Array<{ maxId: string }>;
    t0 = performance.now();
    for (const id of ids) await jobs.scheduler.enqueue(id, 'SCHEDULE');
    const marks = ids.map(() => '?').join(',');
    for (;;) {
      const [r] = (await ds.query(`SELECT COUNT(*) AS done, SUM(status = 'FAILED') AS failed FROM segment_sync_runs WHERE id > ? AND status <> 'RUNNING' AND segment_id IN (${marks})`, [maxId, ...ids])) as Array<{ done: string; failed: string | null }>;
      if (Number(r.failed ?? 0) > 0) throw new Error('a job-runner sync failed');
      if (Number(r.done) >= ids.length) break;
      await new Promise((res) => setTimeout(res, 100));
    }
  } finally {
    await jobs.stop();
    await ds.query("DELETE FROM agenda_jobs WHERE name IN ('segment-sync', 'segment-sync-recovery', 'webhook-delivery-recovery')").catch(() => undefined);
  }
  const resyncJobRunnerSeconds = (performance.now() - t0) / 1000;
  log(`batch: ${SEGMENTS} re-synced by the job runner (concurrency ${concurrency}) in ${resyncJobRunnerSeconds.toFixed(1)} s`);
  return { segments: SEGMENTS, createSequentialSeconds, resyncSequentialSeconds, resyncJobRunnerSeconds, jobRunner: { concurrency, processEveryMs }, memberRows: Number(n) };
}

// ---------------------------------------------------------------------------------------------

const fmtN = (n: number) => n.toLocaleString('en-US');

/** Prints a markdown table: the header row, its separator (the first column left, the rest right), the rows. */
function printTable(header: string, lines: string[]): void {
  const columns = header.split('|').length - 2;
  console.log([header, `|---|${'---:|'.repeat(columns - 1)}`, ...lines].join('\n'));
}

async function main(): Promise<void> {
  const database = await tuneDatabase();
  const { ws, meta } = await openDataset();
  const ds = createDataSource({ databaseUrl: databaseUrl(BENCH_DB), poolSize: 20 });
  await ds.initialize();
  instrument(ds);
  const services = createServices(ds);
  const actor = await services.auth.authenticate(meta.token);
  if (!actor) throw new Error('the bench workspace token is not valid');
  const ctx: RequestContext = { actor, requestId: 'bench-sync', logger: createLogger('silent') };
  const report: Record<string, unknown> = {
    date: new Date().toISOString(), machine: await machine(), database, db: BENCH_DB, dataset: { ...meta, token: undefined }, runs: RUNS,
    method: 'in-process (createServices on a DataSource of 20 connections); first sync = SegmentService.create (syncs at once, trigger DEFINITION_CHANGED), its run duration_ms; re-sync = SegmentSyncService.sync(id, MANUAL), median of runs; bare count = compileCountQuery statement only, median of runs after 1 warm-up',
  };
  const file = path.join(RESULTS_DIR, ONLY ? 'sync-partial.json' : 'sync.json');
  // A run of some parts (BENCH_PARTS) keeps the other parts of an earlier run in the file.
  const earlier = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  for (const part of ['filters', 'flip', 'batch', 'floor', 'preview'] as const) if (!PARTS.includes(part) && earlier[part] !== undefined) report[part] = earlier[part];
  const save = () => {
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  };
  try {
    await cleanUp(ds, ws);
    if (PARTS.includes('filters')) {
      const rows = await filtersPart(ds, services, ctx);
      report.filters = rows;
      save();
      printTable('| filter | members | bare COUNT(*) (ms) | first sync (ms) | ratio (goal ≤ 2) | unchanged re-sync (ms) | ratio (goal ≤ 1.2) | entered / exited / history rows written by the re-syncs |', rows.map((r) => `| ${r.name} | ${fmtN(r.count)} | ${r.bareCountMs.toFixed(0)} | ${r.firstSyncMs.toFixed(0)} | ${r.firstRatio.toFixed(2)} | ${r.resyncMs.toFixed(0)} | ${r.resyncRatio.toFixed(2)} | ${r.resyncEntered} / ${r.resyncExited} / ${r.resyncHistoryRowsWritten} |`));
      await cleanUp(ds, ws);
    }
    if (PARTS.includes('floor')) {
      const rows = await floorPart(ds, services, ctx);
      report.floor = rows;
      save();
      const x = (a: number, b: number) => (a / b).toFixed(2);
      printTable('| filter | members | bare COUNT(*) (ms) | COUNT + SUM(id) | fingerprint query | stage in MEMORY | persist one 1-column row per member (floor of a first sync) |', rows.map((r) => `| ${r.name} | ${fmtN(r.count)} | ${r.countMs.toFixed(0)} | ${r.countSumMs.toFixed(0)} (×${x(r.countSumMs, r.countMs)}) | ${r.fingerprintMs.toFixed(0)} (×${x(r.fingerprintMs, r.countMs)}) | ${r.stageMemoryMs.toFixed(0)} (×${x(r.stageMemoryMs, r.countMs)}) | ${r.persistRowsMs.toFixed(0)} (×${x(r.persistRowsMs, r.countMs)}) |`));
    }
    if (PARTS.includes('preview')) {
      const rows = await previewPart(ds, services, ctx);
      report.preview = rows;
      save();
      printTable('| preview of a change from custom-attributes to | ms (median) | entering | leaving | count |', rows.map((r) => `| ${r.name} | ${r.ms.toFixed(0)} | ${fmtN(r.entering)} | ${fmtN(r.exiting)} | ${fmtN(r.count)} |`));
      await cleanUp(ds, ws);
    }
    if (PARTS.includes('flip')) {
      report.flip = await flipPart(ds, services, ctx);
      save();
      await cleanUp(ds, ws);
    }
    if (PARTS.includes('batch')) {
      report.batch = await batchPart(ds, services, ctx);
      save();
    }
  } finally {
    await cleanUp(ds, ws).catch((e: unknown) => log(`clean-up failed: ${String(e)}`));
    save();
    log(`written ${file}`);
    await ds.destroy();
  }
}

if (require.main === module) main().catch((e) => { console.error(e); process.exit(1); });
