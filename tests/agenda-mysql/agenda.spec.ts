/**
 * End to end (real MariaDB, real Agenda 6): `new Agenda({ backend })` defining, scheduling and
 * running jobs. Waits poll the database or Agenda's events with a deadline; the only fixed
 * waits are the short ones that show something did NOT happen.
 */
import mysql from 'mysql2/promise';
import type { Agenda as AgendaInstance, Job } from 'agenda' with { 'resolution-mode': 'import' };
import { MysqlBackend } from '../../src/agenda-mysql';
import { createTestDatabase, type TestDatabase } from '../support/db';

type AgendaClass = typeof import('agenda', { with: { 'resolution-mode': 'import' } }).Agenda;

let Agenda: AgendaClass;
let db: TestDatabase;
let pool: mysql.Pool;
let backend: MysqlBackend;
const started: AgendaInstance[] = [];
const extraPools: mysql.Pool[] = [];

const PROCESS_EVERY = 100;
/** Agenda's lock watchdog sleeps lockLifetime/2 and is not cancelled when a job ends, so the
 * default (10 minutes) would keep Jest alive for 5 minutes after the last test. */
const LOCK_LIFETIME = 1000;
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

async function waitFor<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await sleep(20);
  }
}

/** An Agenda on the shared backend, or on its own pool (a separate "process"). */
async function newAgenda(options: { name?: string; ownPool?: boolean; processEvery?: number } = {}): Promise<AgendaInstance> {
  let instanceBackend = backend;
  if (options.ownPool) {
    const own = mysql.createPool({ uri: db.url, timezone: 'Z', connectionLimit: 4 });
    extraPools.push(own);
    instanceBackend = new MysqlBackend({ pool: own, ensureSchema: false });
  }
  const agenda = new Agenda({
    backend: instanceBackend,
    name: options.name,
    processEvery: options.processEvery ?? PROCESS_EVERY,
    defaultLockLifetime: LOCK_LIFETIME,
  });
  started.push(agenda);
  await agenda.ready;
  return agenda;
}

async function lockedCount(name: string): Promise<number> {
  const [[row]] = await pool.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM agenda_jobs WHERE name = ? AND locked_at IS NOT NULL', [name]);
  return Number(row.n);
}

