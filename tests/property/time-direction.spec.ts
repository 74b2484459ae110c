/**
 * Property test of `timeDirection` (src/core/filter/moments.ts) against the in-memory reference
 * evaluator: where it says a filter's result only `falls` with time, an object the reference
 * finds false at `now` is false at every later instant checked; where it `rises`, true stays
 * true; where `steady`, nothing changes. The moments bookkeeping keeps moments on one side only
 * on the strength of this, so a wrong direction would leave results stale.
 *
 * Random data sets and time-leaning trees as in time-moments.spec.ts; the instants are `now`,
 * every data date and every data date + each day count of the pool (+0, +1 ms), where results
 * flip, sampled, and a few far ones. No database.
 *
 * Knobs: DIR_RUNS trees per (data set, type), default 40; DIR_SEED; DIR_DATASETS, default 2.
 */
import fc from 'fast-check';
import { timeDirection, TimeDirection } from '../../src/core/filter/moments';
import { OBJECT_TYPES } from '../../src/core/object-types';
import { DAY_MS, DAY_POOL, DataSet, FIXED_NOW, sampleDataSet } from '../reference/dataset';
import { evaluateFilter, FilterInput, parseJsonDate } from '../reference/evaluator';
import { filterArb, filterEnvOf } from '../reference/filters';
import { validateGenerated } from '../support/validate-generated';

const RUNS = Number(process.env.DIR_RUNS ?? 40);
const SEED = Number(process.env.DIR_SEED ?? Math.floor(Math.random() * 2 ** 31));
const DATASETS = Number(process.env.DIR_DATASETS ?? 2);
const INSTANTS = 120;

jest.setTimeout(10 * 60_000);

const seen: Record<TimeDirection, number> = { steady: 0, falls: 0, rises: 0, both: 0 };
const dataSets: DataSet[] = Array.from({ length: DATASETS }, (_, k) => sampleDataSet({
  now: k === 0 ? FIXED_NOW : new Date(FIXED_NOW.getTime() + k * 37 * DAY_MS),
  workspaceIds: ['1', '2'],
  idBase: k * 1_000_000,
  strayRows: true,
  maxObjects: 10,
  maxEvents: 100,
}, SEED + 1000 * k));

afterAll(() => console.log(`time-direction (DIR_SEED=${SEED}): ${JSON.stringify(seen)}`));

/** Every date of the workspace's data (events, object fields, JSON attributes and properties), epoch ms. */
function dataDates(ds: DataSet, ws: string): number[] {
  const out: number[] = [];
  for (const e of ds.events.filter((x) => x.workspaceId === ws)) {
    out.push(e.occurredAt.getTime());
    for (const v of Object.values(e.properties)) { const t = parseJsonDate(v); if (t !== null) out.push(t); }
  }
  for (const t of OBJECT_TYPES) {
    for (const o of ds.objects[t].filter((x) => x.workspaceId === ws)) {
      for (const v of Object.values(o.fields)) if (v instanceof Date) out.push(v.getTime());
      for (const v of Object.values(o.attributes)) { const d = parseJsonDate(v); if (d !== null) out.push(d); }
    }
  }
  return out;
}

describe.each(Array.from({ length: DATASETS }, (_, k) => k))('data set %i', (k) => {
  test.each(OBJECT_TYPES.map((t) => [t]))('%s: results move only the way timeDirection says', (type) => {
    const ds = dataSets[k];
    const ws = ds.workspaceIds[0];
    const dates = dataDates(ds, ws);
    const arb = fc.record({
      filter: filterArb({ ...filterEnvOf(ds, ws), timeBias: true }, type),
      nowShift: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.integer({ min: -3 * DAY_MS, max: 3 * DAY_MS }), weight: 1 }),
      pick: fc.array(fc.nat(), { minLength: INSTANTS, maxLength: INSTANTS }),
    });
    fc.assert(fc.property(arb, ({ filter, nowShift, pick }) => {
      const node = validateGenerated(ds, ws, type, filter as FilterInput);
      const direction = timeDirection(node);
      seen[direction]++;
      if (direction === 'both') return;
      const now = ds.now.getTime() + nowShift;
      const candidates = dates.flatMap((x) => [x, ...DAY_POOL.flatMap((d) => [x + Math.floor(d * DAY_MS), x + Math.floor(d * DAY_MS) + 1])]).filter((t) => t > now);
      const instants = [...new Set([
        now, now + 1, now + DAY_MS, now + 400 * DAY_MS, now + 10 * 365 * DAY_MS,
        ...pick.map((p) => candidates[p % Math.max(1, candidates.length)]).filter((t) => t !== undefined),
      ])].sort((a, b) => a - b);
      const objects = ds.objects[type].filter((o) => o.workspaceId === ws).map((o) => o.id);
      let previous = evaluateFilter(ds, ws, type, filter as FilterInput, new Date(instants[0]));
      for (const t of instants.slice(1)) {
        const current = evaluateFilter(ds, ws, type, filter as FilterInput, new Date(t));
        for (const id of objects) {
          const was = previous.has(id);
          const is = current.has(id);
          const wrong = direction === 'steady' ? was !== is : direction === 'falls' ? !was && is : was && !is;
          if (wrong) {
            throw new Error(`${type} ${id}: ${was} → ${is} at ${new Date(t).toISOString()} although the direction is ${direction}\nnow=${new Date(now).toISOString()} filter=${JSON.stringify(filter)}`);
          }
        }
        previous = current;
      }
    }), { numRuns: RUNS, seed: SEED + 7 * k + OBJECT_TYPES.indexOf(type), endOnFailure: true });
  });
});

test('every direction came up', () => {
  for (const d of ['steady', 'falls', 'rises', 'both'] as const) expect(seen[d]).toBeGreaterThan(0);
});
