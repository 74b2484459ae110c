/**
 * Integration (real MariaDB): storing, finding, counting and removing jobs through the
 * repository, the way Agenda calls it.
 */
import mysql from 'mysql2/promise';
import type { JobParameters } from 'agenda' with { 'resolution-mode': 'import' };
import { MysqlBackend, type MysqlJobRepository } from '../../src/agenda-mysql';
import { createTestDatabase, type TestDatabase } from '../support/db';

let db: TestDatabase;
let pool: mysql.Pool;
let repo: MysqlJobRepository;

const MINUTE = 60_000;
const ago = (ms: number) => new Date(Date.now() - ms);
const ahead = (ms: number) => new Date(Date.now() + ms);

beforeAll(async () => {
  db = await createTestDatabase('agenda_repo');
  pool = mysql.createPool({ uri: db.url, timezone: 'Z', connectionLimit: 4 });
  const backend = new MysqlBackend({ pool, ensureSchema: false });
  await backend.connect();
  repo = backend.repository;
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});
beforeEach(async () => {
  await repo.purgeAllJobs();
});

function job(overrides: Partial<JobParameters> & { name: string }): JobParameters {
  return { priority: 0, nextRunAt: ago(1000), type: 'normal', data: {}, ...overrides };
}
const save = (j: JobParameters) => repo.saveJob(j, { lastModifiedBy: 'spec' });

describe('saveJob and getJobById', () => {
  it('inserts a job with an id and reads every field back unchanged', async () => {
    const fields = {
      name: 'round-trip', priority: 10, nextRunAt: new Date('2030-01-02T03:04:05.678Z'), type: 'normal' as const,
      data: { text: 'héllo ✓ 😀', n: 1.5, nested: { list: [1, 'two', null, true] } },
      repeatInterval: '5 minutes', repeatTimezone: 'Europe/Paris', repeatAt: '3:30pm', fork: true,
      startDate: new Date('2030-01-01T00:00:00.000Z'), endDate: new Date('2031-01-01T00:00:00.000Z'), skipDays: [0, 6],
    };
    const saved = await save(fields);
    expect(saved._id).toMatch(/^\d+$/);
    expect(saved).toMatchObject({ ...fields, disabled: false, lastModifiedBy: 'spec' });
    expect(await repo.getJobById(saved._id!)).toEqual(saved);
  });

  it('stores dates as UTC in DATETIME(3), to the millisecond', async () => {
    const at = new Date('2030-06-15T23:59:59.999Z');
    const saved = await save(job({ name: 'utc', nextRunAt: at }));
    const [[row]] = await pool.query<mysql.RowDataPacket[]>('SELECT CAST(next_run_at AS CHAR) AS t FROM agenda_jobs WHERE id = ?', [saved._id]);
    expect(row.t).toBe('2030-06-15 23:59:59.999');
  });

  it('keeps the type of data: undefined, null, string, number, array', async () => {
    for (const data of [undefined, null, 'text', 42, [1, { a: 2 }]]) {
      const saved = await save(job({ name: 'data', data }));
      expect((await repo.getJobById(saved._id!))?.data).toEqual(data);
    }
  });

  it('updates a job by id, leaving processor fields alone unless given', async () => {
    const saved = await save(job({ name: 'upd', priority: 5, data: { v: 1 } }));
    await repo.saveJobState({ ...saved, lastRunAt: ago(500), failCount: 2, failReason: 'boom', failedAt: ago(400) }, undefined);
    const updated = await save({ name: 'upd', _id: saved._id, priority: 20, nextRunAt: ahead(MINUTE), type: 'normal', data: { v: 2 } });
    expect(updated).toMatchObject({ _id: saved._id, priority: 20, data: { v: 2 }, failCount: 2, failReason: 'boom' });
    expect(updated.lastRunAt).toBeInstanceOf(Date);
  });

  it('returns the job as given when updating one that was removed meanwhile', async () => {
    const saved = await save(job({ name: 'gone' }));
    await repo.removeJobs({ id: saved._id });
    const again = { ...saved, priority: 3 };
    expect(await save(again)).toBe(again);
    expect(await repo.getJobById(saved._id!)).toBeNull();
  });

  it('getJobById returns null for unknown and malformed ids', async () => {
    expect(await repo.getJobById('999999')).toBeNull();
    expect(await repo.getJobById('abc')).toBeNull();
    expect(await repo.getJobById('1 OR 1=1')).toBeNull();
  });

  it('saveJobState writes the processor fields and throws for a job that no longer exists', async () => {
    const saved = await save(job({ name: 'state' }));
    const state = { lockedAt: new Date(), lastRunAt: ago(100), lastFinishedAt: new Date(), progress: 75, failCount: 1, failReason: 'x', failedAt: ago(50) };
    await repo.saveJobState({ ...saved, ...state, nextRunAt: null }, undefined);
    expect(await repo.getJobById(saved._id!)).toMatchObject({ ...state, nextRunAt: null });
    // Saving the same state again changes nothing and must not be mistaken for a missing row.
    await expect(repo.saveJobState({ ...saved, ...state, nextRunAt: null }, undefined)).resolves.toBeUndefined();
    await repo.removeJobs({ id: saved._id });
    await expect(repo.saveJobState(saved, undefined)).rejects.toThrow(/no longer exists/);
  });

  it('rejects an invalid date instead of storing garbage', async () => {
    await expect(save(job({ name: 'bad', nextRunAt: new Date('nope') }))).rejects.toThrow(/invalid date/);
  });
});

