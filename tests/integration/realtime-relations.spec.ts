/**
 * Real time follows relation changes on both ends: when a user moves to another company, the
 * company it left is re-evaluated as well as the one it joined; when a user is deleted, its
 * company; when a company is deleted, the deals that referenced it (their reference is cleared).
 * The cached results equal a full sync after each step, with no full sync in between.
 */
import type { RealtimeEvaluator } from '../../src/live/realtime-evaluator';
import type { Services } from '../../src/services';
import type { RequestContext } from '../../src/services/context';
import type { TestDatabase } from '../support/db';
import { serviceWorld, ServiceWorld } from '../support/services';

let world: ServiceWorld;
let db: TestDatabase;
let services: Services;
let ctx: RequestContext;
let realtime: RealtimeEvaluator;

beforeAll(async () => {
  world = await serviceWorld();
  ({ db, services } = world);
  ctx = await world.workspace('Relations');
  realtime = world.startRealtime();
});

afterAll(async () => {
  await world?.close();
});

const members = async (segmentId: string) =>
  ((await db.dataSource.query('SELECT object_id FROM segment_members WHERE segment_id = ? ORDER BY object_id', [segmentId])) as Array<{ object_id: string }>).map((r) => String(r.object_id));

/** What a full sync would find, without applying it. */
const expected = async (segmentId: string, filter: unknown, type: 'COMPANY' | 'DEAL') => {
  const preview = await services.segmentReads.previewChange(ctx, (await services.segments.get(ctx, segmentId))!, filter, 0);
  return { entering: preview.enteringCount, exiting: preview.exitingCount, type };
};

test('the related objects on both ends of a changed or deleted reference are re-evaluated', async () => {
  const [c1, c2] = await services.objects.upsert(ctx, 'COMPANY', [{ externalId: 'c1', name: 'One', industry: 'Software' }, { externalId: 'c2', name: 'Two', industry: 'Software' }]);
  await services.objects.upsert(ctx, 'USER', [{ externalId: 'u', city: 'Oslo', companyId: c1.id }]);
  const [deal] = await services.objects.upsert(ctx, 'DEAL', [{ externalId: 'd', name: 'Deal', companyId: c2.id }]);
  const withOslo = { related: { relation: 'users', filter: { attribute: { field: 'city', operator: 'EQ', value: 'Oslo' } } } };
  const noOslo = { related: { relation: 'users', quantifier: 'NONE', filter: { attribute: { field: 'city', operator: 'EQ', value: 'Oslo' } } } };
  const softwareDeal = { related: { relation: 'company', filter: { attribute: { field: 'industry', operator: 'EQ', value: 'Software' } } } };
  const a = await services.segments.create(ctx, { objectType: 'COMPANY', name: 'With Oslo', filter: withOslo, realtime: true });
  const b = await services.segments.create(ctx, { objectType: 'COMPANY', name: 'No Oslo', filter: noOslo, realtime: true });
  const d = await services.segments.create(ctx, { objectType: 'DEAL', name: 'Software deal', filter: softwareDeal, realtime: true });
  expect(await members(a.id)).toEqual([c1.id]);
  expect(await members(b.id)).toEqual([c2.id]);
  expect(await members(d.id)).toEqual([deal.id]);

  // The user moves from c1 to c2: c1 leaves "With Oslo" and enters "No Oslo", c2 the reverse.
  await services.objects.upsert(ctx, 'USER', [{ externalId: 'u', companyId: c2.id }]);
  await realtime.idle();
  expect(await members(a.id)).toEqual([c2.id]);
  expect(await members(b.id)).toEqual([c1.id]);

  // The user is deleted: c2 has no Oslo user any more.
  await services.objects.delete(ctx, 'USER', [(await services.objects.upsert(ctx, 'USER', [{ externalId: 'u' }]))[0].id]);
  await realtime.idle();
  expect(await members(a.id)).toEqual([]);
  expect(await members(b.id)).toEqual([c1.id, c2.id].sort());

  // c2 is deleted: its deal loses its company, and with it the software segment.
  await services.objects.delete(ctx, 'COMPANY', [c2.id]);
  await realtime.idle();
  expect(await members(d.id)).toEqual([]);
  for (const [id, filter, type] of [[a.id, withOslo, 'COMPANY'], [b.id, noOslo, 'COMPANY'], [d.id, softwareDeal, 'DEAL']] as const) {
    expect(await expected(id, filter, type)).toEqual({ entering: 0, exiting: 0, type });
  }
});
