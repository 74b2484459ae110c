/** trackEvents over HTTP: idempotency, user creation by externalId, atomicity, limits. */
import { TrackEventsDocument, UpsertProductsDocument, UpsertUsersDocument } from '../generated/graphql';
import { startTestServer, TestServer } from '../support/server';

let server: TestServer;
beforeAll(async () => { server = await startTestServer(); });
afterAll(async () => { await server.close(); });

const q = (sql: string, params: unknown[] = []) => server.db.dataSource.query(sql, params);

test('stores events with properties and a default occurredAt of now', async () => {
  const c = server.client;
  const [u] = (await c.ok(UpsertUsersDocument, { input: [{ externalId: 'ev-user' }] })).upsertUsers;
  const [p] = (await c.ok(UpsertProductsDocument, { input: [{ externalId: 'ev-prod', name: 'Hat' }] })).upsertProducts;
  const before = Date.now();
  const res = await c.ok(TrackEventsDocument, {
    input: [
      { userId: u.id, name: 'order_completed', properties: { total: 120.5, items: ['a'] }, productExternalId: 'ev-prod' },
      { userExternalId: 'ev-user', name: 'page_view', occurredAt: '2026-01-02T03:04:05.678Z' },
    ],
  });
  expect(res.trackEvents).toEqual({ accepted: 2, duplicates: 0 });
  const rows = await q('SELECT user_id, product_id, name, occurred_at, properties FROM events WHERE user_id = ? ORDER BY id', [u.id]);
  expect(rows).toHaveLength(2);
  expect(String(rows[0].product_id)).toBe(p.id);
  expect(typeof rows[0].properties === 'string' ? JSON.parse(rows[0].properties) : rows[0].properties).toEqual({ total: 120.5, items: ['a'] });
  expect(rows[0].occurred_at.getTime()).toBeGreaterThanOrEqual(before - 5);
  expect(rows[1].occurred_at.toISOString()).toBe('2026-01-02T03:04:05.678Z');
});

test('a messageId is stored once, across calls and within one call', async () => {
  const c = server.client;
  const ev = { userExternalId: 'idem-user', name: 'signup', messageId: 'msg-1' };
  expect((await c.ok(TrackEventsDocument, { input: [ev] })).trackEvents).toEqual({ accepted: 1, duplicates: 0 });
  expect((await c.ok(TrackEventsDocument, { input: [ev, { ...ev, messageId: 'msg-2' }, { ...ev, messageId: 'msg-2' }] })).trackEvents).toEqual({ accepted: 1, duplicates: 2 });
  const [{ n }] = await q("SELECT COUNT(*) AS n FROM events WHERE message_id IN ('msg-1','msg-2')");
  expect(Number(n)).toBe(2);
});

test('an unknown userExternalId creates the user; an unknown userId or product is refused and nothing is written', async () => {
  const c = server.client;
  await c.ok(TrackEventsDocument, { input: [{ userExternalId: 'brand-new', name: 'visit' }] });
  const [{ n: users }] = await q("SELECT COUNT(*) AS n FROM users WHERE external_id = 'brand-new'");
  expect(Number(users)).toBe(1);

  const [{ n: eventsBefore }] = await q('SELECT COUNT(*) AS n FROM events');
  const [{ n: usersBefore }] = await q('SELECT COUNT(*) AS n FROM users');
  const badUser = await c.error(TrackEventsDocument, { input: [{ userExternalId: 'would-be-created', name: 'a' }, { userId: '99999999', name: 'b' }] });
  expect(badUser.extensions?.code).toBe('BAD_USER_INPUT');
  expect(badUser.message).toContain('input.1.userId');
  const badProduct = await c.error(TrackEventsDocument, { input: [{ userExternalId: 'would-be-created', name: 'a', productExternalId: 'nope' }] });
  expect(badProduct.message).toContain('input.0.productExternalId');
  const noUser = await c.error(TrackEventsDocument, { input: [{ name: 'orphan' }] });
  expect(noUser.message).toContain('input.0.userId');
  const badProps = await c.error(TrackEventsDocument, { input: [{ userExternalId: 'x', name: 'a', properties: [1, 2] }] });
  expect(badProps.message).toContain('input.0.properties');
  const [{ n: eventsAfter }] = await q('SELECT COUNT(*) AS n FROM events');
  const [{ n: usersAfter }] = await q('SELECT COUNT(*) AS n FROM users');
  expect(Number(eventsAfter)).toBe(Number(eventsBefore));
  expect(Number(usersAfter)).toBe(Number(usersBefore));
});

test('takes 10,000 events in one call and refuses 10,001', async () => {
  const c = server.client;
  const input = Array.from({ length: 10_000 }, (_, i) => ({ userExternalId: `bulk-${i % 250}`, name: 'page_view', messageId: `bulk-${i}` }));
  expect((await c.ok(TrackEventsDocument, { input })).trackEvents).toEqual({ accepted: 10_000, duplicates: 0 });
  const err = await c.error(TrackEventsDocument, { input: [...input, { userExternalId: 'x', name: 'y' }] });
  expect(err.message).toMatch(/at most 10000/);
});
