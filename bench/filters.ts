/**
 * `npm run bench -- filters`: the count of representative USER filters as the service computes
 * it, next to a hand-written SQL query a DBA would write for the same question, on the data set
 * of `npm run bench -- generate` (database `segments_bench`, env BENCH_DB; generated when missing,
 * at env BENCH_SCALE).
 *
 * "Service" is what `previewSegment` runs for its count: the FilterService's validation context,
 * `validateFilter`, `compileCountQuery`, and the statement on the database (in this process).
 * With env BENCH_API=1 the same filter is also sent as `previewSegment(sampleSize: 0)` to the
 * service started as its own process, to show the API's overhead (which includes the sample
 * query `previewSegment` runs even for sampleSize 0).
 *
 * Each query: 1 warm-up, then the median of BENCH_RUNS (5) runs; both counts must agree.
 * Prints a markdown table; writes bench/results/filters.json.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { compileCountQuery } from '../src/core/filter/compiler';
import { createServices } from '../src/services';
import { BENCH_DB, ensureDataset, RESULTS_DIR } from './generate';
import { databaseUrl, gql, machine, ROOT, tuneDatabase } from './harness';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const WITH_API = process.env.BENCH_API === '1';
const ONLY = process.env.BENCH_ONLY?.split(',');
const DAY = 86_400_000;

export interface FilterCase {
  readonly name: string;
  readonly kind: string;
  readonly filter: unknown;
  /** The hand-written query: SQL text and parameters, `ws` the workspace id, `now` the moment of evaluation. */
  readonly hand: (ws: string, now: Date) => { sql: string; params: unknown[] };
}

const ago = (now: Date, days: number): Date => new Date(now.getTime() - days * DAY);

