/**
 * Subscriptions share the execution of each event: subscribers with the same selection receive
 * one response executed once, others their own; per-subscriber rules (visibility) still apply,
 * and leaving ends every stream.
 */
import { CreateAgentDocument, CreateSegmentDocument, UpsertUsersDocument } from '../generated/graphql';
import { sharedExecutionStats } from '../../src/graphql/shared-subscribe';
import { openSubscriptions } from '../../src/live/subscribers';
import { startTestServer, TestServer } from '../support/server';
import { connected, subscribe, wsClient } from '../support/ws';

let server: TestServer;
const clients: Array<ReturnType<typeof wsClient>> = [];

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  for (const cl of clients) await cl.dispose();
  await server.close();
});

const FULL = 'subscription($ids: [ID!]) { segmentCountChanged(segmentIds: $ids) { segmentId objectType count previousCount trigger at } }';
const SMALL = 'subscription($ids: [ID!]) { segmentCountChanged(segmentIds: $ids) { segmentId count } }';
type Msg = { segmentCountChanged: Record<string, unknown> };

async function client(token: string) {
  const cl = wsClient(server.wsUrl, token);
  clients.push(cl);
  return cl;
}

test('one execution per event and selection, the same response for all, visibility kept', async () => {
  const c = server.client;
  const hidden = (await c.ok(CreateAgentDocument, { input: { name: 'Hidden', email: 'hidden@shared.example' } })).createAgent;
  const seg = (await c.ok(CreateSegmentDocument, { input: { objectType: 'USER', name: 'Lima', filter: { attribute: { field: 'city', operator: 'EQ', value: 'Lima' } }, hiddenFromAgentIds: [hidden.agent.id] } })).createSegment;
  const baseline = openSubscriptions();

  const admins = await Promise.all(Array.from({ length: 4 }, () => client(server.token)));
  const ready = admins.map(connected);
  const full = admins.flatMap((cl) => [subscribe<Msg>(cl, FULL, { ids: [seg.id] }), subscribe<Msg>(cl, FULL, { ids: [seg.id] })]);
  const small = admins.slice(0, 3).map((cl) => subscribe<Msg>(cl, SMALL, { ids: [seg.id] }));
  const other = subscribe<Msg>(admins[3], FULL, { ids: [seg.id, '999999'] }); // other variables: its own execution
  const blind = await client(hidden.token);
  const blindReady = connected(blind);
  const unseen = subscribe<Msg>(blind, FULL, { ids: [seg.id] });
  await Promise.all([...ready, blindReady]);
  const deadline = Date.now() + 5_000;
  while (openSubscriptions() < baseline + 13) {
    if (Date.now() > deadline) throw new Error(`only ${openSubscriptions() - baseline} subscriptions open`);
    await new Promise((r) => setTimeout(r, 20));
  }

  const before = { ...sharedExecutionStats };
  await c.ok(UpsertUsersDocument, { input: [{ externalId: 'lima-1', city: 'Lima' }] });
  const fulls = await Promise.all(full.map((s) => s.next()));
  const smalls = await Promise.all(small.map((s) => s.next()));
  const others = await other.next();
  expect(fulls[0].segmentCountChanged).toMatchObject({ segmentId: seg.id, objectType: 'USER', count: 1, previousCount: 0, trigger: 'REALTIME' });
  for (const f of fulls) expect(f).toEqual(fulls[0]);
  for (const s of smalls) expect(s).toEqual({ segmentCountChanged: { segmentId: seg.id, count: 1 } });
  expect(others).toEqual(fulls[0]);
  // 12 subscribers of 3 selections (FULL with one set of variables, SMALL, FULL with another): 3 executions.
  expect(sharedExecutionStats.executions - before.executions).toBe(3);
  expect(sharedExecutionStats.reused - before.reused).toBe(9);

  // The agent the segment is hidden from got nothing.
  await new Promise((r) => setTimeout(r, 300));
  expect(unseen.queue).toEqual([]);
  expect(unseen.errors).toEqual([]);

  // Leaving ends every stream (the source listeners included).
  for (const s of [...full, ...small, other, unseen]) s.close();
  const gone = Date.now() + 5_000;
  while (openSubscriptions() > baseline) {
    if (Date.now() > gone) throw new Error(`${openSubscriptions() - baseline} subscriptions still open`);
    await new Promise((r) => setTimeout(r, 20));
  }
});
