/**
 * Integration (real MariaDB): handing out jobs. Concurrency tests use separate pools, so each
 * caller is its own session, as separate worker processes would be.
 */
import mysql from 'mysql2/promise';
import { MysqlBackend, type MysqlJobRepository } from '../../src/agenda-mysql';
import { createTestDatabase, type TestDatabase } from '../support/db';

let db: TestDatabase;
let pool: mysql.Pool;
let repo: MysqlJobRepository;

const MINUTE = 60_000;
const ago = (ms: number) => new Date(Date.now() - ms);
const ahead = (ms: number) => new Date(Date.now() + ms);

beforeAll(async () => {
  db = await createTestDatabase('agenda_lock');
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

async function addJobs(name: string, count: number, nextRunAt = ago(1000), priority = 0): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const job = await repo.saveJob({ name, priority, nextRunAt, type: 'normal', data: { i } }, undefined);
    ids.push(String(job._id));
  }
  return ids;
}

/** `count` repositories, each on its own single-connection pool. */
async function workers(count: number): Promise<{ repos: MysqlJobRepository[]; end: () => Promise<void> }> {
  const pools = Array.from({ length: count }, () => mysql.createPool({ uri: db.url, timezone: 'Z', connectionLimit: 1 }));
  const repos = await Promise.all(
    pools.map(async p => {
      const backend = new MysqlBackend({ pool: p, ensureSchema: false });
      await backend.connect();
      return backend.repository;
    }),
  );
  return { repos, end: async () => void (await Promise.all(pools.map(p => p.end()))) };
}

const next = (r: MysqlJobRepository, name: string, lockDeadline = ago(10 * MINUTE), nextScanAt = ahead(5000)) =>
  r.getNextJobToRun(name, nextScanAt, lockDeadline, undefined, { lastModifiedBy: 'test' });

describe('getNextJobToRun under concurrency', () => {
  it('hands each of 20 due jobs to exactly one of 20 concurrent callers', async () => {
    const ids = await addJobs('race', 20);
    const { repos, end } = await workers(20);
    try {
      const got = await Promise.all(repos.map(r => next(r, 'race')));
      const gotIds = got.map(job => String(job?._id));
      expect(got.every(job => job?.lockedAt instanceof Date)).toBe(true);
      expect(new Set(gotIds).size).toBe(20);
      expect([...gotIds].sort()).toEqual([...ids].sort());
      const [[{ locked }]] = await pool.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS locked FROM agenda_jobs WHERE locked_at IS NOT NULL');
      expect(Number(locked)).toBe(20);
    } finally {
      await end();
    }
  });

  it('with 5 due jobs and 20 callers, exactly 5 callers get one each and the rest get nothing', async () => {
    await addJobs('scarce', 5);
    const { repos, end } = await workers(20);
    try {
      const got = (await Promise.all(repos.map(r => next(r, 'scarce')))).filter(Boolean);
      expect(got).toHaveLength(5);
      expect(new Set(got.map(job => String(job?._id))).size).toBe(5);
    } finally {
      await end();
    }
  });

  it('20 workers draining 200 jobs in a loop run every job exactly once', async () => {
    const ids = await addJobs('drain', 200);
    const { repos, end } = await workers(20);
    try {
      const taken: string[] = [];
      await Promise.all(
        repos.map(async r => {
          for (let job = await next(r, 'drain'); job; job = await next(r, 'drain')) taken.push(String(job._id));
        }),
      );
      expect(taken).toHaveLength(200);
      expect(new Set(taken)).toEqual(new Set(ids));
    } finally {
      await end();
    }
  });
});

describe('getNextJobToRun selection', () => {
  it('takes the earliest nextRunAt, then the highest priority', async () => {
    const at = ago(MINUTE);
    await repo.saveJob({ name: 'order', priority: 0, nextRunAt: ago(30_000), type: 'normal', data: 'later' }, undefined);
    await repo.saveJob({ name: 'order', priority: 5, nextRunAt: at, type: 'normal', data: 'low' }, undefined);
    await repo.saveJob({ name: 'order', priority: 10, nextRunAt: at, type: 'normal', data: 'high' }, undefined);
    const picked = [await next(repo, 'order'), await next(repo, 'order'), await next(repo, 'order'), await next(repo, 'order')];
    expect(picked.map(job => job?.data)).toEqual(['high', 'low', 'later', undefined]);
  });

  it('takes jobs due before the next scan, but not later ones, other names, or disabled ones', async () => {
    await repo.saveJob({ name: 'soon', priority: 0, nextRunAt: ahead(2000), type: 'normal', data: 'soon' }, undefined);
    await repo.saveJob({ name: 'soon', priority: 0, nextRunAt: ahead(MINUTE), type: 'normal', data: 'later' }, undefined);
    await repo.saveJob({ name: 'soon', priority: 0, nextRunAt: ago(1000), type: 'normal', data: 'off', disabled: true }, undefined);
    await repo.saveJob({ name: 'other', priority: 0, nextRunAt: ago(1000), type: 'normal', data: 'other' }, undefined);
    expect((await next(repo, 'soon'))?.data).toBe('soon');
    expect(await next(repo, 'soon')).toBeUndefined();
  });

  it('sets lockedAt to the given now and lastModifiedBy to the caller', async () => {
    const [id] = await addJobs('stamp', 1);
    const now = new Date(Date.now() - 123);
    const job = await repo.getNextJobToRun('stamp', ahead(1000), ago(MINUTE), now, { lastModifiedBy: 'worker-7' });
    expect(job).toMatchObject({ _id: id, lockedAt: now, lastModifiedBy: 'worker-7' });
    expect(await repo.getJobById(id)).toMatchObject({ lockedAt: now, lastModifiedBy: 'worker-7' });
  });
});