export const CASES: readonly FilterCase[] = [
  {
    name: 'standard-fields',
    kind: 'attribute (standard fields)',
    filter: { and: [
      { attribute: { field: 'country', operator: 'IN', value: ['Germany', 'Poland'] } },
      { attribute: { field: 'lastSeenAt', operator: 'WITHIN_LAST_DAYS', value: 30 } },
      { attribute: { field: 'marketingConsent', operator: 'IS_TRUE' } },
    ] },
    hand: (ws, now) => ({
      sql: `SELECT COUNT(*) AS n FROM users
            WHERE workspace_id = ? AND country IN ('Germany', 'Poland') AND last_seen_at BETWEEN ? AND ? AND marketing_consent = 1`,
      params: [ws, ago(now, 30), now],
    }),
  },
  {
    name: 'custom-attributes',
    kind: 'custom attributes (STRING IN, NUMBER GT)',
    filter: { and: [
      { attribute: { field: 'attributes.plan', operator: 'IN', value: ['pro', 'enterprise'] } },
      { attribute: { field: 'attributes.seats', operator: 'GT', value: 100 } },
    ] },
    // On the typed index of custom attributes (attribute_values), as a DBA would query it: one
    // range per condition, joined on the object. (Before that table, the JSON:
    // `JSON_VALUE(attributes, '$.plan') IN (…) AND CAST(JSON_VALUE(attributes, '$.seats') AS DOUBLE) > 100`.)
    hand: (ws) => ({
      sql: `SELECT COUNT(*) AS n FROM attribute_values p
            JOIN attribute_values s ON s.workspace_id = p.workspace_id AND s.object_type = p.object_type AND s.object_id = p.object_id
              AND s.attr_key = 'seats' AND s.num_value > 100
            WHERE p.workspace_id = ? AND p.object_type = 1 AND p.attr_key = 'plan' AND p.str_value IN ('pro', 'enterprise')`,
      params: [ws],
    }),
  },
  {
    name: 'custom-date',
    kind: 'custom attributes (DATE BEFORE, BOOLEAN)',
    filter: { and: [
      { attribute: { field: 'attributes.renewalAt', operator: 'BEFORE', value: 'NOW+30' } },
      { attribute: { field: 'attributes.beta', operator: 'IS_TRUE' } },
    ] },
    // On attribute_values (before: `JSON_VALUE(attributes, '$.renewalAt') < ? AND JSON_VALUE(attributes, '$.beta') = true`).
    hand: (ws, now) => ({
      sql: `SELECT COUNT(*) AS n FROM attribute_values d
            JOIN attribute_values b ON b.workspace_id = d.workspace_id AND b.object_type = d.object_type AND b.object_id = d.object_id
              AND b.attr_key = 'beta' AND b.bool_value = 1
            WHERE d.workspace_id = ? AND d.object_type = 1 AND d.attr_key = 'renewalAt' AND d.date_value < ?`,
      params: [ws, new Date(now.getTime() + 30 * DAY)],
    }),
  },
  {
    name: 'event-count-window',
    kind: 'event COUNT in a window',
    filter: { event: { name: 'product_viewed', window: { lastDays: 30 }, aggregate: 'COUNT', operator: 'GTE', value: 3 } },
    hand: (ws, now) => ({
      sql: `SELECT COUNT(*) AS n FROM (
              SELECT user_id FROM events
              WHERE workspace_id = ? AND name = 'product_viewed' AND occurred_at >= ?
              GROUP BY user_id HAVING COUNT(*) >= 3) t`,
      params: [ws, ago(now, 30)],
    }),
  },
  {
    name: 'event-sum',
    kind: 'event SUM of a property',
    filter: { event: { name: 'order_completed', aggregate: 'SUM', property: 'total', operator: 'GT', value: 1500 } },
    hand: (ws) => ({
      // The numbers are in event_numbers (the JSON form took 11–16 s): a DBA sums them there.
      sql: `SELECT COUNT(*) AS n FROM (
              SELECT user_id FROM event_numbers
              WHERE workspace_id = ? AND name = 'order_completed' AND prop_key = 'total'
              GROUP BY user_id HAVING SUM(num_value) > 1500) t`,
      params: [ws],
    }),
  },
  {
    name: 'event-none-window',
    kind: 'no event in a window (COUNT EQ 0)',
    filter: { event: { name: 'page_view', window: { lastDays: 60 }, aggregate: 'COUNT', operator: 'EQ', value: 0 } },
    hand: (ws, now) => ({
      sql: `SELECT COUNT(*) AS n FROM users u
            WHERE u.workspace_id = ? AND NOT EXISTS (
              SELECT 1 FROM events e WHERE e.workspace_id = u.workspace_id AND e.user_id = u.id AND e.name = 'page_view' AND e.occurred_at >= ?)`,
      params: [ws, ago(now, 60)],
    }),
  },
  {
    name: 'related-company',
    kind: 'related company ANY',
    filter: { related: { relation: 'company', quantifier: 'ANY', filter: { and: [
      { attribute: { field: 'industry', operator: 'EQ', value: 'Software' } },
      { attribute: { field: 'employees', operator: 'GTE', value: 1000 } },
    ] } } },
    hand: (ws) => ({
      sql: `SELECT COUNT(*) AS n FROM users u JOIN companies c ON c.id = u.company_id AND c.workspace_id = u.workspace_id
            WHERE u.workspace_id = ? AND c.industry = 'Software' AND c.employees >= 1000`,
      params: [ws],
    }),
  },
  {
    name: 'tag',
    kind: 'tag',
    filter: { tag: { tag: 'vip' } },
    hand: (ws) => ({
      sql: "SELECT COUNT(*) AS n FROM object_tags WHERE workspace_id = ? AND object_type = 1 AND tag = 'vip'",
      params: [ws],
    }),
  },
  {
    name: 'nested-and-or-not',
    kind: 'nested and / or / not',
    filter: { or: [
      { and: [
        { attribute: { field: 'country', operator: 'EQ', value: 'United States' } },
        { attribute: { field: 'attributes.plan', operator: 'EQ', value: 'enterprise' } },
      ] },
      { and: [
        { tag: { tag: 'churn-risk' } },
        { not: { attribute: { field: 'lastSeenAt', operator: 'WITHIN_LAST_DAYS', value: 14 } } },
      ] },
      { and: [
        { attribute: { field: 'marketingConsent', operator: 'IS_TRUE' } },
        { event: { name: 'order_completed', aggregate: 'COUNT', operator: 'GTE', value: 5 } },
      ] },
    ] },
    hand: (ws, now) => ({
      sql: `SELECT COUNT(*) AS n FROM users u
            WHERE u.workspace_id = ? AND (
                 (u.country = 'United States' AND JSON_VALUE(u.attributes, '$.plan') = 'enterprise')
              OR (EXISTS (SELECT 1 FROM object_tags t WHERE t.workspace_id = u.workspace_id AND t.object_type = 1 AND t.object_id = u.id AND t.tag = 'churn-risk')
                  AND (u.last_seen_at IS NULL OR u.last_seen_at < ?))
              OR (u.marketing_consent = 1 AND u.id IN (
                  SELECT user_id FROM events WHERE workspace_id = ? AND name = 'order_completed' GROUP BY user_id HAVING COUNT(*) >= 5)))`,
      params: [ws, ago(now, 14), ws],
    }),
  },
  {
    name: 'retention',
    kind: "seed's retention example",
    filter: { and: [
      { event: { name: 'order_completed', aggregate: 'COUNT', operator: 'GT', value: 1 } },
      { attribute: { field: 'lastSeenAt', operator: 'MORE_THAN_DAYS_AGO', value: 40 } },
      { event: { name: 'order_completed', aggregate: 'SUM', property: 'total', operator: 'GT', value: 800 } },
      { attribute: { field: 'marketingConsent', operator: 'IS_TRUE' } },
    ] },
    hand: (ws, now) => ({
      sql: `SELECT COUNT(*) AS n FROM users u
            JOIN (SELECT user_id FROM events WHERE workspace_id = ? AND name = 'order_completed'
                  GROUP BY user_id HAVING COUNT(*) > 1) o ON o.user_id = u.id
            JOIN (SELECT user_id FROM event_numbers WHERE workspace_id = ? AND name = 'order_completed' AND prop_key = 'total'
                  GROUP BY user_id HAVING SUM(num_value) > 800) t ON t.user_id = u.id
            WHERE u.workspace_id = ? AND u.last_seen_at < ? AND u.marketing_consent = 1`,
      params: [ws, ws, ws, ago(now, 40)],
    }),
  },
];

