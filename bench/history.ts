/**
 * `npm run bench -- history`: reading and pruning a large membership history, on the filter
 * benchmark's data set (database `segments_bench`, env BENCH_DB; see bench/generate.ts).
 *
 * Three segments are made with `SegmentService.create` (named `bench-history …`); their cached
 * results and history are then replaced by synthetic ones written in SQL, consistent with each
 * other as syncs would leave them (a member's `joined_at` is its ENTERED row's time, the count is
 * the members'):
 * - "recent": 750k members who entered over the last 1,000 minutes, 0.27 % of whom left 5 minutes
 *   ago. `membersAt` (a page of 50 with its count) at several moments, undo and replay.
 * - "other": 750k history rows newer than all of "recent"'s. `membershipHistory` of "recent" (a
 *   first page, and a page after a cursor) has to skip them.
 * - "old": 750k ENTERED rows 200 days old and 5,000 objects that left 100 days ago. Retention's
 *   first pass over it, and the hourly passes after it.
 * Everything the bench made is deleted at the end. Prints a markdown table; writes
 * bench/results/history.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createDataSource } from '../src/db/data-source';
import { loadSegment } from '../src/db/segment-store';
import { createLogger } from '../src/logger';
import { createServices } from '../src/services';
import type { RequestContext } from '../src/services/context';
import { SegmentReadService } from '../src/services/segment-read.service';
import type { SegmentRecord } from '../src/services/segment-types';
import { BENCH_DB, readMeta, RESULTS_DIR, openBenchDataSource } from './generate';
import { databaseUrl, machine, tuneDatabase } from './harness';

const PREFIX = 'bench-history';
const MINUTE = 60_000;
const DAY = 86_400_000;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const log = (s: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);

interface Row { what: string; ms: number; runs: number[]; note?: string }

async function main(): Promise<void> {
  const database = await tuneDatabase();
  const probe = await openBenchDataSource(BENCH_DB);
  const meta = await readMeta(probe);
  await probe.destroy();
  if (!meta) throw new Error(`${BENCH_DB} has no data set: run npm run bench -- generate first`);
  const ds = createDataSource({ databaseUrl: databaseUrl(BENCH_DB), poolSize: 4 });
  await ds.initialize();
  const services = createServices(ds);
  const actor = await services.auth.authenticate(meta.token);
  if (!actor) throw new Error('the bench workspace token is not valid');
  const ctx: RequestContext = { actor, requestId: 'bench-history', logger: createLogger('silent') };
  const rows: Row[] = [];
  const timed = async (what: string, fn: () => Promise<unknown>, note?: string) => {
    await fn();
    const runs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await fn();
      runs.push(Math.round(performance.now() - t0));
    }
    const ms = [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)];
    rows.push({ what, ms, runs, note });
    log(`${what}: ${ms} ms (${runs.join(', ')})`);
  };
  const cleanUp = async () => {
    const segs = (await ds.query('SELECT id FROM segments WHERE workspace_id = ? AND name LIKE ?', [actor.workspaceId, `${PREFIX} %`])) as Array<{ id: string }>;
    for (const { id } of segs) {
      for (const table of ['segment_members', 'segment_membership_history']) {
        for (;;) {
          const res = (await ds.query(`DELETE FROM ${table} WHERE segment_id = ? LIMIT 200000`, [id])) as { affectedRows: number };
          if (res.affectedRows < 200000) break;
        }
      }
      await services.segments.delete(ctx, String(id));
    }
  };
  const make = async (name: string): Promise<string> => {
    const seg = await services.segments.create(ctx, { objectType: 'USER', name: `${PREFIX} ${name}`, filter: { tag: { tag: `${PREFIX}-nobody` } }, realtime: false });
    await ds.query('DELETE FROM segment_membership_history WHERE segment_id = ?', [seg.id]);
    return seg.id;
  };
  const load = async (id: string): Promise<SegmentRecord> => (await loadSegment(ds, id))!;
  try {
    await cleanUp();
    const now = Date.now();
    // "recent": members and history as syncs over the last 1,000 minutes would leave them.
    const recent = await make('recent');
    await ds.query(
      `INSERT INTO segment_members (segment_id, object_id, joined_at)
       SELECT ?, id, ? - INTERVAL (id MOD 1000) MINUTE FROM users WHERE workspace_id = ? ORDER BY id LIMIT 750000`,
      [recent, new Date(now), actor.workspaceId],
    );
    await ds.query("INSERT INTO segment_membership_history (segment_id, object_id, change_kind, trigger_kind, at) SELECT segment_id, object_id, 'ENTERED', 'SCHEDULE', joined_at FROM segment_members WHERE segment_id = ? ORDER BY joined_at, object_id", [recent]);
    // 0.27 % left 5 minutes ago (those who entered before then).
    await ds.query(
      `INSERT INTO segment_membership_history (segment_id, object_id, change_kind, trigger_kind, at)
       SELECT segment_id, object_id, 'EXITED', 'SCHEDULE', ? FROM segment_members WHERE segment_id = ? AND object_id MOD 375 = 0 AND joined_at < ?`,
      [new Date(now - 5 * MINUTE), recent, new Date(now - 5 * MINUTE)],
    );
    await ds.query('DELETE m FROM segment_members m JOIN segment_membership_history h ON h.segment_id = m.segment_id AND h.object_id = m.object_id AND h.change_kind = \'EXITED\' WHERE m.segment_id = ?', [recent]);
    await ds.query('UPDATE segments SET member_count = (SELECT COUNT(*) FROM segment_members WHERE segment_id = ?) WHERE id = ?', [recent, recent]);
    // "other": newer history rows of another segment.
    const other = await make('other');
    await ds.query("INSERT INTO segment_membership_history (segment_id, object_id, change_kind, trigger_kind, at) SELECT ?, id, 'ENTERED', 'SCHEDULE', ? FROM users WHERE workspace_id = ? ORDER BY id LIMIT 750000", [other, new Date(now), actor.workspaceId]);
    await ds.query('ANALYZE TABLE segment_members, segment_membership_history');
    log('history written');

    const seg = await load(recent);
    const reads = services.segmentReads;
    const replay = new SegmentReadService(ds, services.filters, { membersAtUndoLimit: 0 });
    // membershipHistory: a first page, and the page after it.
    const first = await reads.history(seg, { first: 50 });
    await timed('membershipHistory, first page (50)', () => reads.history(seg, { first: 50 }));
    await timed('membershipHistory, the page after a cursor', () => reads.history(seg, { first: 50, after: first.endCursor }));
    for (const [label, ago] of [['now', 0], ['10 minutes ago', 10], ['1 hour ago', 60], ['3 hours ago', 180], ['12 hours ago', 720]] as const) {
      const at = new Date(Date.now() - ago * MINUTE);
      await timed(`membersAt ${label}`, () => reads.membersAt(seg, at, 50));
      if (ago > 0) await timed(`membersAt ${label}, replay`, () => replay.membersAt(seg, at, 50));
    }

    // "old": retention's first pass and the passes after it.
    const old = await make('old');
    await ds.query("INSERT INTO segment_membership_history (segment_id, object_id, change_kind, trigger_kind, at) SELECT ?, id, 'ENTERED', 'SCHEDULE', ? FROM users WHERE workspace_id = ? ORDER BY id LIMIT 750000", [old, new Date(now - 200 * DAY), actor.workspaceId]);
    await ds.query("INSERT INTO segment_membership_history (segment_id, object_id, change_kind, trigger_kind, at) SELECT segment_id, object_id, 'EXITED', 'SCHEDULE', ? FROM segment_membership_history WHERE segment_id = ? ORDER BY object_id LIMIT 5000", [new Date(now - 100 * DAY), old]);
    const t0 = performance.now();
    const pruned = await services.retention.prune(new Date());
    rows.push({ what: 'retention, first pass (755k old rows)', ms: Math.round(performance.now() - t0), runs: [], note: `${pruned.historyRows} rows deleted` });
    log(`retention first pass: ${rows.at(-1)!.ms} ms, ${pruned.historyRows} rows deleted`);
    let hour = 1;
    await timed('retention, an hourly pass after it', () => services.retention.prune(new Date(Date.now() + hour++ * 3_600_000)));
  } finally {
    await cleanUp().catch((e: unknown) => log(`clean-up failed: ${String(e)}`));
    await ds.destroy();
  }
  const report = { date: new Date().toISOString(), machine: await machine(), database, db: BENCH_DB, runs: RUNS, rows };
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, 'history.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(['| what | ms (median) | runs | note |', '|---|---:|---|---|', ...rows.map((r) => `| ${r.what} | ${r.ms} | ${r.runs.join(', ')} | ${r.note ?? ''} |`)].join('\n'));
}

if (require.main === module) main().catch((e) => { console.error(e); process.exit(1); });
