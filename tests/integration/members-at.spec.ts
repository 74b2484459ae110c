/**
 * membersAt: the cached results as they were at a past moment are exactly what `members`
 * returned at that moment (who, and since when), after any number of later syncs; pages join up.
 * Both ways of answering (undoing the changes since, replaying the history up to it) are checked.
 */
import { loadSegment } from '../../src/db/segment-store';
import { SegmentReadService } from '../../src/services/segment-read.service';
import type { RequestContext } from '../../src/services/context';
import type { SegmentRecord } from '../../src/services/segment-types';
import { seededRandom as random } from '../support/random';
import { serviceWorld, ServiceWorld } from '../support/services';

jest.setTimeout(60_000);

let world: ServiceWorld;
let ctx: RequestContext;

beforeAll(async () => {
  world = await serviceWorld();
  ctx = await world.workspace('Members at');
});

afterAll(async () => {
  await world.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Snapshot = Array<[string, number]>;

async function pages(read: (first: number, after: string | null) => Promise<{ items: ReadonlyArray<{ joinedAt: Date; node: { id: string } }>; hasNextPage: boolean; endCursor: string | null; totalCount: number }>, first: number): Promise<Snapshot> {
  const seen: Snapshot = [];
  let after: string | null = null;
  for (let i = 0; i < 200; i++) {
    const page = await read(first, after);
    seen.push(...page.items.map((m): [string, number] => [m.node.id, m.joinedAt.getTime()]));
    if (!page.hasNextPage) {
      expect(seen).toHaveLength(page.totalCount);
      return seen;
    }
    after = page.endCursor;
  }
  throw new Error('too many pages');
}

test('at every moment between syncs, membersAt is what members said then', async () => {
  const users = await world.services.objects.upsert(ctx, 'USER', Array.from({ length: 24 }, (_, i) => ({ externalId: `m${i}` })));
  const created = await world.services.segments.create(ctx, { objectType: 'USER', name: 'Tagged', filter: { tag: { tag: 'in' } }, realtime: false });
  const segment: SegmentRecord = (await loadSegment(world.db.dataSource, created.id))!;
  const rnd = random(7);
  const moments: Array<{ at: Date; members: Snapshot }> = [];
  const record = async () => {
    await sleep(3);
    const at = new Date();
    await sleep(3);
    moments.push({ at, members: await pages((first, after) => world.services.segmentReads.members(segment, first, after), 1000) });
  };
  await record(); // before anyone entered
  for (let round = 0; round < 10; round++) {
    const tag = users.filter(() => rnd() < 0.3).map((u) => u.id);
    const untag = users.filter((u) => !tag.includes(u.id) && rnd() < 0.3).map((u) => u.id);
    if (tag.length) await world.services.tags.tag(ctx, 'USER', tag, ['in']);
    if (untag.length) await world.services.tags.untag(ctx, 'USER', untag, ['in']);
    const run = await world.services.segmentSyncs.sync(segment.id, 'MANUAL');
    expect(run?.status).toBe('SUCCEEDED');
    await record();
  }
  // Membership did change, both ways, and some users came back after leaving.
  const history = (await world.db.dataSource.query('SELECT change_kind, COUNT(*) AS n FROM segment_membership_history WHERE segment_id = ? GROUP BY change_kind', [segment.id])) as Array<{ change_kind: string; n: string }>;
  expect(history.map((h) => h.change_kind).sort()).toEqual(['ENTERED', 'EXITED']);
  expect(new Set(moments.map((m) => JSON.stringify(m.members))).size).toBeGreaterThan(5);

  // The default undoes (few changes); a limit of 0 replays (except after the last sync); 5 mixes.
  const readers = [world.services.segmentReads, ...[0, 5].map((membersAtUndoLimit) => new SegmentReadService(world.db.dataSource, world.services.filters, { membersAtUndoLimit }))];
  for (const reads of readers) {
    for (const { at, members } of moments) {
      for (const first of [1000, 4]) {
        expect(await pages((f, after) => reads.membersAt(segment, at, f, after), first)).toEqual(members);
      }
    }
  }
});
