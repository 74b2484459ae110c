/**
 * Real time re-evaluates only the segments a write can change: an event reaches the segments
 * that aggregate an event of its name (on the object, or through a relation), a tag those that
 * read tags, an upsert every segment of the type and those that reach it through relations. The
 * cached results stay exactly what a full sync finds.
 */
import { RealtimeEvaluator } from '../../src/live/realtime-evaluator';
import { createLogger } from '../../src/logger';
import { createServices, Services } from '../../src/services';
import type { RequestContext } from '../../src/services/context';
import { createTestDatabase, TestDatabase } from '../support/db';

let db: TestDatabase;
let services: Services;
let realtime: RealtimeEvaluator;
let detach: () => void;
let ctx: RequestContext;
const logger = createLogger('silent');
/** The segment ids real time evaluated since the last `take()`. */
let evaluated: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  services = createServices(db.dataSource, logger);
  const evaluate = services.segmentSyncs.evaluate.bind(services.segmentSyncs);
  jest.spyOn(services.segmentSyncs, 'evaluate').mockImplementation((segmentId, ids, trigger, options) => {
    if (trigger === 'REALTIME') evaluated.push(segmentId);
    return evaluate(segmentId, ids, trigger, options);
  });
  realtime = new RealtimeEvaluator(db.dataSource, services.filters, services.segmentSyncs, logger, { coalesceMs: 10 });
  detach = realtime.attach(services.changes);
  const ws = await services.workspaces.createWorkspace({ name: 'Relevance' });
  ctx = { actor: (await services.auth.authenticate(ws.token))!, requestId: 't', logger };
});

afterAll(async () => {
  detach?.();
  realtime?.stop();
  await db?.drop();
});

const take = async (): Promise<string[]> => {
  await realtime.idle();
  const out = [...new Set(evaluated)].sort();
  evaluated = [];
  return out;
};
const members = async (segmentId: string) =>
  ((await db.dataSource.query('SELECT object_id FROM segment_members WHERE segment_id = ? ORDER BY object_id', [segmentId])) as Array<{ object_id: string }>).map((r) => String(r.object_id));

test('each kind of write re-evaluates just the segments it can change, and the results stay right', async () => {
  const [company] = await services.objects.upsert(ctx, 'COMPANY', [{ externalId: 'acme', name: 'Acme' }]);
  const [user] = await services.objects.upsert(ctx, 'USER', [{ externalId: 'u1', companyId: company.id }]);
  const make = (name: string, filter: unknown, objectType: 'USER' | 'COMPANY' = 'USER') => services.segments.create(ctx, { objectType, name, filter, realtime: true });
  const orders = await make('Ordered', { event: { name: 'order_completed' } });
  const views = await make('Viewed', { event: { name: 'page_view' } });
  const oslo = await make('Oslo', { attribute: { field: 'city', operator: 'EQ', value: 'Oslo' } });
  const vip = await make('VIP', { tag: { tag: 'vip' } });
  const buyers = await make('Companies with a buyer', { related: { relation: 'users', filter: { event: { name: 'order_completed' } } } }, 'COMPANY');
  const notViewed = await make('Never viewed', { not: { event: { name: 'page_view' } } });
  await take();

  await services.events.track(ctx, [{ userId: user.id, name: 'page_view' }]);
  expect(await take()).toEqual([views.id, notViewed.id].sort());
  expect(await members(views.id)).toEqual([user.id]);
  expect(await members(notViewed.id)).toEqual([]);

  await services.events.track(ctx, [{ userId: user.id, name: 'order_completed' }]);
  expect(await take()).toEqual([orders.id, buyers.id].sort());
  expect(await members(orders.id)).toEqual([user.id]);
  expect(await members(buyers.id)).toEqual([company.id]);

  await services.tags.tag(ctx, 'USER', [user.id], ['vip']);
  expect(await take()).toEqual([vip.id]);
  expect(await members(vip.id)).toEqual([user.id]);

  // An upsert can change anything of the user: every USER segment, and the company segment through its relation.
  await services.objects.upsert(ctx, 'USER', [{ externalId: 'u1', city: 'Oslo' }]);
  expect(await take()).toEqual([orders.id, views.id, oslo.id, vip.id, buyers.id, notViewed.id].sort());
  expect(await members(oslo.id)).toEqual([user.id]);

  // A user created by an event is announced as an upsert: "never viewed" sees the new user of an order.
  await services.events.track(ctx, [{ userExternalId: 'u2', name: 'order_completed' }]);
  await take();
  const [u2] = (await db.dataSource.query("SELECT id FROM users WHERE external_id = 'u2'")) as Array<{ id: string }>;
  expect(await members(notViewed.id)).toEqual([String(u2.id)]);

  // Nothing was skipped that mattered: a full sync of each finds nothing to change.
  for (const s of [orders, views, oslo, vip, buyers, notViewed]) {
    const run = await services.segmentSyncs.sync(s.id, 'MANUAL');
    expect({ name: s.name, entered: run?.entered, exited: run?.exited }).toEqual({ name: s.name, entered: 0, exited: 0 });
  }
});
