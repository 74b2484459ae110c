/**
 * Differential test of the next-change moments (src/core/filter/moments.ts) against the
 * in-memory reference evaluator (tests/reference/evaluator.ts): the SQL says when an object's
 * result could next change with time alone; the reference, evaluated at other instants, says
 * whether it really keeps its result until then. No SQL decides what is expected.
 *
 * Random data sets (as in filter-differential.spec.ts) are loaded into one fresh database; for
 * every data set and object type fast-check draws random valid filter trees leaning towards time
 * (FilterEnv.timeBias: WITHIN_LAST_DAYS / MORE_THAN_DAYS_AGO with small day counts, `lastDays`
 * windows, FIRST/LAST_OCCURRED_AT against relative days, relative `where` dates, nested `not` and
 * `related`) and a `now` (mostly the data set's own, whose data sit on its day boundaries). For
 * each tree, `validateFilter` + `compileNextChangeQuery` run on MariaDB, and then:
 *
 * - `dependsOnTime(tree)` is `query !== null`, and is what a walk of the input says (some
 *   relative operator or `lastDays` window anywhere);
 * - every listed object has one row, is an object of the workspace, and its moment `due > now`;
 *   its reference result is the same at `now`, at `due − 1 ms`, at random instants in (now, due)
 *   and at every instant below `due` where some time-relative comparison of the tree can flip
 *   (see `breakpoints`: with those, "never late" is checked exhaustively, not by sampling);
 * - every object not listed has the same result at `now` as at +1 ms, +1 h, +1 day,
 *   +(max days of the tree + 1) days, +(100 + max days + 1) days (past every data date),
 *   +10 years, random instants, and every breakpoint;
 * - `restrictToIds` (a random subset, sometimes empty, sometimes with an id of the other
 *   workspace) gives exactly the unrestricted rows of those ids;
 * - a tree that does not depend on time never changes over the same instants.
 *
 * It also measures how early the moments are: for each listed object, the first instant at which
 * its result really changes (the first breakpoint that changes it) against `due`; printed, no
 * assertion. Ids of other workspaces that the query lists are counted apart and reported by the
 * last test, so that they do not hide the other checks.
 *
 * Odd data sets are queried through a session whose time zone is -03:00.
 *
 * Each statement runs under max_statement_time (TIME_STATEMENT_LIMIT seconds, default 5): a tree
 * whose query takes longer is not checked further but collected, and reported by a test of its
 * own (with the smallest such tree), so that one slow shape neither hangs the run nor hides the rest.
 *
 * Knobs (environment): TIME_RUNS trees per (data set, object type), default 60; TIME_SEED the base
 * seed (printed; set it to replay a run); TIME_DATASETS, default 3; TIME_MAX_OBJECTS objects per
 * workspace and type, default 12; TIME_STATEMENT_LIMIT.
 */
import fc from 'fast-check';
import { FilterNode } from '../../src/core/filter/filter-tree';
import { compileNextChangeQuery, dependsOnTime } from '../../src/core/filter/moments';
import { CATALOG, CUSTOM_FIELD_PREFIX } from '../../src/core/catalog';
import { OBJECT_TYPES, ObjectType } from '../../src/core/object-types';
import { DAY_MS, DataSet, FIXED_NOW, loadDataSet, sampleDataSet } from '../reference/dataset';
import { FilterInput, describeObject, evaluateFilter, parseJsonDate } from '../reference/evaluator';
import { filterArb, filterEnvOf } from '../reference/filters';
import { createTestDatabase, TestDatabase } from '../support/db';
import { validateGenerated } from '../support/validate-generated';
import type { QueryRunner } from 'typeorm';

