/**
 * Real time after event inserts: the moments of the touched objects are kept or lowered to the
 * bound of `momentAfterEvents` without running the moment query, and are never later than the
 * query would give; any other write still recomputes them. Through the real path: trackEvents →
 * change feed → RealtimeEvaluator → SegmentSyncService.evaluate → SegmentMoments.writeFor.
 * The services keep moments ten years ahead (every moment counts), except where a test sets a
 * segment's horizon itself.
 */
import { compileNextChangeQuery } from '../../src/core/filter/moments';
import type { RealtimeEvaluator } from '../../src/live/realtime-evaluator';
import type { Services } from '../../src/services';
import type { RequestContext } from '../../src/services/context';
import type { TestDatabase } from '../support/db';
import { serviceWorld, ServiceWorld } from '../support/services';
import { statementsOf } from '../support/statements';

const DAY = 86_400_000;
const HOUR = 3_600_000;
let world: ServiceWorld;
let db: TestDatabase;
let services: Services;
let ctx: RequestContext;
let realtime: RealtimeEvaluator;

beforeAll(async () => {
  world = await serviceWorld({ momentHorizonMs: 3_650 * DAY });
  ({ db, services } = world);
  ctx = await world.workspace('Moments after events');
  realtime = world.startRealtime();
});

afterAll(async () => {
  await world?.close();
});

/** Object id → due (ms) of the segment's stored moments. */
async function stored(segmentId: string): Promise<Map<string, number>> {
  const rows = (await db.dataSource.query('SELECT object_id, due_at FROM segment_time_triggers WHERE segment_id = ?', [segmentId])) as Array<{ object_id: string; due_at: Date }>;
  return new Map(rows.map((r) => [String(r.object_id), r.due_at.getTime()]));
}

/** The same from the moment query, at `now`. */
async function fromScratch(filter: unknown, now: Date): Promise<Map<string, number>> {
  const tree = await services.filters.validateStored(ctx.actor.workspaceId, 'USER', filter);
  const q = compileNextChangeQuery(tree, { workspaceId: ctx.actor.workspaceId, objectType: 'USER', now })!;
  const rows = (await db.dataSource.query(q.sql, [...q.params])) as Array<{ object_id: string; due_at: Date }>;
  return new Map(rows.map((r) => [String(r.object_id), r.due_at.getTime()]));
}

const members = async (segmentId: string) =>
  ((await db.dataSource.query('SELECT object_id FROM segment_members WHERE segment_id = ? ORDER BY object_id', [segmentId])) as Array<{ object_id: string }>).map((r) => String(r.object_id));

/** The moment query's text (every moment statement groups its sources per object this way). */
const MOMENT_QUERY = /MIN\(s\.due_at\)/;

test('event inserts keep or lower moments without the moment query; an upsert recomputes them', async () => {
  const now = Date.now();
  const ago = (days: number) => new Date(now - days * DAY);
  const users = await services.objects.upsert(ctx, 'USER', [{ externalId: 'old' }, { externalId: 'none' }, { externalId: 'recent' }, { externalId: 'other' }]);
  const id = Object.fromEntries(users.map((u) => [u.externalId!, u.id]));
  await services.events.track(ctx, [
    { userExternalId: 'old', name: 'order', occurredAt: ago(20) },
    { userExternalId: 'recent', name: 'order', occurredAt: ago(1) },
  ]);
  const filter = { event: { name: 'order', window: { lastDays: 30 } } };
  const segment = await services.segments.create(ctx, { objectType: 'USER', name: 'Ordered in 30 days', filter, realtime: true });
  await realtime.idle();
  const before = await stored(segment.id);
  expect([...before.keys()].sort()).toEqual([id.old, id.recent].sort());

  // The bound is the batch's: its earliest event + the window. Two batches, to see both effects.
  const statements = await statementsOf(async () => {
    await services.events.track(ctx, [
      { userExternalId: 'old', name: 'Order', occurredAt: new Date() }, // a later event: the old moment stays
      { userExternalId: 'none', name: 'order', occurredAt: ago(5) }, // a first one: a moment appears
      { userExternalId: 'other', name: 'page_view', occurredAt: ago(2) }, // not read by the segment
    ]);
    await realtime.idle();
  });
  const bound = (days: number) => now - days * DAY + 30 * DAY + 1;
  const first = await stored(segment.id);
  expect(first.get(id.old)).toBe(before.get(id.old));
  expect(first.get(id.none)).toBe(bound(5));
  expect(first.get(id.recent)).toBe(before.get(id.recent));
  expect(first.has(id.other)).toBe(false);

  statements.push(...await statementsOf(async () => {
    await services.events.track(ctx, [{ userExternalId: 'recent', name: 'order', occurredAt: ago(25) }]); // backdated: earlier
    await realtime.idle();
  }));
  expect(statements.filter((s) => MOMENT_QUERY.test(s))).toEqual([]);
  expect(await members(segment.id)).toEqual([id.old, id.none, id.recent].sort());

  const after = await stored(segment.id);
  expect(after.get(id.recent)).toBe(bound(25));
  expect(bound(25)).toBeLessThan(before.get(id.recent)!);
  // Never later than the moment query: exact for `none`, early for `recent` (its last order
  // leaves later) and for `old` (it ordered again).
  const fresh = await fromScratch(filter, new Date());
  for (const [objectId, due] of after) expect(due).toBeLessThanOrEqual(fresh.get(objectId)!);
  expect(fresh.get(id.none)).toBe(bound(5));

  // Any other write recomputes: the upsert of `recent` runs the moment query and stores its exact moment.
  const upserted = await statementsOf(async () => {
    await services.objects.upsert(ctx, 'USER', [{ externalId: 'recent', city: 'Oslo' }]);
    await realtime.idle();
  });
  expect(upserted.some((s) => MOMENT_QUERY.test(s))).toBe(true);
  expect((await stored(segment.id)).get(id.recent)).toBe((await fromScratch(filter, new Date())).get(id.recent));
});

