/**
 * Differential test of the SQL filter compiler against the in-memory reference evaluator
 * (tests/reference/evaluator.ts, written from SEMANTICS.md only).
 *
 * A few random data sets (each with two workspaces of look-alike data, plus stray rows naming
 * the other workspace's ids) are loaded into one fresh database; then, for every data set and
 * every object type, fast-check draws random valid filter trees, and for each tree the ids that
 * `validateFilter` + `compileMatchingIdsQuery` select must be exactly the ids the reference finds.
 *
 * Data sets with an odd index are queried through a connection whose session time zone is
 * -03:00, so SQL that depends on the session time zone shows up.
 *
 * Knobs (environment): DIFF_RUNS trees per (data set, object type), default 1000;
 * DIFF_SEED the base seed (printed at the start; set it to replay a run); DIFF_DATASETS, default 3;
 * DIFF_MAX_OBJECTS objects per workspace and type, default 16.
 */
import fc from 'fast-check';
import { compileMatchingIdsQuery } from '../../src/core/filter/compiler';
import { validateFilter } from '../../src/core/filter/validate-filter';
import { OBJECT_TYPES, ObjectType } from '../../src/core/object-types';
import { DataSet, FIXED_NOW, attributeTypesOf, listTypesOf, loadDataSet, poolString, sampleDataSet, STRING_POOL } from '../reference/dataset';
import { FilterInput, describeObject, evaluateFilter, fold } from '../reference/evaluator';
import { filterArb, filterEnvOf } from '../reference/filters';
import { createTestDatabase, TestDatabase } from '../support/db';
import type { QueryRunner } from 'typeorm';

const RUNS = Number(process.env.DIFF_RUNS ?? 1000);
const SEED = Number(process.env.DIFF_SEED ?? Math.floor(Math.random() * 2 ** 31));
const DATASETS = Number(process.env.DIFF_DATASETS ?? 3);
const MAX_OBJECTS = Number(process.env.DIFF_MAX_OBJECTS ?? 16);

jest.setTimeout(10 * 60_000);

/**
 * Data set k: workspaces 10k+1 (queried most) and 10k+2, ids from k·1 000 000 + 1; data set 0
 * uses the fixed now. From data set 2 on, workspace and row ids are above 2^62 (BIGINT ids must
 * never go through JS numbers).
 */
const bigBase = (k: number): bigint => (k >= 2 ? 2n ** 62n : 0n);

function makeDataSets(): DataSet[] {
  const nows = fc.sample(fc.date({ min: new Date('2001-01-01T00:00:00.000Z'), max: new Date('2090-12-31T00:00:00.000Z'), noInvalidDate: true }), { numRuns: DATASETS, seed: SEED });
  return Array.from({ length: DATASETS }, (_, k) => sampleDataSet({
    now: k === 0 ? FIXED_NOW : nows[k],
    workspaceIds: [String(bigBase(k) + BigInt(10 * k + 1)), String(bigBase(k) + BigInt(10 * k + 2))],
    idBase: bigBase(k) + BigInt(k * 1_000_000),
    strayRows: true,
    maxObjects: MAX_OBJECTS,
  }, SEED + 1000 * k));
}

let db: TestDatabase;
/** A connection whose session time zone is not UTC: the odd data sets are queried through it. */
let offsetSession: QueryRunner;
let dataSets: DataSet[];
const stats = new Map<string, { trees: number; nonTrivial: number; empty: number; all: number; duplicates: number }>();
const started = Date.now();

beforeAll(async () => {
  console.log(`filter-differential: DIFF_SEED=${SEED} DIFF_RUNS=${RUNS} DIFF_DATASETS=${DATASETS}`);
  db = await createTestDatabase('seg_diff');
  dataSets = makeDataSets();
  for (const ds of dataSets) await loadDataSet(ds, (sql, params) => db.dataSource.query(sql, params));
  offsetSession = db.dataSource.createQueryRunner();
  await offsetSession.connect();
  await offsetSession.query("SET time_zone = '-03:00'");
});

afterAll(async () => {
  const lines = [...stats].map(([k, s]) => `${k}: ${s.trees} trees, ${s.nonTrivial} non-trivial, ${s.empty} empty, ${s.all} all${s.duplicates ? `, ${s.duplicates} with duplicate ids` : ''}`);
  console.log(`filter-differential (DIFF_SEED=${SEED}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n${lines.join('\n')}`);
  await offsetSession?.release();
  await db?.drop();
});

async function sqlIds(ds: DataSet, k: number, workspaceId: string, type: ObjectType, filter: FilterInput, restrictToIds?: string[]): Promise<{ ids: string[]; sql: string; params: readonly unknown[] }> {
  const ctx = {
    objectType: type,
    attributeTypes: (t: ObjectType) => attributeTypesOf(ds, workspaceId, t),
    listTypes: listTypesOf(ds, workspaceId),
    segmentTypes: new Map<string, ObjectType>(),
  };
  let node: ReturnType<typeof validateFilter>;
  try {
    node = validateFilter(filter, ctx, 'filter');
  } catch (error) {
    throw new Error(`validateFilter rejected a generated (valid) input: ${(error as Error).message}\n` +
      `objectType=${type} filter=${JSON.stringify(filter)}`);
  }
  const q = compileMatchingIdsQuery(node, { workspaceId, objectType: type, now: ds.now, restrictToIds });
  const session = k % 2 === 1 ? offsetSession : db.dataSource;
  const rows: Array<{ id: unknown }> = await session.query(q.sql, [...q.params]);
  return { ids: rows.map((r) => String(r.id)), sql: q.sql, params: q.params };
}

