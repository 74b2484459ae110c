/** Tags and static lists over HTTP. */
import { AddToListDocument, CreateListDocument, DeleteListDocument, GetObjectDocument, ListsDocument, RemoveFromListDocument, TagObjectsDocument, TagsDocument, UntagObjectsDocument, UpsertCompaniesDocument, UpsertUsersDocument } from '../generated/graphql';
import { startTestServer, TestServer } from '../support/server';

let server: TestServer;
let ids: string[];
beforeAll(async () => {
  server = await startTestServer();
  ids = (await server.client.ok(UpsertUsersDocument, { input: [{ externalId: 't1' }, { externalId: 't2' }, { externalId: 't3' }] })).upsertUsers.map((u) => u.id);
});
afterAll(async () => { await server.close(); });

test('tags are trimmed, deduplicated case-insensitively, listed per type and removable', async () => {
  const c = server.client;
  expect((await c.ok(TagObjectsDocument, { objectType: 'USER', ids: ids.slice(0, 2), tags: [' vip ', 'beta'] })).tagObjects).toBe(4);
  expect((await c.ok(TagObjectsDocument, { objectType: 'USER', ids: ids.slice(0, 2), tags: ['VIP'] })).tagObjects).toBe(0);
  expect((await c.ok(GetObjectDocument, { objectType: 'USER', id: ids[0] })).object?.tags).toEqual(['beta', 'vip']);
  const [co] = (await c.ok(UpsertCompaniesDocument, { input: [{ name: 'Tagged Co' }] })).upsertCompanies;
  await c.ok(TagObjectsDocument, { objectType: 'COMPANY', ids: [co.id], tags: ['partner'] });
  expect((await c.ok(TagsDocument, { objectType: 'USER' })).tags).toEqual(['beta', 'vip']);
  expect((await c.ok(TagsDocument, {})).tags).toEqual(['beta', 'partner', 'vip']);
  expect((await c.ok(UntagObjectsDocument, { objectType: 'USER', ids: [ids[0]], tags: ['vip'] })).untagObjects).toBe(1);
  expect((await c.ok(GetObjectDocument, { objectType: 'USER', id: ids[0] })).object?.tags).toEqual(['beta']);
});

test('tagging refuses unknown ids and empty tags, writing nothing', async () => {
  const c = server.client;
  const unknown = await c.error(TagObjectsDocument, { objectType: 'USER', ids: [ids[2], '424242'], tags: ['x'] });
  expect(unknown).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  expect(unknown.message).toContain('424242');
  expect((await c.error(TagObjectsDocument, { objectType: 'USER', ids: [ids[2]], tags: ['  '] })).message).toContain('tags.0');
  expect((await c.ok(GetObjectDocument, { objectType: 'USER', id: ids[2] })).object?.tags).toEqual([]);
});

test('static lists hold objects of their type, report their size and can be deleted', async () => {
  const c = server.client;
  const list = (await c.ok(CreateListDocument, { input: { objectType: 'USER', name: 'Newsletter', description: 'Imported' } })).createList;
  expect(list).toMatchObject({ objectType: 'USER', name: 'Newsletter', description: 'Imported', size: 0 });
  expect((await c.ok(AddToListDocument, { listId: list.id, ids })).addToList.size).toBe(3);
  expect((await c.ok(AddToListDocument, { listId: list.id, ids: [ids[0]] })).addToList.size).toBe(3);
  expect((await c.ok(RemoveFromListDocument, { listId: list.id, ids: [ids[1]] })).removeFromList.size).toBe(2);
  const unknown = await c.error(AddToListDocument, { listId: list.id, ids: [ids[2], '88888888'] });
  expect(unknown.extensions?.code).toBe('BAD_USER_INPUT');
  expect(unknown.message).toContain('88888888');
  expect((await c.ok(ListsDocument, { objectType: 'USER' })).lists).toEqual([{ id: list.id, name: 'Newsletter', objectType: 'USER', size: 2 }]);
  expect((await c.ok(ListsDocument, { objectType: 'COMPANY' })).lists).toEqual([]);
  expect((await c.ok(DeleteListDocument, { id: list.id })).deleteList).toBe(true);
  expect((await c.error(DeleteListDocument, { id: list.id })).extensions?.code).toBe('NOT_FOUND');
  expect((await c.ok(ListsDocument, {})).lists).toEqual([]);
});