test('moments are kept only on the side of the result that time can change', async () => {
  const now = Date.now();
  const ago = (days: number) => new Date(now - days * DAY);
  const users = await services.objects.upsert(ctx, 'USER', [{ externalId: 'two' }, { externalId: 'one' }, { externalId: 'zero' }]);
  const id = Object.fromEntries(users.map((u) => [u.externalId!, u.id]));
  await services.events.track(ctx, [
    { userExternalId: 'two', name: 'buy', occurredAt: ago(3) },
    { userExternalId: 'two', name: 'buy', occurredAt: ago(2) },
    { userExternalId: 'one', name: 'buy', occurredAt: ago(1) },
  ]);
  const ours = new Set(Object.values(id));
  const mine = (m: Map<string, number>) => [...m.keys()].filter((k) => ours.has(k)).sort();
  // "2+ in 30 days" can only turn false: only its member has a moment, though the query lists both buyers.
  const falls = { event: { name: 'buy', window: { lastDays: 30 }, operator: 'GTE', value: 2 } };
  const a = await services.segments.create(ctx, { objectType: 'USER', name: 'Bought twice', filter: falls, realtime: true });
  expect(mine(await fromScratch(falls, new Date()))).toEqual([id.two, id.one].sort());
  expect(mine(await stored(a.id))).toEqual([id.two]);
  // "none in 30 days" can only turn true: only the non-members (the buyers) have moments.
  const rises = { not: { event: { name: 'buy', window: { lastDays: 30 } } } };
  const b = await services.segments.create(ctx, { objectType: 'USER', name: 'Bought nothing lately', filter: rises, realtime: true });
  expect(mine(await stored(b.id))).toEqual([id.two, id.one].sort());
  expect((await members(b.id)).filter((m) => ours.has(m))).toEqual([id.zero]);

  // Real time keeps to the same side: `zero` buys twice and becomes a member of the first, `one`
  // buys again (a member too now); of the second, both leave and get moments.
  await services.events.track(ctx, [
    { userExternalId: 'zero', name: 'buy', occurredAt: ago(1) },
    { userExternalId: 'zero', name: 'buy', occurredAt: ago(1) },
    { userExternalId: 'one', name: 'buy', occurredAt: ago(0) },
  ]);
  await realtime.idle();
  expect(mine(await stored(a.id))).toEqual([id.two, id.one, id.zero].sort());
  expect(mine(await stored(b.id))).toEqual([id.two, id.one, id.zero].sort());
  // A full sync keeps the same rows (and exact ones where real time had bounds).
  await services.segmentSyncs.sync(a.id, 'MANUAL');
  expect(mine(await stored(a.id))).toEqual([id.two, id.one, id.zero].sort());
});

test('real time writes no moment past the segment\'s horizon; the sync that moves the horizon does', async () => {
  const now = Date.now();
  const users = await services.objects.upsert(ctx, 'USER', [{ externalId: 'soon' }, { externalId: 'later' }]);
  const id = Object.fromEntries(users.map((u) => [u.externalId!, u.id]));
  const filter = { event: { name: 'visit', window: { lastDays: 1 } } };
  const segment = await services.segments.create(ctx, { objectType: 'USER', name: 'Visited today', filter, realtime: true });
  // As if its last sync kept the moments of the next two hours only.
  await db.dataSource.query('UPDATE segments SET moments_until = ? WHERE id = ?', [new Date(now + 2 * HOUR), segment.id]);
  // soon: leaves in an hour (inside the horizon); later: leaves in a day (past it). Two batches:
  // the bound is the batch's earliest event + the window.
  await services.events.track(ctx, [{ userExternalId: 'soon', name: 'visit', occurredAt: new Date(now - 23 * HOUR) }]);
  await realtime.idle();
  await services.events.track(ctx, [{ userExternalId: 'later', name: 'visit', occurredAt: new Date(now) }]);
  await realtime.idle();
  expect(await members(segment.id)).toEqual([id.soon, id.later].sort());
  let kept = await stored(segment.id);
  expect([...kept.keys()]).toEqual([id.soon]);
  expect(kept.get(id.soon)).toBeLessThanOrEqual(now - 23 * HOUR + DAY + 1);
  // A recomputing write keeps to the horizon too.
  await services.objects.upsert(ctx, 'USER', [{ externalId: 'soon', city: 'Oslo' }, { externalId: 'later', city: 'Oslo' }]);
  await realtime.idle();
  kept = await stored(segment.id);
  expect([...kept.keys()]).toEqual([id.soon]);
  expect(kept.get(id.soon)).toBe((await fromScratch(filter, new Date())).get(id.soon));
  // The full sync (ten years ahead here) writes the later moment before it can come due.
  await services.segmentSyncs.sync(segment.id, 'MANUAL');
  kept = await stored(segment.id);
  expect([...kept.keys()].sort()).toEqual([id.soon, id.later].sort());
  expect(kept.get(id.later)).toBe((await fromScratch(filter, new Date())).get(id.later));
});
