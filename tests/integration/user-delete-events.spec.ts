/**
 * Deleting users deletes their events, and only theirs. The events' indexes start with the name
 * (migration 1764400010000), so the delete goes name by name (ObjectService.delete): every name
 * must be found, whatever its case, and more names than one statement takes.
 */
import type { Services } from '../../src/services';
import type { RequestContext } from '../../src/services/context';
import type { TestDatabase } from '../support/db';
import { serviceWorld } from '../support/services';

let db: TestDatabase;
let services: Services;
let ctx: RequestContext;
let other: RequestContext;

beforeAll(async () => {
  const world = await serviceWorld();
  ({ db, services } = world);
  ctx = await world.workspace('Deletes');
  other = await world.workspace('Other');
});

afterAll(async () => {
  await db?.drop();
});

const eventsOf = async (userIds: string[]) =>
  Number(((await db.dataSource.query(`SELECT COUNT(*) AS n FROM events WHERE user_id IN (${userIds.map(() => '?').join(', ')})`, userIds)) as Array<{ n: string }>)[0].n);

test("a deleted user's events of every name go, other users' stay", async () => {
  // 450 names (more than one DELETE names), with case variants of some.
  const names = Array.from({ length: 450 }, (_, i) => (i % 3 === 0 ? `Name_${i}` : `name_${i}`));
  const track = (c: RequestContext, externalId: string, list: string[]) =>
    services.events.track(c, list.map((name, i) => ({ userExternalId: externalId, name, occurredAt: new Date(Date.now() - i * 1000) })));
  await track(ctx, 'gone', [...names, 'NAME_0', 'name_3']);
  await track(ctx, 'kept', names.slice(0, 50));
  await track(other, 'theirs', names.slice(0, 20));
  const [gone, kept] = await services.objects.upsert(ctx, 'USER', [{ externalId: 'gone' }, { externalId: 'kept' }]);
  const [theirs] = await services.objects.upsert(other, 'USER', [{ externalId: 'theirs' }]);
  expect([await eventsOf([gone.id]), await eventsOf([kept.id]), await eventsOf([theirs.id])]).toEqual([452, 50, 20]);

  expect(await services.objects.delete(ctx, 'USER', [gone.id])).toBe(1);
  expect([await eventsOf([gone.id]), await eventsOf([kept.id]), await eventsOf([theirs.id])]).toEqual([0, 50, 20]);
  // Their numbers go with them (foreign key), so no filter can count them either.
  const [{ n }] = (await db.dataSource.query('SELECT COUNT(*) AS n FROM event_numbers WHERE user_id = ?', [gone.id])) as Array<{ n: string }>;
  expect(Number(n)).toBe(0);
});
