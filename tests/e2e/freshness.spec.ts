/**
 * Freshness (issue 8): results that time alone changes flip on time, with no write, through the
 * real job runner's time sweep, and reach graphql-ws subscribers with trigger TIME.
 *
 * Windows are fractional days: `lastDays: 0.0001` is 8.64 s. Each moment a result must flip at is
 * computed here from the data the test wrote; the change must not arrive before it, and must
 * arrive within the 60 s of it (in practice the sweep period plus the job poll).
 */
import { CreateSegmentDocument, PreviewSegmentChangeDocument, TrackEventsDocument, UpsertCompaniesDocument, UpsertUsersDocument } from '../generated/graphql';
import type { FilterInput } from '../generated/graphql';
import fc from 'fast-check';
import type { GqlClient } from '../support/client';
import { startTestServer, TestServer } from '../support/server';
import { connected, subscribe, wsClient } from '../support/ws';
import { createLogger } from '../../src/logger';
import { JobRunner, startJobRunner } from '../../src/jobs/job-runner';

jest.setTimeout(120_000);

const DAY_MS = 86_400_000;
const DAYS = 0.0001; // 8.64 s
const WINDOW_MS = DAYS * DAY_MS;

let server: TestServer;
let c: GqlClient;
let token: string;
let jobs: JobRunner;
const clients: Array<ReturnType<typeof wsClient>> = [];

beforeAll(async () => {
  server = await startTestServer();
  ({ client: c, token } = await server.newWorkspace('Freshness'));
  jobs = await startJobRunner({
    databaseUrl: server.db.url, services: server.services, logger: createLogger('silent'), process: true,
    processEveryMs: 200, lockLifetimeMs: 10_000, timeSweepMs: 300,
  });
  server.services.segments.useScheduler(jobs.scheduler);
});
afterAll(async () => {
  for (const cl of clients) await cl.dispose();
  await jobs?.stop();
  await server?.close();
});

const MEMBERS = 'subscription($id: ID!) { segmentMembershipChanged(segmentId: $id) { segmentId trigger enteredIds exitedIds at } }';
type MemberMsg = { segmentMembershipChanged: { segmentId: string; trigger: string; enteredIds: string[]; exitedIds: string[]; at: string } };
type Received = MemberMsg['segmentMembershipChanged'] & { receivedAt: number };

const segment = async (name: string, filter: Record<string, unknown>, objectType: 'USER' | 'COMPANY' = 'USER') =>
  (await c.ok(CreateSegmentDocument, { input: { objectType, name, filter } })).createSegment;

/** Subscribes to a segment's member changes, stamping each with its arrival time. */
async function watch(segmentId: string) {
  const cl = wsClient(server.wsUrl, token);
  clients.push(cl);
  const ready = connected(cl);
  const sub = subscribe<MemberMsg>(cl, MEMBERS, { id: segmentId });
  await ready;
  await new Promise((r) => setTimeout(r, 150)); // the subscribe message is processed
  return {
    async next(ms: number): Promise<Received> {
      const msg = await sub.next(ms);
      return { ...msg.segmentMembershipChanged, receivedAt: Date.now() };
    },
    queue: sub.queue,
  };
}

