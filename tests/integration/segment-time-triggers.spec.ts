/**
 * The time bookkeeping of full syncs (`segment_time_triggers`, see SegmentSyncService
 * stageMoments / replaceMoments): a full sync writes only the difference between the moments it
 * computes and the rows it finds. Every row written is seen through triggers on the table, so a
 * test can assert that an unchanged sync writes none, and that a change writes exactly its rows.
 * After every sync the segment's rows equal `compileNextChangeQuery` run from scratch at the
 * sync's `now` (its run's start).
 *
 * Data change behind the engine's back (plain SQL, no real-time evaluation), so that only the
 * full syncs under test write moments. The services keep moments for ten years ahead, so that
 * every moment counts; "the horizon" below runs with the default horizon.
 */
import { compileNextChangeQuery } from '../../src/core/filter/moments';
import { createLogger } from '../../src/logger';
import { createServices, Services } from '../../src/services';
import type { RequestContext } from '../../src/services/context';
import type { SegmentRecord } from '../../src/services/segment-types';
import { createTestDatabase, TestDatabase } from '../support/db';
import { statementsOf } from '../support/statements';

const DAY = 86_400_000;
/** A horizon past every moment of these data. */
const TEN_YEARS = 3_650 * DAY;

let db: TestDatabase;
let services: Services;
let ctx: RequestContext;
const logger = createLogger('silent');
/** Object ids by external id. */
const ids = new Map<string, string>();
const id = (externalId: string) => ids.get(externalId)!;
/** When a last visited (see beforeAll). */
let aVisitedAt: Date;

beforeAll(async () => {
  db = await createTestDatabase();
  services = createServices(db.dataSource, logger, { momentHorizonMs: TEN_YEARS });
  const ws = await services.workspaces.createWorkspace({ name: 'Time triggers' });
  ctx = { actor: (await services.auth.authenticate(ws.token))!, requestId: 't', logger };
  const now = Date.now();
  aVisitedAt = new Date(now - 6 * DAY);
  const users = await services.objects.upsert(ctx, 'USER', [
    { externalId: 'a', lastSeenAt: new Date(now - 2 * DAY) }, // member; moment in 8 days
    { externalId: 'b', lastSeenAt: new Date(now - 5 * DAY) }, // member; leaves later
    { externalId: 'c', lastSeenAt: new Date(now - 30 * DAY) }, // never again: no moment
    { externalId: 'd' }, // no date: no moment; enters later
    { externalId: 'e', lastSeenAt: new Date(now + 3 * DAY) }, // enters when its date comes
    { externalId: 'f', lastSeenAt: new Date(now - 20 * DAY) }, // a visitor: moment of its oldest visit
    ...Array.from({ length: 40 }, (_, i) => ({ externalId: `n${i}`, lastSeenAt: new Date(now - (i % 15) * DAY - i * 1000) })),
  ]);
  for (const u of users) ids.set(u.externalId!, u.id);
  await services.events.track(ctx, [
    { userExternalId: 'f', name: 'visit', occurredAt: new Date(now - 4 * DAY) },
    { userExternalId: 'f', name: 'visit', occurredAt: new Date(now - 1 * DAY) },
    { userExternalId: 'a', name: 'visit', occurredAt: aVisitedAt },
  ]);
  // Every write to the table, in order.
  await db.dataSource.query('CREATE TABLE tt_writes (seq INT AUTO_INCREMENT PRIMARY KEY, kind VARCHAR(8) NOT NULL, segment_id BIGINT UNSIGNED NOT NULL, object_id BIGINT UNSIGNED NOT NULL)');
  for (const [kind, row] of [['INSERT', 'NEW'], ['UPDATE', 'NEW'], ['DELETE', 'OLD']]) {
    await db.dataSource.query(`CREATE TRIGGER tt_${kind.toLowerCase()} AFTER ${kind} ON segment_time_triggers FOR EACH ROW
      INSERT INTO tt_writes (kind, segment_id, object_id) VALUES ('${kind}', ${row}.segment_id, ${row}.object_id)`);
  }
});

