/** Live: subscriptions over graphql-ws, real-time re-evaluation of written objects, dependencies. */
import {
  AddToListDocument, CreateAgentDocument, CreateListDocument, CreateSegmentDocument, DeleteObjectsDocument, SegmentDetailDocument, SyncSegmentDocument,
  TagObjectsDocument, TrackEventsDocument, UpsertCompaniesDocument, UpsertUsersDocument,
} from '../generated/graphql';
import type { FilterInput } from '../generated/graphql';
import type { GqlClient } from '../support/client';
import { startTestServer, TestServer } from '../support/server';
import { subscribe, wsClient, connected } from '../support/ws';

let server: TestServer;
let c: GqlClient;
let token: string;
const clients: Array<ReturnType<typeof wsClient>> = [];

beforeAll(async () => {
  server = await startTestServer();
  ({ client: c, token } = await server.newWorkspace('Live'));
});
afterAll(async () => {
  for (const cl of clients) await cl.dispose();
  await server.close();
});

const COUNTS = 'subscription($t: ObjectType, $ids: [ID!]) { segmentCountChanged(objectType: $t, segmentIds: $ids) { segmentId objectType count previousCount trigger at } }';
const MEMBERS = 'subscription($id: ID!) { segmentMembershipChanged(segmentId: $id) { segmentId trigger enteredCount exitedCount enteredIds exitedIds at } }';
type CountMsg = { segmentCountChanged: { segmentId: string; objectType: string; count: number; previousCount: number; trigger: string } };
type MemberMsg = { segmentMembershipChanged: { segmentId: string; trigger: string; enteredCount: number; exitedCount: number; enteredIds: string[]; exitedIds: string[] } };

async function ws(tok: string) {
  const cl = wsClient(server.wsUrl, tok);
  clients.push(cl);
  const ready = connected(cl);
  return { cl, ready };
}

const users = async (inputs: Array<Record<string, unknown>>) => (await c.ok(UpsertUsersDocument, { input: inputs })).upsertUsers.map((u) => u.id);
const segment = async (name: string, filter: Record<string, unknown>, type: 'USER' | 'COMPANY' = 'USER') =>
  (await c.ok(CreateSegmentDocument, { input: { objectType: type, name, filter } })).createSegment;

test('counts and member changes arrive for syncs and for real-time writes of every kind', async () => {
  const { cl, ready } = await ws(token);
  const counts = subscribe<CountMsg>(cl, COUNTS);
  await ready;
  const [u1] = await users([{ externalId: 'rt-1', city: 'Oslo' }]);
  await server.live.realtime.idle(); // the write's own evaluation is over before the segment exists
  const seg = await segment('Oslo', { attribute: { field: 'city', operator: 'EQ', value: 'Oslo' } });
  expect((await counts.next()).segmentCountChanged).toMatchObject({ segmentId: seg.id, objectType: 'USER', count: 1, previousCount: 0, trigger: 'DEFINITION_CHANGED' });
  const members = subscribe<MemberMsg>(cl, MEMBERS, { id: seg.id });
  await new Promise((r) => setTimeout(r, 100));

  // An upsert: the written object is re-evaluated at once.
  const [u2] = await users([{ externalId: 'rt-2', city: 'oslo' }]);
  expect((await counts.next()).segmentCountChanged).toMatchObject({ segmentId: seg.id, count: 2, previousCount: 1, trigger: 'REALTIME' });
  expect((await members.next()).segmentMembershipChanged).toMatchObject({ trigger: 'REALTIME', enteredCount: 1, exitedCount: 0, enteredIds: [u2], exitedIds: [] });
  // An update that makes it leave.
  await users([{ externalId: 'rt-1', city: 'Bergen' }]);
  expect((await members.next()).segmentMembershipChanged).toMatchObject({ enteredIds: [], exitedIds: [u1] });
  expect((await counts.next()).segmentCountChanged.count).toBe(1);
  // A delete.
  await c.ok(DeleteObjectsDocument, { objectType: 'USER', ids: [u2] });
  expect((await members.next()).segmentMembershipChanged).toMatchObject({ exitedIds: [u2] });
  expect((await c.ok(SegmentDetailDocument, { id: seg.id, objectId: u2 })).segment).toMatchObject({ count: 0, isMember: false });
  expect((await counts.next()).segmentCountChanged.count).toBe(0);

  // Events, tags and static lists.
  const [u3] = await users([{ externalId: 'rt-3' }]);
  await server.live.realtime.idle();
  const buyers = await segment('Buyers', { event: { name: 'order_completed', operator: 'GTE', value: 2 } });
  const vips = await segment('VIPs', { tag: { tag: 'vip' } });
  const list = (await c.ok(CreateListDocument, { input: { objectType: 'USER', name: 'Webinar' } })).createList;
  const listed = await segment('Listed', { list: { listId: list.id } });
  while (counts.queue.length) counts.queue.shift();
  await c.ok(TrackEventsDocument, { input: [{ userId: u3, name: 'order_completed' }, { userId: u3, name: 'order_completed' }] });
  expect((await counts.next()).segmentCountChanged).toMatchObject({ segmentId: buyers.id, count: 1, trigger: 'REALTIME' });
  await c.ok(TagObjectsDocument, { objectType: 'USER', ids: [u3], tags: ['VIP'] });
  expect((await counts.next()).segmentCountChanged).toMatchObject({ segmentId: vips.id, count: 1 });
  await c.ok(AddToListDocument, { listId: list.id, ids: [u3] });
  expect((await counts.next()).segmentCountChanged).toMatchObject({ segmentId: listed.id, count: 1 });

  // A manual sync with nothing to change publishes nothing; the runs show what real time did.
  expect((await c.ok(SyncSegmentDocument, { id: seg.id })).syncSegment).toMatchObject({ entered: 0, exited: 0 });
  const runs = (await c.ok(SegmentDetailDocument, { id: seg.id, objectId: u1 })).segment!.syncRuns.map((r) => r.trigger);
  expect(runs).toEqual(expect.arrayContaining(['MANUAL', 'REALTIME', 'DEFINITION_CHANGED']));
  await new Promise((r) => setTimeout(r, 300));
  expect(counts.queue).toEqual([]);
  counts.close();
  members.close();
});