describe('removeJobs, disableJobs, enableJobs, purgeAllJobs', () => {
  beforeEach(async () => {
    await save(job({ name: 'a', data: { team: 'red', n: 1 } }));
    await save(job({ name: 'a', data: { team: 'blue', n: 2 } }));
    await save(job({ name: 'b', data: { team: 'red', n: 3 } }));
    await save(job({ name: 'c', data: { team: 'red', n: 4 } }));
  });

  it('removes by name, names, notNames, data containment and ids; nothing for an empty filter', async () => {
    expect(await repo.removeJobs({})).toBe(0);
    expect(await repo.removeJobs({ notNames: [] })).toBe(0);
    expect(await repo.removeJobs({ name: 'a', data: { team: 'blue' } })).toBe(1);
    expect(await repo.removeJobs({ notNames: ['a', 'b'] })).toBe(1);
    const { jobs } = await repo.queryJobs({ names: ['a', 'b'] });
    expect(await repo.removeJobs({ ids: [...jobs.map(j => j._id), 'junk'] })).toBe(2);
    expect(await repo.getDistinctJobNames()).toEqual([]);
  });

  it('disables and enables matching jobs, counting only those that changed', async () => {
    expect(await repo.disableJobs({ data: { team: 'red' } })).toBe(3);
    expect(await repo.disableJobs({ name: 'a' })).toBe(1);
    expect((await repo.queryJobs({ includeDisabled: false })).total).toBe(0);
    expect(await repo.enableJobs({ names: ['a', 'b'] })).toBe(3);
    expect(await repo.enableJobs({})).toBe(0);
    expect((await repo.queryJobs({ state: 'paused' })).jobs.map(j => j.name)).toEqual(['c']);
  });

  it('purgeAllJobs removes everything and reports how many', async () => {
    expect(await repo.purgeAllJobs()).toBe(4);
    expect(await repo.getQueueSize()).toBe(0);
  });
});