const RUNS = Number(process.env.TIME_RUNS ?? 60);
const SEED = Number(process.env.TIME_SEED ?? Math.floor(Math.random() * 2 ** 31));
const DATASETS = Number(process.env.TIME_DATASETS ?? 3);
const MAX_OBJECTS = Number(process.env.TIME_MAX_OBJECTS ?? 12);
/** Seconds one moments statement may take (max_statement_time); slower trees are reported by a test of their own. */
const STATEMENT_LIMIT = Number(process.env.TIME_STATEMENT_LIMIT ?? 5);

const HOUR_MS = 3_600_000;
const YEAR_MS = 365 * DAY_MS;

jest.setTimeout(10 * 60_000);

/** Data set k: workspaces 10k+1 (queried most) and 10k+2; from data set 2 on, ids above 2^62. */
const bigBase = (k: number): bigint => (k >= 2 ? 2n ** 62n : 0n);

function makeDataSets(): DataSet[] {
  const nows = fc.sample(fc.date({ min: new Date('2001-01-01T00:00:00.000Z'), max: new Date('2090-12-31T00:00:00.000Z'), noInvalidDate: true }), { numRuns: DATASETS, seed: SEED });
  return Array.from({ length: DATASETS }, (_, k) => sampleDataSet({
    now: k === 0 ? FIXED_NOW : nows[k],
    workspaceIds: [String(bigBase(k) + BigInt(10 * k + 1)), String(bigBase(k) + BigInt(10 * k + 2))],
    idBase: bigBase(k) + BigInt(k * 1_000_000),
    strayRows: true,
    maxObjects: MAX_OBJECTS,
    maxEvents: 10 * MAX_OBJECTS,
  }, SEED + 1000 * k));
}

let db: TestDatabase;
let offsetSession: QueryRunner;
let dataSets: DataSet[];
const started = Date.now();

// ------------------------------------------------------------------------------------------ stats

const stats = {
  trees: 0, timeTrees: 0, objects: 0, listed: 0, instants: 0, comparisons: 0, restricted: 0,
};
/** How many trees hold each kind of time-relative node (and nesting around one). */
const FEATURES = ['relative attribute', 'relative custom attribute', 'lastDays window', 'relative FIRST/LAST', 'relative where',
  'under not', 'under related', 'under two related'] as const;
const featureCount = Object.fromEntries(FEATURES.map((f) => [f, 0])) as Record<(typeof FEATURES)[number], number>;

function countFeatures(f: FilterInput): void {
  const seen = new Set<(typeof FEATURES)[number]>();
  const relative = (op: unknown): boolean => op === 'WITHIN_LAST_DAYS' || op === 'MORE_THAN_DAYS_AGO';
  const visit = (n: FilterInput, nots: number, relateds: number): void => {
    const time = (feature: (typeof FEATURES)[number]): void => {
      seen.add(feature);
      if (nots) seen.add('under not');
      if (relateds) seen.add('under related');
      if (relateds >= 2) seen.add('under two related');
    };
    if (n.and) n.and.forEach((c) => visit(c, nots, relateds));
    else if (n.or) n.or.forEach((c) => visit(c, nots, relateds));
    else if (n.not) visit(n.not, nots + 1, relateds);
    else if (n.related) visit(n.related.filter, nots, relateds + 1);
    else if (n.attribute && relative(n.attribute.operator)) time(n.attribute.field.startsWith(CUSTOM_FIELD_PREFIX) ? 'relative custom attribute' : 'relative attribute');
    else if (n.event) {
      if (n.event.window?.lastDays != null) time('lastDays window');
      if ((n.event.aggregate === 'FIRST_OCCURRED_AT' || n.event.aggregate === 'LAST_OCCURRED_AT') && relative(n.event.operator)) time('relative FIRST/LAST');
      if ((n.event.where ?? []).some((p) => relative(p.operator))) time('relative where');
    }
  };
  visit(f, 0, 0);
  for (const feature of seen) featureCount[feature]++;
}

