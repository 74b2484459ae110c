/**
 * The sync engine's fingerprint of cached results (count, id sum, XOR of id hashes) and its
 * in-memory staging: the fingerprint always equals the one recomputed from segment_members, an
 * unchanged re-sync skips staging and diffing, a changed one is never mistaken for unchanged, and
 * a set larger than the memory allowed for staging is staged on disk with the same result.
 */
import { idHashSql } from '../../src/core/filter/compiler';
import { createLogger } from '../../src/logger';
import { createServices, Services } from '../../src/services';
import type { RequestContext } from '../../src/services/context';
import { createTestDatabase, TestDatabase } from '../support/db';
import { statementsOf } from '../support/statements';

let db: TestDatabase;
let services: Services;
let ctx: RequestContext;
const logger = createLogger('silent');

beforeAll(async () => {
  db = await createTestDatabase();
  services = createServices(db.dataSource, logger);
  const ws = await services.workspaces.createWorkspace({ name: 'Fingerprint' });
  ctx = { actor: (await services.auth.authenticate(ws.token))!, requestId: 't', logger };
  await services.objects.upsert(ctx, 'USER', Array.from({ length: 60 }, (_, i) => ({ externalId: `u${i}`, city: i % 3 === 0 ? 'Oslo' : 'Rome' })));
});

afterAll(async () => {
  await db.drop();
});

/** Stored fingerprint, and the one recomputed from the cached results. */
async function fingerprints(segmentId: string) {
  const [stored] = (await db.dataSource.query('SELECT member_count AS n, CAST(member_sum AS CHAR) AS s, CAST(member_hash AS CHAR) AS h FROM segments WHERE id = ?', [segmentId])) as Array<{ n: number; s: string | null; h: string | null }>;
  const [actual] = (await db.dataSource.query(
    `SELECT COUNT(*) AS n, CAST(COALESCE(SUM(object_id), 0) AS CHAR) AS s, CAST(COALESCE(BIT_XOR(${idHashSql('object_id')}), 0) AS CHAR) AS h FROM segment_members WHERE segment_id = ?`,
    [segmentId],
  )) as Array<{ n: string; s: string; h: string }>;
  return { stored: { n: Number(stored.n), s: stored.s, h: stored.h }, actual: { n: Number(actual.n), s: actual.s, h: actual.h } };
}

const oslo = { attribute: { field: 'city', operator: 'EQ', value: 'Oslo' } };

test('the fingerprint follows every change: first sync, real-time changes, full syncs', async () => {
  const seg = await services.segments.create(ctx, { objectType: 'USER', name: 'Oslo', filter: oslo });
  let f = await fingerprints(seg.id);
  expect(f.actual.n).toBe(20);
  expect(f.stored).toEqual(f.actual);

  const [a, b] = (await services.objects.upsert(ctx, 'USER', [{ externalId: 'u1', city: 'Oslo' }, { externalId: 'u0', city: 'Bergen' }])).map((o) => o.id);
  expect(await services.segmentSyncs.evaluate(seg.id, [a, b])).toMatchObject({ enteredIds: [a], exitedIds: [b] });
  f = await fingerprints(seg.id);
  expect(f.actual.n).toBe(20);
  expect(f.stored).toEqual(f.actual);

  // Behind the engine's back (no real-time evaluation): the next sync must see the change.
  await db.dataSource.query("UPDATE users SET city = 'Oslo' WHERE workspace_id = ? AND external_id IN ('u2', 'u4')", [ctx.actor.workspaceId]);
  const run = await services.segmentSyncs.sync(seg.id, 'MANUAL');
  expect(run).toMatchObject({ status: 'SUCCEEDED', entered: 2, exited: 0, count: 22 });
  f = await fingerprints(seg.id);
  expect(f.stored).toEqual(f.actual);
});

test('an unchanged re-sync stages nothing and diffs nothing; a changed one does both', async () => {
  const seg = await services.segments.create(ctx, { objectType: 'USER', name: 'Rome', filter: { attribute: { field: 'city', operator: 'EQ', value: 'Rome' } } });
  const unchanged = await statementsOf(() => services.segmentSyncs.sync(seg.id, 'SCHEDULE'));
  expect(unchanged.some((s) => s.includes('INSERT INTO seg_new'))).toBe(false);
  expect(unchanged.some((s) => s.includes('INSERT INTO seg_entered'))).toBe(false);
  const [last] = (await db.dataSource.query("SELECT status, entered, exited, member_count FROM segment_sync_runs WHERE segment_id = ? AND trigger_kind = 'SCHEDULE'", [seg.id])) as Array<Record<string, unknown>>;
  expect(last).toMatchObject({ status: 'SUCCEEDED', entered: 0, exited: 0 });
  expect(Number(last.member_count)).toBe((await fingerprints(seg.id)).actual.n);

  // Same count, different members (one leaves, another enters): the sum or hash differs.
  await db.dataSource.query("UPDATE users SET city = CASE external_id WHEN 'u5' THEN 'Paris' ELSE 'Rome' END WHERE workspace_id = ? AND external_id IN ('u5', 'u6')", [ctx.actor.workspaceId]);
  const swapped = await db.dataSource.query("SELECT city FROM users WHERE workspace_id = ? AND external_id = 'u6'", [ctx.actor.workspaceId]) as Array<{ city: string }>;
  expect(swapped[0].city).toBe('Rome'); // u6 was Oslo (6 % 3 = 0): it enters, u5 leaves
  const changed = await statementsOf(() => services.segmentSyncs.sync(seg.id, 'SCHEDULE'));
  expect(changed.some((s) => s.includes('INSERT INTO seg_new'))).toBe(true);
  const runs = (await db.dataSource.query("SELECT entered, exited FROM segment_sync_runs WHERE segment_id = ? AND trigger_kind = 'SCHEDULE' ORDER BY id", [seg.id])) as Array<Record<string, unknown>>;
  expect(runs[1]).toMatchObject({ entered: 1, exited: 1 });
  const f = await fingerprints(seg.id);
  expect(f.stored).toEqual(f.actual);
});

