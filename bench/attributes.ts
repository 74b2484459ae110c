/**
 * `npm run bench -- attributes`: how to store custom attributes, by measurement, on the users of
 * the `npm run bench -- generate` data set (database `segments_bench`, env BENCH_DB).
 *
 *   (a) the `attributes` JSON column, read with JSON_VALUE as the filter compiler does (the
 *       service's count: FilterService.validateStored + compileCountQuery), and for reference
 *       the bare `JSON_VALUE(...) = ?` a DBA would write;
 *   (b) JSON plus indexed virtual (generated) columns for the hot keys, one per key, typed;
 *   (c) a typed value table (here bench_attribute_values, so that the real attribute_values of
 *       migration 1764400007000, which came out of this measurement, is never touched) (workspace_id, object_type, object_id, attr_key,
 *       str_value, num_value, date_value, bool_value) with an index per value column, queried
 *       both driven from its index (the best case) and as a per-user EXISTS (what a compiler
 *       combining it with other conditions produces).
 *
 * The alternative structures live only in the bench database: tables bench_users_vc (a copy of
 * users with the virtual columns) and bench_attribute_values; `users` itself is not changed. They are
 * built once and reused (`--rebuild` builds them again). Ingestion: 10 batches of 1,000 upserts
 * of existing users with new attribute values, as the service writes them
 * (INSERT … ON DUPLICATE KEY UPDATE), into a fresh copy per variant.
 * Writes bench/results/attributes.json and prints markdown tables.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { compileCountQuery } from '../src/core/filter/compiler';
import { createServices } from '../src/services';
import { fmt, ensureDataset, Progress, RESULTS_DIR } from './generate';
import { median } from './filters';
import { machine, tuneDatabase } from './harness';

const DAY = 86_400_000;
const INGEST_USERS = Number(process.env.BENCH_INGEST_USERS ?? 10_000);

/** The canonical date text of a JSON value, exactly as the compiler reads it (src/core/filter/dialect.ts). */
const ISO_DATE_REGEXP = '(?-i)^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{3})?Z)?$';
const jt = (k: string): string => `JSON_TYPE(JSON_EXTRACT(attributes, '$."${k}"'))`;
const jv = (k: string): string => `JSON_VALUE(attributes, '$."${k}"')`;

/** Virtual columns: the typed value of a key, NULL when missing (same rules as the compiler). */
const VIRTUAL_COLUMNS = [
  `ADD COLUMN a_plan VARCHAR(255) AS (IF(${jt('plan')} = 'STRING' AND ${jv('plan')} <> '', ${jv('plan')}, NULL)) VIRTUAL`,
  `ADD COLUMN a_seats DOUBLE AS (IF(${jt('seats')} IN ('INTEGER', 'DOUBLE'), ${jv('seats')}, NULL)) VIRTUAL`,
  `ADD COLUMN a_beta TINYINT AS (IF(${jt('beta')} = 'BOOLEAN', JSON_EXTRACT(attributes, '$."beta"') = 'true', NULL)) VIRTUAL`,
  `ADD COLUMN a_renewal_at CHAR(24) CHARACTER SET ascii COLLATE ascii_bin AS (IF(${jv('renewalAt')} REGEXP '${ISO_DATE_REGEXP}',
     CONCAT(TRIM(TRAILING 'Z' FROM ${jv('renewalAt')}), SUBSTRING('0000-00-00T00:00:00.000', CHAR_LENGTH(TRIM(TRAILING 'Z' FROM ${jv('renewalAt')})) + 1), 'Z'), NULL)) VIRTUAL`,
  'ADD KEY ix_a_plan (workspace_id, a_plan)',
  'ADD KEY ix_a_seats (workspace_id, a_seats)',
  'ADD KEY ix_a_beta (workspace_id, a_beta)',
  'ADD KEY ix_a_renewal_at (workspace_id, a_renewal_at)',
];

