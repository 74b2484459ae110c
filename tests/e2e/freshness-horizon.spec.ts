/**
 * Freshness with a short horizon (SegmentMoments): the time bookkeeping keeps only the moments
 * due within 4 s of each full sync, so a visit that leaves its 17 s window gets no moment from
 * the write that made its user a member. The time sweep asks for a sync (trigger TIME) whenever
 * a segment's horizon has less than half left; one of those syncs writes the moment before it
 * comes due, and the user leaves on time through the sweep, with trigger TIME.
 */
import { CreateSegmentDocument, TrackEventsDocument, UpsertUsersDocument } from '../generated/graphql';
import type { GqlClient } from '../support/client';
import { startTestServer, TestServer } from '../support/server';
import { createLogger } from '../../src/logger';
import { JobRunner, startJobRunner } from '../../src/jobs/job-runner';

jest.setTimeout(90_000);

const DAYS = 0.0002; // 17.28 s
const WINDOW_MS = DAYS * 86_400_000;
const HORIZON_MS = 4_000;

let server: TestServer;
let c: GqlClient;
let jobs: JobRunner;

beforeAll(async () => {
  server = await startTestServer({ services: { momentHorizonMs: HORIZON_MS } });
  c = server.client;
  jobs = await startJobRunner({
    databaseUrl: server.db.url, services: server.services, logger: createLogger('silent'), process: true,
    processEveryMs: 200, lockLifetimeMs: 10_000, timeSweepMs: 300,
  });
  server.services.segments.useScheduler(jobs.scheduler);
  server.services.segmentTimes.useScheduler(jobs.scheduler);
});
afterAll(async () => {
  await jobs?.stop();
  await server?.close();
});

const query = <T>(sql: string, params: unknown[]) => server.db.dataSource.query(sql, params) as Promise<T[]>;

test('a moment past the horizon of the write is written by a later sync, before it comes due, and the change comes on time', async () => {
  const { createSegment: seg } = await c.ok(CreateSegmentDocument, { input: { objectType: 'USER', name: 'Visited lately', filter: { event: { name: 'visit', window: { lastDays: DAYS } } } } });
  const [user] = (await c.ok(UpsertUsersDocument, { input: [{ externalId: 'hz-1' }] })).upsertUsers.map((u) => u.id);
  const visitAt = Date.now();
  await c.ok(TrackEventsDocument, { input: [{ userId: user, name: 'visit', occurredAt: new Date(visitAt).toISOString() }] });
  const dueAt = visitAt + Math.floor(WINDOW_MS) + 1;

  // Real time makes the user a member, without a moment: 17 s is past the 4 s horizon.
  const history = () => query<{ change_kind: string; trigger_kind: string; at: Date }>(
    'SELECT change_kind, trigger_kind, at FROM segment_membership_history WHERE segment_id = ? AND object_id = ? ORDER BY id', [seg.id, user]);
  const moment = async () => (await query<{ due_at: Date }>('SELECT due_at FROM segment_time_triggers WHERE segment_id = ? AND object_id = ?', [seg.id, user]))[0]?.due_at;
  for (let i = 0; i < 100 && (await history()).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  expect(await history()).toMatchObject([{ change_kind: 'ENTERED', trigger_kind: 'REALTIME' }]);
  expect(Date.now()).toBeLessThan(dueAt - HORIZON_MS); // still far from the moment: the check below means something
  expect(await moment()).toBeUndefined();

  // Before the moment comes due, a horizon sync has written it, exact.
  let seen: Date | undefined;
  while (!seen && Date.now() < dueAt) {
    seen = await moment();
    if (!seen) await new Promise((r) => setTimeout(r, 100));
  }
  expect(seen?.getTime()).toBe(dueAt);
  const timeSyncs = await query<{ n: number }>("SELECT COUNT(*) AS n FROM segment_sync_runs WHERE segment_id = ? AND trigger_kind = 'TIME' AND status = 'SUCCEEDED'", [seg.id]);
  expect(Number(timeSyncs[0].n)).toBeGreaterThan(0);

  // The user leaves at the moment (not before, within 60 s), with trigger TIME.
  for (let i = 0; i < 600 && (await history()).length < 2; i++) await new Promise((r) => setTimeout(r, 100));
  const [, left] = await history();
  expect(left).toMatchObject({ change_kind: 'EXITED', trigger_kind: 'TIME' });
  expect(left.at.getTime()).toBeGreaterThanOrEqual(dueAt);
  expect(left.at.getTime()).toBeLessThan(dueAt + 60_000);
});
