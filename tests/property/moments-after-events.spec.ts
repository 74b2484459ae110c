/**
 * Property test of `momentAfterEvents` (src/core/filter/moments.ts): after events are inserted,
 * real time keeps each object's stored moment, or lowers it to the bound, instead of running the
 * moment query. That must never make a moment late. Here, on random data sets and random
 * time-leaning trees (as in time-moments.spec.ts) and a random batch of inserted events (names
 * with case and accent variants, times mostly in the past, some in the future):
 *
 *   M_old = the moments query before the insert, M_new = the same query after it (both at the
 *   same `now`, in one transaction that is rolled back), and for every object of the type:
 *   unchanged → M_old(o) ≤ M_new(o);  bound b → min(M_old(o), b) ≤ M_new(o)  (none = +∞).
 *
 * M_new itself is checked against the reference evaluator by time-moments.spec.ts (never late),
 * so a stored moment at or before it is never late either. The bound is applied to every object
 * of the type, not only the touched ones (it only lowers moments). The test also fails if a kind
 * of answer never came up, so that it cannot pass without checking.
 *
 * Knobs: AFTER_RUNS cases per (data set, object type), default 60; AFTER_SEED; AFTER_DATASETS, default 2.
 */
import fc from 'fast-check';
import type { QueryRunner } from 'typeorm';
import type { FilterNode } from '../../src/core/filter/filter-tree';
import { compileNextChangeQuery, momentAfterEvents } from '../../src/core/filter/moments';
import { OBJECT_TYPES, ObjectType } from '../../src/core/object-types';
import { DAY_MS, DataSet, FIXED_NOW, eventName, loadDataSet, sampleDataSet } from '../reference/dataset';
import type { FilterInput } from '../reference/evaluator';
import { filterArb, filterEnvOf } from '../reference/filters';
import { createTestDatabase, TestDatabase } from '../support/db';
import { validateGenerated } from '../support/validate-generated';

const RUNS = Number(process.env.AFTER_RUNS ?? 60);
const SEED = Number(process.env.AFTER_SEED ?? Math.floor(Math.random() * 2 ** 31));
const DATASETS = Number(process.env.AFTER_DATASETS ?? 2);
const MAX_OBJECTS = 10;
const STATEMENT_LIMIT = 5;

jest.setTimeout(10 * 60_000);

let db: TestDatabase;
let session: QueryRunner;
let dataSets: DataSet[];
const seen = { unchanged: 0, bound: 0, recompute: 0, lowered: 0, objects: 0, slow: 0 };
let nextEventId = 9_000_000_000_000_000n;

beforeAll(async () => {
  console.log(`moments-after-events: AFTER_SEED=${SEED} AFTER_RUNS=${RUNS} AFTER_DATASETS=${DATASETS}`);
  db = await createTestDatabase('seg_after');
  const nows = fc.sample(fc.date({ min: new Date('2001-01-01T00:00:00.000Z'), max: new Date('2090-12-31T00:00:00.000Z'), noInvalidDate: true }), { numRuns: DATASETS, seed: SEED });
  dataSets = Array.from({ length: DATASETS }, (_, k) => sampleDataSet({
    now: k === 0 ? FIXED_NOW : nows[k],
    workspaceIds: [String(20 * k + 1), String(20 * k + 2)],
    idBase: k * 1_000_000,
    strayRows: true,
    maxObjects: MAX_OBJECTS,
    maxEvents: 10 * MAX_OBJECTS,
  }, SEED + 1000 * k));
  for (const ds of dataSets) await loadDataSet(ds, (sql, params) => db.dataSource.query(sql, params));
  session = db.dataSource.createQueryRunner();
  await session.connect();
});

afterAll(async () => {
  console.log(`moments-after-events (AFTER_SEED=${SEED}): ${JSON.stringify(seen)}`);
  await session?.release();
  await db?.drop();
});

/** The moments query's rows (object id → due, epoch ms), or null when the query timed out. */
async function moments(node: FilterNode, workspaceId: string, type: ObjectType, now: Date): Promise<Map<string, number> | null> {
  const q = compileNextChangeQuery(node, { workspaceId, objectType: type, now });
  if (q === null) return new Map();
  try {
    const rows = (await session.query(`SET STATEMENT max_statement_time = ${STATEMENT_LIMIT} FOR ${q.sql}`, [...q.params])) as Array<{ object_id: unknown; due_at: Date }>;
    return new Map(rows.map((r) => [String(r.object_id), new Date(r.due_at).getTime()]));
  } catch (error) {
    if (/max_statement_time/.test((error as Error).message)) return null;
    throw error;
  }
}

interface Inserted { name: string; userPick: number; productPick: number | null; offset: number; amount: number | null; at: number | null }