afterAll(async () => {
  await db.drop();
});

/** Seen lately, or visited within the week: moments from a date and from an event window. */
const filter = {
  or: [
    { attribute: { field: 'lastSeenAt', operator: 'WITHIN_LAST_DAYS', value: 10 } },
    { event: { name: 'visit', window: { lastDays: 7 } } },
  ],
};

type Moments = Record<string, string>;

/** The segment's rows: object id → due_at (ISO). */
async function stored(segmentId: string): Promise<Moments> {
  const rows = (await db.dataSource.query('SELECT object_id, due_at FROM segment_time_triggers WHERE segment_id = ? ORDER BY object_id', [segmentId])) as Array<{ object_id: string; due_at: Date }>;
  return Object.fromEntries(rows.map((r) => [String(r.object_id), r.due_at.toISOString()]));
}

/** What compileNextChangeQuery gives from scratch at `now` (only the moments before `until`, when given). */
async function fromScratch(segmentId: string, now: Date, until?: Date): Promise<Moments> {
  const [row] = (await db.dataSource.query('SELECT filter FROM segments WHERE id = ?', [segmentId])) as Array<{ filter: unknown }>;
  const stored = typeof row.filter === 'string' ? JSON.parse(row.filter) : row.filter;
  const tree = await services.filters.validateStored(ctx.actor.workspaceId, 'USER', stored);
  const query = compileNextChangeQuery(tree, { workspaceId: ctx.actor.workspaceId, objectType: 'USER', now })!;
  const rows = (await db.dataSource.query(`SELECT m.object_id, m.due_at FROM (${query.sql}) m ORDER BY m.object_id`, [...query.params])) as Array<{ object_id: string; due_at: Date }>;
  return Object.fromEntries(rows.filter((r) => !until || r.due_at < until).map((r) => [String(r.object_id), r.due_at.toISOString()]));
}

/** The writes to segment_time_triggers since the last call, as `KIND object-id`. */
async function writes(): Promise<string[]> {
  const rows = (await db.dataSource.query('SELECT kind, object_id FROM tt_writes ORDER BY seq')) as Array<{ kind: string; object_id: string }>;
  await db.dataSource.query('DELETE FROM tt_writes');
  return rows.map((r) => `${r.kind} ${r.object_id}`);
}

async function lastRunStart(segmentId: string): Promise<Date> {
  const [row] = (await db.dataSource.query('SELECT started_at FROM segment_sync_runs WHERE segment_id = ? ORDER BY id DESC LIMIT 1', [segmentId])) as Array<{ started_at: Date }>;
  return row.started_at;
}

const setLastSeen = (externalId: string, at: Date) =>
  db.dataSource.query('UPDATE users SET last_seen_at = ? WHERE workspace_id = ? AND external_id = ?', [at, ctx.actor.workspaceId, externalId]);