/** Earliness of the listed objects: first real change − due. */
const earliness = { exact: 0, ms1: 0, second: 0, hour: 0, day: 0, later: 0, never: 0 };
/** Trees whose query listed ids that are no object of the workspace and type (reported by the last test). */
const foreign: Array<{ type: ObjectType; workspaceId: string; ids: string[]; filter: FilterInput; sql: string }> = [];
let foreignTrees = 0;
/** Trees whose statement exceeded STATEMENT_LIMIT (reported by their own test), smallest first. */
const slow: Array<{ type: ObjectType; workspaceId: string; restricted: boolean; filter: FilterInput; size: number; sql: string }> = [];
let slowTrees = 0;

class StatementTimeout extends Error {
  constructor(readonly sql: string, readonly restricted: boolean) { super('max_statement_time exceeded'); }
}

beforeAll(async () => {
  console.log(`time-moments: TIME_SEED=${SEED} TIME_RUNS=${RUNS} TIME_DATASETS=${DATASETS} TIME_MAX_OBJECTS=${MAX_OBJECTS}`);
  db = await createTestDatabase('seg_time');
  dataSets = makeDataSets();
  for (const ds of dataSets) await loadDataSet(ds, (sql, params) => db.dataSource.query(sql, params));
  offsetSession = db.dataSource.createQueryRunner();
  await offsetSession.connect();
  await offsetSession.query("SET time_zone = '-03:00'");
});

afterAll(async () => {
  const pct = (n: number): string => `${n} (${stats.listed ? ((100 * n) / stats.listed).toFixed(1) : '0.0'}%)`;
  console.log([
    `time-moments (TIME_SEED=${SEED}) in ${((Date.now() - started) / 1000).toFixed(1)} s:`,
    `${stats.trees} trees (${stats.timeTrees} depend on time), ${stats.objects} objects checked, ${stats.listed} with a moment,`,
    `${stats.instants} instants evaluated by the reference, ${stats.comparisons} (object, instant) comparisons, ${stats.restricted} restricted queries`,
    `first real change of a listed object, after its moment: at the moment ${pct(earliness.exact)}, +1 ms ${pct(earliness.ms1)},`,
    `  ≤ 1 s ${pct(earliness.second)}, ≤ 1 h ${pct(earliness.hour)}, ≤ 1 day ${pct(earliness.day)}, later ${pct(earliness.later)},`,
    `  never (within every breakpoint and +10 years) ${pct(earliness.never)}`,
    `trees holding: ${FEATURES.map((f) => `${f} ${featureCount[f]}`).join(', ')}`,
    `trees listing ids of no object of the workspace: ${foreignTrees}`,
    `trees whose statement took more than ${STATEMENT_LIMIT} s: ${slowTrees}`,
  ].join('\n'));
  await offsetSession?.release();
  await db?.drop();
});

// ------------------------------------------------------------------------------------------ reference side

/** One time-relative comparison of a tree. */
interface TimeLeaf {
  /** Instants x whose distance to `now` the condition compares (dates of the data). */
  readonly xs: () => number[];
  readonly days: number;
}

/**
 * Every time-relative comparison of the tree (attribute / where / FIRST-LAST with
 * WITHIN_LAST_DAYS or MORE_THAN_DAYS_AGO, `lastDays` windows), with the data instants it compares.
 * Read from the GraphQL-shaped input, independently of the validated tree.
 */