const insertedArb = fc.array(fc.record({
  name: eventName(),
  userPick: fc.nat(),
  productPick: fc.option(fc.nat(), { nil: null }),
  // Mostly within the last 100 days, a few in the next day.
  offset: fc.oneof({ arbitrary: fc.integer({ min: -100 * DAY_MS, max: 0 }), weight: 6 }, { arbitrary: fc.integer({ min: 1, max: DAY_MS }), weight: 1 }),
  amount: fc.option(fc.constantFrom(1, 5, 100), { nil: null }),
  // A DATE property `at` (relative `where` conditions read it), near now.
  at: fc.option(fc.integer({ min: -10 * DAY_MS, max: 10 * DAY_MS }), { nil: null }),
}), { minLength: 1, maxLength: 6 });

describe.each(Array.from({ length: DATASETS }, (_, k) => k))('data set %i', (k) => {
  test.each(OBJECT_TYPES.map((t) => [t]))('%s: a kept or lowered moment is never later than the recomputed one', async (type) => {
    const ds = dataSets[k];
    const ws = ds.workspaceIds[0];
    const users = ds.objects.USER.filter((o) => o.workspaceId === ws).map((o) => o.id);
    const products = ds.objects.PRODUCT.filter((o) => o.workspaceId === ws).map((o) => o.id);
    const arb = fc.record({
      filter: filterArb({ ...filterEnvOf(ds, ws), timeBias: true }, type),
      inserted: insertedArb,
      nowShift: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.integer({ min: -2 * DAY_MS, max: 2 * DAY_MS }), weight: 1 }),
    });
    await fc.assert(fc.asyncProperty(arb, async ({ filter, inserted, nowShift }) => {
      if (users.length === 0) return;
      const now = new Date(ds.now.getTime() + nowShift);
      await check(ds, ws, type, filter as FilterInput, inserted, users, products, now);
    }), { numRuns: RUNS, seed: SEED + 7 * k + OBJECT_TYPES.indexOf(type), endOnFailure: true });
  });
});

test('every kind of answer came up', () => {
  expect(seen.unchanged).toBeGreaterThan(0);
  expect(seen.bound).toBeGreaterThan(0);
  expect(seen.recompute).toBeGreaterThan(0);
  expect(seen.lowered).toBeGreaterThan(0);
});

async function check(ds: DataSet, ws: string, type: ObjectType, filter: FilterInput, inserted: Inserted[], users: string[], products: string[], now: Date): Promise<void> {
  const node = validateGenerated(ds, ws, type, filter);
  const rows = inserted.map((e) => ({
    id: String(nextEventId++),
    user: users[e.userPick % users.length],
    product: e.productPick === null || products.length === 0 ? null : products[e.productPick % products.length],
    name: e.name,
    at: new Date(now.getTime() + e.offset),
    properties: JSON.stringify({
      ...(e.amount === null ? {} : { amount: e.amount }),
      ...(e.at === null ? {} : { at: new Date(now.getTime() + e.at).toISOString() }),
    }),
  }));
  const times = rows.map((r) => r.at.getTime());
  const effect = momentAfterEvents(node, { names: rows.map((r) => r.name), from: new Date(Math.min(...times)), to: new Date(Math.max(...times)) }, now);
  seen[effect.kind]++;
  if (effect.kind === 'recompute') return;

  await session.startTransaction();
  let before: Map<string, number> | null;
  let after: Map<string, number> | null;
  try {
    before = await moments(node, ws, type, now);
    await session.query(
      `INSERT INTO events (id, workspace_id, user_id, product_id, name, occurred_at, properties, created_at) VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      rows.flatMap((r) => [r.id, ws, r.user, r.product, r.name, r.at, r.properties, now]),
    );
    after = await moments(node, ws, type, now);
  } finally {
    await session.rollbackTransaction();
  }
  if (!before || !after) {
    seen.slow++;
    return;
  }
  for (const o of ds.objects[type].filter((x) => x.workspaceId === ws)) {
    seen.objects++;
    const old = before.get(o.id) ?? Infinity;
    const kept = effect.kind === 'bound' ? Math.min(old, effect.at.getTime()) : old;
    if (kept < old) seen.lowered++;
    const fresh = after.get(o.id) ?? Infinity;
    if (kept > fresh) {
      throw new Error([
        `${type} ${o.id}: the kept moment ${fmt(kept)} is later than the recomputed ${fmt(fresh)} (before the insert: ${fmt(old)}; answer ${JSON.stringify(effect)})`,
        `now=${now.toISOString()} filter=${JSON.stringify(filter)}`,
        `inserted=${JSON.stringify(rows)}`,
      ].join('\n'));
    }
  }
}

const fmt = (t: number): string => (t === Infinity ? 'none' : new Date(t).toISOString());
