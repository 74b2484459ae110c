/**
 * The time sweep's cadence: one job run sweeps every `timeSweepMs` (here 300 ms) for a while,
 * instead of one sweep per run of a recurring job (Agenda's polling started those 2–20 s apart,
 * which was most of the lag between a moment and its change), and it ends promptly on stop.
 */
import { startJobRunner } from '../../src/jobs/job-runner';
import { createLogger } from '../../src/logger';
import { createServices } from '../../src/services';
import { createTestDatabase, TestDatabase } from '../support/db';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

test('sweeps every timeSweepMs while the job runs, and stops at once', async () => {
  const services = createServices(db.dataSource, createLogger('silent'));
  const sweeps: number[] = [];
  const runDue = services.segmentTimes.runDue.bind(services.segmentTimes);
  jest.spyOn(services.segmentTimes, 'runDue').mockImplementation((options) => {
    sweeps.push(Date.now());
    return runDue(options);
  });
  const jobs = await startJobRunner({
    databaseUrl: db.url, services, logger: createLogger('silent'), process: true,
    processEveryMs: 2_000, lockLifetimeMs: 20_000, timeSweepMs: 300,
  });
  try {
    const deadline = Date.now() + 15_000;
    while (sweeps.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(sweeps.length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 4_000));
    const inWindow = sweeps.filter((t) => t - sweeps[0] <= 4_000);
    // 300 ms apart for 4 s: about 13; one sweep per job run would be 1 or 2.
    expect(inWindow.length).toBeGreaterThanOrEqual(9);
  } finally {
    const stopStarted = Date.now();
    await jobs.stop(5_000);
    expect(Date.now() - stopStarted).toBeLessThan(2_000);
  }
  const after = sweeps.length;
  await new Promise((r) => setTimeout(r, 700));
  expect(sweeps.length).toBe(after);
});