function timeLeaves(ds: DataSet, ws: string, type: ObjectType, f: FilterInput): TimeLeaf[] {
  const relative = (op: unknown): boolean => op === 'WITHIN_LAST_DAYS' || op === 'MORE_THAN_DAYS_AGO';
  const events = () => ds.events.filter((e) => e.workspaceId === ws);
  const out: TimeLeaf[] = [];
  const visit = (n: FilterInput, t: ObjectType): void => {
    if (n.and) n.and.forEach((c) => visit(c, t));
    else if (n.or) n.or.forEach((c) => visit(c, t));
    else if (n.not) visit(n.not, t);
    else if (n.related) {
      const r = CATALOG[t].relations.find((x) => x.relation === n.related!.relation)!;
      visit(n.related.filter, r.target);
    } else if (n.attribute && relative(n.attribute.operator)) {
      const field = n.attribute.field;
      const objects = () => ds.objects[t].filter((o) => o.workspaceId === ws);
      const xs = field.startsWith(CUSTOM_FIELD_PREFIX)
        ? () => objects().map((o) => parseJsonDate(o.attributes[field.slice(CUSTOM_FIELD_PREFIX.length)]))
        : () => objects().map((o) => { const v = o.fields[field]; return v instanceof Date ? v.getTime() : null; });
      out.push({ xs: () => xs().filter((x): x is number => x !== null), days: n.attribute.value as number });
    } else if (n.event) {
      const e = n.event;
      const occurred = () => events().map((x) => x.occurredAt.getTime());
      if (e.window?.lastDays != null) out.push({ xs: occurred, days: e.window.lastDays });
      if ((e.aggregate === 'FIRST_OCCURRED_AT' || e.aggregate === 'LAST_OCCURRED_AT') && relative(e.operator)) {
        out.push({ xs: occurred, days: e.value as number });
      }
      for (const p of e.where ?? []) {
        if (!relative(p.operator)) continue;
        out.push({ xs: () => events().map((x) => parseJsonDate(x.properties[p.property])).filter((x): x is number => x !== null), days: p.value as number });
      }
    }
  };
  visit(f, type);
  return out;
}

/**
 * The instants after `now` at which some comparison of the tree can flip. Between two of them
 * every time-relative comparison keeps its value (WITHIN n on x holds for x ≤ t ≤ x + n days,
 * MORE_THAN n for t > x + n days, a `lastDays n` window keeps an event while t ≤ x + n days), so
 * the result of the whole tree is constant there: the first instant at which an object's result
 * differs from its result at `now` is one of these. ±1 ms around x + n days absorbs rounding.
 */
function breakpoints(leaves: readonly TimeLeaf[], now: number): number[] {
  const out = new Set<number>();
  for (const leaf of leaves) {
    const span = leaf.days * DAY_MS;
    for (const x of leaf.xs()) {
      const end = Math.floor(x + span);
      for (const t of [x, end, end + 1, end + 2]) if (t > now) out.add(t);
    }
  }
  return [...out];
}

// ------------------------------------------------------------------------------------------ SQL side

const validated = validateGenerated;

/** A DATETIME(3) as mysql2 returns it (a Date with `timezone: 'Z'`), or its text: epoch ms. */
function instantOf(v: unknown): number {
  if (v instanceof Date && !Number.isNaN(v.getTime())) return v.getTime();
  const m = typeof v === 'string' ? /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?$/.exec(v) : null;
  if (m) return Date.parse(`${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(3, '0').slice(0, 3)}Z`);
  throw new Error(`due_at is not a DATETIME: ${JSON.stringify(v)}`);
}

interface Moments { rows: Array<{ id: string; due: number }>; sql: string; params: readonly unknown[] }

async function runMoments(k: number, node: FilterNode, workspaceId: string, type: ObjectType, now: Date, restrictToIds?: string[]): Promise<Moments | null> {
  const q = compileNextChangeQuery(node, { workspaceId, objectType: type, now, ...(restrictToIds ? { restrictToIds } : {}) });
  if (q === null) return null;
  expect(q.sql.split('?').length - 1).toBe(q.params.length);
  const session = k % 2 === 1 ? offsetSession : db.dataSource;
  let raw: Array<{ object_id: unknown; due_at: unknown }>;
  try {
    raw = await session.query(`SET STATEMENT max_statement_time = ${STATEMENT_LIMIT} FOR ${q.sql}`, [...q.params]);
  } catch (error) {
    if (/max_statement_time/.test((error as Error).message)) throw new StatementTimeout(q.sql, restrictToIds !== undefined);
    throw new Error(`the moments query failed: ${(error as Error).message}\nsql: ${q.sql}\nparams: ${JSON.stringify(q.params)}`);
  }
  return { rows: raw.map((r) => ({ id: String(r.object_id), due: instantOf(r.due_at) })), sql: q.sql, params: q.params };
}