const VALUE_TABLE = `CREATE TABLE bench_attribute_values (
  workspace_id BIGINT UNSIGNED NOT NULL,
  object_type TINYINT UNSIGNED NOT NULL,
  object_id BIGINT UNSIGNED NOT NULL,
  attr_key VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  str_value VARCHAR(1000) NULL,
  num_value DOUBLE NULL,
  date_value DATETIME(3) NULL,
  bool_value TINYINT(1) NULL,
  PRIMARY KEY (workspace_id, object_type, object_id, attr_key),
  KEY ix_str (workspace_id, object_type, attr_key, str_value(191)),
  KEY ix_num (workspace_id, object_type, attr_key, num_value),
  KEY ix_date (workspace_id, object_type, attr_key, date_value),
  KEY ix_bool (workspace_id, object_type, attr_key, bool_value)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`;

/** Value rows from the JSON, one INSERT … SELECT per key (typed as the compiler types them). */
function valueInsert(ws: string, from: number, to: number, source = 'users'): string[] {
  const base = (k: string, cols: string, cond: string) => `INSERT INTO bench_attribute_values (workspace_id, object_type, object_id, attr_key, str_value, num_value, date_value, bool_value)
    SELECT workspace_id, 1, id, '${k}', ${cols} FROM ${source} WHERE workspace_id = ${ws} AND id BETWEEN ${from} AND ${to} AND ${cond}
    ON DUPLICATE KEY UPDATE str_value = VALUES(str_value), num_value = VALUES(num_value), date_value = VALUES(date_value), bool_value = VALUES(bool_value)`;
  return [
    base('plan', `${jv('plan')}, NULL, NULL, NULL`, `${jt('plan')} = 'STRING' AND ${jv('plan')} <> ''`),
    base('seats', `NULL, ${jv('seats')}, NULL, NULL`, `${jt('seats')} IN ('INTEGER', 'DOUBLE')`),
    base('beta', `NULL, NULL, NULL, JSON_EXTRACT(attributes, '$."beta"') = 'true'`, `${jt('beta')} = 'BOOLEAN'`),
    base('renewalAt', `NULL, NULL, STR_TO_DATE(${jv('renewalAt')}, '%Y-%m-%dT%H:%i:%s.%fZ'), NULL`, `${jv('renewalAt')} REGEXP '${ISO_DATE_REGEXP}'`),
  ];
}

async function tableExists(ds: DataSource, name: string): Promise<boolean> {
  const [r] = (await ds.query('SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?', [name])) as Array<{ n: string }>;
  return Number(r.n) > 0;
}

async function build(ds: DataSource, ws: string, users: number, rebuild: boolean): Promise<Record<string, number>> {
  const secs: Record<string, number> = {};
  if (rebuild || !(await tableExists(ds, 'bench_users_vc'))) {
    await ds.query('DROP TABLE IF EXISTS bench_users_vc');
    await ds.query('CREATE TABLE bench_users_vc LIKE users');
    const p = new Progress('copy (b)', users);
    for (let from = 1; from <= users; from += 100_000) {
      const to = Math.min(users, from + 99_999);
      await ds.query(`INSERT INTO bench_users_vc SELECT * FROM users WHERE id BETWEEN ${from} AND ${to}`);
      p.add(to - from + 1);
    }
    secs.copy = p.finish();
    const pi = new Progress('index (b)', 1);
    await ds.query(`ALTER TABLE bench_users_vc ${VIRTUAL_COLUMNS.join(', ')}`);
    pi.add(1);
    secs.virtualColumnsAndIndexes = pi.finish();
  }
  if (rebuild || !(await tableExists(ds, 'bench_attribute_values'))) {
    await ds.query('DROP TABLE IF EXISTS bench_attribute_values');
    await ds.query(VALUE_TABLE);
    const p = new Progress('values (c)', users);
    for (let from = 1; from <= users; from += 100_000) {
      const to = Math.min(users, from + 99_999);
      for (const sql of valueInsert(ws, from, to)) await ds.query(sql);
      p.add(to - from + 1);
    }
    secs.valueTable = p.finish();
    await ds.query('ANALYZE TABLE bench_users_vc, bench_attribute_values');
  }
  return secs;
}

