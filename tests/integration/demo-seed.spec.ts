/**
 * The demo data that `npm start` loads into a fresh database: every object type, events, tags and
 * lists, and saved segments that are synced at once and hold exactly what their filters select.
 */
import { compileMatchingIdsQuery } from '../../src/core/filter/compiler';
import { loadDemoData } from '../../src/seed/demo-seed';
import { serviceWorld, ServiceWorld } from '../support/services';

let world: ServiceWorld;

beforeAll(async () => {
  world = await serviceWorld();
});
afterAll(async () => {
  await world?.close();
});

test('the demo loads, and its segments are synced to what their filters select', async () => {
  const { services, db } = world;
  const ctx = await world.workspace('Demo');
  await loadDemoData(services, ctx, new Date());
  const counts = (await db.dataSource.query(
    'SELECT (SELECT COUNT(*) FROM users WHERE workspace_id = ?) AS users, (SELECT COUNT(*) FROM events WHERE workspace_id = ?) AS events, (SELECT COUNT(*) FROM object_tags WHERE workspace_id = ?) AS tags',
    [ctx.actor.workspaceId, ctx.actor.workspaceId, ctx.actor.workspaceId],
  )) as Array<{ users: string; events: string; tags: string }>;
  expect(Number(counts[0].users)).toBe(400);
  expect(Number(counts[0].events)).toBeGreaterThan(1_000);
  expect(Number(counts[0].tags)).toBeGreaterThan(100);

  const segments = await services.segments.list(ctx);
  expect(segments.map((s) => s.name)).toEqual(['Active this week', 'VIPs without an order in 90 days', 'Active, consented, not yet on the newsletter', 'Companies with an active user']);
  for (const seg of segments) {
    expect({ name: seg.name, status: seg.syncStatus, empty: seg.count === 0 }).toEqual({ name: seg.name, status: 'IDLE', empty: false });
    const tree = await services.filters.validateStored(ctx.actor.workspaceId, seg.objectType, seg.filter);
    const q = compileMatchingIdsQuery(tree, { workspaceId: ctx.actor.workspaceId, objectType: seg.objectType, now: new Date() });
    const selected = ((await db.dataSource.query(q.sql, [...q.params])) as Array<{ id: string }>).map((r) => String(r.id)).sort();
    const cached = ((await db.dataSource.query('SELECT object_id FROM segment_members WHERE segment_id = ?', [seg.id])) as Array<{ object_id: string }>).map((r) => String(r.object_id)).sort();
    expect({ name: seg.name, cached }).toEqual({ name: seg.name, cached: selected });
    expect(seg.count).toBe(cached.length);
  }
});
