/**
 * `npm run bench -- generate [--fresh]`: the filter benchmarks' data set, generated in SQL.
 *
 * Database `segments_bench` (env BENCH_DB), created with the real migrations and one workspace
 * made by `WorkspaceService.createWorkspace`. By default 1,000,000 users, 100,000 companies,
 * 1,000 products and about 10,000,000 events; env BENCH_SCALE multiplies every count
 * (0.01 for a quick small set). Without `--fresh` an existing data set of the same scale is
 * reused; `--fresh` drops the database and generates it again.
 *
 * Every row is made by `INSERT … SELECT` from MariaDB's SEQUENCE engine (`seq_1_to_N`), in
 * chunks of about 100,000 rows, so no data crosses the wire and every transaction stays small.
 * The "random" values are hashes of the row number (MD5), so a scale always gives the same
 * data, relative to the moment of generation (`bench_meta.anchor`).
 */
import path from 'node:path';
import mysql from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { OBJECT_TYPES } from '../src/core/object-types';
import { backfillAttributeValues } from '../src/db/attribute-values';
import { createDataSource } from '../src/db/data-source';
import { backfillEventNumbers } from '../src/db/event-numbers';
import { WorkspaceService } from '../src/services/workspace.service';
import { databaseUrl, machine, serverUrl, tuneDatabase } from './harness';

export const BENCH_DB = process.env.BENCH_DB ?? 'segments_bench';
export const SCALE = Number(process.env.BENCH_SCALE ?? 1);
export const RESULTS_DIR = path.join(__dirname, '..', '..', 'bench', 'results');

export interface Sizes {
  readonly users: number;
  readonly companies: number;
  readonly products: number;
}

export function sizesFor(scale: number): Sizes {
  if (!(scale > 0 && scale <= 10)) throw new Error(`BENCH_SCALE must be in (0, 10], got ${scale}`);
  return {
    users: Math.max(100, Math.round(1_000_000 * scale)),
    companies: Math.max(10, Math.round(100_000 * scale)),
    products: Math.max(10, Math.round(1_000 * scale)),
  };
}

/** What the generator records in the bench database (table `bench_meta`). */
export interface BenchMeta {
  readonly scale: number;
  readonly workspaceId: string;
  /** Token of the workspace's admin (bench database only), for runs through the GraphQL API. */
  readonly token: string;
  /** The moment the data is relative to (ISO). */
  readonly anchor: string;
  readonly users: number;
  readonly companies: number;
  readonly products: number;
  readonly events: number;
  readonly tags: number;
  readonly generationSeconds: number;
}

// ---------------------------------------------------------------------------------------------
// Progress bar on stderr: phase, rows, %, rate, ETA.

export class Progress {
  private readonly started = performance.now();
  private done = 0;
  private lastPrint = 0;
  private printed = -1;
  private readonly tty = process.stderr.isTTY === true;

  constructor(private readonly phase: string, private readonly total: number) {
    this.render(true);
  }

  add(rows: number): void {
    this.done += rows;
    this.render(false);
  }

  finish(): number {
    this.done = Math.max(this.done, this.total);
    this.render(true);
    if (this.tty) process.stderr.write('\n');
    return (performance.now() - this.started) / 1000;
  }

  private render(force: boolean): void {
    const now = performance.now();
    // On a terminal redraw at most 10×/s; in a log file, one line per ~10 %.
    const every = this.tty ? 100 : Math.max(1000, ((now - this.started) / Math.max(this.done, 1)) * this.total / 10);
    if ((!force && now - this.lastPrint < every) || (!this.tty && this.printed === this.done)) return;
    this.lastPrint = now;
    this.printed = this.done;
    const secs = (now - this.started) / 1000;
    const frac = this.total > 0 ? Math.min(1, this.done / this.total) : 1;
    const width = 30;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '-');
    const rate = secs > 0 ? this.done / secs : 0;
    const eta = rate > 0 && frac < 1 ? (this.total - this.done) / rate : 0;
    const line = `${this.phase.padEnd(10)} [${bar}] ${fmt(this.done)}/${fmt(this.total)} ${(frac * 100).toFixed(1).padStart(5)}%  ${fmt(Math.round(rate))} rows/s  ETA ${eta.toFixed(0)}s  (${secs.toFixed(1)}s)`;
    process.stderr.write(this.tty ? `\r${line}\x1b[K` : `${line}\n`);
  }
}

export const fmt = (n: number): string => n.toLocaleString('en-US');