interface Query { readonly variant: string; readonly sql: string; readonly params: unknown[] }
interface Case { readonly name: string; readonly filter: unknown; readonly queries: (ws: string, now: Date) => Query[] }

const V = 'SELECT COUNT(*) AS n FROM bench_attribute_values v WHERE v.workspace_id = ? AND v.object_type = 1';
const EXISTS = (cond: string) => `SELECT COUNT(*) AS n FROM users o WHERE o.workspace_id = ? AND EXISTS (
  SELECT 1 FROM bench_attribute_values v WHERE v.workspace_id = o.workspace_id AND v.object_type = 1 AND v.object_id = o.id AND ${cond})`;

const CASES = (now: Date): Case[] => {
  const in30 = new Date(now.getTime() + 30 * DAY);
  return [
    {
      name: 'plan EQ enterprise (STRING)',
      filter: { attribute: { field: 'attributes.plan', operator: 'EQ', value: 'enterprise' } },
      queries: (ws) => [
        { variant: 'a2', sql: `SELECT COUNT(*) AS n FROM users WHERE workspace_id = ? AND ${jv('plan')} = 'enterprise'`, params: [ws] },
        { variant: 'b', sql: "SELECT COUNT(*) AS n FROM bench_users_vc WHERE workspace_id = ? AND a_plan = 'enterprise'", params: [ws] },
        { variant: 'c', sql: `${V} AND v.attr_key = 'plan' AND v.str_value = 'enterprise'`, params: [ws] },
        { variant: 'c-exists', sql: EXISTS("v.attr_key = 'plan' AND v.str_value = 'enterprise'"), params: [ws] },
      ],
    },
    {
      name: 'seats BETWEEN 100 AND 200 (NUMBER)',
      filter: { attribute: { field: 'attributes.seats', operator: 'BETWEEN', value: [100, 200] } },
      queries: (ws) => [
        { variant: 'a2', sql: `SELECT COUNT(*) AS n FROM users WHERE workspace_id = ? AND CAST(${jv('seats')} AS DOUBLE) BETWEEN 100 AND 200`, params: [ws] },
        { variant: 'b', sql: 'SELECT COUNT(*) AS n FROM bench_users_vc WHERE workspace_id = ? AND a_seats BETWEEN 100 AND 200', params: [ws] },
        { variant: 'c', sql: `${V} AND v.attr_key = 'seats' AND v.num_value BETWEEN 100 AND 200`, params: [ws] },
        { variant: 'c-exists', sql: EXISTS("v.attr_key = 'seats' AND v.num_value BETWEEN 100 AND 200"), params: [ws] },
      ],
    },
    {
      name: 'renewalAt BETWEEN now and now+30d (DATE)',
      filter: { attribute: { field: 'attributes.renewalAt', operator: 'BETWEEN', value: [now.toISOString(), in30.toISOString()] } },
      queries: (ws) => [
        { variant: 'a2', sql: `SELECT COUNT(*) AS n FROM users WHERE workspace_id = ? AND ${jv('renewalAt')} BETWEEN ? AND ?`, params: [ws, now.toISOString(), in30.toISOString()] },
        { variant: 'b', sql: 'SELECT COUNT(*) AS n FROM bench_users_vc WHERE workspace_id = ? AND a_renewal_at BETWEEN ? AND ?', params: [ws, now.toISOString(), in30.toISOString()] },
        { variant: 'c', sql: `${V} AND v.attr_key = 'renewalAt' AND v.date_value BETWEEN ? AND ?`, params: [ws, now, in30] },
        { variant: 'c-exists', sql: EXISTS("v.attr_key = 'renewalAt' AND v.date_value BETWEEN ? AND ?"), params: [ws, now, in30] },
      ],
    },
    {
      name: 'renewalAt IS_NOT_SET',
      filter: { attribute: { field: 'attributes.renewalAt', operator: 'IS_NOT_SET' } },
      queries: (ws) => [
        { variant: 'a2', sql: `SELECT COUNT(*) AS n FROM users WHERE workspace_id = ? AND ${jv('renewalAt')} IS NULL`, params: [ws] },
        { variant: 'b', sql: 'SELECT COUNT(*) AS n FROM bench_users_vc WHERE workspace_id = ? AND a_renewal_at IS NULL', params: [ws] },
        {
          variant: 'c', params: [ws],
          sql: `SELECT COUNT(*) AS n FROM users o WHERE o.workspace_id = ? AND NOT EXISTS (
                  SELECT 1 FROM bench_attribute_values v WHERE v.workspace_id = o.workspace_id AND v.object_type = 1 AND v.object_id = o.id AND v.attr_key = 'renewalAt')`,
        },
      ],
    },
    {
      name: 'plan EQ pro AND seats GTE 50 AND beta IS_TRUE',
      filter: { and: [
        { attribute: { field: 'attributes.plan', operator: 'EQ', value: 'pro' } },
        { attribute: { field: 'attributes.seats', operator: 'GTE', value: 50 } },
        { attribute: { field: 'attributes.beta', operator: 'IS_TRUE' } },
      ] },
      queries: (ws) => [
        { variant: 'a2', sql: `SELECT COUNT(*) AS n FROM users WHERE workspace_id = ? AND ${jv('plan')} = 'pro' AND CAST(${jv('seats')} AS DOUBLE) >= 50 AND ${jv('beta')} = true`, params: [ws] },
        { variant: 'b', sql: "SELECT COUNT(*) AS n FROM bench_users_vc WHERE workspace_id = ? AND a_plan = 'pro' AND a_seats >= 50 AND a_beta = 1", params: [ws] },
        {
          variant: 'c', params: [ws, ws, ws],
          sql: `SELECT COUNT(*) AS n FROM bench_attribute_values p
                JOIN bench_attribute_values s ON s.workspace_id = p.workspace_id AND s.object_type = 1 AND s.object_id = p.object_id AND s.attr_key = 'seats' AND s.num_value >= 50
                JOIN bench_attribute_values b ON b.workspace_id = p.workspace_id AND b.object_type = 1 AND b.object_id = p.object_id AND b.attr_key = 'beta' AND b.bool_value = 1
                WHERE p.workspace_id = ? AND p.object_type = 1 AND p.attr_key = 'plan' AND p.str_value = 'pro' AND s.workspace_id = ? AND b.workspace_id = ?`,
        },
        {
          variant: 'c-exists', params: [ws],
          sql: `SELECT COUNT(*) AS n FROM users o WHERE o.workspace_id = ?
                AND EXISTS (SELECT 1 FROM bench_attribute_values v WHERE v.workspace_id = o.workspace_id AND v.object_type = 1 AND v.object_id = o.id AND v.attr_key = 'plan' AND v.str_value = 'pro')
                AND EXISTS (SELECT 1 FROM bench_attribute_values v WHERE v.workspace_id = o.workspace_id AND v.object_type = 1 AND v.object_id = o.id AND v.attr_key = 'seats' AND v.num_value >= 50)
                AND EXISTS (SELECT 1 FROM bench_attribute_values v WHERE v.workspace_id = o.workspace_id AND v.object_type = 1 AND v.object_id = o.id AND v.attr_key = 'beta' AND v.bool_value = 1)`,
        },
      ],
    },
  ];
};

