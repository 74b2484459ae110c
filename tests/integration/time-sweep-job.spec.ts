/**
 * The time-sweep job: one worker sweeps at its period, without gaps, for longer than its lock's
 * lifetime (the run keeps its lock alive), and no other worker sweeps meanwhile; when that worker
 * stops, another takes over.
 */
import { startJobRunner, JobRunner } from '../../src/jobs/job-runner';
import { createLogger } from '../../src/logger';
import { createServices } from '../../src/services';
import { createTestDatabase, TestDatabase } from '../support/db';

jest.setTimeout(60_000);

const LOCK_MS = 1_500;
const SWEEP_MS = 200;
let db: TestDatabase;
const runners: JobRunner[] = [];
/** Every sweep: which runner, when it started and ended. */
const sweeps: Array<{ runner: number; start: number; end: number }> = [];

beforeAll(async () => {
  db = await createTestDatabase();
  const logger = createLogger('silent');
  for (const runner of [0, 1]) {
    const services = createServices(db.dataSource, logger);
    const runDue = services.segmentTimes.runDue.bind(services.segmentTimes);
    services.segmentTimes.runDue = async (options) => {
      const start = Date.now();
      try {
        return await runDue(options);
      } finally {
        sweeps.push({ runner, start, end: Date.now() });
      }
    };
    runners.push(await startJobRunner({ databaseUrl: db.url, services, logger, process: true, processEveryMs: 100, lockLifetimeMs: LOCK_MS, timeSweepMs: SWEEP_MS }));
  }
});

afterAll(async () => {
  for (const r of runners) await r.stop(1_000);
  await db.drop();
});

test('one worker sweeps every period for several lock lifetimes, alone; another takes over when it stops', async () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  for (let i = 0; i < 100 && sweeps.length === 0; i++) await sleep(100);
  const from = sweeps[0].start;
  await sleep(4 * LOCK_MS);
  const seen = sweeps.filter((s) => s.start >= from);
  // Never two sweeps at once.
  const ordered = [...seen].sort((a, b) => a.start - b.start);
  for (let i = 1; i < ordered.length; i++) expect(ordered[i].start).toBeGreaterThanOrEqual(ordered[i - 1].end);
  // One runner all along, at its period: no gap of a lock lifetime or a poll.
  const holder = ordered[0].runner;
  expect(new Set(ordered.map((s) => s.runner))).toEqual(new Set([holder]));
  const gaps = ordered.slice(1).map((s, i) => s.start - ordered[i].end);
  expect(Math.max(...gaps)).toBeLessThan(SWEEP_MS + 150);
  expect(ordered.length).toBeGreaterThan((4 * LOCK_MS) / (SWEEP_MS + 150));

  // The holder stops: the other one sweeps next (the stopped run released its job).
  await runners[holder].stop(2_000);
  const stoppedAt = Date.now();
  for (let i = 0; i < 100 && !sweeps.some((s) => s.start > stoppedAt); i++) await sleep(100);
  const after = sweeps.filter((s) => s.start > stoppedAt);
  expect(after.length).toBeGreaterThan(0);
  expect(new Set(after.map((s) => s.runner))).toEqual(new Set([1 - holder]));
});