// ------------------------------------------------------------------------------------------ the check

interface Case { ws: string; filter: FilterInput; nowShift: number; extra: number[]; subset: number[]; subsetForeign: boolean }

async function check(ds: DataSet, k: number, type: ObjectType, c: Case): Promise<void> {
  try {
    await checkTree(ds, k, type, c);
  } catch (error) {
    if (!(error instanceof StatementTimeout)) throw error;
    slowTrees++;
    slow.push({ type, workspaceId: c.ws, restricted: error.restricted, filter: c.filter, size: JSON.stringify(c.filter).length, sql: error.sql });
    slow.sort((a, b) => a.size - b.size).splice(3);
  }
}

async function checkTree(ds: DataSet, k: number, type: ObjectType, c: Case): Promise<void> {
  const { ws, filter } = c;
  const now = new Date(ds.now.getTime() + c.nowShift);
  const t0 = now.getTime();
  const node = validated(ds, ws, type, filter);
  const leaves = timeLeaves(ds, ws, type, filter);
  const moments = await runMoments(k, node, ws, type, now);
  const fail: (what: string, extra?: string[]) => never = (what, extra = []) => {
    throw new Error([
      `${what}`,
      `${type} in workspace ${ws} (data set ${k}), now=${now.toISOString()} (data set now ${ds.now.toISOString()})`,
      `filter: ${JSON.stringify(filter)}`,
      ...extra,
      ...(moments ? [`sql: ${moments.sql}`, `params: ${JSON.stringify(moments.params)}`] : ['query: null']),
    ].join('\n'));
  };

  stats.trees++;
  countFeatures(filter);
  const depends = dependsOnTime(node);
  if (depends !== (moments !== null)) fail(`dependsOnTime is ${depends} but the query is ${moments === null ? 'null' : 'not null'}`);
  if (depends !== (leaves.length > 0)) fail(`dependsOnTime is ${depends} but the tree has ${leaves.length} time-relative conditions`);
  if (depends) stats.timeTrees++;

  // The rows: one per object, objects of this workspace and type, strictly after now.
  const objects = ds.objects[type].filter((o) => o.workspaceId === ws).map((o) => o.id);
  const own = new Set(objects);
  const due = new Map<string, number>();
  const foreignIds: string[] = [];
  for (const r of moments?.rows ?? []) {
    if (due.has(r.id) || foreignIds.includes(r.id)) fail(`object ${r.id} is listed twice`);
    if (!(r.due > t0)) fail(`the moment of ${r.id} is not after now: ${new Date(r.due).toISOString()}`);
    if (own.has(r.id)) due.set(r.id, r.due); else foreignIds.push(r.id);
  }
  if (foreignIds.length) {
    foreignTrees++;
    if (foreign.length < 3) foreign.push({ type, workspaceId: ws, ids: foreignIds, filter, sql: moments!.sql });
  }

  // The instants at which the reference is evaluated (each once, for every object).
  const maxDays = Math.max(0, ...leaves.map((l) => l.days));
  const instants = new Set<number>([
    t0 + 1, t0 + HOUR_MS, t0 + DAY_MS, t0 + (maxDays + 1) * DAY_MS, t0 + (maxDays + 101) * DAY_MS, t0 + 10 * YEAR_MS,
    ...c.extra.map((f) => t0 + 1 + Math.floor(f * (maxDays + 101) * DAY_MS)),
    ...breakpoints(leaves, t0),
  ]);
  for (const d of due.values()) {
    instants.add(d - 1).add(d).add(d + 1);
    for (const f of c.extra.slice(0, 3)) instants.add(t0 + 1 + Math.floor(f * (d - t0 - 1)));
  }
  instants.delete(t0);
  const sorted = [...instants].filter((t) => t > t0).sort((a, b) => a - b);
  const at = new Map<number, Set<string>>();
  const resultAt = (t: number): Set<string> => {
    let r = at.get(t);
    if (!r) { r = evaluateFilter(ds, ws, type, filter, new Date(t)); at.set(t, r); }
    return r;
  };
  const atNow = resultAt(t0);
  stats.instants += sorted.length + 1;
  stats.objects += objects.length;
  stats.listed += due.size;

  for (const id of objects) {
    const before = atNow.has(id);
    const d = due.get(id);
    const describe = () => JSON.stringify(describeObject(ds, ws, type, id));
    let firstChange: number | null = null;
    for (const t of sorted) {
      const changed = resultAt(t).has(id) !== before;
      stats.comparisons++;
      if (!changed) continue;
      if (d === undefined) {
        fail(`object ${id} has no moment, but its result changes with time alone: ${before} at now, ${!before} at ${new Date(t).toISOString()} (now + ${t - t0} ms)`,
          [`object: ${describe()}`]);
      }
      if (t < d) {
        fail(`the moment of object ${id} is late: ${new Date(d).toISOString()} (now + ${d - t0} ms), but its result is ${before} at now and ${!before} at ${new Date(t).toISOString()} (now + ${t - t0} ms, ${d - t} ms before the moment)`,
          [`object: ${describe()}`]);
      }
      firstChange = t;
      break;
    }
    if (d === undefined) continue;
    if (firstChange === null) earliness.never++;
    else {
      const early = firstChange - d;
      if (early === 0) earliness.exact++;
      else if (early <= 1) earliness.ms1++;
      else if (early <= 1000) earliness.second++;
      else if (early <= HOUR_MS) earliness.hour++;
      else if (early <= DAY_MS) earliness.day++;
      else earliness.later++;
    }
  }

  // restrictToIds: a subset of the objects (sometimes none, sometimes with another workspace's id).
  if (moments !== null) {
    const other = ds.objects[type].find((o) => o.workspaceId !== ws);
    const subset = [...new Set(c.subset.filter((i) => i < objects.length).map((i) => objects[i]))];
    if (c.subsetForeign && other) subset.push(other.id);
    const restricted = await runMoments(k, node, ws, type, now, subset);
    stats.restricted++;
    if (restricted === null) fail('the restricted query is null but the unrestricted one is not');
    const key = (r: { id: string; due: number }) => `${r.id}@${r.due}`;
    const expected = moments.rows.filter((r) => subset.includes(r.id)).map(key).sort();
    const got = restricted!.rows.map(key).sort();
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      fail(`restrictToIds ${JSON.stringify(subset)} gives other rows than the unrestricted query for those ids`, [
        `expected: ${JSON.stringify(expected)}`, `got: ${JSON.stringify(got)}`,
        `restricted sql: ${restricted!.sql}`, `restricted params: ${JSON.stringify(restricted!.params)}`,
      ]);
    }
  }
}

