/**
 * Retention of sync records (RetentionService and its job): old membership history goes except
 * what `membersAt` needs to answer exactly for every moment it accepts; old runs go except a
 * segment's latest and RUNNING ones; published change events go after a day; recent rows stay.
 */
import mysql from 'mysql2/promise';
import { startJobRunner } from '../../src/jobs/job-runner';
import { loadSegment } from '../../src/db/segment-store';
import { RetentionService } from '../../src/services/retention.service';
import { HISTORY_DAYS } from '../../src/services/segment-read.service';
import type { RequestContext } from '../../src/services/context';
import type { SegmentRecord } from '../../src/services/segment-types';
import { fingerprint, fingerprintDiff } from '../support/db-checksum';
import { seededRandom as random } from '../support/random';
import { serviceWorld, ServiceWorld } from '../support/services';

jest.setTimeout(60_000);

const DAY = 86_400_000;
let world: ServiceWorld;
let ctx: RequestContext;

beforeAll(async () => {
  world = await serviceWorld();
  ctx = await world.workspace('Retention');
});

afterAll(async () => {
  await world.close();
});

interface Row { id: string; objectId: string; change: 'ENTERED' | 'EXITED'; at: Date }

/** Who was a member at `t`, and since when, by the rule membersAt states: each object's latest row at or before t (by at, then id). */
function membersAtByRule(rows: readonly Row[], t: Date): Map<string, number> {
  const latest = new Map<string, Row>();
  for (const r of rows) {
    if (r.at > t) continue;
    const l = latest.get(r.objectId);
    if (!l || r.at > l.at || (r.at.getTime() === l.at.getTime() && BigInt(r.id) > BigInt(l.id))) latest.set(r.objectId, r);
  }
  return new Map([...latest].filter(([, r]) => r.change === 'ENTERED').map(([o, r]) => [o, r.at.getTime()]));
}

async function membersAtByService(segment: SegmentRecord, t: Date): Promise<Map<string, number>> {
  const page = await world.services.segmentReads.membersAt(segment, t, 1000);
  expect(page.hasNextPage).toBe(false);
  expect(page.totalCount).toBe(page.items.length);
  return new Map(page.items.map((i) => [i.node.id, i.joinedAt.getTime()]));
}

async function historyOf(segmentId: string): Promise<Row[]> {
  const rows = (await world.db.dataSource.query('SELECT id, object_id, change_kind, at FROM segment_membership_history WHERE segment_id = ? ORDER BY id', [segmentId])) as Array<{ id: string; object_id: string; change_kind: 'ENTERED' | 'EXITED'; at: Date }>;
  return rows.map((r) => ({ id: String(r.id), objectId: String(r.object_id), change: r.change_kind, at: r.at }));
}

test('over young history, runs and events, a run deletes and writes nothing', async () => {
  await world.services.objects.upsert(ctx, 'USER', [{ externalId: 'young' }]);
  await world.services.tags.tag(ctx, 'USER', [(await world.services.objects.upsert(ctx, 'USER', [{ externalId: 'young' }]))[0].id], ['young']);
  await world.services.segments.create(ctx, { objectType: 'USER', name: 'Young', filter: { tag: { tag: 'young' } } });
  const before = await fingerprint(world.db.dataSource);
  expect(await world.services.retention.prune()).toEqual({ historyRows: 0, runs: 0, changeEvents: 0, webhookDeliveries: 0 });
  expect(fingerprintDiff(before, await fingerprint(world.db.dataSource))).toEqual([]);
});

