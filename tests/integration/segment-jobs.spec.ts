/**
 * Scheduled syncs on Agenda with our MySQL backend: one recurring job per segment that follows
 * its interval, pause and deletion; several job runners on one database run each due sync once.
 */
import mysql from 'mysql2/promise';
import { startJobRunner, JobRunner } from '../../src/jobs/job-runner';
import { createLogger } from '../../src/logger';
import { createServices, Services } from '../../src/services';
import type { RequestContext } from '../../src/services/context';
import { createTestDatabase, TestDatabase } from '../support/db';

let db: TestDatabase;
const runners: JobRunner[] = [];
let services: Services[];
let ctx: RequestContext;
const logger = createLogger('silent');

beforeAll(async () => {
  db = await createTestDatabase();
  // Three "processes": each its own services and job runner on the same database.
  services = [0, 1, 2].map(() => createServices(db.dataSource, logger));
  for (const s of services) {
    const runner = await startJobRunner({ databaseUrl: db.url, services: s, logger, process: true, processEveryMs: 200, lockLifetimeMs: 5_000 });
    s.segments.useScheduler(runner.scheduler);
    runners.push(runner);
  }
  const ws = await services[0].workspaces.createWorkspace({ name: 'Jobs' });
  ctx = { actor: (await services[0].auth.authenticate(ws.token))!, requestId: 't', logger };
  await services[0].objects.upsert(ctx, 'USER', [{ externalId: 'a', city: 'Oslo' }, { externalId: 'b', city: 'Oslo' }, { externalId: 'c', city: 'Rome' }]);
});

afterAll(async () => {
  for (const r of runners) await r.stop(1_000);
  await db.drop();
});

const jobsOf = async (segmentId: string) =>
  (await db.dataSource.query("SELECT * FROM agenda_jobs WHERE name = 'segment-sync' AND JSON_VALUE(data, '$.segmentId') = ? ORDER BY id", [segmentId])) as Array<Record<string, unknown>>;
const runsOf = async (segmentId: string, trigger: string) =>
  (await db.dataSource.query('SELECT * FROM segment_sync_runs WHERE segment_id = ? AND trigger_kind = ? ORDER BY id', [segmentId, trigger])) as Array<Record<string, unknown>>;

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('one recurring job per segment follows its interval, pause, resume and deletion', async () => {
  const seg = await services[0].segments.create(ctx, { objectType: 'USER', name: 'Oslo', filter: { attribute: { field: 'city', operator: 'EQ', value: 'Oslo' } }, syncIntervalMinutes: 5 });
  let [job] = await jobsOf(seg.id);
  expect(job).toMatchObject({ repeat_interval: '5 minutes', disabled: 0 });
  const due = (job.next_run_at as Date).getTime();
  expect(due).toBeGreaterThan(Date.now() + 4.5 * 60_000);
  expect(due).toBeLessThan(Date.now() + 5.5 * 60_000);
  expect(seg.nextSyncAt?.getTime()).toBe(due);

  const slower = await services[1].segments.update(ctx, seg.id, { syncIntervalMinutes: 60 });
  [job] = await jobsOf(seg.id);
  expect(job.repeat_interval).toBe('60 minutes');
  expect(slower.nextSyncAt!.getTime()).toBeGreaterThan(Date.now() + 59 * 60_000);

  const paused = await services[0].segments.update(ctx, seg.id, { paused: true });
  expect(paused.nextSyncAt).toBeNull();
  expect((await jobsOf(seg.id)).map((j) => j.disabled)).toEqual([1]);
  const resumed = await services[0].segments.update(ctx, seg.id, { paused: false });
  expect(resumed.nextSyncAt).not.toBeNull();
  const recurring = (await jobsOf(seg.id)).filter((j) => (typeof j.data === 'string' ? JSON.parse(j.data) : j.data).trigger === 'SCHEDULE');
  expect(recurring.map((j) => j.disabled)).toEqual([0]);
  // Resuming brings the cached results (and the time bookkeeping) up to date at once.
  await until(() => runsOf(seg.id, 'MANUAL'), (runs) => runs.length === 1 && runs[0].status === 'SUCCEEDED');

  await services[2].segments.delete(ctx, seg.id);
  expect(await jobsOf(seg.id)).toEqual([]);
});