// ------------------------------------------------------------------------------------------ tests

test('the data sets are loaded', async () => {
  const [{ n }] = await db.dataSource.query('SELECT COUNT(*) AS n FROM events');
  expect(Number(n)).toBe(dataSets.reduce((a, ds) => a + ds.events.length, 0));
});

describe.each(Array.from({ length: DATASETS }, (_, k) => k))('data set %i', (k) => {
  test.each(OBJECT_TYPES.map((t) => [t]))('%s: no object changes with time before its moment; unlisted objects never do', async (type) => {
    const ds = dataSets[k];
    const [a, b] = ds.workspaceIds;
    const tree = (ws: string) => filterArb({ ...filterEnvOf(ds, ws), timeBias: true }, type).map((filter) => ({ ws, filter }));
    const nowShift = fc.oneof(
      { arbitrary: fc.constant(0), weight: 5 },
      { arbitrary: fc.constantFrom(-1, 1), weight: 1 },
      { arbitrary: fc.integer({ min: -3 * DAY_MS, max: 3 * DAY_MS }), weight: 2 },
    );
    const arb = fc.record({
      tree: fc.oneof({ arbitrary: tree(a), weight: 3 }, { arbitrary: tree(b), weight: 1 }),
      nowShift,
      extra: fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 3, maxLength: 6 }),
      subset: fc.uniqueArray(fc.nat({ max: MAX_OBJECTS - 1 }), { maxLength: MAX_OBJECTS }),
      subsetForeign: fc.boolean(),
    }).map(({ tree: { ws, filter }, ...rest }): Case => ({ ws, filter, ...rest }));
    await fc.assert(fc.asyncProperty(arb, (c) => check(ds, k, type, c)), {
      numRuns: RUNS,
      seed: SEED + 7 * k + OBJECT_TYPES.indexOf(type),
      endOnFailure: false,
    });
  });
});