describe('queries', () => {
  it('getDistinctJobNames lists each name once, case-sensitively', async () => {
    for (const name of ['b', 'a', 'b', 'A']) await save(job({ name }));
    expect(await repo.getDistinctJobNames()).toEqual(['A', 'a', 'b']);
  });

  it('getQueueSize counts jobs whose nextRunAt has passed', async () => {
    await save(job({ name: 'p1', nextRunAt: ago(MINUTE) }));
    await save(job({ name: 'p2', nextRunAt: ago(1000) }));
    await save(job({ name: 'f', nextRunAt: ahead(MINUTE) }));
    await save(job({ name: 'n', nextRunAt: null }));
    expect(await repo.getQueueSize()).toBe(2);
  });

  it('queryJobs filters by name, names, id, ids, search and data, and pages with a total', async () => {
    const a1 = await save(job({ name: 'mail-send', nextRunAt: ahead(1 * MINUTE), data: { to: 'x', tags: ['t1', 't2'] } }));
    await save(job({ name: 'mail-send', nextRunAt: ahead(2 * MINUTE), data: { to: 'y' } }));
    const b = await save(job({ name: 'report', nextRunAt: ahead(3 * MINUTE), data: { to: 'x' } }));
    expect((await repo.queryJobs()).total).toBe(3);
    expect((await repo.queryJobs({ name: 'mail-send' })).total).toBe(2);
    expect((await repo.queryJobs({ names: ['mail-send', 'report'] })).total).toBe(3);
    expect((await repo.queryJobs({ id: a1._id })).jobs.map(j => j._id)).toEqual([a1._id]);
    expect((await repo.queryJobs({ ids: [a1._id!, b._id!] })).total).toBe(2);
    expect((await repo.queryJobs({ id: 'nope' })).total).toBe(0);
    expect((await repo.queryJobs({ search: 'MAIL' })).total).toBe(2);
    expect((await repo.queryJobs({ search: '%' })).total).toBe(0);
    expect((await repo.queryJobs({ data: { to: 'x' } })).total).toBe(2);
    expect((await repo.queryJobs({ data: { tags: ['t2'] } })).jobs.map(j => j._id)).toEqual([a1._id]);

    const page = await repo.queryJobs({ sort: { nextRunAt: 'asc' }, skip: 1, limit: 1 });
    expect(page.total).toBe(3);
    expect(page.jobs.map(j => j.name)).toEqual(['mail-send']);
    expect(page.jobs[0].data).toEqual({ to: 'y' });
    expect((await repo.queryJobs({ sort: { nextRunAt: 'asc' }, skip: 2 })).jobs.map(j => j._id)).toEqual([b._id]);
  });

  it('queryJobs sorts by the given keys with NULLs last, by default nextRunAt descending', async () => {
    await save(job({ name: 'n1', nextRunAt: null, priority: 1 }));
    await save(job({ name: 'n2', nextRunAt: ahead(MINUTE), priority: 3 }));
    await save(job({ name: 'n3', nextRunAt: ahead(2 * MINUTE), priority: 2 }));
    const names = async (sort?: Parameters<MysqlJobRepository['queryJobs']>[0]) => (await repo.queryJobs(sort)).jobs.map(j => j.name);
    expect(await names()).toEqual(['n3', 'n2', 'n1']);
    expect(await names({ sort: { nextRunAt: 'asc' } })).toEqual(['n2', 'n3', 'n1']);
    expect(await names({ sort: { priority: 'desc' } })).toEqual(['n2', 'n3', 'n1']);
    expect(await names({ sort: { name: 'desc' } })).toEqual(['n3', 'n2', 'n1']);
    await expect(repo.queryJobs({ limit: -1 })).rejects.toThrow(/non-negative/);
  });
});

describe('computed states', () => {
  /** One job per state, plus a disabled one, built as Agenda would leave them. */
  async function seedStates(): Promise<void> {
    const t = Date.now();
    await save(job({ name: 's', data: 'running', lockedAt: new Date(t - 1000) }));
    await save(job({ name: 's', data: 'failed', failedAt: new Date(t - 1000), lastFinishedAt: new Date(t - 1000), nextRunAt: null }));
    await save(job({ name: 's', data: 'repeating', repeatInterval: '1 hour', nextRunAt: new Date(t + MINUTE) }));
    await save(job({ name: 's', data: 'scheduled', nextRunAt: new Date(t + MINUTE) }));
    await save(job({ name: 's', data: 'queued', nextRunAt: new Date(t - MINUTE) }));
    await save(job({ name: 's', data: 'completed', nextRunAt: null, lastFinishedAt: new Date(t - 1000), failedAt: new Date(t - 5000) }));
    await save(job({ name: 's', data: 'queued', nextRunAt: new Date(t - MINUTE), disabled: true }));
    await save(job({ name: 't', data: 'scheduled', nextRunAt: new Date(t + MINUTE) }));
  }

  it("matches Agenda's computeJobState for every job", async () => {
    const { computeJobState } = await import('agenda');
    await seedStates();
    const { jobs } = await repo.queryJobs();
    expect(jobs).toHaveLength(8);
    for (const j of jobs) {
      expect(j.state).toBe(computeJobState(j));
      expect(j.state).toBe(j.data);
    }
  });

  it('queryJobs filters by state in the database and counts the total after the filter', async () => {
    await seedStates();
    expect((await repo.queryJobs({ state: 'queued' })).total).toBe(2);
    expect((await repo.queryJobs({ state: 'scheduled', limit: 1 })).total).toBe(2);
    expect((await repo.queryJobs({ state: 'paused' })).jobs.map(j => [j.data, j.state])).toEqual([['queued', 'queued']]);
    expect((await repo.queryJobs({ state: 'running', name: 't' })).total).toBe(0);
  });

  it('getJobsOverview counts each state per name, with paused counted on top', async () => {
    await seedStates();
    expect(await repo.getJobsOverview()).toEqual([
      { name: 's', total: 7, running: 1, failed: 1, repeating: 1, scheduled: 1, queued: 2, completed: 1, paused: 1 },
      { name: 't', total: 1, running: 0, failed: 0, repeating: 0, scheduled: 1, queued: 0, completed: 0, paused: 0 },
    ]);
  });
});