describe('a full sync writes only the moments that changed', () => {
  let seg: SegmentRecord;
  let before: Moments;

  test('the first sync writes every moment, as computed from scratch', async () => {
    seg = await services.segments.create(ctx, { objectType: 'USER', name: 'Seen or visited', filter });
    before = await stored(seg.id);
    expect(before).toEqual(await fromScratch(seg.id, await lastRunStart(seg.id)));
    for (const x of ['a', 'b', 'e', 'f']) expect(before[id(x)]).toBeDefined();
    for (const x of ['c', 'd']) expect(before[id(x)]).toBeUndefined();
    // a: seen 2 days ago (+10 days) and visited 6 days ago (+7 days): the earlier one.
    expect(Date.parse(before[id('a')])).toBe(aVisitedAt.getTime() + 7 * DAY + 1);
    expect((await writes()).length).toBe(Object.keys(before).length);
  });

  test('an unchanged sync writes no row, and the rows stay the same', async () => {
    const run = await services.segmentSyncs.sync(seg.id, 'MANUAL');
    expect(run).toMatchObject({ status: 'SUCCEEDED', entered: 0, exited: 0 });
    expect(await writes()).toEqual([]);
    expect(await stored(seg.id)).toEqual(before);
    expect(before).toEqual(await fromScratch(seg.id, run!.startedAt));
  });

  test('a moved moment is updated, with the members unchanged', async () => {
    const [{ ls }] = (await db.dataSource.query('SELECT last_seen_at AS ls FROM users WHERE id = ?', [id('b')])) as Array<{ ls: Date }>;
    await setLastSeen('b', new Date(ls.getTime() + DAY)); // still a member: the fingerprint short-cut
    const run = await services.segmentSyncs.sync(seg.id, 'MANUAL');
    expect(run).toMatchObject({ status: 'SUCCEEDED', entered: 0, exited: 0 });
    expect(await writes()).toEqual([`UPDATE ${id('b')}`]);
    const after = await stored(seg.id);
    expect(Date.parse(after[id('b')])).toBe(Date.parse(before[id('b')]) + DAY);
    expect(after).toEqual({ ...before, [id('b')]: after[id('b')] });
    expect(after).toEqual(await fromScratch(seg.id, run!.startedAt));
    before = after;
  });

  test('an object without a moment any more loses its row, a new one gains its row', async () => {
    await setLastSeen('b', new Date(Date.now() - 40 * DAY)); // leaves, and never comes back by time
    await setLastSeen('d', new Date(Date.now() - DAY)); // enters, with a moment
    const run = await services.segmentSyncs.sync(seg.id, 'MANUAL');
    expect(run).toMatchObject({ status: 'SUCCEEDED', entered: 1, exited: 1 });
    expect((await writes()).sort()).toEqual([`DELETE ${id('b')}`, `INSERT ${id('d')}`].sort());
    const after = await stored(seg.id);
    expect(after[id('b')]).toBeUndefined();
    expect(after[id('d')]).toBeDefined();
    const { [id('b')]: _gone, ...kept } = before;
    expect(after).toEqual({ ...kept, [id('d')]: after[id('d')] });
    expect(after).toEqual(await fromScratch(seg.id, run!.startedAt));
  });

  test('a segment that keeps no moments loses its rows at its next sync', async () => {
    const untimed = createServices(db.dataSource, logger, { timeTriggers: false, momentHorizonMs: TEN_YEARS });
    await untimed.segmentSyncs.sync(seg.id, 'MANUAL');
    expect(await stored(seg.id)).toEqual({});
    await services.segmentSyncs.sync(seg.id, 'MANUAL');
    expect(await stored(seg.id)).toEqual(await fromScratch(seg.id, await lastRunStart(seg.id)));
    await writes();
  });
});

test('more moments than the in-memory staging holds are staged on disk, with the same rows', async () => {
  const small = createServices(db.dataSource, logger, { stagingMemoryBytes: 16_384, momentHorizonMs: TEN_YEARS }); // MariaDB's minimum
  const now = Date.now();
  await small.objects.upsert(ctx, 'USER', Array.from({ length: 1_000 }, (_, i) => ({ externalId: `bulk${i}`, lastSeenAt: new Date(now - i * 60_000) })));
  const seg = await small.segments.create(ctx, { objectType: 'USER', name: 'Seen this week', filter: { attribute: { field: 'lastSeenAt', operator: 'WITHIN_LAST_DAYS', value: 7 } } });
  const first = await stored(seg.id);
  expect(Object.keys(first).length).toBeGreaterThan(1_000);
  expect(first).toEqual(await fromScratch(seg.id, await lastRunStart(seg.id)));
  await writes();
  const statements = await statementsOf(() => small.segmentSyncs.sync(seg.id, 'MANUAL'));
  expect(statements.some((s) => /seg_moments .*ENGINE=MEMORY/.test(s))).toBe(true);
  expect(statements.some((s) => /seg_moments .*ENGINE=InnoDB/.test(s))).toBe(true);
  expect(await writes()).toEqual([]);
  expect(await stored(seg.id)).toEqual(first);
});

