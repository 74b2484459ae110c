/**
 * Three real worker processes (ROLE=worker) on one database with scheduled syncs; one is
 * killed with SIGKILL in the middle of a sync. No two runs of the segment overlap, every window
 * is synced once, the killed sync is redone, and the cached results equal what the filter selects.
 */
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { startJobRunner } from '../../src/jobs/job-runner';
import { createLogger } from '../../src/logger';
import { createServices } from '../../src/services';
import { createTestDatabase, TestDatabase } from '../support/db';

const MAIN = path.join(__dirname, '..', '..', 'dist', 'src', 'main.js');
const USERS = 150_000;
let db: TestDatabase;
const workers: Array<{ child: ChildProcess; started: string[] }> = [];

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await db?.drop();
});

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function spawnWorker(): { child: ChildProcess; started: string[] } {
  const child = spawn(process.execPath, [MAIN, 'start'], {
    env: { ...process.env, DATABASE_URL: db.url, ROLE: 'worker', SEED_DEMO: 'false', LOG_LEVEL: 'info', JOB_POLL_MS: '200', JOB_LOCK_LIFETIME_MS: '3000' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const worker = { child, started: [] as string[] };
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const line of lines) if (line.includes('segment sync started')) worker.started.push(line);
  });
  return worker;
}

test('a worker killed mid-sync: the sync is redone by another, windows run once, results match the filter', async () => {
  db = await createTestDatabase();
  const logger = createLogger('silent');
  const services = createServices(db.dataSource, logger);
  const scheduling = await startJobRunner({ databaseUrl: db.url, services, logger, process: false });
  services.segments.useScheduler(scheduling.scheduler);
  const ws = await services.workspaces.createWorkspace({ name: 'Workers' });
  const ctx = { actor: (await services.auth.authenticate(ws.token))!, requestId: 't', logger };
  // A data set big enough for a sync that flips every member to take a while (MariaDB's sequence engine).
  await db.dataSource.query(
    `INSERT INTO users (id, workspace_id, external_id, attributes, created_at, updated_at, city, marketing_consent)
     SELECT seq, ?, CONCAT('u', seq), '{}', NOW(3), NOW(3), IF(seq % 2, 'Oslo', 'Rome'), 0 FROM seq_1_to_${USERS}`,
    [ws.workspaceId],
  );
  const seg = await services.segments.create(ctx, { objectType: 'USER', name: 'Oslo', filter: { attribute: { field: 'city', operator: 'EQ', value: 'Oslo' } }, syncIntervalMinutes: 5 });
  expect(seg.count).toBe(USERS / 2);
  for (let i = 0; i < 3; i++) workers.push(spawnWorker());

  const scheduleRuns = () => db.dataSource.query("SELECT * FROM segment_sync_runs WHERE segment_id = ? AND trigger_kind = 'SCHEDULE' ORDER BY id", [seg.id]) as Promise<Array<Record<string, unknown>>>;
  const makeDue = async () => {
    // Every member leaves and every non-member enters: the sync has a lot to do.
    await db.dataSource.query("UPDATE users SET city = IF(city = 'Oslo', 'Rome', 'Oslo') WHERE workspace_id = ?", [ws.workspaceId]);
    await db.dataSource.query("UPDATE agenda_jobs SET next_run_at = NOW(3) - INTERVAL 1 SECOND WHERE name = 'segment-sync' AND JSON_VALUE(data, '$.segmentId') = ?", [seg.id]);
  };

  // Window 1: kill whichever worker starts the sync, while it runs.
  await makeDue();
  const victim = await until(async () => workers.find((w) => w.started.length > 0), (w) => w !== undefined);
  await until(() => scheduleRuns(), (runs) => runs.some((r) => r.status === 'RUNNING'));
  victim!.child.kill('SIGKILL');
  const window1 = await until(() => scheduleRuns(), (runs) => runs.some((r) => r.status === 'SUCCEEDED'));
  expect(window1.map((r) => r.status)).toEqual(['FAILED', 'SUCCEEDED']);
  expect(window1[0].error).toMatch(/interrupted/);
  expect(window1[1]).toMatchObject({ entered: USERS / 2, exited: USERS / 2, member_count: USERS / 2 });
  expect(workers.filter((w) => w !== victim).some((w) => w.started.length > 0)).toBe(true);

  // Windows 2 and 3 on the two survivors: each once.
  for (let window = 2; window <= 3; window++) {
    await makeDue();
    await until(() => scheduleRuns(), (runs) => runs.filter((r) => r.status === 'SUCCEEDED').length === window);
  }
  await new Promise((r) => setTimeout(r, 1_000));
  const runs = await scheduleRuns();
  expect(runs.map((r) => r.status)).toEqual(['FAILED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
  const all = await db.dataSource.query('SELECT started_at, finished_at FROM segment_sync_runs WHERE segment_id = ? ORDER BY started_at', [seg.id]);
  for (let i = 1; i < all.length; i++) expect(all[i].started_at.getTime()).toBeGreaterThanOrEqual(all[i - 1].finished_at.getTime());

  // The cached results are exactly what the filter selects now.
  const [{ diff }] = await db.dataSource.query(
    `SELECT (SELECT COUNT(*) FROM users u WHERE u.workspace_id = ? AND u.city = 'Oslo' AND NOT EXISTS (SELECT 1 FROM segment_members m WHERE m.segment_id = ? AND m.object_id = u.id))
          + (SELECT COUNT(*) FROM segment_members m JOIN users u ON u.id = m.object_id WHERE m.segment_id = ? AND u.city <> 'Oslo') AS diff`,
    [ws.workspaceId, seg.id, seg.id],
  );
  expect(Number(diff)).toBe(0);
  const [{ n }] = await db.dataSource.query('SELECT member_count AS n FROM segments WHERE id = ?', [seg.id]);
  expect(Number(n)).toBe(USERS / 2);
  await scheduling.stop(500);
}, 180_000);