// ---------------------------------------------------------------------------------------------
// SQL building blocks.

/**
 * A uniform number in [0, 1) from the row number `expr` and a salt: deterministic, no state.
 * MD5, not CRC32: CRC32 is affine, so two salts of one length would give correlated columns.
 */
const u = (expr: string, salt: string): string => `(CONV(LEFT(MD5(CONCAT(${expr}, '${salt}')), 8), 16, 10) / 4294967296)`;

/** Picks a label by cumulative thresholds: [[0.3,'a'],[0.5,'b']] and an else value. */
function pick(x: string, table: ReadonlyArray<readonly [number, string]>, otherwise: string): string {
  return `CASE ${table.map(([p, v]) => `WHEN ${x} < ${p} THEN ${v}`).join(' ')} ELSE ${otherwise} END`;
}
const q = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** Canonical ISO text `YYYY-MM-DDTHH:mm:ss.sssZ` of a DATETIME(3) expression. */
const isoText = (ts: string): string =>
  `CONCAT(DATE_FORMAT(${ts}, '%Y-%m-%dT%H:%i:%s.'), LPAD(MICROSECOND(${ts}) DIV 1000, 3, '0'), 'Z')`;

// Countries, skewed (cumulative shares); 3 % of users have none.
const COUNTRIES: ReadonlyArray<readonly [number, string, readonly string[]]> = [
  [0.28, 'United States', ['New York', 'San Francisco', 'Austin', 'Chicago', 'Seattle']],
  [0.42, 'United Kingdom', ['London', 'Manchester', 'Edinburgh']],
  [0.54, 'Germany', ['Berlin', 'München', 'Hamburg', 'Köln']],
  [0.63, 'France', ['Paris', 'Lyon', 'Marseille']],
  [0.71, 'Poland', ['Warszawa', 'Kraków', 'Wrocław', 'Gdańsk']],
  [0.77, 'Spain', ['Madrid', 'Barcelona', 'Sevilla']],
  [0.82, 'Italy', ['Roma', 'Milano', 'Torino']],
  [0.86, 'Netherlands', ['Amsterdam', 'Rotterdam']],
  [0.89, 'Switzerland', ['Zürich', 'Genève', 'Basel']],
  [0.92, 'Brazil', ['São Paulo', 'Rio de Janeiro']],
  [0.95, 'India', ['Bengaluru', 'Mumbai', 'Delhi']],
  [0.97, 'Japan', ['Tokyo', 'Osaka']],
];
const FIRST = ['Anna', 'Jan', 'Maria', 'Piotr', 'John', 'Emma', 'Liam', 'Olivia', 'Noah', 'Sophie', 'Lukas', 'Léa', 'Mateo', 'Yuki', 'Aarav', 'Chloé'];
const LAST = ['Smith', 'Kowalski', 'Müller', 'Martin', 'García', 'Rossi', 'de Vries', 'Nowak', 'Brown', 'Dubois', 'Silva', 'Sato', 'Patel', 'Jones', 'Schmidt', 'Wójcik'];
const INDUSTRIES: ReadonlyArray<readonly [number, string]> = [
  [0.25, 'Software'], [0.4, 'Retail'], [0.52, 'Finance'], [0.62, 'Healthcare'], [0.7, 'Manufacturing'],
  [0.77, 'Education'], [0.83, 'Media'], [0.88, 'Logistics'], [0.92, 'Energy'],
];
const elt = (x: string, values: readonly string[]): string => `ELT(1 + FLOOR(${x} * ${values.length}), ${values.map(q).join(', ')})`;

