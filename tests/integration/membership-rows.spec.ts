/**
 * Tag rows, list members and custom-attribute values name only existing objects of their own
 * workspace. The compiler relies on it (IdSet.ofExistingObjects): a filter made only of such
 * sets is counted from the sets alone, without reading the object table. So the writes must
 * refuse ids of other workspaces and unknown ids, remove the rows with their object, and not let
 * a tag and a delete of the same object race into a row for a deleted object.
 */
import { DomainError } from '../../src/core/errors';
import type { Services } from '../../src/services';
import type { RequestContext } from '../../src/services/context';
import type { TestDatabase } from '../support/db';
import { serviceWorld } from '../support/services';

let db: TestDatabase;
let services: Services;
let a: RequestContext;
let b: RequestContext;

beforeAll(async () => {
  const world = await serviceWorld();
  ({ db, services } = world);
  a = await world.workspace('A');
  b = await world.workspace('B');
  await services.attributes.define(a, { objectType: 'USER', key: 'plan', type: 'STRING' });
});

afterAll(async () => {
  await db?.drop();
});

const users = async (ctx: RequestContext, names: string[]) =>
  (await services.objects.upsert(ctx, 'USER', names.map((n) => ({ externalId: n, attributes: { plan: 'pro' } })))).map((u) => u.id);
const count = async (ctx: RequestContext, filter: unknown) =>
  services.filters.count(ctx.actor.workspaceId, 'USER', await services.filters.validate(ctx, 'USER', filter));

/** Rows of the three tables that name no user of their workspace (what must never exist). */
const strayRows = async () => {
  const [row] = (await db.dataSource.query(`SELECT
      (SELECT COUNT(*) FROM object_tags t LEFT JOIN users u ON u.id = t.object_id AND u.workspace_id = t.workspace_id WHERE t.object_type = 1 AND u.id IS NULL) AS tags,
      (SELECT COUNT(*) FROM list_members m JOIN static_lists l ON l.id = m.list_id LEFT JOIN users u ON u.id = m.object_id AND u.workspace_id = l.workspace_id
        WHERE l.object_type = 1 AND u.id IS NULL) AS members,
      (SELECT COUNT(*) FROM attribute_values v LEFT JOIN users u ON u.id = v.object_id AND u.workspace_id = v.workspace_id WHERE v.object_type = 1 AND u.id IS NULL) AS vals`)) as Array<Record<string, string>>;
  return { tags: Number(row.tags), members: Number(row.members), values: Number(row.vals) };
};

const rejection = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a rejection'); }, (error: unknown) => error);

test("another workspace's object and an unknown id are refused, and nothing is written", async () => {
  const [mine] = await users(a, ['a1']);
  const [theirs] = await users(b, ['b1']);
  const list = await services.lists.create(a, { objectType: 'USER', name: 'picked' });
  for (const ids of [[theirs], [mine, theirs], ['999999999']]) {
    const tagged = await rejection(services.tags.tag(a, 'USER', ids, ['vip']));
    expect(tagged).toBeInstanceOf(DomainError);
    expect(tagged).toMatchObject({ code: 'BAD_USER_INPUT', path: 'ids' });
    const added = await rejection(services.lists.add(a, list.id, ids));
    expect(added).toMatchObject({ code: 'BAD_USER_INPUT', path: 'ids' });
  }
  expect(await count(a, { tag: { tag: 'vip' } })).toBe(0);
  expect(await count(a, { list: { listId: list.id } })).toBe(0);
  expect(await strayRows()).toEqual({ tags: 0, members: 0, values: 0 });
});

test("a deleted object's tags, list memberships and attribute values go with it, and the counts follow", async () => {
  const ids = await users(a, ['d1', 'd2', 'd3']);
  const list = await services.lists.create(a, { objectType: 'USER', name: 'deleted soon' });
  await services.tags.tag(a, 'USER', ids, ['gone-soon']);
  await services.lists.add(a, list.id, ids);
  const filters = [{ tag: { tag: 'gone-soon' } }, { list: { listId: list.id } }, { and: [{ tag: { tag: 'gone-soon' } }, { list: { listId: list.id } }] }];
  for (const f of filters) expect(await count(a, f)).toBe(3);
  const plans = await count(a, { attribute: { field: 'attributes.plan', operator: 'EQ', value: 'pro' } });

  expect(await services.objects.delete(a, 'USER', [ids[0], ids[2]])).toBe(2);
  for (const f of filters) expect(await count(a, f)).toBe(1);
  expect(await count(a, { attribute: { field: 'attributes.plan', operator: 'EQ', value: 'pro' } })).toBe(plans - 2);
  expect(await strayRows()).toEqual({ tags: 0, members: 0, values: 0 });
});

test('tagging, listing and deleting the same objects at once never leaves a row for a deleted object', async () => {
  const list = await services.lists.create(a, { objectType: 'USER', name: 'race' });
  for (let round = 0; round < 15; round++) {
    const ids = await users(a, [`r${round}-1`, `r${round}-2`]);
    // The writes may fail (the object is gone before a tag finds it, or a deadlock is reported);
    // what must hold is that no row outlives its object.
    await Promise.allSettled([
      services.tags.tag(a, 'USER', ids, ['racing']),
      services.objects.delete(a, 'USER', [ids[round % 2]]),
      services.lists.add(a, list.id, ids),
      services.objects.upsert(a, 'USER', [{ id: ids[(round + 1) % 2], attributes: { plan: 'team' } }]),
    ]);
  }
  expect(await strayRows()).toEqual({ tags: 0, members: 0, values: 0 });
  // And the counts read from the sets alone equal those read through the objects.
  const [{ n }] = (await db.dataSource.query(
    "SELECT COUNT(*) AS n FROM object_tags t JOIN users u ON u.id = t.object_id AND u.workspace_id = t.workspace_id WHERE t.workspace_id = ? AND t.object_type = 1 AND t.tag = 'racing'",
    [a.actor.workspaceId],
  )) as Array<{ n: string }>;
  expect(await count(a, { tag: { tag: 'racing' } })).toBe(Number(n));
  expect(Number(n)).toBeGreaterThan(0);
});