beforeAll(async () => {
  ({ Agenda } = await import('agenda'));
  db = await createTestDatabase('agenda_e2e');
  pool = mysql.createPool({ uri: db.url, timezone: 'Z', connectionLimit: 8 });
  backend = new MysqlBackend({ pool, ensureSchema: false });
  await backend.connect();
});
afterEach(async () => {
  await Promise.all(started.splice(0).map(a => a.stop()));
  await Promise.all(extraPools.splice(0).map(p => p.end()));
  await backend.repository.purgeAllJobs();
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

it('defines a job, runs it, and records its completion', async () => {
  const agenda = await newAgenda();
  const seen: unknown[] = [];
  agenda.define('greet', async (job: Job<{ who: string }>) => void seen.push(job.attrs.data));
  await agenda.start();
  const job = await agenda.now('greet', { who: 'ada' });

  await waitFor(async () => (await agenda.queryJobs({ id: job.attrs._id })).jobs[0]?.state === 'completed', 'completed state');
  expect(seen).toEqual([{ who: 'ada' }]);
  const stored = await backend.repository.getJobById(job.attrs._id!);
  expect(stored).toMatchObject({ nextRunAt: null, lockedAt: undefined, failCount: undefined });
  expect(stored!.lastFinishedAt!.getTime()).toBeGreaterThanOrEqual(stored!.lastRunAt!.getTime());
  expect((await agenda.getRunningStats()).backend.name).toBe('MySQL');
});

it('every(): runs at once, is rescheduled one interval later, and stays one row when declared again', async () => {
  const agenda = await newAgenda();
  let runs = 0;
  agenda.define('tick', async () => void (runs += 1));
  await agenda.every('1 hour', 'tick', { source: 'test' });
  await agenda.start();

  const stored = await waitFor(async () => {
    const job = await backend.repository.getJobById((await backend.repository.queryJobs({ name: 'tick' })).jobs[0]._id);
    return job?.lastFinishedAt && job;
  }, 'first run of tick');
  expect(runs).toBe(1);
  expect(stored.type).toBe('single');
  expect(stored.nextRunAt!.getTime() - stored.lastRunAt!.getTime()).toBe(60 * 60_000);

  await agenda.every('1 hour', 'tick', { source: 'test' });
  const { jobs, total } = await agenda.queryJobs({ name: 'tick' });
  expect(total).toBe(1);
  expect(jobs[0]).toMatchObject({ state: 'repeating', nextRunAt: stored.nextRunAt });
});

it('schedule(): does not run a job before its time, runs it after', async () => {
  const agenda = await newAgenda();
  const ranAt: number[] = [];
  agenda.define('later', async () => void ranAt.push(Date.now()));
  await agenda.start();
  const when = new Date(Date.now() + 600);
  await agenda.schedule(when, 'later', {});
  expect((await agenda.queryJobs({ name: 'later' })).jobs[0].state).toBe('scheduled');
  await waitFor(() => ranAt.length === 1, 'scheduled run');
  expect(ranAt[0]).toBeGreaterThanOrEqual(when.getTime());
});

it('runs at most `concurrency` jobs of a name at once', async () => {
  const agenda = await newAgenda();
  let running = 0;
  let peak = 0;
  let done = 0;
  agenda.define('slow', async () => {
    running += 1;
    peak = Math.max(peak, running);
    await sleep(150);
    running -= 1;
    done += 1;
  }, { concurrency: 2 });
  for (let i = 0; i < 6; i += 1) await agenda.now('slow', { i });
  await agenda.start();
  await waitFor(() => done === 6, 'six slow jobs');
  expect(peak).toBe(2);
});

it('locks at most `lockLimit` jobs of a name at once in the database', async () => {
  const agenda = await newAgenda();
  let done = 0;
  agenda.define('limited', async () => {
    await sleep(100);
    done += 1;
  }, { lockLimit: 1, concurrency: 5 });
  for (let i = 0; i < 4; i += 1) await agenda.now('limited', { i });
  await agenda.start();
  let peak = 0;
  await waitFor(async () => {
    peak = Math.max(peak, await lockedCount('limited'));
    return done === 4;
  }, 'four limited jobs');
  expect(peak).toBe(1);
});

it('two Agenda processes on separate pools run each of 30 jobs exactly once', async () => {
  const [one, two] = await Promise.all([newAgenda({ name: 'one', ownPool: true }), newAgenda({ name: 'two', ownPool: true })]);
  const runs: Array<{ by: string; id: string }> = [];
  for (const [agenda, by] of [[one, 'one'], [two, 'two']] as const) {
    agenda.define('shared', async (job: Job) => void runs.push({ by, id: String(job.attrs._id) }), { concurrency: 10 });
  }
  for (let i = 0; i < 30; i += 1) await one.now('shared', { i });
  await Promise.all([one.start(), two.start()]);
  await waitFor(() => runs.length >= 30, '30 runs');
  await sleep(3 * PROCESS_EVERY); // a few more scans: nothing may run twice
  expect(runs).toHaveLength(30);
  expect(new Set(runs.map(r => r.id)).size).toBe(30);
});

it('a long job that touch()es keeps its lock past lockLifetime: no other process takes it over', async () => {
  const [one, two] = await Promise.all([newAgenda({ name: 'one', ownPool: true }), newAgenda({ name: 'two', ownPool: true })]);
  const starts: string[] = [];
  const failures: Error[] = [];
  for (const [agenda, by] of [[one, 'one'], [two, 'two']] as const) {
    agenda.define('long', async (job: Job) => {
      starts.push(by);
      for (let step = 1; step <= 5; step += 1) {
        await sleep(150);
        await job.touch(step * 20);
      }
    }, { lockLifetime: 400 });
    agenda.on('fail', error => void failures.push(error));
  }
  const job = await one.now('long', {});
  await Promise.all([one.start(), two.start()]);
  await waitFor(async () => (await backend.repository.getJobById(job.attrs._id!))?.lastFinishedAt, 'long job to finish');
  expect(starts).toHaveLength(1);
  expect(failures).toEqual([]);
  expect(await backend.repository.getJobById(job.attrs._id!)).toMatchObject({ progress: 100, lockedAt: undefined });
});

it("recovers a dead worker's job once its lock is older than lockLifetime", async () => {
  const agenda = await newAgenda();
  const ran: string[] = [];
  agenda.define('orphan', async (job: Job) => void ran.push(String(job.attrs._id)), { lockLifetime: LOCK_LIFETIME });
  const saved = await backend.repository.saveJob({ name: 'orphan', priority: 0, nextRunAt: new Date(Date.now() - 11 * 60_000), type: 'normal', data: {} }, undefined);
  await pool.query('UPDATE agenda_jobs SET locked_at = ?, last_run_at = ? WHERE id = ?', [new Date(Date.now() - 10 * 60_000), new Date(Date.now() - 10 * 60_000), saved._id]);
  await agenda.start();
  await waitFor(() => ran.length === 1, 'orphan to run');
  expect(ran).toEqual([saved._id]);
});

it('disable() keeps a due job from running until enable()', async () => {
  const agenda = await newAgenda();
  let runs = 0;
  agenda.define('paused', async () => void (runs += 1));
  await agenda.now('paused', {});
  expect(await agenda.disable({ name: 'paused' })).toBe(1);
  await agenda.start();
  await sleep(4 * PROCESS_EVERY);
  expect(runs).toBe(0);
  expect((await agenda.queryJobs({ state: 'paused' })).total).toBe(1);
  expect(await agenda.enable({ name: 'paused' })).toBe(1);
  await waitFor(() => runs === 1, 'enabled job to run');
});

it('records a failure: failCount, failReason, failed state, overview', async () => {
  const agenda = await newAgenda();
  agenda.define('broken', async () => {
    throw new Error('kaput');
  });
  const job = await agenda.now('broken', {});
  await agenda.start();
  await waitFor(async () => (await backend.repository.getJobById(job.attrs._id!))?.failCount === 1, 'failure to be stored');
  expect(await backend.repository.getJobById(job.attrs._id!)).toMatchObject({ failReason: 'kaput', lockedAt: undefined });
  expect((await agenda.queryJobs({ state: 'failed' })).total).toBe(1);
  expect(await agenda.getJobsOverview()).toEqual([expect.objectContaining({ name: 'broken', total: 1, failed: 1 })]);
});

it('unique(): saving the same unique job twice through the Job API keeps one row', async () => {
  const agenda = await newAgenda();
  agenda.define('notify', async () => undefined);
  await agenda.create('notify', { userId: 1, text: 'a' }).unique({ 'data.userId': 1 }).schedule('in 1 hour').save();
  await agenda.create('notify', { userId: 1, text: 'b' }).unique({ 'data.userId': 1 }).schedule('in 1 hour').save();
  const { jobs } = await agenda.queryJobs({ name: 'notify' });
  expect(jobs.map(j => j.data)).toEqual([{ userId: 1, text: 'b' }]);
});

it('stop() unlocks jobs this process locked but had not started', async () => {
  const agenda = await newAgenda({ processEvery: 1000 });
  agenda.define('soon', async () => undefined);
  const job = await agenda.schedule(new Date(Date.now() + 700), 'soon', {});
  await agenda.start();
  await waitFor(async () => (await lockedCount('soon')) === 1, 'job to be locked ahead of its time');
  await agenda.stop();
  expect(await backend.repository.getJobById(job.attrs._id!)).toMatchObject({ lockedAt: undefined });
});