function usersSelect(ws: string, sizes: Sizes, anchor: string, from: number, to: number): string {
  const n = 's.seq';
  const cu = u(n, 'country');
  const country = pick(cu, COUNTRIES.map(([p, c]) => [p, q(c)] as const), 'NULL');
  const city = `CASE ${COUNTRIES.map(([p, , cities]) => `WHEN ${cu} < ${p} THEN ${elt(u(n, 'city'), cities)}`).join(' ')} ELSE NULL END`;
  // Last seen: 5 % never; the rest over the last 180 days, more of them recently.
  const seen = `IF(${u(n, 'seen0')} < 0.05, NULL, TIMESTAMP(${q(anchor)}) - INTERVAL FLOOR(POW(${u(n, 'seen')}, 1.6) * 180 * 86400000) * 1000 MICROSECOND)`;
  const created = `TIMESTAMP(${q(anchor)}) - INTERVAL (180 + FLOOR(${u(n, 'created')} * 900)) DAY - INTERVAL FLOOR(${u(n, 'createdms')} * 86400000) * 1000 MICROSECOND`;
  // Users per company skewed (a few very large companies); 10 % of users have none.
  const company = `IF(${u(n, 'co0')} < 0.1, NULL, 1 + FLOOR(${sizes.companies} * POW(${u(n, 'co')}, 2.5)))`;
  const plan = pick(u(n, 'plan'), [[0.1, 'NULL'], [0.55, q('free')], [0.78, q('starter')], [0.94, q('pro')]], q('enterprise'));
  const seats = `IF(${u(n, 'seats0')} < 0.2, NULL, 1 + FLOOR(POW(${u(n, 'seats')}, 3) * 500))`;
  const beta = pick(u(n, 'beta'), [[0.35, 'NULL'], [0.45, q('true')]], q('false'));
  const renewalTs = `TIMESTAMP(${q(anchor)}) + INTERVAL (FLOOR(${u(n, 'renew')} * 455 * 86400000) - 90 * 86400000) * 1000 MICROSECOND`;
  const renewal = `IF(${u(n, 'renew0')} < 0.25, NULL, ${isoText(renewalTs)})`;
  const attrs = `CONCAT('{', CONCAT_WS(',',
      CONCAT('"plan":"', ${plan}, '"'),
      CONCAT('"seats":', ${seats}),
      CONCAT('"beta":', ${beta}),
      CONCAT('"renewalAt":"', ${renewal}, '"')), '}')`;
  return `INSERT INTO users (id, workspace_id, external_id, attributes, created_at, updated_at, email, first_name, last_name, phone,
      country, city, marketing_consent, last_seen_at, company_id)
    SELECT ${n}, ${ws}, CONCAT('u', ${n}), ${attrs}, ${created}, TIMESTAMP(${q(anchor)}),
      IF(${u(n, 'mail0')} < 0.02, NULL, CONCAT('user', ${n}, '@', ${elt(u(n, 'mail'), ['gmail.com', 'example.com', 'outlook.com', 'acme.io', 'yahoo.com'])})),
      ${elt(u(n, 'first'), FIRST)}, ${elt(u(n, 'last'), LAST)},
      IF(${u(n, 'phone0')} < 0.4, NULL, CONCAT('+1555', LPAD(${n} MOD 10000000, 7, '0'))),
      ${country}, ${city}, ${u(n, 'consent')} < 0.6, ${seen}, ${company}
    FROM seq_${from}_to_${to} s`;
}

function companiesSelect(ws: string, anchor: string, from: number, to: number): string {
  const n = 's.seq';
  const employees = `FLOOR(POW(10, 0.5 + POW(${u(n, 'emp')}, 1.5) * 4))`;
  return `INSERT INTO companies (id, workspace_id, external_id, attributes, created_at, updated_at, name, industry, country, employees, annual_revenue)
    SELECT ${n}, ${ws}, CONCAT('c', ${n}), '{}', TIMESTAMP(${q(anchor)}) - INTERVAL FLOOR(${u(n, 'created')} * 1500) DAY, TIMESTAMP(${q(anchor)}),
      CONCAT(${elt(u(n, 'name'), ['Acme', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne', 'Hooli', 'Vandelay'])}, ' ', ${n}),
      ${pick(u(n, 'ind'), INDUSTRIES.map(([p, v]) => [p, q(v)] as const), 'NULL')},
      ${pick(u(n, 'country'), COUNTRIES.map(([p, c]) => [p, q(c)] as const), 'NULL')},
      ${employees}, ROUND(${employees} * (40000 + ${u(n, 'rev')} * 200000), 2)
    FROM seq_${from}_to_${to} s`;
}

function productsSelect(ws: string, anchor: string, count: number): string {
  const n = 's.seq';
  return `INSERT INTO products (id, workspace_id, external_id, attributes, created_at, updated_at, sku, name, category, price, stock)
    SELECT ${n}, ${ws}, CONCAT('p', ${n}), '{}', TIMESTAMP(${q(anchor)}) - INTERVAL 400 DAY, TIMESTAMP(${q(anchor)}),
      CONCAT('SKU-', LPAD(${n}, 6, '0')), CONCAT('Product ', ${n}),
      ${elt(u(n, 'cat'), ['Books', 'Electronics', 'Garden', 'Toys', 'Clothing', 'Food'])},
      ROUND(5 + POW(${u(n, 'price')}, 2) * 500, 2), FLOOR(${u(n, 'stock')} * 1000)
    FROM seq_1_to_${count} s`;
}