test("a related object's change re-evaluates the objects whose filter reads it; dependent segments follow", async () => {
  const { cl, ready } = await ws(token);
  const counts = subscribe<CountMsg>(cl, COUNTS);
  await ready;
  const [co] = (await c.ok(UpsertCompaniesDocument, { input: [{ externalId: 'co-rt', name: 'Acme', industry: 'Retail' }] })).upsertCompanies;
  const ids = await users([{ externalId: 'emp-1', companyId: co.id }, { externalId: 'emp-2', companyId: co.id, marketingConsent: true }]);
  await server.live.realtime.idle(); // so that the segments below see no real-time change of these writes
  const software = await segment('Software people', { related: { relation: 'company', filter: { attribute: { field: 'industry', operator: 'EQ', value: 'Software' } } } });
  const withConsent = await segment('Software people with consent', { and: [{ segment: { segmentId: software.id } }, { attribute: { field: 'marketingConsent', operator: 'IS_TRUE' } }] });
  const companies = await segment('Companies with consenting users', { related: { relation: 'users', filter: { attribute: { field: 'marketingConsent', operator: 'IS_TRUE' } } } }, 'COMPANY');
  expect([software.count, withConsent.count, companies.count]).toEqual([0, 0, 1]);
  // The creations' own count changes are published after their mutations return: skip those.
  const changes = async (n: number) => {
    const out = [];
    while (out.length < n) {
      const m = (await counts.next()).segmentCountChanged;
      if (m.trigger !== 'DEFINITION_CHANGED') out.push(m);
    }
    return out;
  };

  await c.ok(UpsertCompaniesDocument, { input: [{ id: co.id, industry: 'Software' }] });
  const got = await changes(2);
  expect(got).toEqual(expect.arrayContaining([
    expect.objectContaining({ segmentId: software.id, count: 2, trigger: 'REALTIME' }),
    expect.objectContaining({ segmentId: withConsent.id, count: 1, trigger: 'DEPENDENCY' }),
  ]));
  await users([{ externalId: 'emp-2', marketingConsent: false }]);
  const next = await changes(2);
  expect(next).toEqual(expect.arrayContaining([
    expect.objectContaining({ segmentId: companies.id, objectType: 'COMPANY', count: 0 }),
    expect.objectContaining({ segmentId: withConsent.id, count: 0 }),
  ]));
  expect(ids).toHaveLength(2);
  counts.close();
});

test('nothing arrives for hidden segments or other workspaces; bad tokens are refused; hidden segments cannot be subscribed to', async () => {
  const made = (await c.ok(CreateAgentDocument, { input: { name: 'Hidden', email: 'hidden@live.example' } })).createAgent;
  const other = await server.newWorkspace('Elsewhere');
  const secret = (await c.ok(CreateSegmentDocument, { input: { objectType: 'USER', name: 'Secret', filter: { attribute: { field: 'city', operator: 'EQ', value: 'Lima' } }, hiddenFromAgentIds: [made.agent.id] } })).createSegment;
  const open = await segment('Open', { attribute: { field: 'city', operator: 'EQ', value: 'Quito' } });
  const hiddenWs = await ws(made.token);
  const hiddenCounts = subscribe<CountMsg>(hiddenWs.cl, COUNTS);
  const hiddenMembers = subscribe<MemberMsg>(hiddenWs.cl, MEMBERS, { id: secret.id });
  const otherWs = await ws(other.token);
  const otherCounts = subscribe<CountMsg>(otherWs.cl, COUNTS);
  await Promise.all([hiddenWs.ready, otherWs.ready]);
  await new Promise((r) => setTimeout(r, 100));

  await users([{ externalId: 'lima', city: 'Lima' }]);
  await users([{ externalId: 'quito', city: 'Quito' }]);
  // The visible change (made second) arrives, and is the first thing to arrive: the hidden one never came.
  expect((await hiddenCounts.next()).segmentCountChanged.segmentId).toBe(open.id);
  expect(hiddenCounts.queue).toEqual([]);
  expect(hiddenMembers.queue).toEqual([]);
  expect(JSON.stringify(hiddenMembers.errors)).toMatch(/no segment with id/);
  await new Promise((r) => setTimeout(r, 300));
  expect(otherCounts.queue).toEqual([]);

  const refused = await new Promise<number>((resolve) => {
    const bad = wsClient(server.wsUrl, 'seg_nope');
    bad.on('closed', (e) => resolve((e as { code: number }).code));
    bad.subscribe({ query: COUNTS }, { next: () => undefined, error: () => undefined, complete: () => undefined });
  });
  expect(refused).toBe(4403);
});