test('with three runners, each due scheduled sync runs exactly once, window after window', async () => {
  const segs = [];
  for (let i = 0; i < 4; i++) {
    segs.push(await services[i % 3].segments.create(ctx, { objectType: 'USER', name: `S${i}`, filter: { attribute: { field: 'city', operator: 'EQ', value: i % 2 ? 'Oslo' : 'Rome' } }, syncIntervalMinutes: 5 }));
  }
  for (let window = 1; window <= 3; window++) {
    // Time passes: the recurring jobs become due.
    await db.dataSource.query("UPDATE agenda_jobs SET next_run_at = NOW(3) - INTERVAL 1 SECOND WHERE name = 'segment-sync' AND JSON_VALUE(data, '$.trigger') = 'SCHEDULE'");
    for (const s of segs) await until(() => runsOf(s.id, 'SCHEDULE'), (runs) => runs.length >= window && runs.every((r) => r.status === 'SUCCEEDED'));
    await new Promise((r) => setTimeout(r, 600)); // several more polls by every runner
    for (const s of segs) expect(await runsOf(s.id, 'SCHEDULE')).toHaveLength(window);
    for (const s of segs) {
      const [job] = await jobsOf(s.id);
      expect((job.next_run_at as Date).getTime()).toBeGreaterThan(Date.now() + 4 * 60_000);
    }
  }
  // No two runs of one segment overlapped.
  for (const s of segs) {
    const runs = await db.dataSource.query('SELECT started_at, finished_at FROM segment_sync_runs WHERE segment_id = ? ORDER BY started_at', [s.id]);
    for (let i = 1; i < runs.length; i++) expect(runs[i].started_at.getTime()).toBeGreaterThanOrEqual(runs[i - 1].finished_at.getTime());
  }
});

test('segments that use a changed segment are synced after it, by a job (DEPENDENCY)', async () => {
  const base = await services[0].segments.create(ctx, { objectType: 'USER', name: 'Base', filter: { attribute: { field: 'city', operator: 'EQ', value: 'Rome' } } });
  const derived = await services[0].segments.create(ctx, { objectType: 'USER', name: 'Derived', filter: { segment: { segmentId: base.id } } });
  expect(derived.count).toBe(1);
  await services[0].objects.upsert(ctx, 'USER', [{ externalId: 'a', city: 'Rome' }]);
  await services[1].segmentSyncs.sync(base.id, 'MANUAL');
  const runs = await until(() => runsOf(derived.id, 'DEPENDENCY'), (r) => r.length === 1 && r[0].status === 'SUCCEEDED');
  expect(runs[0]).toMatchObject({ member_count: 2, entered: 1 });
});

test('a dependent whose lock a long sync holds is followed by a DEPENDENCY job, not by a wait', async () => {
  const base = await services[0].segments.create(ctx, { objectType: 'USER', name: 'Paris', filter: { attribute: { field: 'city', operator: 'EQ', value: 'Paris' } } });
  const derived = await services[0].segments.create(ctx, { objectType: 'USER', name: 'Derived from Paris', filter: { segment: { segmentId: base.id } } });
  expect(derived.count).toBe(0);
  const [created] = await services[0].objects.upsert(ctx, 'USER', [{ externalId: 'd', city: 'Paris' }]);
  // Another connection holds the derived segment's lock, as a long full sync would.
  const holder = await mysql.createConnection(db.url);
  try {
    const [[{ held }]] = await holder.query("SELECT GET_LOCK(CONCAT(LEFT(DATABASE(), 40), ':seg-sync:', ?), 0) AS held", [derived.id]) as unknown as [[{ held: number }]];
    expect(Number(held)).toBe(1);
    // A real-time change of the base segment: small, so its dependent would be re-evaluated in place.
    const delta = await services[1].segmentSyncs.evaluate(base.id, [created.id], 'REALTIME');
    expect(delta?.enteredIds).toEqual([created.id]);
    const jobs = await until(() => jobsOf(derived.id), (j) => j.some((x) => JSON.stringify(x.data).includes('DEPENDENCY')));
    expect(jobs.filter((x) => JSON.stringify(x.data).includes('DEPENDENCY'))).toHaveLength(1);
    expect(await runsOf(derived.id, 'DEPENDENCY')).toHaveLength(0);
  } finally {
    await holder.end(); // (closing the connection frees its named lock)
  }
  const runs = await until(() => runsOf(derived.id, 'DEPENDENCY'), (r) => r.length === 1 && r[0].status === 'SUCCEEDED');
  expect(runs[0]).toMatchObject({ member_count: 1, entered: 1 });
});

test('a scheduled sync whose process died is redone by its recurring job, which keeps its schedule', async () => {
  const seg = await services[0].segments.create(ctx, { objectType: 'USER', name: 'Rome', filter: { attribute: { field: 'city', operator: 'EQ', value: 'Rome' } }, syncIntervalMinutes: 30 });
  // What a worker killed mid-sync leaves: a RUNNING scheduled run, and no named lock held.
  await db.dataSource.query(
    "INSERT INTO segment_sync_runs (segment_id, workspace_id, trigger_kind, status, started_at) VALUES (?, ?, 'SCHEDULE', 'RUNNING', ?)",
    [seg.id, ctx.actor.workspaceId, new Date()],
  );
  // The recovery job (every lock lifetime, 5 s here) redoes it; the interrupted run is marked FAILED.
  const runs = await until(() => runsOf(seg.id, 'SCHEDULE'), (r) => r.length === 2 && r[1].status === 'SUCCEEDED', 20_000);
  expect(runs[0].status).toBe('FAILED');
  const jobs = await jobsOf(seg.id);
  expect(jobs).toHaveLength(1);
  expect(jobs[0]).toMatchObject({ repeat_interval: '30 minutes', disabled: 0 });
  expect((jobs[0].next_run_at as Date).getTime()).toBeGreaterThan(Date.now() + 25 * 60_000);
});