/** Events per user: 0–30, E ≈ 10, most users few and a long tail of heavy users. */
export const EVENTS_PER_USER = (n: string): string => `LEAST(30, FLOOR(33.2 * POW(${u(n, 'k')}, 2)))`;

function eventsSelect(ws: string, sizes: Sizes, from: number, to: number): string {
  const e = 'CONCAT(u.id, \'.\', s.seq)';
  const kind = u(e, 'name');
  const name = pick(kind, [[0.6, q('page_view')], [0.85, q('product_viewed')], [0.96, q('order_completed')]], q('newsletter_subscribed'));
  const product = `1 + FLOOR(${sizes.products} * POW(${u(e, 'product')}, 2))`;
  const total = `ROUND(10 + POW(${u(e, 'total')}, 2) * 990, 2)`;
  const properties = pick(kind, [
    [0.6, `CONCAT('{"path":"', ${elt(u(e, 'path'), ['/', '/pricing', '/blog', '/docs', '/signup', '/features'])}, '"}')`],
    [0.85, `CONCAT('{"sku":"SKU-', LPAD(${product}, 6, '0'), '"}')`],
    [0.96, `CONCAT('{"total":', ${total}, ',"currency":"USD","items":', 1 + FLOOR(${u(e, 'items')} * 4), '}')`],
  ], `'{"source":"footer"}'`);
  // Events happen before the user was last seen, spread over a year, most of them recently.
  const at = `u.last_seen_at - INTERVAL FLOOR(POW(${u(e, 'at')}, 1.5) * 365 * 86400000) * 1000 MICROSECOND`;
  return `INSERT INTO events (workspace_id, user_id, product_id, name, occurred_at, properties, message_id, created_at)
    SELECT ${ws}, u.id, IF(${kind} >= 0.6 AND ${kind} < 0.96, ${product}, NULL), ${name}, ${at}, ${properties}, NULL, ${at}
    FROM users u JOIN seq_1_to_30 s ON s.seq <= ${EVENTS_PER_USER('u.id')}
    WHERE u.workspace_id = ${ws} AND u.id BETWEEN ${from} AND ${to} AND u.last_seen_at IS NOT NULL
    ORDER BY u.id, s.seq`;
}

// ---------------------------------------------------------------------------------------------

export async function openBenchDataSource(db = BENCH_DB): Promise<DataSource> {
  const admin = await mysql.createConnection(serverUrl());
  await admin.query(`CREATE DATABASE IF NOT EXISTS \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci`);
  await admin.end();
  const ds = createDataSource({ databaseUrl: databaseUrl(db), poolSize: 4 });
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  return ds;
}

/** The recorded data set, or null when the database holds none (or an incomplete one). */
export async function readMeta(ds: DataSource): Promise<BenchMeta | null> {
  const [exists] = (await ds.query("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'bench_meta'")) as Array<{ n: string }>;
  if (Number(exists.n) === 0) return null;
  const rows = (await ds.query('SELECT v FROM bench_meta WHERE k = ?', ['meta'])) as Array<{ v: string }>;
  return rows.length ? (JSON.parse(rows[0].v) as BenchMeta) : null;
}

/** Reuses a complete data set of this scale, or generates one. */
export async function ensureDataset(options: { fresh: boolean; scale?: number; db?: string }): Promise<{ ds: DataSource; meta: BenchMeta; generated: boolean }> {
  const scale = options.scale ?? SCALE;
  const db = options.db ?? BENCH_DB;
  if (options.fresh) await dropBenchDatabase(db);
  let ds = await openBenchDataSource(db);
  const meta = await readMeta(ds);
  if (meta && meta.scale === scale && (await countsMatch(ds, meta))) return { ds, meta, generated: false };
  if (meta || (await hasRows(ds))) {
    process.stderr.write(`${db}: no complete data set of scale ${scale}; regenerating\n`);
    await ds.destroy();
    await dropBenchDatabase(db);
    ds = await openBenchDataSource(db);
  }
  return { ds, meta: await generate(ds, scale, db), generated: true };
}

async function dropBenchDatabase(db: string): Promise<void> {
  const admin = await mysql.createConnection(serverUrl());
  await admin.query(`DROP DATABASE IF EXISTS \`${db}\``);
  await admin.end();
}