test('history: old rows go, except the one per object that membersAt needs; every answer membersAt gives stays the same', async () => {
  const users = await world.services.objects.upsert(ctx, 'USER', Array.from({ length: 40 }, (_, i) => ({ externalId: `r${i}` })));
  const created = await world.services.segments.create(ctx, { objectType: 'USER', name: 'History', filter: { tag: { tag: 'nobody-has-this' } } });
  const segment = (await loadSegment(world.db.dataSource, created.id))!;
  const now = new Date();
  const rnd = random(20261207);
  // Each user: alternating ENTERED/EXITED rows, from 200 days ago to now, some at the same
  // millisecond; inserted in a shuffled order, so that ids do not follow time.
  const planned: Array<Omit<Row, 'id'>> = [];
  for (const u of users) {
    let t = now.getTime() - 200 * DAY + Math.floor(rnd() * 30 * DAY);
    let change: Row['change'] = 'ENTERED';
    while (t < now.getTime() - 60_000) {
      planned.push({ objectId: u.id, change, at: new Date(t) });
      change = change === 'ENTERED' ? 'EXITED' : 'ENTERED';
      t += rnd() < 0.15 ? 0 : Math.floor(rnd() * 70 * DAY);
    }
  }
  for (let i = planned.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [planned[i], planned[j]] = [planned[j], planned[i]];
  }
  for (const p of planned) {
    await world.db.dataSource.query(
      "INSERT INTO segment_membership_history (segment_id, object_id, change_kind, trigger_kind, run_id, at) VALUES (?, ?, ?, 'SCHEDULE', NULL, ?)",
      [segment.id, p.objectId, p.change, p.at],
    );
  }
  const before = await historyOf(segment.id);
  expect(before.length).toBe(planned.length);
  // The cached results that history leads to: who entered last, since then.
  for (const [objectId, joined] of membersAtByRule(before, new Date(now.getTime() + DAY))) {
    await world.db.dataSource.query('INSERT INTO segment_members (segment_id, object_id, joined_at) VALUES (?, ?, ?)', [segment.id, objectId, new Date(joined)]);
  }
  await world.db.dataSource.query('UPDATE segments SET member_count = (SELECT COUNT(*) FROM segment_members WHERE segment_id = ?) WHERE id = ?', [segment.id, segment.id]);
  const cutoff = new Date(now.getTime() - (HISTORY_DAYS + 1) * DAY);
  const old = before.filter((r) => r.at < cutoff);
  // The data set has what the rule must handle: objects with several old rows, old EXITED rows last.
  expect(old.length).toBeGreaterThan(users.length);

  // Every moment membersAt accepts, sampled, plus each row's own time in that range.
  const moments = [
    new Date(now.getTime() - HISTORY_DAYS * DAY + 60_000),
    ...before.filter((r) => r.at.getTime() > now.getTime() - HISTORY_DAYS * DAY + 60_000).map((r) => r.at),
    now,
  ];
  for (const t of moments.slice(0, 5)) expect(await membersAtByService(segment, t)).toEqual(membersAtByRule(before, t));

  // Small batches, so that batches end between the rows of one object. A first run 30 days
  // ago reads every old row; the run now reads only the rows that aged since.
  const retention = new RetentionService(world.db.dataSource, world.logger, { batchSize: 3 });
  const earlier = new Date(now.getTime() - 30 * DAY);
  const first = await retention.prune(earlier);
  const earlierCutoff = new Date(earlier.getTime() - (HISTORY_DAYS + 1) * DAY);
  const afterFirst = await historyOf(segment.id);
  const olderThanFirst = before.filter((r) => r.at < earlierCutoff);
  expect(afterFirst.filter((r) => r.at < earlierCutoff).map((r) => r.objectId).sort()).toEqual([...membersAtByRule(olderThanFirst, earlierCutoff).keys()].sort());
  expect(first.historyRows).toBeGreaterThan(0);
  const pruned = await retention.prune(now);
  const after = await historyOf(segment.id);
  expect(first.historyRows + pruned.historyRows).toBe(before.length - after.length);
  expect(pruned.historyRows).toBeGreaterThan(0);

  // What is left of the old rows: per object, only its latest old row, and only if it is ENTERED.
  const oldAfter = after.filter((r) => r.at < cutoff);
  const expectedOld = [...membersAtByRule(old, cutoff)].map(([objectId]) => objectId).sort();
  expect(oldAfter.map((r) => r.objectId).sort()).toEqual(expectedOld);
  expect(oldAfter.every((r) => r.change === 'ENTERED')).toBe(true);
  expect(oldAfter.length).toBeLessThan(old.length);
  // Newer rows are all still there.
  expect(after.filter((r) => r.at >= cutoff)).toEqual(before.filter((r) => r.at >= cutoff));
  // And membersAt answers as before, by the rule applied to the rows as they were.
  for (const t of moments) expect(await membersAtByService(segment, t)).toEqual(membersAtByRule(before, t));

  // A second run finds nothing more to delete.
  expect((await world.services.retention.prune(now)).historyRows).toBe(0);
});

