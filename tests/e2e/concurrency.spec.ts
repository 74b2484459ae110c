/** Concurrent writers of the same keys: no lost update, no deadlock surfaces, 4-byte UTF-8 everywhere. */
import { GetObjectDocument, ListObjectsDocument, PreviewSegmentDocument, TagObjectsDocument, TagsDocument, UpsertUsersDocument } from '../generated/graphql';
import { startTestServer, TestServer } from '../support/server';

let server: TestServer;
beforeAll(async () => { server = await startTestServer(); });
afterAll(async () => { await server.close(); });

test('50 concurrent upserts of the same keys lose no update and surface no deadlock', async () => {
  const { client } = await server.newWorkspace('Concurrent');
  const keys = Array.from({ length: 10 }, (_, i) => `same-${i}`);
  // Each writer sets its own attribute on every one of the same ten users (in a different order).
  const results = await Promise.all(Array.from({ length: 50 }, (_, w) =>
    client.request(UpsertUsersDocument, { input: (w % 2 ? [...keys].reverse() : keys).map((externalId) => ({ externalId, attributes: { [`w${w}`]: w } })) })));
  expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
  const page = (await client.ok(ListObjectsDocument, { objectType: 'USER', first: 100 })).objects;
  expect(page.totalCount).toBe(10);
  for (const edge of page.edges) {
    const user = (await client.ok(GetObjectDocument, { objectType: 'USER', id: edge.node.id })).object!;
    expect(Object.keys(user.attributes as object).sort()).toEqual(Array.from({ length: 50 }, (_, w) => `w${w}`).sort());
  }
});

test('4-byte UTF-8 round-trips in text fields, attributes, tags and filter values', async () => {
  const { client } = await server.newWorkspace('Emoji');
  const [u] = (await client.ok(UpsertUsersDocument, {
    input: [{ externalId: 'ext-🦄', email: '🦄@example.com', firstName: 'Zoë 😀', lastName: '𝔘𝔫𝔦', city: 'Tromsø 🏔️', country: '🇳🇴', phone: '☎️', attributes: { motto: '🚀🚀', nick: '👩‍💻' } }],
  })).upsertUsers;
  expect(u).toMatchObject({ externalId: 'ext-🦄', email: '🦄@example.com', firstName: 'Zoë 😀', city: 'Tromsø 🏔️', country: '🇳🇴', attributes: { motto: '🚀🚀', nick: '👩‍💻' } });
  await client.ok(TagObjectsDocument, { objectType: 'USER', ids: [u.id], tags: ['⭐ star'] });
  expect((await client.ok(TagsDocument, {})).tags).toEqual(['⭐ star']);
  for (const filter of [
    { attribute: { field: 'firstName', operator: 'CONTAINS' as const, value: '😀' } },
    { attribute: { field: 'attributes.motto', operator: 'EQ' as const, value: '🚀🚀' } },
    { tag: { tag: '⭐ star' } },
    { attribute: { field: 'externalId', operator: 'EQ' as const, value: 'ext-🦄' } },
  ]) {
    expect({ filter, count: (await client.ok(PreviewSegmentDocument, { objectType: 'USER', filter })).previewSegment.count }).toEqual({ filter, count: 1 });
  }
});