const VARIANTS: Record<string, string> = {
  a: '(a) JSON, compiled (service)',
  a2: '(a) JSON, bare JSON_VALUE',
  b: '(b) indexed virtual columns',
  c: '(c) value table, from its index',
  'c-exists': '(c) value table, EXISTS per user',
};

/** Upserts of INGEST_USERS existing users (new attribute values) into a fresh copy of the first users. */
async function ingest(ds: DataSource, ws: string, variant: 'a' | 'b' | 'c'): Promise<number> {
  const table = `bench_ingest_${variant}`;
  await ds.query(`DROP TABLE IF EXISTS ${table}`);
  await ds.query(`CREATE TABLE ${table} LIKE ${variant === 'b' ? 'bench_users_vc' : 'users'}`);
  const cols = ['id', 'workspace_id', 'external_id', 'attributes', 'created_at', 'updated_at', 'email', 'first_name', 'last_name', 'phone', 'country', 'city', 'marketing_consent', 'last_seen_at', 'company_id'];
  // A table of realistic size: 1,000,000 rows for (a) and (b); (c) also gets its value rows.
  await ds.query(`INSERT INTO ${table} (${cols.join(', ')}) SELECT ${cols.join(', ')} FROM users`);
  if (variant === 'c') {
    await ds.query('DROP TABLE IF EXISTS bench_ingest_values');
    await ds.query(VALUE_TABLE.replace('bench_attribute_values', 'bench_ingest_values'));
    await ds.query('INSERT INTO bench_ingest_values SELECT * FROM bench_attribute_values');
  }
  const batch = 1000;
  const t0 = performance.now();
  for (let start = 1; start <= INGEST_USERS; start += batch) {
    const ids = Array.from({ length: Math.min(batch, INGEST_USERS - start + 1) }, (_, i) => start + i);
    const rows = ids.map((id) => {
      const attrs: Record<string, unknown> = { plan: ['free', 'pro', 'starter'][id % 3], seats: (id * 7) % 300, beta: id % 2 === 0 };
      if (id % 4) attrs.renewalAt = new Date(Date.UTC(2027, id % 12, 1 + (id % 28))).toISOString();
      return { id, attrs };
    });
    const qr = ds.createQueryRunner();
    await qr.startTransaction();
    try {
      const params = rows.flatMap((r) => [r.id, ws, `u${r.id}`, JSON.stringify(r.attrs), new Date(), new Date(), `user${r.id}@example.com`, 'Ann', 'Smith', null, 'Poland', 'Kraków', 1, new Date(), null]);
      await qr.query(
        `INSERT INTO ${table} (${cols.join(', ')}) VALUES ${rows.map(() => `(${cols.map(() => '?').join(', ')})`).join(', ')}
         ON DUPLICATE KEY UPDATE ${cols.filter((c) => c !== 'id' && c !== 'workspace_id').map((c) => `${c} = VALUES(${c})`).join(', ')}`,
        params,
      );
      if (variant === 'c') {
        // Keys set to null (or dropped) lose their row; every set key is upserted with its typed value.
        const gone = rows.filter((r) => !('renewalAt' in r.attrs)).map((r) => r.id);
        if (gone.length) await qr.query(`DELETE FROM bench_ingest_values WHERE workspace_id = ? AND object_type = 1 AND attr_key = 'renewalAt' AND object_id IN (${gone.map(() => '?').join(', ')})`, [ws, ...gone]);
        const values = rows.flatMap((r) => Object.entries(r.attrs).map(([k, v]) => [ws, 1, r.id, k,
          typeof v === 'string' && k !== 'renewalAt' ? v : null, typeof v === 'number' ? v : null, k === 'renewalAt' ? new Date(v as string) : null, typeof v === 'boolean' ? v : null]));
        await qr.query(
          `INSERT INTO bench_ingest_values (workspace_id, object_type, object_id, attr_key, str_value, num_value, date_value, bool_value)
           VALUES ${values.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
           ON DUPLICATE KEY UPDATE str_value = VALUES(str_value), num_value = VALUES(num_value), date_value = VALUES(date_value), bool_value = VALUES(bool_value)`,
          values.flat(),
        );
      }
      await qr.commitTransaction();
    } catch (e) {
      await qr.rollbackTransaction();
      throw e;
    } finally {
      await qr.release();
    }
  }
  const rate = INGEST_USERS / ((performance.now() - t0) / 1000);
  await ds.query(`DROP TABLE IF EXISTS ${table}`);
  if (variant === 'c') await ds.query('DROP TABLE IF EXISTS bench_ingest_values');
  return Math.round(rate);
}