describe('lock expiry and renewal', () => {
  it('hands out again a job whose lock is older than the lock deadline, to one caller only', async () => {
    const [id] = await addJobs('expire', 1);
    expect((await next(repo, 'expire'))?._id).toBe(id);
    expect(await next(repo, 'expire')).toBeUndefined();

    // A worker that died 10 minutes ago: its lock is older than a 5-minute lifetime allows.
    await pool.query('UPDATE agenda_jobs SET locked_at = ? WHERE id = ?', [ago(10 * MINUTE), id]);
    const { repos, end } = await workers(5);
    try {
      const got = (await Promise.all(repos.map(r => next(r, 'expire', ago(5 * MINUTE))))).filter(Boolean);
      expect(got.map(job => job?._id)).toEqual([id]);
      expect(got[0]!.lockedAt!.getTime()).toBeGreaterThan(Date.now() - MINUTE);
    } finally {
      await end();
    }
  });

  it('recovers an expired lock even when the job is rescheduled in the future (a crashed repeating job)', async () => {
    const [id] = await addJobs('crashed', 1, ahead(MINUTE));
    await pool.query('UPDATE agenda_jobs SET locked_at = ? WHERE id = ?', [ago(10 * MINUTE), id]);
    expect((await next(repo, 'crashed', ago(5 * MINUTE)))?._id).toBe(id);
  });

  it('a touched job (lock renewed through saveJobState) is not recoverable', async () => {
    await addJobs('touch', 1);
    const job = await next(repo, 'touch');
    await pool.query('UPDATE agenda_jobs SET locked_at = ? WHERE id = ?', [ago(10 * MINUTE), job!._id]);
    // What Job.touch() does: lockedAt = now, progress, then saveJobState.
    await repo.saveJobState({ ...job!, lockedAt: new Date(), progress: 40 }, { lastModifiedBy: 'test' });
    expect(await next(repo, 'touch', ago(5 * MINUTE))).toBeUndefined();
    expect(await repo.getJobById(job!._id!)).toMatchObject({ progress: 40 });
  });
});

describe('lockJob, unlockJob, unlockJobs', () => {
  it('locks a given job once; a second attempt, or one with a stale nextRunAt, fails', async () => {
    const saved = await repo.saveJob({ name: 'one', priority: 0, nextRunAt: ago(1000), type: 'normal', data: {} }, undefined);
    const stale = { ...saved, nextRunAt: ago(5000) };
    expect(await repo.lockJob(stale, undefined)).toBeUndefined();
    const locked = await repo.lockJob(saved, undefined);
    expect(locked?.lockedAt).toBeInstanceOf(Date);
    expect(await repo.lockJob(saved, undefined)).toBeUndefined();
  });

  it('does not lock a disabled job or an unknown id', async () => {
    const saved = await repo.saveJob({ name: 'off', priority: 0, nextRunAt: ago(1000), type: 'normal', data: {}, disabled: true }, undefined);
    expect(await repo.lockJob(saved, undefined)).toBeUndefined();
    expect(await repo.lockJob({ ...saved, _id: 'nope' as never }, undefined)).toBeUndefined();
  });

  it('unlockJob releases a pending job but not a started one-time job; unlockJobs releases all given', async () => {
    const [a, b, c] = await addJobs('unlock', 3);
    for (let i = 0; i < 3; i += 1) await next(repo, 'unlock');
    await pool.query('UPDATE agenda_jobs SET next_run_at = NULL WHERE id = ?', [b]);
    await repo.unlockJob((await repo.getJobById(a))!);
    await repo.unlockJob((await repo.getJobById(b))!);
    expect((await repo.getJobById(a))?.lockedAt).toBeUndefined();
    expect((await repo.getJobById(b))?.lockedAt).toBeInstanceOf(Date);
    await repo.unlockJobs([b, c, 'junk']);
    expect((await repo.getJobById(b))?.lockedAt).toBeUndefined();
    expect((await repo.getJobById(c))?.lockedAt).toBeUndefined();
  });
});
