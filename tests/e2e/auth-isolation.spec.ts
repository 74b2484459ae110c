/** Authentication over HTTP and WebSocket, roles, and isolation between workspaces. */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import {
  AddToListDocument, AgentsDocument, CreateAgentDocument, CreateListDocument, DeleteListDocument, DeleteObjectsDocument, GetObjectDocument, ListObjectsDocument,
  ListsDocument, MeDocument, PreviewSegmentDocument, TagObjectsDocument, TagsDocument, TrackEventsDocument, UpsertDealsDocument, UpsertUsersDocument,
} from '../generated/graphql';
import { GqlClient } from '../support/client';
import { startTestServer, TestServer } from '../support/server';

let server: TestServer;
beforeAll(async () => { server = await startTestServer(); });
afterAll(async () => { await server.close(); });

describe('authentication', () => {
  test('no token, a malformed header or an unknown token is UNAUTHENTICATED', async () => {
    for (const client of [server.client.withToken(undefined), server.client.withToken('seg_not-a-real-token')]) {
      const err = await client.error(MeDocument, {});
      expect(err.extensions?.code).toBe('UNAUTHENTICATED');
    }
    const res = await server.client.withToken(undefined).request(MeDocument, {}, { authorization: `Basic ${server.token}` });
    expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const mutation = await server.client.withToken(undefined).error(UpsertUsersDocument, { input: [{ externalId: 'anon' }] });
    expect(mutation.extensions?.code).toBe('UNAUTHENTICATED');
    const [{ n }] = await server.db.dataSource.query("SELECT COUNT(*) AS n FROM users WHERE external_id = 'anon'");
    expect(Number(n)).toBe(0);
  });

  test('tokens are stored only as hashes', async () => {
    const rows = await server.db.dataSource.query('SELECT token_hash FROM agents');
    for (const r of rows) expect(r.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(server.token);
  });

  test('ADMIN creates agents; an AGENT may not', async () => {
    const created = (await server.client.ok(CreateAgentDocument, { input: { name: 'Sam', email: 'sam@example.com' } })).createAgent;
    expect(created.agent).toMatchObject({ name: 'Sam', email: 'sam@example.com', role: 'AGENT' });
    expect(created.token.length).toBeGreaterThan(30);
    const sam = server.client.withToken(created.token);
    expect((await sam.ok(MeDocument, {})).me).toMatchObject({ id: created.agent.id, role: 'AGENT' });
    const denied = await sam.error(CreateAgentDocument, { input: { name: 'Eve', email: 'eve@example.com' } });
    expect(denied.extensions?.code).toBe('FORBIDDEN');
    expect((await sam.ok(AgentsDocument, {})).agents.map((a) => a.email)).toContain('sam@example.com');
    const dup = await server.client.error(CreateAgentDocument, { input: { name: 'Sam 2', email: 'sam@example.com' } });
    expect(dup.extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('graphql-ws refuses a connection without a valid token (4403) and accepts a valid one', async () => {
    const closeCode = (params: Record<string, unknown>) =>
      new Promise<number>((resolve) => {
        const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, connectionParams: params, retryAttempts: 0, lazy: false, onNonLazyError: () => undefined, on: { closed: (e) => resolve((e as { code: number }).code) } });
        client.subscribe({ query: '{ __typename }' }, { next: () => undefined, error: () => undefined, complete: () => undefined });
      });
    expect(await closeCode({})).toBe(4403);
    expect(await closeCode({ Authorization: 'Bearer seg_wrong' })).toBe(4403);
    const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${server.token}` }, retryAttempts: 0 });
    const result = await new Promise((resolve, reject) => {
      client.subscribe({ query: '{ me { role } }' }, { next: resolve, error: reject, complete: () => undefined });
    });
    expect(result).toEqual({ data: { me: { role: 'ADMIN' } } });
    await client.dispose();
  });
});

describe('workspace isolation', () => {
  let a: GqlClient;
  let b: GqlClient;
  let aUser: string;
  let aList: string;
  beforeAll(async () => {
    a = (await server.newWorkspace('A')).client;
    b = (await server.newWorkspace('B')).client;
    [{ id: aUser }] = (await a.ok(UpsertUsersDocument, { input: [{ externalId: 'shared-ext', email: 'a@a.example' }] })).upsertUsers;
    await a.ok(TagObjectsDocument, { objectType: 'USER', ids: [aUser], tags: ['a-only'] });
    aList = (await a.ok(CreateListDocument, { input: { objectType: 'USER', name: 'A list' } })).createList.id;
  });

  /** The message B gets for A's id equals the one for an id that exists nowhere. */
  const sameAsMissing = async (run: (id: string) => Promise<{ message: string; extensions?: { code?: string } }>, id: string) => {
    const forA = await run(id);
    const forNone = await run('123456789012');
    expect(forA.extensions?.code).toBe(forNone.extensions?.code);
    expect(forA.message.replace(id, 'ID')).toBe(forNone.message.replace('123456789012', 'ID'));
  };

  test('reads see nothing of another workspace', async () => {
    expect((await b.ok(GetObjectDocument, { objectType: 'USER', id: aUser })).object).toBeNull();
    expect((await b.ok(ListObjectsDocument, { objectType: 'USER' })).objects.totalCount).toBe(0);
    expect((await b.ok(TagsDocument, {})).tags).toEqual([]);
    expect((await b.ok(ListsDocument, {})).lists).toEqual([]);
    expect((await b.ok(PreviewSegmentDocument, { objectType: 'USER', filter: { tag: { tag: 'a-only' } } })).previewSegment.count).toBe(0);
  });

  test("writes cannot touch another workspace's objects and learn nothing of them", async () => {
    await sameAsMissing((id) => b.error(UpsertUsersDocument, { input: [{ id, email: 'b@b.example' }] }), aUser);
    await sameAsMissing((id) => b.error(TagObjectsDocument, { objectType: 'USER', ids: [id], tags: ['x'] }), aUser);
    await sameAsMissing((id) => b.error(TrackEventsDocument, { input: [{ userId: id, name: 'x' }] }), aUser);
    await sameAsMissing((id) => b.error(UpsertDealsDocument, { input: [{ name: 'd', userId: id }] }), aUser);
    await sameAsMissing((id) => b.error(AddToListDocument, { listId: id, ids: ['1'] }), aList);
    await sameAsMissing((id) => b.error(DeleteListDocument, { id }), aList);
    await sameAsMissing((id) => b.error(PreviewSegmentDocument, { objectType: 'USER', filter: { list: { listId: id } } }), aList);
    expect((await b.ok(DeleteObjectsDocument, { objectType: 'USER', ids: [aUser] })).deleteObjects).toBe(0);
    // The same externalId in B is another object.
    const [bUser] = (await b.ok(UpsertUsersDocument, { input: [{ externalId: 'shared-ext', email: 'b@b.example' }] })).upsertUsers;
    expect(bUser.id).not.toBe(aUser);
    const stillA = (await a.ok(GetObjectDocument, { objectType: 'USER', id: aUser })).object;
    expect(stillA).toMatchObject({ externalId: 'shared-ext', email: 'a@a.example', tags: ['a-only'] });
    expect((await a.ok(ListsDocument, {})).lists).toHaveLength(1);
  });
});
