/**
 * previewSegmentChange: the counts and samples of who would enter and leave are exactly what
 * saving the filter then does, whether the new set fits the in-memory table or goes to disk; the
 * preview writes nothing.
 */
import type { ObjectRecord } from '../../src/db/object-store';
import { loadSegment } from '../../src/db/segment-store';
import type { RequestContext } from '../../src/services/context';
import { SegmentReadService } from '../../src/services/segment-read.service';
import { fingerprint, fingerprintDiff } from '../support/db-checksum';
import { serviceWorld, ServiceWorld } from '../support/services';

jest.setTimeout(60_000);

let world: ServiceWorld;
let ctx: RequestContext;

beforeAll(async () => {
  world = await serviceWorld();
  ctx = await world.workspace('Preview');
});

afterAll(async () => {
  await world.close();
});

const scoreIn = (from: number, to: number) => ({ and: [
  { attribute: { field: 'attributes.score', operator: 'GTE', value: from } },
  { attribute: { field: 'attributes.score', operator: 'LT', value: to } },
] });

test('the preview is what saving does, in memory or on disk, and writes nothing', async () => {
  const users: ObjectRecord[] = [];
  for (let from = 0; from < 2500; from += 1000) {
    users.push(...await world.services.objects.upsert(ctx, 'USER', Array.from({ length: Math.min(1000, 2500 - from) }, (_, i) => ({ externalId: `p${from + i}`, attributes: { score: from + i } }))));
  }
  const idOf = (score: number) => users[score].id;
  const created = await world.services.segments.create(ctx, { objectType: 'USER', name: 'Scores', filter: scoreIn(0, 1000), realtime: false });
  const segment = (await loadSegment(world.db.dataSource, created.id))!;
  const next = scoreIn(400, 2400);
  // By the data: 1000–2399 enter, 0–399 leave, 2,000 in all; samples are the lowest ids of each.
  const byId = (scores: number[]) => scores.map(idOf).sort((a, b) => Number(BigInt(a) - BigInt(b)));
  const expected = {
    enteringCount: 1400, exitingCount: 400, count: 2000,
    entering: byId(Array.from({ length: 1400 }, (_, i) => 1000 + i)).slice(0, 20),
    exiting: byId(Array.from({ length: 400 }, (_, i) => i)).slice(0, 20),
  };
  // 16 KiB (the least MariaDB allows) holds far fewer than 2,000 ids: that preview goes to disk.
  const readers = [world.services.segmentReads, new SegmentReadService(world.db.dataSource, world.services.filters, { stagingMemoryBytes: 16_384 })];
  for (const reads of readers) {
    const before = await fingerprint(world.db.dataSource);
    const p = await reads.previewChange(ctx, segment, next, 20);
    expect(fingerprintDiff(before, await fingerprint(world.db.dataSource))).toEqual([]);
    expect({ ...p, entering: p.entering.map((o) => o.id), exiting: p.exiting.map((o) => o.id) }).toEqual(expected);
  }
  await world.services.segments.update(ctx, segment.id, { filter: next });
  const [run] = await world.services.segmentReads.runs((await loadSegment(world.db.dataSource, segment.id))!, 1);
  expect(run).toMatchObject({ entered: 1400, exited: 400, count: 2000 });
});