test('a segment without a fingerprint (synced before it existed) gets one from its next sync', async () => {
  const seg = await services.segments.create(ctx, { objectType: 'USER', name: 'Not Oslo', filter: { not: oslo } });
  await db.dataSource.query('UPDATE segments SET member_sum = NULL, member_hash = NULL WHERE id = ?', [seg.id]);
  const staged = await statementsOf(() => services.segmentSyncs.sync(seg.id, 'MANUAL'));
  expect(staged.some((s) => s.includes('INSERT INTO seg_new'))).toBe(true);
  const f = await fingerprints(seg.id);
  expect(f.stored.s).not.toBeNull();
  expect(f.stored).toEqual(f.actual);
});

test('a set larger than the in-memory staging allows is staged on disk, with the same result', async () => {
  const small = createServices(db.dataSource, logger, { stagingMemoryBytes: 16_384 }); // MariaDB's minimum
  for (const part of [0, 1]) await small.objects.upsert(ctx, 'USER', Array.from({ length: 750 }, (_, i) => ({ externalId: `bulk${part}-${i}`, city: 'Lund' })));
  const seg = await small.segments.create(ctx, { objectType: 'USER', name: 'Lund', filter: { attribute: { field: 'city', operator: 'EQ', value: 'Lund' } } });
  expect(seg.count).toBe(1_500);
  const staged = await statementsOf(() => small.segmentSyncs.sync(seg.id, 'DEFINITION_CHANGED').then(async () => {
    await db.dataSource.query('UPDATE segments SET member_sum = NULL WHERE id = ?', [seg.id]); // force staging next time
    return small.segmentSyncs.sync(seg.id, 'MANUAL');
  }));
  expect(staged.some((s) => /ENGINE=MEMORY/.test(s))).toBe(true);
  expect(staged.some((s) => /ENGINE=InnoDB/.test(s))).toBe(true);
  const [{ n }] = (await db.dataSource.query('SELECT COUNT(*) AS n FROM segment_members WHERE segment_id = ?', [seg.id])) as Array<{ n: string }>;
  expect(Number(n)).toBe(1_500);
  const f = await fingerprints(seg.id);
  expect(f.stored).toEqual(f.actual);
});

test('a large change writes its history in chunks: every change once', async () => {
  const chunked = createServices(db.dataSource, logger, { historyChunk: 100 });
  await chunked.objects.upsert(ctx, 'USER', Array.from({ length: 730 }, (_, i) => ({ externalId: `chunk${i}`, city: 'Turku' })));
  const seg = await chunked.segments.create(ctx, { objectType: 'USER', name: 'Turku', filter: { attribute: { field: 'city', operator: 'EQ', value: 'Turku' } } });
  expect(seg.count).toBe(730);
  const rows = (await db.dataSource.query(
    "SELECT COUNT(*) AS n, COUNT(DISTINCT object_id) AS d FROM segment_membership_history WHERE segment_id = ? AND change_kind = 'ENTERED'", [seg.id],
  )) as Array<{ n: string; d: string }>;
  expect(rows[0]).toEqual({ n: '730', d: '730' });
  await chunked.segments.update(ctx, seg.id, { filter: { attribute: { field: 'city', operator: 'EQ', value: 'Nowhere' } } });
  const exited = (await db.dataSource.query(
    "SELECT COUNT(*) AS n, COUNT(DISTINCT object_id) AS d FROM segment_membership_history WHERE segment_id = ? AND change_kind = 'EXITED'", [seg.id],
  )) as Array<{ n: string; d: string }>;
  expect(exited[0]).toEqual({ n: '730', d: '730' });
});

test('a real-time evaluation that fails half-way rolls back and leaves no lock behind', async () => {
  const seg = await services.segments.create(ctx, { objectType: 'USER', name: 'Seen lately', filter: { attribute: { field: 'lastSeenAt', operator: 'WITHIN_LAST_DAYS', value: 3 } } });
  const [u] = await services.objects.upsert(ctx, 'USER', [{ externalId: 'rt-fail', lastSeenAt: new Date() }]);
  // The time bookkeeping, written last in the evaluation's transaction, fails.
  await db.dataSource.query('RENAME TABLE segment_time_triggers TO segment_time_triggers_away');
  try {
    await expect(services.segmentSyncs.evaluate(seg.id, [u.id])).rejects.toThrow();
  } finally {
    await db.dataSource.query('RENAME TABLE segment_time_triggers_away TO segment_time_triggers');
  }
  const [{ n }] = (await db.dataSource.query('SELECT COUNT(*) AS n FROM segment_members WHERE segment_id = ? AND object_id = ?', [seg.id, u.id])) as Array<{ n: string }>;
  expect(Number(n)).toBe(0); // rolled back
  // No connection of the pool still holds the segment row: another transaction locks it at once.
  const probe = db.dataSource.createQueryRunner();
  await probe.connect();
  try {
    await probe.query('SET SESSION innodb_lock_wait_timeout = 1');
    await probe.startTransaction();
    await probe.query('SELECT id FROM segments WHERE id = ? FOR UPDATE', [seg.id]);
    await probe.rollbackTransaction();
  } finally {
    await probe.release();
  }
  expect(await services.segmentSyncs.evaluate(seg.id, [u.id])).toMatchObject({ enteredIds: [u.id] });
});