test('objects enter and leave on time with no write, and subscribers get trigger TIME', async () => {
  const visited = await segment('Visited lately', { event: { name: 'visit', window: { lastDays: DAYS } } });
  const away = await segment('Away', { attribute: { field: 'lastSeenAt', operator: 'MORE_THAN_DAYS_AGO', value: DAYS } });
  const fresh = await segment('Seen lately', { attribute: { field: 'lastSeenAt', operator: 'WITHIN_LAST_DAYS', value: DAYS } });
  const companies = await segment('Companies with a visitor', {
    related: { relation: 'users', filter: { event: { name: 'visit', window: { lastDays: DAYS } } } },
  }, 'COMPANY');
  const [visitedW, awayW, freshW, companiesW] = await Promise.all([visited, away, fresh, companies].map((s) => watch(s.id)));

  const [company] = (await c.ok(UpsertCompaniesDocument, { input: [{ externalId: 'fr-co', name: 'Fresh Co' }] })).upsertCompanies.map((x) => x.id);
  const seenAt = Date.now();
  // u1 is seen now; u2 will be seen in 4 s (a future date enters WITHIN_LAST_DAYS when it comes).
  const [u1, u2] = (await c.ok(UpsertUsersDocument, {
    input: [
      { externalId: 'fr-1', lastSeenAt: new Date(seenAt).toISOString(), companyId: company },
      { externalId: 'fr-2', lastSeenAt: new Date(seenAt + 4_000).toISOString() },
    ],
  })).upsertUsers.map((u) => u.id);
  const visitAt = Date.now() - 1_000;
  await c.ok(TrackEventsDocument, { input: [{ userId: u1, name: 'visit', occurredAt: new Date(visitAt).toISOString() }] });

  // The writes themselves: real time.
  expect(await freshW.next(10_000)).toMatchObject({ trigger: 'REALTIME', enteredIds: [u1] });
  expect(await visitedW.next(10_000)).toMatchObject({ trigger: 'REALTIME', enteredIds: [u1] });
  expect(await companiesW.next(10_000)).toMatchObject({ trigger: 'REALTIME', enteredIds: [company] });

  // Then time alone: u2's future lastSeenAt arrives (enters "seen lately" at seenAt + 4 s) ...
  const u2Enters = await freshW.next(70_000);
  expect(u2Enters).toMatchObject({ trigger: 'TIME', enteredIds: [u2], exitedIds: [] });
  expectOnTime(u2Enters, seenAt + 4_000);

  // ... the visit leaves its window: u1 leaves "visited", and its company the company segment ...
  const visitGone = visitAt + Math.floor(WINDOW_MS) + 1;
  const left = await visitedW.next(70_000);
  expect(left).toMatchObject({ trigger: 'TIME', enteredIds: [], exitedIds: [u1] });
  expectOnTime(left, visitGone);
  const companyLeft = await companiesW.next(70_000);
  expect(companyLeft).toMatchObject({ trigger: 'TIME', exitedIds: [company] });
  expectOnTime(companyLeft, visitGone);

  // ... u1 is away once lastSeenAt is more than the window ago (and leaves "seen lately"), u2 4 s later.
  const u1Gone = seenAt + Math.floor(WINDOW_MS) + 1;
  const u1Away = await awayW.next(70_000);
  expect(u1Away).toMatchObject({ trigger: 'TIME', enteredIds: [u1] });
  expectOnTime(u1Away, u1Gone);
  const u1Stale = await freshW.next(70_000);
  expect(u1Stale).toMatchObject({ trigger: 'TIME', exitedIds: [u1] });
  expectOnTime(u1Stale, u1Gone);
  const u2Away = await awayW.next(70_000);
  expect(u2Away).toMatchObject({ trigger: 'TIME', enteredIds: [u2] });
  expectOnTime(u2Away, u1Gone + 4_000);
  const u2Stale = await freshW.next(70_000);
  expect(u2Stale).toMatchObject({ trigger: 'TIME', exitedIds: [u2] });
  expectOnTime(u2Stale, u1Gone + 4_000);

  // The history says TIME too, and nothing else is pending for these objects.
  const history = (await server.db.dataSource.query(
    "SELECT segment_id, object_id, change_kind FROM segment_membership_history WHERE trigger_kind = 'TIME' ORDER BY id",
  )) as Array<{ segment_id: string; object_id: string; change_kind: string }>;
  expect(history.map((h) => `${h.segment_id}:${h.object_id}:${h.change_kind}`).sort()).toEqual([
    `${fresh.id}:${u2}:ENTERED`, `${visited.id}:${u1}:EXITED`, `${companies.id}:${company}:EXITED`,
    `${away.id}:${u1}:ENTERED`, `${fresh.id}:${u1}:EXITED`, `${away.id}:${u2}:ENTERED`, `${fresh.id}:${u2}:EXITED`,
  ].sort());
  const counts = await Promise.all([visited, away, fresh, companies].map(async (s) => ((await server.db.dataSource.query('SELECT member_count AS n FROM segments WHERE id = ?', [s.id])) as Array<{ n: number }>)[0].n));
  expect(counts).toEqual([0, 2, 0, 0]);
  // Nothing else arrived: each change was published once.
  expect([visitedW, awayW, freshW, companiesW].map((w) => w.queue.length)).toEqual([0, 0, 0, 0]);
});

/** The change arrived after the moment it was due (never before) and within 60 s of it. */
function expectOnTime(change: Received, dueAt: number): void {
  expect(new Date(change.at).getTime()).toBeGreaterThanOrEqual(dueAt);
  expect(change.receivedAt - dueAt).toBeLessThan(60_000);
}

