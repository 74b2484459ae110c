/**
 * Real time and the time sweep next to a long full sync: a segment whose named lock is held (here
 * by a connection of the test, as a full sync of a large segment holds it for minutes) does not
 * hold up the others. Its real-time changes are deferred and applied once the lock is free
 * (exactly once, trigger REALTIME), and the time sweep skips it, leaving its rows due for a
 * later sweep, without errors and without spinning.
 */
import { Writable } from 'node:stream';
import mysql from 'mysql2/promise';
import { RealtimeEvaluator } from '../../src/live/realtime-evaluator';
import { createLogger } from '../../src/logger';
import { createServices, Services } from '../../src/services';
import type { RequestContext } from '../../src/services/context';
import { lockName, SegmentBusyError } from '../../src/services/segment-sync.service';
import { createTestDatabase, TestDatabase } from '../support/db';

let db: TestDatabase;
let services: Services;
let realtime: RealtimeEvaluator;
let detach: () => void;
let ctx: RequestContext;
/** Every log line at warn level or above (pino levels: 40 warn, 50 error). */
const warnings: Array<{ level: number; msg: string }> = [];
const logger = createLogger('debug', new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      const entry = JSON.parse(line) as { level: number; msg: string };
      if (entry.level >= 40) warnings.push(entry);
    }
    done();
  },
}));
const held: mysql.Connection[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  services = createServices(db.dataSource, logger);
  realtime = new RealtimeEvaluator(db.dataSource, services.filters, services.segmentSyncs, logger, { coalesceMs: 20 });
  detach = realtime.attach(services.changes);
  const ws = await services.workspaces.createWorkspace({ name: 'Busy' });
  ctx = { actor: (await services.auth.authenticate(ws.token))!, requestId: 't', logger };
});

afterAll(async () => {
  detach?.();
  realtime?.stop();
  for (const c of held) await c.end().catch(() => undefined);
  await db?.drop();
});

/** Holds the segment's named lock on a connection of the test, as a running full sync would. */
async function holdLock(segmentId: string): Promise<{ release(): Promise<void> }> {
  const conn = await mysql.createConnection(db.url);
  held.push(conn);
  const [rows] = await conn.query('SELECT GET_LOCK(CONCAT(LEFT(DATABASE(), 40), ?), 0) AS locked', [lockName(segmentId)]);
  expect(Number((rows as Array<{ locked: number }>)[0].locked)).toBe(1);
  return { async release() { await conn.query('SELECT RELEASE_LOCK(CONCAT(LEFT(DATABASE(), 40), ?))', [lockName(segmentId)]); } };
}

const isMember = async (segmentId: string, objectId: string): Promise<boolean> => {
  const rows = (await db.dataSource.query('SELECT 1 FROM segment_members WHERE segment_id = ? AND object_id = ?', [segmentId, objectId])) as unknown[];
  return rows.length > 0;
};