async function hasRows(ds: DataSource): Promise<boolean> {
  const [r] = (await ds.query('SELECT (SELECT COUNT(*) FROM workspaces) + (SELECT COUNT(*) FROM users LIMIT 1) AS n')) as Array<{ n: string }>;
  return Number(r.n) > 0;
}

/**
 * Whether the generated rows are all there. Only generated events count (they have no messageId):
 * benchmarks that track events of their own into the data set (load, freshness: with message ids,
 * deleted at their end) must not make it look incomplete meanwhile, or a benchmark started in
 * that window drops and regenerates the database under them.
 */
async function countsMatch(ds: DataSource, meta: BenchMeta): Promise<boolean> {
  const [r] = (await ds.query(
    'SELECT (SELECT COUNT(*) FROM users) AS users, (SELECT COUNT(*) FROM companies) AS companies, (SELECT COUNT(*) FROM events WHERE workspace_id = ? AND message_id IS NULL) AS events',
    [meta.workspaceId],
  )) as Array<Record<string, string>>;
  return Number(r.users) === meta.users && Number(r.companies) === meta.companies && Number(r.events) === meta.events;
}

async function generate(ds: DataSource, scale: number, db: string): Promise<BenchMeta> {
  const sizes = sizesFor(scale);
  const t0 = performance.now();
  const { workspaceId, token } = await new WorkspaceService(ds).createWorkspace({ name: 'Bench', adminName: 'Bench admin', adminEmail: 'bench@example.com' });
  const ws = String(Number(workspaceId));
  const anchorDate = new Date();
  anchorDate.setUTCMilliseconds(0);
  const anchor = anchorDate.toISOString().replace('T', ' ').replace('Z', '');
  const conn = await mysql.createConnection(databaseUrl(db));
  await conn.query("SET time_zone = '+00:00'");
  try {
    const chunked = async (phase: string, total: number, chunk: number, build: (from: number, to: number) => string, rowsOf?: (from: number, to: number, affected: number) => number) => {
      const p = new Progress(phase, total);
      for (let from = 1; from <= total; from += chunk) {
        const to = Math.min(total, from + chunk - 1);
        const [res] = (await conn.query(build(from, to))) as unknown as [{ affectedRows: number }];
        p.add(rowsOf ? rowsOf(from, to, res.affectedRows) : res.affectedRows);
      }
      return p.finish();
    };
    const secs: Record<string, number> = {};
    secs.companies = await chunked('companies', sizes.companies, 100_000, (a, b) => companiesSelect(ws, anchor, a, b));
    const pp = new Progress('products', sizes.products);
    await conn.query(productsSelect(ws, anchor, sizes.products));
    pp.add(sizes.products);
    secs.products = pp.finish();
    secs.users = await chunked('users', sizes.users, 100_000, (a, b) => usersSelect(ws, sizes, anchor, a, b));
    // The filter index of custom attributes (attribute_values), by the migration's backfill: the migration ran on empty tables.
    const pv = new Progress('attribute values', Math.round(sizes.users * 3.1));
    for (const type of OBJECT_TYPES) await backfillAttributeValues(async (sql, params) => (await conn.query(sql, params))[0], type, { onChunk: (rows) => pv.add(rows) });
    await conn.query('ANALYZE TABLE attribute_values');
    secs.attributeValues = pv.finish();

    // Events: chunks of 10,000 users (≈ 100,000 events), two connections at once (one per core).
    const [[expected]] = (await conn.query(
      `SELECT COALESCE(SUM(${EVENTS_PER_USER('u.id')}), 0) AS n FROM users u WHERE u.workspace_id = ${ws} AND u.last_seen_at IS NOT NULL`,
    )) as unknown as [[{ n: string }]];
    const pe = new Progress('events', Number(expected.n));
    let events = 0;
    const chunk = 10_000;
    let next = 1;
    const second = await mysql.createConnection(databaseUrl(db));
    await second.query("SET time_zone = '+00:00'");
    try {
      await Promise.all([conn, second].map(async (c) => {
        while (next <= sizes.users) {
          const from = next;
          const to = Math.min(sizes.users, from + chunk - 1);
          next = to + 1;
          const [res] = (await c.query(eventsSelect(ws, sizes, from, to))) as unknown as [{ affectedRows: number }];
          events += res.affectedRows;
          pe.add(res.affectedRows);
        }
      }));
    } finally {
      await second.end();
    }
    secs.events = pe.finish();

    // The numeric event properties (event_numbers), by the service's writer: the migration ran on
    // an empty events table.
    const [[idRange]] = (await conn.query('SELECT MIN(id) AS lo, MAX(id) AS hi FROM events')) as unknown as [[{ lo: number | null; hi: number | null }]];
    const pn = new Progress('numbers', idRange.lo === null ? 0 : Number(idRange.hi) - Number(idRange.lo) + 1);
    await backfillEventNumbers(async (sql, params) => (await conn.query(sql, params))[0], { onChunk: (_rows, ids) => pn.add(ids) });
    secs.numbers = pn.finish();

    const pt = new Progress('tags', 3);
    const tagShares: ReadonlyArray<readonly [string, number]> = [['vip', 0.02], ['churn-risk', 0.05], ['beta', 0.03]];
    let tags = 0;
    for (const [tag, share] of tagShares) {
      const [res] = (await conn.query(
        `INSERT INTO object_tags (workspace_id, object_type, object_id, tag, created_at)
         SELECT ${ws}, 1, s.seq, ?, TIMESTAMP(${q(anchor)}) FROM seq_1_to_${sizes.users} s WHERE ${u('s.seq', `tag-${tag}`)} < ?`,
        [tag, share],
      )) as unknown as [{ affectedRows: number }];
      tags += res.affectedRows;
      pt.add(1);
    }
    secs.tags = pt.finish();

    await conn.query(
      `INSERT INTO attribute_definitions (workspace_id, object_type, attr_key, type, label, created_at) VALUES
        (?, 1, 'plan', 'STRING', 'Plan', NOW(3)), (?, 1, 'seats', 'NUMBER', 'Seats', NOW(3)),
        (?, 1, 'beta', 'BOOLEAN', 'Beta', NOW(3)), (?, 1, 'renewalAt', 'DATE', 'Renewal at', NOW(3))`,
      [ws, ws, ws, ws],
    );
    // Ids of objects come from id_sequences: move them past what was loaded.
    await conn.query(
      `UPDATE id_sequences SET next_id = GREATEST(next_id, CASE name WHEN 'users' THEN ? WHEN 'companies' THEN ? WHEN 'products' THEN ? ELSE next_id END)`,
      [sizes.users + 1, sizes.companies + 1, sizes.products + 1],
    );
    const pa = new Progress('analyze', 1);
    await conn.query('ANALYZE TABLE users, companies, products, events, event_numbers, object_tags');
    pa.add(1);
    secs.analyze = pa.finish();

    const meta: BenchMeta = {
      scale, workspaceId: ws, token, anchor: anchorDate.toISOString(),
      users: sizes.users, companies: sizes.companies, products: sizes.products, events, tags,
      generationSeconds: Math.round((performance.now() - t0) / 100) / 10,
    };
    await conn.query('CREATE TABLE IF NOT EXISTS bench_meta (k VARCHAR(64) PRIMARY KEY, v TEXT NOT NULL)');
    await conn.query('REPLACE INTO bench_meta (k, v) VALUES (?, ?), (?, ?)', ['meta', JSON.stringify(meta), 'phases', JSON.stringify(secs)]);
    return meta;
  } finally {
    await conn.end();
  }
}