test('after random writes and waits, the cached results equal what a full sync at that moment finds', async () => {
  const ws = await server.newWorkspace('Freshness random');
  const cw = ws.client;
  const make = async (name: string, filter: Record<string, unknown>, objectType: 'USER' | 'COMPANY' = 'USER') =>
    ({ ...(await cw.ok(CreateSegmentDocument, { input: { objectType, name, filter } })).createSegment, filter: filter as FilterInput });
  const viewedTwice = await make('Viewed twice lately', { event: { name: 'view', window: { lastDays: DAYS }, operator: 'GTE', value: 2 } });
  const defs = [
    viewedTwice,
    await make('Not seen lately', { not: { attribute: { field: 'lastSeenAt', operator: 'WITHIN_LAST_DAYS', value: DAYS } } }),
    await make('Bought lately or old', { or: [
      { event: { name: 'buy', aggregate: 'LAST_OCCURRED_AT', operator: 'WITHIN_LAST_DAYS', value: DAYS } },
      { attribute: { field: 'createdAt', operator: 'MORE_THAN_DAYS_AGO', value: DAYS / 2 } },
    ] }),
    await make('No viewer lately', { related: { relation: 'users', quantifier: 'NONE', filter: { event: { name: 'view', window: { lastDays: DAYS / 2 } } } } }, 'COMPANY'),
    await make('Viewed twice, seen long ago', { and: [
      { segment: { segmentId: viewedTwice.id } },
      { attribute: { field: 'lastSeenAt', operator: 'MORE_THAN_DAYS_AGO', value: DAYS / 3 } },
    ] }),
  ];
  const companies = (await cw.ok(UpsertCompaniesDocument, { input: [1, 2, 3].map((i) => ({ externalId: `rc-${i}`, name: `Company ${i}` })) })).upsertCompanies.map((x) => x.id);
  type Write = { kind: 'user'; user: number; seenOffsetMs: number; company: number } | { kind: 'event'; user: number; name: 'view' | 'buy'; agoMs: number };
  const writeArb: fc.Arbitrary<Write> = fc.oneof(
    fc.record({ kind: fc.constant('user' as const), user: fc.integer({ min: 1, max: 12 }), seenOffsetMs: fc.integer({ min: -9_000, max: 3_000 }), company: fc.integer({ min: 0, max: 3 }) }),
    fc.record({ kind: fc.constant('event' as const), user: fc.integer({ min: 1, max: 12 }), name: fc.constantFrom('view' as const, 'buy' as const), agoMs: fc.integer({ min: 0, max: 8_000 }) }),
  );
  const seed = Number(process.env.FRESHNESS_SEED ?? Date.now() % 100_000);
  const writes = fc.sample(fc.array(writeArb, { minLength: 40, maxLength: 40 }), { numRuns: 1, seed })[0];
  const ids = new Map<number, string>();
  for (const [i, w] of writes.entries()) {
    const now = Date.now();
    if (w.kind === 'user' || !ids.has(w.user)) {
      const seenOffsetMs = w.kind === 'user' ? w.seenOffsetMs : 0;
      const company = w.kind === 'user' ? w.company : 0;
      const [u] = (await cw.ok(UpsertUsersDocument, { input: [{
        externalId: `ru-${w.user}`, lastSeenAt: new Date(now + seenOffsetMs).toISOString(), companyId: company ? companies[company - 1] : null,
      }] })).upsertUsers;
      ids.set(w.user, u.id);
    }
    if (w.kind === 'event') {
      await cw.ok(TrackEventsDocument, { input: [{ userId: ids.get(w.user)!, name: w.name, occurredAt: new Date(now - w.agoMs).toISOString() }] });
    }
    if (i % 10 === 9) await new Promise((r) => setTimeout(r, 1_000)); // let time pass between bursts
  }
  // Every moment of these objects is at most a window (plus the 3 s of future dates) away: once
  // none is pending, time changes nothing more, so the comparison does not race with the sweep.
  const deadline = Date.now() + 60_000;
  while ((await server.services.segmentTimes.nextDueAt()) !== null) {
    if (Date.now() > deadline) throw new Error('moments still pending after 60 s');
    await new Promise((r) => setTimeout(r, 250));
  }
  await server.live.realtime.idle();
  await new Promise((r) => setTimeout(r, 500)); // dependants of the last time change follow it
  for (const def of defs) {
    const diff = (await cw.ok(PreviewSegmentChangeDocument, { id: def.id, filter: def.filter })).previewSegmentChange;
    expect({ segment: def.name, seed, entering: diff.enteringCount, exiting: diff.exitingCount }).toEqual({ segment: def.name, seed, entering: 0, exiting: 0 });
  }
  const [{ n }] = (await server.db.dataSource.query(
    "SELECT COUNT(*) AS n FROM segment_membership_history h JOIN segments s ON s.id = h.segment_id WHERE s.workspace_id = ? AND h.trigger_kind = 'TIME'",
    [ws.workspaceId],
  )) as Array<{ n: string }>;
  expect(Number(n)).toBeGreaterThan(0); // time did the work, not a sync
});