describe('the horizon: a sync keeps the moments due before twice its interval and half an hour', () => {
  const MINUTE = 60_000;
  let timed: Services;
  let seg: SegmentRecord;
  /** Asked-for syncs of the sweep, as `segment trigger`. */
  const asked: string[] = [];

  beforeAll(async () => {
    timed = createServices(db.dataSource, logger); // the default horizon
    timed.segmentTimes.useScheduler({ schedule: async () => null, unschedule: async () => undefined, enqueue: async (segmentId, trigger) => { asked.push(`${segmentId} ${trigger}`); } });
    const now = Date.now();
    // Seen a week ago less 10, 30, 50 and 70 minutes: they leave "seen this week" then.
    const users = await timed.objects.upsert(ctx, 'USER', [10, 30, 50, 70].map((m) => ({ externalId: `h${m}`, lastSeenAt: new Date(now - 7 * DAY + m * MINUTE) })));
    for (const u of users) ids.set(u.externalId!, u.id);
  });

  test('a sync with a 5-minute interval keeps the moments of the next 40 minutes, and records that', async () => {
    seg = await timed.segments.create(ctx, { objectType: 'USER', name: 'Seen this week, often synced', syncIntervalMinutes: 5, filter: { attribute: { field: 'lastSeenAt', operator: 'WITHIN_LAST_DAYS', value: 7 } } });
    const start = await lastRunStart(seg.id);
    const until = new Date(start.getTime() + 40 * MINUTE);
    const kept = await stored(seg.id);
    expect(kept).toEqual(await fromScratch(seg.id, start, until));
    expect(Object.keys(kept)).toEqual(expect.arrayContaining([id('h10'), id('h30')]));
    // The same sync with a horizon of ten years keeps more: the 50 and 70 minute ones among them.
    const all = await fromScratch(seg.id, start);
    expect(Object.keys(all).length).toBeGreaterThan(Object.keys(kept).length);
    expect(kept[id('h50')]).toBeUndefined();
    expect(all[id('h50')]).toBeDefined();
    const [row] = (await db.dataSource.query('SELECT moments_until FROM segments WHERE id = ?', [seg.id])) as Array<{ moments_until: Date }>;
    expect(row.moments_until.getTime()).toBe(until.getTime());
  });

  test('the sweep asks for a sync once the horizon has less than half left, once per horizon', async () => {
    await timed.segmentTimes.runDue();
    expect(asked).toEqual([]); // 40 minutes left: the next scheduled sync comes first
    // The scheduled sync is late: 19 minutes left (less than 5 + 15).
    await db.dataSource.query('UPDATE segments SET moments_until = ? WHERE id = ?', [new Date(Date.now() + 19 * MINUTE), seg.id]);
    const result = await timed.segmentTimes.runDue();
    expect(result.horizonSyncs).toEqual([seg.id]);
    expect(asked).toEqual([`${seg.id} TIME`]);
    await timed.segmentTimes.runDue();
    expect(asked).toHaveLength(1);
    // A paused segment keeps no moments: nothing to ask for.
    await db.dataSource.query('UPDATE segments SET moments_until = ?, paused = 1 WHERE id = ?', [new Date(Date.now() + MINUTE), seg.id]);
    await timed.segmentTimes.runDue();
    expect(asked).toHaveLength(1);
    await db.dataSource.query('UPDATE segments SET paused = 0 WHERE id = ?', [seg.id]);
    // The sync moves the horizon on: nothing left to ask.
    await timed.segmentSyncs.sync(seg.id, 'TIME');
    await timed.segmentTimes.runDue();
    expect(asked).toHaveLength(1);
    const [row] = (await db.dataSource.query('SELECT moments_until FROM segments WHERE id = ?', [seg.id])) as Array<{ moments_until: Date }>;
    expect(row.moments_until.getTime()).toBe((await lastRunStart(seg.id)).getTime() + 40 * MINUTE);
  });
});