async function main(): Promise<void> {
  const fresh = process.argv.includes('--fresh');
  const database = await tuneDatabase();
  const t0 = performance.now();
  const { ds, meta, generated } = await ensureDataset({ fresh });
  try {
    const [sizes] = (await ds.query(
      `SELECT table_name AS t, ROUND((data_length + index_length) / 1048576) AS mib FROM information_schema.tables
       WHERE table_schema = DATABASE() AND table_name IN ('users', 'companies', 'events', 'event_numbers', 'object_tags') ORDER BY table_name`,
    ).then((rows: Array<{ t: string; mib: string }>) => [Object.fromEntries(rows.map((r) => [r.t, `${r.mib} MiB`]))])) as [Record<string, string>];
    const phases = (await ds.query('SELECT v FROM bench_meta WHERE k = ?', ['phases'])) as Array<{ v: string }>;
    const report = {
      machine: await machine(),
      database,
      db: BENCH_DB,
      generated,
      seconds: generated ? meta.generationSeconds : Math.round((performance.now() - t0) / 100) / 10,
      phaseSeconds: phases.length ? (JSON.parse(phases[0].v) as Record<string, number>) : undefined,
      ...meta,
      token: undefined,
      sizes,
    };
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await ds.destroy();
  }
}

if (require.main === module) main().catch((e) => { console.error(e); process.exit(1); });
