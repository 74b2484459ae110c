/**
 * membershipHistory pages: newest first by time (then id, for changes at the same millisecond),
 * whatever order the rows were written in; pages join up without gaps or repeats, for a segment
 * and for one object; rows of other segments never show.
 */
import { loadSegment } from '../../src/db/segment-store';
import type { RequestContext } from '../../src/services/context';
import type { SegmentRecord } from '../../src/services/segment-types';
import { serviceWorld, ServiceWorld } from '../support/services';

let world: ServiceWorld;
let ctx: RequestContext;

beforeAll(async () => {
  world = await serviceWorld();
  ctx = await world.workspace('History pages');
});

afterAll(async () => {
  await world.close();
});

interface Row { id: string; objectId: string; at: number }

async function allPages(segment: SegmentRecord, first: number, objectId?: string): Promise<Row[]> {
  const seen: Row[] = [];
  let after: string | null = null;
  for (let i = 0; i < 100; i++) {
    const page = await world.services.segmentReads.history(segment, { objectId, first, after });
    expect(page.items.length).toBeLessThanOrEqual(first);
    seen.push(...page.items.map((h) => ({ id: h.id, objectId: h.objectId, at: h.at.getTime() })));
    if (!page.hasNextPage) return seen;
    expect(page.endCursor).toBe(page.items.at(-1)!.cursor);
    after = page.endCursor;
  }
  throw new Error('too many pages');
}

test('pages run newest first by time, then id, and join up; other segments never show', async () => {
  const [u1, u2, u3] = await world.services.objects.upsert(ctx, 'USER', [{ externalId: 'h1' }, { externalId: 'h2' }, { externalId: 'h3' }]);
  const make = async (name: string) => (await loadSegment(world.db.dataSource, (await world.services.segments.create(ctx, { objectType: 'USER', name, filter: { tag: { tag: name } } })).id))!;
  const seg = await make('pages');
  const other = await make('other');
  const base = Date.now() - 3_600_000;
  // Written out of time order, with several rows at the same millisecond.
  const offsets = [50, 10, 30, 30, 30, 0, 70, 10, 60, 30, 20, 40];
  const written: Row[] = [];
  for (const [i, offset] of offsets.entries()) {
    const objectId = [u1, u2, u3][i % 3].id;
    const at = new Date(base + offset * 1000);
    for (const s of [seg, other]) {
      const res = (await world.db.dataSource.query(
        "INSERT INTO segment_membership_history (segment_id, object_id, change_kind, trigger_kind, at) VALUES (?, ?, 'ENTERED', 'SCHEDULE', ?)",
        [s.id, objectId, at],
      )) as { insertId: number };
      if (s === seg) written.push({ id: String(res.insertId), objectId, at: at.getTime() });
    }
  }
  const newestFirst = (rows: Row[]) => [...rows].sort((a, b) => b.at - a.at || Number(BigInt(b.id) - BigInt(a.id)));
  for (const first of [1, 2, 5, 50]) expect(await allPages(seg, first)).toEqual(newestFirst(written));
  for (const u of [u1, u2]) {
    expect(await allPages(seg, 2, u.id)).toEqual(newestFirst(written.filter((r) => r.objectId === u.id)));
  }
});

test('a cursor that is not one of ours is refused, naming `after`', async () => {
  const seg = (await loadSegment(world.db.dataSource, (await world.services.segments.create(ctx, { objectType: 'USER', name: 'bad cursor', filter: { tag: { tag: 'x' } } })).id))!;
  const legacy = Buffer.from(JSON.stringify(['12'])).toString('base64url');
  for (const after of ['nope', legacy]) {
    await expect(world.services.segmentReads.history(seg, { first: 5, after })).rejects.toMatchObject({ code: 'BAD_USER_INPUT', path: 'after' });
  }
});