/** `NOW+30` in a filter stands for now + 30 days (ISO), so that the case is relative to the run. */
function resolve(filter: unknown, now: Date): unknown {
  if (typeof filter === 'string') {
    const m = /^NOW\+(\d+)$/.exec(filter);
    return m ? new Date(now.getTime() + Number(m[1]) * DAY).toISOString() : filter;
  }
  if (Array.isArray(filter)) return filter.map((f) => resolve(f, now));
  if (filter && typeof filter === 'object') return Object.fromEntries(Object.entries(filter).map(([k, v]) => [k, resolve(v, now)]));
  return filter;
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** 1 warm-up, then the median of `runs` runs, and the value of the last run. */
export async function median<T>(fn: () => Promise<T>, runs = RUNS): Promise<{ ms: number; all: number[]; value: T }> {
  let last: T = await fn();
  const all: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r: { ms: number; value: T } = await timed(fn);
    all.push(Math.round(r.ms * 10) / 10);
    last = r.value;
  }
  const sorted = [...all].sort((a, b) => a - b);
  return { ms: sorted[Math.floor(sorted.length / 2)], all, value: last };
}

async function count(ds: DataSource, sql: string, params: readonly unknown[]): Promise<number> {
  const [{ n }] = (await ds.query(sql, [...params])) as Array<{ n: string }>;
  return Number(n);
}

