/**
 * `single` jobs (every()), `unique()` jobs and debouncing: unit tests for the pure debounce
 * rules, integration tests (real MariaDB) for the upserts, including concurrent ones.
 */
import mysql from 'mysql2/promise';
import type { JobParameters } from 'agenda' with { 'resolution-mode': 'import' };
import { MysqlBackend, type MysqlJobRepository } from '../../src/agenda-mysql';
import { debounceSchedule } from '../../src/agenda-mysql/debounce';
import { jsonPath } from '../../src/agenda-mysql/job-filters';
import { createTestDatabase, type TestDatabase } from '../support/db';

let db: TestDatabase;
let pool: mysql.Pool;
let repo: MysqlJobRepository;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ago = (ms: number) => new Date(Date.now() - ms);
const ahead = (ms: number) => new Date(Date.now() + ms);

beforeAll(async () => {
  db = await createTestDatabase('agenda_uniq');
  pool = mysql.createPool({ uri: db.url, timezone: 'Z', connectionLimit: 10 });
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

const save = (j: JobParameters) => repo.saveJob(j, undefined);
const count = async (name: string) => (await repo.queryJobs({ name })).total;

describe("'single' jobs: one row per name", () => {
  const every = (overrides: Partial<JobParameters> = {}): JobParameters =>
    ({ name: 'hourly', priority: 0, type: 'single', repeatInterval: '1 hour', nextRunAt: ahead(HOUR), data: { v: 1 }, ...overrides });

  it('a second save updates the same job', async () => {
    const first = await save(every());
    const second = await save(every({ priority: 10, data: { v: 2 }, repeatInterval: '2 hours' }));
    expect(second).toMatchObject({ _id: first._id, priority: 10, data: { v: 2 }, repeatInterval: '2 hours' });
    expect(await count('hourly')).toBe(1);
  });

  it('keeps the stored nextRunAt when the new one is already due (a restart does not run it again)', async () => {
    const scheduled = ahead(30 * MINUTE);
    await save(every({ nextRunAt: scheduled }));
    const again = await save(every({ nextRunAt: new Date() }));
    expect(again.nextRunAt).toEqual(scheduled);
    const moved = await save(every({ nextRunAt: ahead(2 * HOUR) }));
    expect(moved.nextRunAt!.getTime()).toBeGreaterThan(scheduled.getTime());
  });

  it('keeps a job an operator disabled when the process declares it again', async () => {
    await save(every());
    await repo.disableJobs({ name: 'hourly' });
    expect((await save(every())).disabled).toBe(true);
    expect((await save(every({ disabled: false }))).disabled).toBe(false);
  });

  it('20 concurrent declarations from separate sessions leave one row', async () => {
    const pools = Array.from({ length: 20 }, () => mysql.createPool({ uri: db.url, timezone: 'Z', connectionLimit: 1 }));
    try {
      const repos = pools.map(p => new MysqlBackend({ pool: p, ensureSchema: false }).repository);
      const saved = await Promise.all(repos.map((r, i) => r.saveJob(every({ data: { i } }), undefined)));
      expect(new Set(saved.map(s => s._id)).size).toBe(1);
      expect(await count('hourly')).toBe(1);
    } finally {
      await Promise.all(pools.map(p => p.end()));
    }
  });

  it('does not collide with a normal job of the same name or a single job of another case', async () => {
    await save({ name: 'hourly', priority: 0, type: 'normal', nextRunAt: null, data: null });
    await save(every());
    await save(every({ name: 'HOURLY' }));
    expect(await repo.getDistinctJobNames()).toEqual(['HOURLY', 'hourly']);
    expect(await count('hourly')).toBe(2);
  });
});

describe('unique() jobs', () => {
  const unique = (unique: Record<string, unknown>, overrides: Partial<JobParameters> = {}): JobParameters =>
    ({ name: 'sync', priority: 0, type: 'normal', nextRunAt: ahead(MINUTE), data: { userId: 1, v: 1 }, unique, ...overrides });

  it('updates the job matching the unique query instead of inserting another', async () => {
    const first = await save(unique({ 'data.userId': 1 }));
    const second = await save(unique({ 'data.userId': 1 }, { data: { userId: 1, v: 2 } }));
    const other = await save(unique({ 'data.userId': 2 }, { data: { userId: 2, v: 1 } }));
    expect(second._id).toBe(first._id);
    expect(second.data).toEqual({ userId: 1, v: 2 });
    expect(other._id).not.toBe(first._id);
    expect(await count('sync')).toBe(2);
  });

  it('matches by type: 1 and "1" are different keys', async () => {
    await save(unique({ 'data.userId': 1 }));
    await save(unique({ 'data.userId': '1' }, { data: { userId: '1' } }));
    expect(await count('sync')).toBe(2);
  });

  it('insertOnly returns the stored job unchanged', async () => {
    const first = await save(unique({ 'data.userId': 1 }));
    const again = await save(unique({ 'data.userId': 1 }, { data: { userId: 1, v: 99 }, uniqueOpts: { insertOnly: true } }));
    expect(again).toEqual(first);
  });

  it('supports nested paths, objects, null, the whole data, and top-level fields', async () => {
    const data = { account: { id: 7, region: 'eu' }, list: [1, 2], gone: null };
    const a = await save(unique({ 'data.account.id': 7, 'data.list': [1, 2] }, { data }));
    expect((await save(unique({ 'data.account': { id: 7, region: 'eu' } }, { data })))._id).toBe(a._id);
    expect((await save(unique({ 'data.gone': null, 'data.missing': null }, { data })))._id).toBe(a._id);
    expect((await save(unique({ data }, { data })))._id).toBe(a._id);
    expect((await save(unique({ 'data.account': { id: 7 } }, { data })))._id).not.toBe(a._id);
    expect((await save(unique({ priority: 0, type: 'normal', 'data.userId': 5 }, { data: { userId: 5 } })))._id).not.toBe(a._id);
  });

  it('rejects keys it cannot express as SQL', async () => {
    await expect(save(unique({ lockedAt: null }))).rejects.toThrow(/unsupported unique key/);
    await expect(save(unique({ 'data.a"b': 1 }))).rejects.toThrow(/unsupported unique key/);
    expect(jsonPath('data.a.b c')).toBe('$."a"."b c"');
  });

  it('20 concurrent saves of the same unique job from separate sessions leave one row', async () => {
    const pools = Array.from({ length: 20 }, () => mysql.createPool({ uri: db.url, timezone: 'Z', connectionLimit: 1 }));
    try {
      const repos = pools.map(p => new MysqlBackend({ pool: p, ensureSchema: false }).repository);
      await Promise.all(repos.map((r, i) => r.saveJob(unique({ 'data.userId': 1 }, { data: { userId: 1, i } }), undefined)));
      expect(await count('sync')).toBe(1);
    } finally {
      await Promise.all(pools.map(p => p.end()));
    }
  });
});

describe('debounce rules (pure)', () => {
  const now = new Date('2030-01-01T00:00:10.000Z');
  const at = (s: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, s));

  it('trailing: a new burst runs delay after now, and each save pushes it back', () => {
    expect(debounceSchedule(undefined, now, { delay: 1000 }, now)).toEqual({ nextRunAt: at(11), debounceStartedAt: now });
    expect(debounceSchedule({ nextRunAt: at(10.5), debounceStartedAt: at(9) }, now, { delay: 1000 }, now))
      .toEqual({ nextRunAt: at(11), debounceStartedAt: at(9) });
  });

  it('trailing with maxWait: never later than maxWait after the burst began; past it, run now and end the burst', () => {
    expect(debounceSchedule({ nextRunAt: at(11), debounceStartedAt: at(9) }, now, { delay: 5000, maxWait: 2000 }, now))
      .toEqual({ nextRunAt: at(11), debounceStartedAt: at(9) });
    expect(debounceSchedule({ nextRunAt: at(11), debounceStartedAt: at(7) }, now, { delay: 5000, maxWait: 2000 }, now))
      .toEqual({ nextRunAt: now, debounceStartedAt: null });
  });

  it('a job that already ran (nextRunAt null) starts a new burst', () => {
    expect(debounceSchedule({ nextRunAt: null, debounceStartedAt: at(0) }, now, { delay: 1000, maxWait: 2000 }, now))
      .toEqual({ nextRunAt: at(11), debounceStartedAt: now });
  });

  it('leading: the first save keeps its nextRunAt; later saves within delay change nothing; after it, a new burst', () => {
    expect(debounceSchedule(undefined, now, { delay: 5000, strategy: 'leading' }, now)).toEqual({ nextRunAt: now, debounceStartedAt: now });
    const stored = { nextRunAt: at(8), debounceStartedAt: at(8) };
    expect(debounceSchedule(stored, now, { delay: 5000, strategy: 'leading' }, now)).toBe(stored);
    expect(debounceSchedule(stored, now, { delay: 1000, strategy: 'leading' }, now)).toEqual({ nextRunAt: now, debounceStartedAt: now });
  });
});

describe('debounced saves (stored)', () => {
  const debounced = (data: unknown, debounce: NonNullable<JobParameters['uniqueOpts']>['debounce']): JobParameters =>
    ({ name: 'index', priority: 0, type: 'normal', nextRunAt: new Date(), data, unique: { 'data.key': 'k' }, uniqueOpts: { debounce } });

  it('trailing: one row, latest data, nextRunAt pushed back, debounceStartedAt kept from the first save', async () => {
    const first = await save(debounced({ key: 'k', n: 1 }, { delay: 60_000 }));
    const second = await save(debounced({ key: 'k', n: 2 }, { delay: 120_000 }));
    expect(second).toMatchObject({ _id: first._id, data: { key: 'k', n: 2 }, debounceStartedAt: first.debounceStartedAt });
    expect(second.nextRunAt!.getTime()).toBeGreaterThan(first.nextRunAt!.getTime());
    expect(await count('index')).toBe(1);
  });

  it('maxWait already passed: runs now and clears debounceStartedAt', async () => {
    const first = await save(debounced({ key: 'k' }, { delay: 60_000, maxWait: 1000 }));
    await pool.query('UPDATE agenda_jobs SET debounce_started_at = ? WHERE id = ?', [ago(5000), first._id]);
    const second = await save(debounced({ key: 'k' }, { delay: 60_000, maxWait: 1000 }));
    expect(second.nextRunAt!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(second.debounceStartedAt).toBeUndefined();
  });
});