/**
 * Long relation chains (valid: depth ≤ 10), restricted to a few ids as the real-time path asks:
 * the statement must stay quick. ACTIVITY → user → tickets → user → company → users → deals
 * (→ activities → deal → user), with a relative condition at the end.
 */
describe('long relation chains', () => {
  const CHAIN: Array<[string, ObjectType]> = [
    ['user', 'USER'], ['tickets', 'TICKET'], ['user', 'USER'], ['company', 'COMPANY'], ['users', 'USER'], ['deals', 'DEAL'],
    ['activities', 'ACTIVITY'], ['deal', 'DEAL'], ['user', 'USER'],
  ];
  const LEAF: Partial<Record<ObjectType, FilterInput>> = {
    DEAL: { attribute: { field: 'closedAt', operator: 'MORE_THAN_DAYS_AGO', value: 3 } },
    USER: { attribute: { field: 'lastSeenAt', operator: 'WITHIN_LAST_DAYS', value: 1 } },
  };
  test.each([[7], [10]])('depth %i, restricted and not: within the time limit, and right', async (depth) => {
    const links = CHAIN.slice(0, depth - 1);
    let filter = LEAF[links[links.length - 1][1]]!;
    for (const [relation] of [...links].reverse()) filter = { related: { relation, filter } };
    const ds = dataSets[0];
    const c: Case = { ws: ds.workspaceIds[0], filter, nowShift: 0, extra: [0.5, 0.25, 0.75], subset: [0, 1, 2], subsetForeign: false };
    try {
      await checkTree(ds, 0, 'ACTIVITY', c);
    } catch (error) {
      if (error instanceof StatementTimeout) {
        throw new Error(`the ${error.restricted ? 'restricted' : 'unrestricted'} statement took more than ${STATEMENT_LIMIT} s\nfilter: ${JSON.stringify(filter)}\nsql: ${error.sql}`);
      }
      throw error;
    }
  });
});

test('the query lists only objects of the workspace and type', () => {
  const show = foreign.map((f) => `${f.type} in workspace ${f.workspaceId}: listed ${f.ids.join(', ')}\nfilter: ${JSON.stringify(f.filter)}\nsql: ${f.sql}`);
  expect({ trees: foreignTrees, examples: show }).toEqual({ trees: 0, examples: [] });
});

test(`every moments statement runs within ${STATEMENT_LIMIT} s`, () => {
  const show = slow.map((f) => `${f.type} in workspace ${f.workspaceId}${f.restricted ? ', with restrictToIds' : ''}\nfilter: ${JSON.stringify(f.filter)}\nsql: ${f.sql}`);
  expect({ trees: slowTrees, smallest: show }).toEqual({ trees: 0, smallest: [] });
});