async function main(): Promise<void> {
  const database = await tuneDatabase();
  const { ds, meta } = await ensureDataset({ fresh: false });
  const ws = meta.workspaceId;
  const services = createServices(ds);
  const buildSecs = await build(ds, ws, meta.users, process.argv.includes('--rebuild'));
  const [sizes] = (await ds.query(
    `SELECT table_name AS t, ROUND(data_length / 1048576) AS data_mib, ROUND(index_length / 1048576) AS index_mib FROM information_schema.tables
     WHERE table_schema = DATABASE() AND table_name IN ('users', 'bench_users_vc', 'bench_attribute_values')`,
  ).then((rows: Array<{ t: string; data_mib: string; index_mib: string }>) => [Object.fromEntries(rows.map((r) => [r.t, { dataMiB: Number(r.data_mib), indexMiB: Number(r.index_mib) }]))])) as [Record<string, unknown>];

  const now = new Date();
  const counts: Array<{ filter: string; times: Record<string, number>; count: number }> = [];
  for (const c of CASES(now)) {
    const times: Record<string, number> = {};
    const service = await median(async () => {
      const q = compileCountQuery(await services.filters.validateStored(ws, 'USER', c.filter), { workspaceId: ws, objectType: 'USER', now });
      const [{ n }] = (await ds.query(q.sql, [...q.params])) as Array<{ n: string }>;
      return Number(n);
    });
    times.a = service.ms;
    for (const q of c.queries(ws, now)) {
      const r = await median(async () => Number(((await ds.query(q.sql, q.params)) as Array<{ n: string }>)[0].n));
      if (r.value !== service.value) throw new Error(`${c.name} ${q.variant}: counted ${r.value}, the service ${service.value}`);
      times[q.variant] = r.ms;
    }
    counts.push({ filter: c.name, times, count: service.value });
    process.stderr.write(`${c.name}: ${service.value} — ${Object.entries(times).map(([k, v]) => `${k} ${v} ms`).join(', ')}\n`);
  }
  const ingestion: Record<string, number> = {};
  for (const v of ['a', 'b', 'c'] as const) {
    ingestion[v] = await ingest(ds, ws, v);
    process.stderr.write(`ingest ${v}: ${fmt(ingestion[v])} users/s\n`);
  }

  const cols = Object.keys(VARIANTS);
  const lines = [
    `| filter | count | ${cols.map((k) => VARIANTS[k]).join(' | ')} |`,
    `|---|---:|${cols.map(() => '---:').join('|')}|`,
    ...counts.map((r) => `| ${r.filter} | ${fmt(r.count)} | ${cols.map((k) => (r.times[k] === undefined ? '—' : `${r.times[k].toFixed(1)} ms`)).join(' | ')} |`),
    '',
    '| ingestion (upsert of existing users, batches of 1,000, one transaction each) | users/s |',
    '|---|---:|',
    `| (a) JSON only | ${fmt(ingestion.a)} |`,
    `| (b) JSON + 4 indexed virtual columns | ${fmt(ingestion.b)} |`,
    `| (c) JSON + value table rows | ${fmt(ingestion.c)} |`,
  ];
  console.log(lines.join('\n'));
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, 'attributes.json'), `${JSON.stringify({
    date: new Date().toISOString(), machine: await machine(), database, dataset: { ...meta, token: undefined },
    buildSeconds: buildSecs, sizes, variants: VARIANTS, counts, ingestionUsersPerSecond: ingestion, ingestUsers: INGEST_USERS,
  }, null, 2)}\n`);
  await ds.destroy();
}

if (require.main === module) main().catch((e) => { console.error(e); process.exit(1); });