test('runs: old ones go, except RUNNING ones and each segment’s latest; recent ones stay', async () => {
  const ds = world.db.dataSource;
  const a = await world.services.segments.create(ctx, { objectType: 'USER', name: 'Runs A', filter: { tag: { tag: 'a' } } });
  const b = await world.services.segments.create(ctx, { objectType: 'USER', name: 'Runs B', filter: { tag: { tag: 'b' } } });
  const now = new Date();
  const run = async (segmentId: string, daysAgo: number, status: string) => {
    const res = (await ds.query(
      'INSERT INTO segment_sync_runs (segment_id, workspace_id, trigger_kind, status, started_at) VALUES (?, ?, ?, ?, ?)',
      [segmentId, ctx.actor.workspaceId, 'SCHEDULE', status, new Date(now.getTime() - daysAgo * DAY)],
    )) as { insertId: number };
    return String(res.insertId);
  };
  // B's only run is old: its create-time run is replaced by one from 200 days ago.
  await ds.query('DELETE FROM segment_sync_runs WHERE segment_id = ?', [b.id]);
  const bOnly = await run(b.id, 200, 'SUCCEEDED');
  const aOld = [await run(a.id, 200, 'SUCCEEDED'), await run(a.id, 150, 'FAILED')];
  const aStuck = await run(a.id, 120, 'RUNNING');
  const aRecent = await run(a.id, 10, 'SUCCEEDED');
  const ids = async (segmentId: string) => ((await ds.query('SELECT id FROM segment_sync_runs WHERE segment_id = ? ORDER BY id', [segmentId])) as Array<{ id: string }>).map((r) => String(r.id));
  const aBefore = await ids(a.id);
  expect(aBefore).toEqual(expect.arrayContaining([...aOld, aStuck, aRecent]));

  const pruned = await world.services.retention.prune(now);
  expect(pruned.runs).toBe(2);
  expect(await ids(a.id)).toEqual(aBefore.filter((id) => !aOld.includes(id)));
  expect(await ids(b.id)).toEqual([bOnly]);
  // syncRuns still lists what is left, newest first.
  const segA = (await loadSegment(ds, a.id))!;
  expect((await world.services.segmentReads.runs(segA, 10)).map((r) => r.id)).toEqual([...aBefore.filter((id) => !aOld.includes(id))].reverse());
});

test('change events: published ones go after a day; unpublished and recent ones stay', async () => {
  const ds = world.db.dataSource;
  const seg = await world.services.segments.create(ctx, { objectType: 'USER', name: 'Outbox', filter: { tag: { tag: 'c' } } });
  const now = new Date();
  const event = async (publishedHoursAgo: number | null) => {
    const res = (await ds.query(
      `INSERT INTO segment_change_events (workspace_id, segment_id, object_type, trigger_kind, previous_count, member_count, entered_count, exited_count, entered_ids, exited_ids, at, published_at)
       VALUES (?, ?, 1, 'SCHEDULE', 0, 1, 1, 0, '["1"]', '[]', ?, ?)`,
      [ctx.actor.workspaceId, seg.id, new Date(now.getTime() - 49 * 3_600_000), publishedHoursAgo === null ? null : new Date(now.getTime() - publishedHoursAgo * 3_600_000)],
    )) as { insertId: number };
    return String(res.insertId);
  };
  const gone = await event(48);
  const kept = [await event(2), await event(null)];
  const left = async () => ((await ds.query('SELECT id FROM segment_change_events WHERE segment_id = ? ORDER BY id', [seg.id])) as Array<{ id: string }>).map((r) => String(r.id));
  expect(await left()).toContain(gone);
  const pruned = await world.services.retention.prune(now);
  expect(pruned.changeEvents).toBeGreaterThanOrEqual(1);
  expect(await left()).toEqual(kept);
});