test('a burst of 10,000 events for 1,000 users re-evaluates each user once per segment', async () => {
  const { client: b } = await server.newWorkspace('Burst');
  const ids = (await b.ok(UpsertUsersDocument, { input: Array.from({ length: 1000 }, (_, i) => ({ externalId: `b${i}` })) })).upsertUsers.map((u) => u.id);
  const seg = (await b.ok(CreateSegmentDocument, { input: { objectType: 'USER', name: 'Active', filter: { event: { name: 'visit', operator: 'GTE', value: 10 } } } })).createSegment;
  expect(seg.count).toBe(0);
  await server.live.realtime.idle();
  const before = { ...server.live.realtime.stats };
  await b.ok(TrackEventsDocument, { input: Array.from({ length: 10_000 }, (_, i) => ({ userId: ids[i % 1000], name: 'visit' })) });
  await server.live.realtime.idle();
  expect(server.live.realtime.stats.objectsEvaluated - before.objectsEvaluated).toBe(1000);
  expect((await b.ok(SegmentDetailDocument, { id: seg.id, objectId: ids[0] })).segment).toMatchObject({ count: 1000, isMember: true });
});

test('after random writes, the cached results equal what a full sync produces', async () => {
  const { client: r } = await server.newWorkspace('Random');
  const cities = ['Oslo', 'Rome', 'Lima', null];
  const segs = [];
  const defs: Array<[string, FilterInput]> = [
    ['city', { attribute: { field: 'city', operator: 'IN', value: ['Oslo', 'Lima'] } }],
    ['not rome', { not: { attribute: { field: 'city', operator: 'EQ', value: 'Rome' } } }],
    ['buyers', { and: [{ event: { name: 'buy', operator: 'GTE', value: 2 } }, { tag: { tag: 'vip', has: false } }] }],
    ['company', { related: { relation: 'company', filter: { attribute: { field: 'employees', operator: 'GT', value: 10 } } } }],
  ];
  for (const [name, filter] of defs) {
    segs.push((await r.ok(CreateSegmentDocument, { input: { objectType: 'USER', name, filter } })).createSegment);
  }
  const cos = (await r.ok(UpsertCompaniesDocument, { input: [{ externalId: 'c1', name: 'A', employees: 5 }, { externalId: 'c2', name: 'B', employees: 50 }] })).upsertCompanies;
  let seed = 7;
  const rand = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
  const ids = (await r.ok(UpsertUsersDocument, { input: Array.from({ length: 40 }, (_, i) => ({ externalId: `r${i}`, city: cities[rand(4)] })) })).upsertUsers.map((u) => u.id);
  for (let step = 0; step < 60; step++) {
    const id = ids[rand(ids.length)];
    switch (rand(5)) {
      case 0: await r.ok(UpsertUsersDocument, { input: [{ id, city: cities[rand(4)], companyId: rand(2) ? cos[rand(2)].id : null }] }); break;
      case 1: await r.ok(TrackEventsDocument, { input: [{ userId: id, name: 'buy' }] }); break;
      case 2: await r.ok(TagObjectsDocument, { objectType: 'USER', ids: [id], tags: ['vip'] }); break;
      case 3: await r.ok(UpsertCompaniesDocument, { input: [{ id: cos[rand(2)].id, employees: rand(2) ? 5 : 50 }] }); break;
      default: await r.ok(UpsertUsersDocument, { input: [{ externalId: `new${step}`, city: cities[rand(4)], companyId: cos[rand(2)].id }] });
    }
  }
  await server.live.realtime.idle();
  for (const s of segs) {
    const run = (await r.ok(SyncSegmentDocument, { id: s.id })).syncSegment;
    expect({ segment: s.name, entered: run.entered, exited: run.exited }).toEqual({ segment: s.name, entered: 0, exited: 0 });
  }
});