async function startApi(port: number): Promise<{ url: string; stop(): Promise<void> }> {
  const env = { ...process.env, DATABASE_URL: databaseUrl(BENCH_DB), PORT: String(port), HOST: '127.0.0.1', SEED_DEMO: 'false', LOG_LEVEL: 'warn', GRAPHIQL: 'false' };
  const child: ChildProcess = spawn('node', [path.join(ROOT, 'dist', 'src', 'main.js'), 'start'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 150; i++) {
    if (await fetch(`${url}/readyz`).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, async stop() { child.kill('SIGTERM'); await new Promise((r) => child.once('exit', r)); } };
}

const PREVIEW = 'query($filter: FilterInput!) { previewSegment(objectType: USER, filter: $filter, sampleSize: 0) { count } }';

export interface FilterResult {
  readonly name: string;
  readonly kind: string;
  readonly count: number;
  readonly serviceMs: number;
  readonly handMs: number;
  readonly ratio: number;
  readonly apiMs?: number;
  /** Of serviceMs: validation context + validation + compilation (no statement). */
  readonly overheadMs: number;
  readonly serviceRuns: number[];
  readonly handRuns: number[];
  readonly sql: string;
}

async function main(): Promise<void> {
  const database = await tuneDatabase();
  const { ds, meta } = await ensureDataset({ fresh: process.argv.includes('--fresh') });
  const services = createServices(ds);
  const ws = meta.workspaceId;
  const api = WITH_API ? await startApi(4321) : null;
  const results: FilterResult[] = [];
  try {
    for (const c of CASES) {
      if (ONLY && !ONLY.includes(c.name)) continue;
      const now = new Date();
      const input = resolve(c.filter, now);
      // What previewSegment's count runs: validation context + validateFilter (FilterService.validateStored), compilation, the statement.
      const service = await median(async () => {
        const tree = await services.filters.validateStored(ws, 'USER', input);
        const q = compileCountQuery(tree, { workspaceId: ws, objectType: 'USER', now });
        return count(ds, q.sql, q.params);
      });
      // The part of it that is not the statement: loading the context, validating, compiling.
      const overhead = await median(async () => compileCountQuery(await services.filters.validateStored(ws, 'USER', input), { workspaceId: ws, objectType: 'USER', now }));
      const hand = c.hand(ws, now);
      const handRun = await median(() => count(ds, hand.sql, hand.params));
      let apiMs: number | undefined;
      if (api) {
        const r = await median(async () => (await gql<{ previewSegment: { count: number } }>(api.url, meta.token, PREVIEW, { filter: input })).previewSegment.count);
        apiMs = r.ms;
        if (Math.abs(r.value - service.value) > 0) process.stderr.write(`note: ${c.name}: API count ${r.value} (evaluated at a later now) vs ${service.value}\n`);
      }
      if (service.value !== handRun.value) throw new Error(`${c.name}: service counted ${service.value}, hand-written SQL ${handRun.value}`);
      const compiled = compileCountQuery(await services.filters.validateStored(ws, 'USER', input), { workspaceId: ws, objectType: 'USER', now });
      const r: FilterResult = {
        name: c.name, kind: c.kind, count: service.value, serviceMs: service.ms, handMs: handRun.ms,
        ratio: Math.round((service.ms / handRun.ms) * 100) / 100, apiMs, overheadMs: overhead.ms, serviceRuns: service.all, handRuns: handRun.all, sql: compiled.sql,
      };
      results.push(r);
      process.stderr.write(`${c.name}: ${r.count} — service ${r.serviceMs} ms (overhead ${r.overheadMs} ms), hand ${r.handMs} ms, ratio ${r.ratio}${apiMs !== undefined ? `, API ${apiMs} ms` : ''}\n`);
    }
  } finally {
    await api?.stop();
  }
  const lines = [
    `| filter | what | count | service count (ms) | of which validation + compile (ms) | hand-written SQL (ms) | ratio |${api ? ' API previewSegment (ms) |' : ''}`,
    `|---|---|---:|---:|---:|---:|---:|${api ? '---:|' : ''}`,
    ...results.map((r) => `| ${r.name} | ${r.kind} | ${r.count.toLocaleString('en-US')} | ${r.serviceMs.toFixed(1)} | ${r.overheadMs.toFixed(1)} | ${r.handMs.toFixed(1)} | ${r.ratio.toFixed(2)} |${api ? ` ${r.apiMs?.toFixed(1)} |` : ''}`),
  ];
  console.log(lines.join('\n'));
  const report = {
    date: new Date().toISOString(), machine: await machine(), database, db: BENCH_DB, dataset: { ...meta, token: undefined }, runs: RUNS,
    method: 'median of runs after 1 warm-up; service = FilterService.validateStored (validation context + validateFilter) + compileCountQuery + the statement, in-process',
    results,
  };
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, ONLY ? 'filters-partial.json' : 'filters.json');
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stderr.write(`written ${file}\n`);
  const bad = results.filter((r) => r.ratio > 1.5 || r.serviceMs > 2000);
  if (bad.length) process.stderr.write(`over the goal (ratio > 1.5 or > 2 s): ${bad.map((r) => r.name).join(', ')}\n`);
  await ds.destroy();
}

if (require.main === module) main().catch((e) => { console.error(e); process.exit(1); });