test('webhook deliveries: finished ones go after 30 days; pending ones stay, however old', async () => {
  const ds = world.db.dataSource;
  const now = new Date();
  const ago = (days: number) => new Date(now.getTime() - days * DAY);
  let event = 900_000;
  const delivery = async (status: string, finishedDaysAgo: number | null, createdDaysAgo: number) => {
    const res = (await ds.query(
      `INSERT INTO webhook_deliveries (workspace_id, webhook_id, segment_id, change_event_id, event_kind, object_type, trigger_kind, object_count, object_ids, event_at, status, created_at, finished_at)
       VALUES (?, 1, 1, ?, 'ENTERED', 1, 'SCHEDULE', 1, '["1"]', ?, ?, ?, ?)`,
      [ctx.actor.workspaceId, event++, ago(createdDaysAgo), status, ago(createdDaysAgo), finishedDaysAgo === null ? null : ago(finishedDaysAgo)],
    )) as { insertId: number };
    return String(res.insertId);
  };
  const gone = [await delivery('SUCCEEDED', 40, 40), await delivery('FAILED', 31, 35)];
  const kept = [await delivery('SUCCEEDED', 29, 29), await delivery('PENDING', null, 60), await delivery('FAILED', 2, 32)];
  const left = async () => ((await ds.query('SELECT id FROM webhook_deliveries WHERE id IN (?) ORDER BY id', [[...gone, ...kept]])) as Array<{ id: string }>).map((r) => String(r.id));
  expect(await left()).toEqual([...gone, ...kept]);
  expect((await world.services.retention.prune(now)).webhookDeliveries).toBe(2);
  expect(await left()).toEqual(kept);
});

test('interrupt() ends a run at once, even one waiting for a row lock, and deletes nothing more', async () => {
  const ds = world.db.dataSource;
  const seg = await world.services.segments.create(ctx, { objectType: 'USER', name: 'Interrupted', filter: { tag: { tag: 'e' } } });
  const res = (await ds.query("INSERT INTO segment_sync_runs (segment_id, workspace_id, trigger_kind, status, started_at) VALUES (?, ?, 'SCHEDULE', 'SUCCEEDED', ?)", [seg.id, ctx.actor.workspaceId, new Date(Date.now() - 300 * DAY)])) as { insertId: number };
  await ds.query("INSERT INTO segment_sync_runs (segment_id, workspace_id, trigger_kind, status, started_at) VALUES (?, ?, 'MANUAL', 'SUCCEEDED', ?)", [seg.id, ctx.actor.workspaceId, new Date()]);
  const holder = await mysql.createConnection(world.db.url);
  try {
    await holder.query('START TRANSACTION');
    await holder.query('SELECT id FROM segment_sync_runs WHERE id = ? FOR UPDATE', [res.insertId]);
    const retention = new RetentionService(ds, world.logger);
    const t0 = Date.now();
    const running = retention.prune();
    // The run reaches the locked row and waits for it.
    for (let i = 0; i < 50; i++) {
      const waiting = (await ds.query("SELECT 1 FROM information_schema.PROCESSLIST WHERE INFO LIKE 'DELETE FROM segment_sync_runs%' AND STATE <> ''")) as unknown[];
      if (waiting.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await retention.interrupt();
    expect((await running).runs).toBe(0);
    expect(Date.now() - t0).toBeLessThan(4_000);
    expect(await retention.prune()).toEqual({ historyRows: 0, runs: 0, changeEvents: 0, webhookDeliveries: 0 });
  } finally {
    await holder.query('ROLLBACK');
    await holder.end();
  }
  expect(((await ds.query('SELECT id FROM segment_sync_runs WHERE id = ?', [res.insertId])) as unknown[]).length).toBe(1);
});

test('a worker runs the retention job on its own', async () => {
  const ds = world.db.dataSource;
  const seg = await world.services.segments.create(ctx, { objectType: 'USER', name: 'Job', filter: { tag: { tag: 'd' } } });
  const [{ id: runId }] = (await ds.query('SELECT id FROM segment_sync_runs WHERE segment_id = ?', [seg.id])) as Array<{ id: string }>;
  // An old run before the segment's latest one: the job deletes it.
  await ds.query("UPDATE segment_sync_runs SET started_at = ? WHERE id = ?", [new Date(Date.now() - 200 * DAY), runId]);
  await ds.query("INSERT INTO segment_sync_runs (segment_id, workspace_id, trigger_kind, status, started_at) VALUES (?, ?, 'MANUAL', 'SUCCEEDED', ?)", [seg.id, ctx.actor.workspaceId, new Date()]);
  const runner = await startJobRunner({ databaseUrl: world.db.url, services: world.services, logger: world.logger, process: true, processEveryMs: 100, lockLifetimeMs: 2_000, retentionEveryMs: 500 });
  try {
    const exists = async () => ((await ds.query('SELECT 1 FROM segment_sync_runs WHERE id = ?', [runId])) as unknown[]).length > 0;
    for (let i = 0; i < 100 && (await exists()); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await exists()).toBe(false);
  } finally {
    await runner.stop(2_000);
  }
});