let checks = 0;

/**
 * Every other tree is also run in the restricted (correlated) form that real-time evaluations
 * use, over about half of the workspace's objects plus an id of the other workspace, and must
 * give exactly the reference's ids among those.
 */
async function check(ds: DataSet, k: number, workspaceId: string, type: ObjectType, filter: FilterInput): Promise<void> {
  await checkForm(ds, k, workspaceId, type, filter);
  if (checks++ % 2 === 1) {
    const own = ds.objects[type].filter((o) => o.workspaceId === workspaceId).map((o) => o.id);
    const other = ds.objects[type].find((o) => o.workspaceId !== workspaceId)?.id;
    const some = own.filter((_, i) => (i + checks) % 2 === 0);
    await checkForm(ds, k, workspaceId, type, filter, other === undefined ? some : [...some, other]);
  }
}

async function checkForm(ds: DataSet, k: number, workspaceId: string, type: ObjectType, filter: FilterInput, restrictToIds?: string[]): Promise<void> {
  const { ids, sql, params } = await sqlIds(ds, k, workspaceId, type, filter, restrictToIds);
  const scope = restrictToIds ? new Set(restrictToIds) : null;
  const expected = new Set([...evaluateFilter(ds, workspaceId, type, filter, ds.now)].filter((id) => !scope || scope.has(id)));
  const got = new Set(ids);
  const key = `data set ${k} ${type}${restrictToIds ? ' (restricted)' : ''}`;
  const s = stats.get(key) ?? { trees: 0, nonTrivial: 0, empty: 0, all: 0, duplicates: 0 };
  const total = scope ? scope.size : ds.objects[type].filter((o) => o.workspaceId === workspaceId).length;
  s.trees++;
  if (expected.size === 0) s.empty++; else if (expected.size === total) s.all++; else s.nonTrivial++;
  if (got.size !== ids.length) s.duplicates++;
  stats.set(key, s);

  const missing = [...expected].filter((id) => !got.has(id));
  const extra = [...got].filter((id) => !expected.has(id));
  if (missing.length === 0 && extra.length === 0) return;
  const show = (list: string[]) => list.slice(0, 4).map((id) => JSON.stringify(describeObject(ds, workspaceId, type, id)));
  throw new Error([
    `SQL and reference disagree for ${type} in workspace ${workspaceId} (data set ${k}), now=${ds.now.toISOString()}${restrictToIds ? `, restricted to ${restrictToIds.join(', ')}` : ''}`,
    `filter: ${JSON.stringify(filter)}`,
    `only the reference matches (${missing.length}): ${missing.join(', ')}`,
    ...show(missing),
    `only SQL matches (${extra.length}): ${extra.join(', ')}`,
    ...show(extra),
    `sql: ${sql}`,
    `params: ${JSON.stringify(params)}`,
  ].join('\n'));
}

describe('preconditions', () => {
  test('the string alphabet folds exactly as utf8mb4_unicode_520_ci compares', async () => {
    const pairs = fc.sample(fc.tuple(poolString(), poolString()), { numRuns: 300, seed: SEED });
    pairs.push(...STRING_POOL.map((x): [string, string] => [x, x.toUpperCase()]));
    const rows: Array<Record<string, number>> = await db.dataSource.query(
      `SELECT ${pairs.map((_, i) => `(? = ?) AS e${i}`).join(', ')}`, pairs.flat());
    const sqlEq = pairs.map((_, i) => Number(rows[0][`e${i}`]) === 1);
    expect(sqlEq).toEqual(pairs.map(([a, b]) => fold(a) === fold(b)));
  });

  test('the data sets are loaded', async () => {
    const [{ n }] = await db.dataSource.query('SELECT COUNT(*) AS n FROM users');
    expect(Number(n)).toBe(dataSets.reduce((a, ds) => a + ds.objects.USER.length, 0));
    const [{ e }] = await db.dataSource.query('SELECT COUNT(*) AS e FROM events');
    expect(Number(e)).toBe(dataSets.reduce((a, ds) => a + ds.events.length, 0));
    const [{ m }] = await db.dataSource.query('SELECT CAST(MAX(id) AS CHAR) AS m FROM users');
    const maxId = dataSets.flatMap((ds) => ds.objects.USER.map((u) => BigInt(u.id))).reduce((a, b) => (a > b ? a : b), 0n);
    expect(m).toBe(String(maxId));
  });
});

describe.each(Array.from({ length: DATASETS }, (_, k) => k))('data set %i', (k) => {
  test.each(OBJECT_TYPES.map((t) => [t]))('%s: SQL ids equal the reference ids', async (type) => {
    const ds = dataSets[k];
    const [a, b] = ds.workspaceIds;
    const arb = fc.oneof(
      { arbitrary: filterArb(filterEnvOf(ds, a), type).map((f) => ({ ws: a, f })), weight: 3 },
      { arbitrary: filterArb(filterEnvOf(ds, b), type).map((f) => ({ ws: b, f })), weight: 1 },
    );
    await fc.assert(fc.asyncProperty(arb, ({ ws, f }) => check(ds, k, ws, type, f)), {
      numRuns: RUNS,
      seed: SEED + 7 * k + OBJECT_TYPES.indexOf(type),
      endOnFailure: false,
    });
  });
});