/** How long until `check` holds (ms), polling; fails after `ms`. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - start;
}

const history = async (segmentId: string, objectId: string) => (await db.dataSource.query(
  'SELECT change_kind AS kind, trigger_kind AS `trigger` FROM segment_membership_history WHERE segment_id = ? AND object_id = ? ORDER BY id',
  [segmentId, objectId],
)) as Array<{ kind: string; trigger: string }>;

/** Resolves true when `idle()` resolves within `ms`, else false. */
const idleWithin = (ms: number) => Promise.race([realtime.idle().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

test('evaluate reports a busy segment after a short wait, and waits no longer', async () => {
  const seg = await services.segments.create(ctx, { objectType: 'USER', name: 'Probe', filter: { attribute: { field: 'city', operator: 'EQ', value: 'Probe' } } });
  const [u] = await services.objects.upsert(ctx, 'USER', [{ externalId: 'probe-1', city: 'Probe' }]);
  await realtime.idle();
  const lock = await holdLock(seg.id);
  try {
    const start = Date.now();
    const error = await services.segmentSyncs.evaluate(seg.id, [u.id], 'REALTIME').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SegmentBusyError);
    expect(error).toMatchObject({ segmentId: seg.id });
    // GET_LOCK takes the fractional default of 0.2 s (not rounded to 0 or 1 s).
    expect(Date.now() - start).toBeGreaterThanOrEqual(150);
    expect(Date.now() - start).toBeLessThan(900);
    const waited = Date.now();
    await expect(services.segmentSyncs.evaluate(seg.id, [u.id], 'TIME', { lockWaitSeconds: 0.5 })).rejects.toBeInstanceOf(SegmentBusyError);
    expect(Date.now() - waited).toBeGreaterThanOrEqual(450);
  } finally {
    await lock.release();
  }
});

test('real time goes on for other segments while one is busy, and applies the busy one once it is free', async () => {
  const [company] = await services.objects.upsert(ctx, 'COMPANY', [{ externalId: 'co-1', name: 'Co' }]);
  const [u1, u2] = await services.objects.upsert(ctx, 'USER', [
    { externalId: 'rt-1', city: 'Bergen', companyId: company.id, attributes: { plan: 'free' } },
    { externalId: 'rt-2', city: 'Bergen', attributes: { plan: 'free' } },
  ]);
  await realtime.idle();
  const a = await services.segments.create(ctx, { objectType: 'USER', name: 'In Oslo', filter: { attribute: { field: 'city', operator: 'EQ', value: 'Oslo' } } });
  // Through a relation: the deferred ids are the company's, mapped before they were deferred.
  const c = await services.segments.create(ctx, { objectType: 'COMPANY', name: 'With a user in Oslo', filter: { related: { relation: 'users', filter: { attribute: { field: 'city', operator: 'EQ', value: 'Oslo' } } } } });
  const b = await services.segments.create(ctx, { objectType: 'USER', name: 'Pro', filter: { attribute: { field: 'attributes.plan', operator: 'EQ', value: 'pro' } } });
  const lockA = await holdLock(a.id);
  const lockC = await holdLock(c.id);
  let released = false;
  try {
    const deferralsBefore = realtime.stats.deferrals;
    await services.objects.upsert(ctx, 'USER', [{ externalId: 'rt-1', city: 'Oslo', attributes: { plan: 'pro' } }]);
    // B follows at once; A and C wait for their locks.
    expect(await within(3_000, () => isMember(b.id, u1.id))).toBeLessThan(3_000);
    await within(3_000, async () => realtime.stats.deferrals >= deferralsBefore + 2);
    // A second write is not queued behind the busy segments either (the flush is not stuck).
    await services.objects.upsert(ctx, 'USER', [{ externalId: 'rt-2', city: 'Oslo', attributes: { plan: 'pro' } }]);
    await within(3_000, () => isMember(b.id, u2.id));
    expect(await isMember(a.id, u1.id)).toBe(false);
    expect(await isMember(a.id, u2.id)).toBe(false);
    expect(await isMember(c.id, company.id)).toBe(false);
    // Deferred work is not "idle": idle() waits for it.
    expect(await idleWithin(1_200)).toBe(false);

    await lockA.release();
    await lockC.release();
    released = true;
    await within(3_000, async () => (await isMember(a.id, u1.id)) && (await isMember(a.id, u2.id)) && (await isMember(c.id, company.id)));
    expect(await idleWithin(3_000)).toBe(true);
  } finally {
    if (!released) await Promise.all([lockA.release(), lockC.release()]);
  }
  expect(await history(a.id, u1.id)).toEqual([{ kind: 'ENTERED', trigger: 'REALTIME' }]);
  expect(await history(a.id, u2.id)).toEqual([{ kind: 'ENTERED', trigger: 'REALTIME' }]);
  expect(await history(c.id, company.id)).toEqual([{ kind: 'ENTERED', trigger: 'REALTIME' }]);
  expect(await history(b.id, u1.id)).toEqual([{ kind: 'ENTERED', trigger: 'REALTIME' }]);
  expect(warnings).toEqual([]);
});

test('stop() ends the wait for a busy segment: idle() resolves and nothing is scheduled any more', async () => {
  const own = new RealtimeEvaluator(db.dataSource, services.filters, services.segmentSyncs, createLogger('silent'), { coalesceMs: 20 });
  const seg = await services.segments.create(ctx, { objectType: 'USER', name: 'Stopped', filter: { attribute: { field: 'city', operator: 'EQ', value: 'Stop' } } });
  const [u] = await services.objects.upsert(ctx, 'USER', [{ externalId: 'stop-1', city: 'Stop' }]);
  await realtime.idle();
  const lock = await holdLock(seg.id);
  try {
    own.add({ workspaceId: ctx.actor.workspaceId, objectType: 'USER', ids: [u.id], cause: 'upsert' });
    await within(3_000, async () => own.stats.deferrals > 0);
    const idle = own.idle();
    own.stop();
    await idle;
    const evaluations = own.stats.evaluations;
    await new Promise((r) => setTimeout(r, 1_200)); // two retry periods
    expect(own.stats.evaluations).toBe(evaluations);
  } finally {
    await lock.release();
  }
});

describe('the time sweep', () => {
  const DAY_MS = 86_400_000;
  const WINDOW_DAYS = 0.00002; // 1.728 s

  test('skips a busy segment, leaving its rows due, goes on with the others, and takes it up once free', async () => {
    const seenAt = Date.now();
    const [u] = await services.objects.upsert(ctx, 'USER', [{ externalId: 'time-1', lastSeenAt: new Date(seenAt) }]);
    await realtime.idle();
    const filter = { attribute: { field: 'lastSeenAt', operator: 'WITHIN_LAST_DAYS', value: WINDOW_DAYS } };
    const busy = await services.segments.create(ctx, { objectType: 'USER', name: 'Seen lately (busy)', filter });
    const free = await services.segments.create(ctx, { objectType: 'USER', name: 'Seen lately (free)', filter });
    expect(await isMember(busy.id, u.id)).toBe(true);
    expect(await isMember(free.id, u.id)).toBe(true);
    // Wait until the user's moment has passed (it leaves both segments then).
    const leaves = seenAt + WINDOW_DAYS * DAY_MS;
    await new Promise((r) => setTimeout(r, Math.max(0, leaves - Date.now()) + 100));
    const dueRows = async (segmentId: string) => Number(((await db.dataSource.query(
      'SELECT COUNT(*) AS n FROM segment_time_triggers WHERE segment_id = ? AND due_at <= ?', [segmentId, new Date()],
    )) as Array<{ n: string }>)[0].n);
    expect(await dueRows(busy.id)).toBe(1);

    const lock = await holdLock(busy.id);
    let released = false;
    try {
      const start = Date.now();
      // One row per round: the busy segment's row must not come back round after round.
      const result = await services.segmentTimes.runDue({ batch: 1 });
      expect(Date.now() - start).toBeLessThan(2_000);
      expect(result.busySegments).toEqual([busy.id]);
      expect(result.evaluated).toBeGreaterThanOrEqual(1);
      expect(await isMember(free.id, u.id)).toBe(false);
      expect(await history(free.id, u.id)).toEqual([{ kind: 'ENTERED', trigger: 'DEFINITION_CHANGED' }, { kind: 'EXITED', trigger: 'TIME' }]);
      expect(await isMember(busy.id, u.id)).toBe(true);
      expect(await dueRows(busy.id)).toBe(1);
      // Sweeps every 2 s while the segment stays busy: no error logged, rows still due.
      await services.segmentTimes.runDue();
      expect(await dueRows(busy.id)).toBe(1);

      await lock.release();
      released = true;
      const after = await services.segmentTimes.runDue();
      expect(after.busySegments).toEqual([]);
      expect(after.evaluated).toBe(1);
    } finally {
      if (!released) await lock.release();
    }
    expect(await isMember(busy.id, u.id)).toBe(false);
    expect(await dueRows(busy.id)).toBe(0);
    expect(await history(busy.id, u.id)).toEqual([{ kind: 'ENTERED', trigger: 'DEFINITION_CHANGED' }, { kind: 'EXITED', trigger: 'TIME' }]);
    expect(warnings).toEqual([]);
  });
});
