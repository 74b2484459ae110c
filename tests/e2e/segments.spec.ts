/** Segments over HTTP: cached results, syncs, history, dependencies, visibility, atomic visibility of a sync. */
import {
  CreateAgentDocument, CreateSegmentDocument, DeleteSegmentDocument, ExplainMembershipDocument, MembershipHistoryDocument, PreviewSegmentChangeDocument,
  SegmentCountAndMembersDocument, SegmentDetailDocument, SegmentMembersAtDocument, SegmentsDocument, SyncSegmentDocument, TagObjectsDocument, UpdateSegmentDocument,
  UpsertUsersDocument, PreviewSegmentDocument, TrackEventsDocument,
} from '../generated/graphql';
import type { GqlClient } from '../support/client';
import { startTestServer, TestServer } from '../support/server';

let server: TestServer;
beforeAll(async () => { server = await startTestServer(); });
afterAll(async () => { await server.close(); });

async function users(client: GqlClient, inputs: Array<Record<string, unknown>>): Promise<string[]> {
  return (await client.ok(UpsertUsersDocument, { input: inputs })).upsertUsers.map((u) => u.id);
}

async function waitFor<T>(probe: () => Promise<T>, accept: (v: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('cached results', () => {
  let c: GqlClient;
  let ids: string[];
  let segmentId: string;
  beforeAll(async () => {
    c = (await server.newWorkspace('Cached')).client;
    ids = await users(c, [
      { externalId: 'pl-1', country: 'Poland' }, { externalId: 'pl-2', country: 'poland' }, { externalId: 'de-1', country: 'Germany' }, { externalId: 'none' },
    ]);
  });

  test('creating a segment syncs it at once; members come oldest first with joinedAt', async () => {
    // realtime: false, so that the cached results change only by syncs here (real time has its own suite).
    const seg = (await c.ok(CreateSegmentDocument, { input: { objectType: 'USER', name: 'Poles', realtime: false, filter: { attribute: { field: 'country', operator: 'EQ', value: 'POLAND' } } } })).createSegment;
    segmentId = seg.id;
    expect(seg).toMatchObject({ count: 2, syncStatus: 'IDLE', syncIntervalMinutes: 240, realtime: false, paused: false, lastError: null, hiddenFromAgentIds: [] });
    expect(seg.lastSyncedAt).not.toBeNull();
    expect(Date.parse(seg.nextSyncAt!)).toBeGreaterThan(Date.now() + 239 * 60_000);
    const detail = (await c.ok(SegmentDetailDocument, { id: seg.id, first: 1, objectId: ids[0] })).segment!;
    expect(detail.isMember).toBe(true);
    expect(detail.members.totalCount).toBe(2);
    expect(detail.members.edges).toHaveLength(1);
    expect(detail.members.pageInfo.hasNextPage).toBe(true);
    const next = (await c.ok(SegmentDetailDocument, { id: seg.id, first: 5, after: detail.members.pageInfo.endCursor, objectId: ids[2] })).segment!;
    expect(next.isMember).toBe(false);
    expect([...detail.members.edges, ...next.members.edges].map((e) => e.node.id).sort()).toEqual([ids[0], ids[1]].sort());
    expect(detail.syncRuns[0]).toMatchObject({ trigger: 'DEFINITION_CHANGED', status: 'SUCCEEDED', count: 2, entered: 2, exited: 0 });
  });

  test('results stay cached until a sync; syncSegment returns the finished run and records history', async () => {
    const before = new Date();
    await new Promise((r) => setTimeout(r, 20));
    await users(c, [{ externalId: 'de-1', country: 'Poland' }, { externalId: 'pl-1', country: 'France' }]);
    const stillCached = (await c.ok(SegmentDetailDocument, { id: segmentId, first: 10, objectId: ids[2] })).segment!;
    // Without real time, between syncs the cached results are what readers see.
    expect(stillCached.count).toBe(2);
    const run = (await c.ok(SyncSegmentDocument, { id: segmentId })).syncSegment;
    expect(run).toMatchObject({ segmentId, trigger: 'MANUAL', status: 'SUCCEEDED', count: 2, entered: 1, exited: 1, error: null });
    const after = (await c.ok(SegmentDetailDocument, { id: segmentId, first: 10, objectId: ids[2] })).segment!;
    expect(after.isMember).toBe(true);
    expect(after.members.edges.map((e) => e.node.id).sort()).toEqual([ids[1], ids[2]].sort());

    const history = (await c.ok(MembershipHistoryDocument, { segmentId, first: 10 })).membershipHistory.edges.map((e) => e.node);
    expect(history.slice(0, 2).map((h) => [h.objectId, h.change, h.trigger]).sort()).toEqual([[ids[0], 'EXITED', 'MANUAL'], [ids[2], 'ENTERED', 'MANUAL']].sort());
    const one = (await c.ok(MembershipHistoryDocument, { segmentId, objectId: ids[0], first: 10 })).membershipHistory.edges.map((e) => e.node.change);
    expect(one).toEqual(['EXITED', 'ENTERED']);

    const past = (await c.ok(SegmentMembersAtDocument, { id: segmentId, at: before.toISOString() })).segment!.membersAt;
    expect(past.edges.map((e) => e.node.id).sort()).toEqual([ids[0], ids[1]].sort());
    expect(past.totalCount).toBe(2);
  });

  test('previewSegmentChange tells who would enter and leave, and saving does exactly that', async () => {
    const filter = { attribute: { field: 'country', operator: 'IN' as const, value: ['Germany', 'France'] } };
    const preview = (await c.ok(PreviewSegmentChangeDocument, { id: segmentId, filter })).previewSegmentChange;
    expect(preview).toMatchObject({ count: 1, enteringCount: 1, exitingCount: 2 });
    expect(preview.entering.map((o) => o.id)).toEqual([ids[0]]);
    expect(preview.exiting.map((o) => o.id).sort()).toEqual([ids[1], ids[2]].sort());
    const updated = (await c.ok(UpdateSegmentDocument, { id: segmentId, input: { filter, name: 'Renamed' } })).updateSegment;
    expect(updated).toMatchObject({ name: 'Renamed', count: 1, filter });
    const runs = (await c.ok(SegmentDetailDocument, { id: segmentId, objectId: ids[0] })).segment!.syncRuns;
    expect(runs[0]).toMatchObject({ trigger: 'DEFINITION_CHANGED', entered: 1, exited: 2 });
  });

  test('explainMembership evaluates each node and shows the data it saw', async () => {
    await c.ok(TrackEventsDocument, { input: [{ userId: ids[0], name: 'order_completed', properties: { total: 500 } }, { userId: ids[0], name: 'order_completed', properties: { total: 400 } }] });
    await c.ok(TagObjectsDocument, { objectType: 'USER', ids: [ids[0]], tags: ['vip'] });
    const seg = (await c.ok(CreateSegmentDocument, {
      input: {
        objectType: 'USER', name: 'Big spenders',
        filter: { and: [{ event: { name: 'order_completed', aggregate: 'SUM', property: 'total', operator: 'GT', value: 800 } }, { or: [{ tag: { tag: 'vip' } }, { attribute: { field: 'country', operator: 'EQ', value: 'Spain' } }] }] },
      },
    })).createSegment;
    const explained = (await c.ok(ExplainMembershipDocument, { segmentId: seg.id, objectId: ids[0] })).explainMembership;
    expect(explained).toMatchObject({ matchesNow: true, inCachedResults: true });
    expect(explained.conditions).toEqual([
      { path: '', kind: 'and', result: true, actual: null },
      { path: 'and.0', kind: 'event', result: true, actual: 900 },
      { path: 'and.1', kind: 'or', result: true, actual: null },
      { path: 'and.1.or.0', kind: 'tag', result: true, actual: { hasTag: true } },
      { path: 'and.1.or.1', kind: 'attribute', result: false, actual: 'France' },
    ]);
    const other = (await c.ok(ExplainMembershipDocument, { segmentId: seg.id, objectId: ids[3] })).explainMembership;
    expect(other).toMatchObject({ matchesNow: false, inCachedResults: false });
    expect(other.conditions[1]).toEqual({ path: 'and.0', kind: 'event', result: false, actual: 0 });
    expect((await c.error(ExplainMembershipDocument, { segmentId: seg.id, objectId: '99999999' })).extensions?.code).toBe('NOT_FOUND');
  });

  test('a failed sync records the failure and leaves the previous results whole', async () => {
    const seg = (await c.ok(CreateSegmentDocument, { input: { objectType: 'USER', name: 'VIPs', filter: { tag: { tag: 'vip' } } } })).createSegment;
    expect(seg.count).toBe(1);
    await server.db.dataSource.query('RENAME TABLE object_tags TO object_tags_away');
    let run;
    try {
      run = (await c.ok(SyncSegmentDocument, { id: seg.id })).syncSegment;
    } finally {
      await server.db.dataSource.query('RENAME TABLE object_tags_away TO object_tags');
    }
    expect(run).toMatchObject({ status: 'FAILED', trigger: 'MANUAL' });
    expect(run.error).toBeTruthy();
    const after = (await c.ok(SegmentDetailDocument, { id: seg.id, objectId: ids[0] })).segment!;
    expect(after).toMatchObject({ count: 1, syncStatus: 'FAILED', isMember: true });
    expect(after.lastError).toBeTruthy();
    expect((await c.ok(SyncSegmentDocument, { id: seg.id })).syncSegment.status).toBe('SUCCEEDED');
    expect((await c.ok(SegmentDetailDocument, { id: seg.id, objectId: ids[0] })).segment).toMatchObject({ syncStatus: 'IDLE', lastError: null });
  });

  test('bad input is refused with the path and writes nothing', async () => {
    const count = async () => (await c.ok(SegmentsDocument, {})).segments.length;
    const before = await count();
    const bad = [
      { input: { objectType: 'USER' as const, name: 'x', filter: { attribute: { field: 'nope', operator: 'EQ' as const, value: 1 } } }, path: 'input.filter' },
      { input: { objectType: 'USER' as const, name: 'x', filter: { tag: { tag: 'vip' } }, syncIntervalMinutes: 4 }, path: 'input.syncIntervalMinutes' },
      { input: { objectType: 'USER' as const, name: 'x', filter: { tag: { tag: 'vip' } }, syncIntervalMinutes: 10_081 }, path: 'input.syncIntervalMinutes' },
      { input: { objectType: 'USER' as const, name: '  ', filter: { tag: { tag: 'vip' } } }, path: 'input.name' },
      { input: { objectType: 'USER' as const, name: 'x', filter: { tag: { tag: 'vip' } }, hiddenFromAgentIds: ['424242'] }, path: 'input.hiddenFromAgentIds.0' },
      { input: { objectType: 'USER' as const, name: 'x', filter: { segment: { segmentId: '424242' } } }, path: 'input.filter.segment' },
    ];
    for (const b of bad) {
      const err = await c.error(CreateSegmentDocument, { input: b.input });
      expect(err.extensions?.code).toBe('BAD_USER_INPUT');
      expect(err.message).toContain(b.path);
    }
    expect(await count()).toBe(before);
  });
});

describe('segments of segments', () => {
  test('the segment node reads cached results; cycles and deleting a used segment are refused; dependents follow', async () => {
    const { client: c } = await server.newWorkspace('Deps');
    const ids = await users(c, [{ externalId: 'a', city: 'Oslo' }, { externalId: 'b', city: 'Oslo', marketingConsent: true }, { externalId: 'c', city: 'Rome', marketingConsent: true }]);
    const base = (await c.ok(CreateSegmentDocument, { input: { objectType: 'USER', name: 'Oslo', realtime: false, filter: { attribute: { field: 'city', operator: 'EQ', value: 'Oslo' } } } })).createSegment;
    const derived = (await c.ok(CreateSegmentDocument, {
      input: { objectType: 'USER', name: 'Oslo with consent', realtime: false, filter: { and: [{ segment: { segmentId: base.id } }, { attribute: { field: 'marketingConsent', operator: 'IS_TRUE' } }] } },
    })).createSegment;
    expect(derived.count).toBe(1);

    const cycle = await c.error(UpdateSegmentDocument, { id: base.id, input: { filter: { segment: { segmentId: derived.id } } } });
    expect(cycle.extensions?.code).toBe('BAD_USER_INPUT');
    expect(cycle.message).toMatch(/cycle/);
    const self = await c.error(UpdateSegmentDocument, { id: base.id, input: { filter: { segment: { segmentId: base.id } } } });
    expect(self.message).toMatch(/cycle/);
    const used = await c.error(DeleteSegmentDocument, { id: base.id });
    expect(used.extensions?.code).toBe('BAD_USER_INPUT');
    expect(used.message).toContain('Oslo with consent');

    // The derived segment reads the base's cached results, not its filter: a new Oslo user counts only after the base syncs.
    await users(c, [{ externalId: 'c', city: 'Oslo' }]);
    expect((await c.ok(SyncSegmentDocument, { id: derived.id })).syncSegment.count).toBe(1);
    const baseRun = (await c.ok(SyncSegmentDocument, { id: base.id })).syncSegment;
    expect(baseRun).toMatchObject({ count: 3, entered: 1 });
    const followed = await waitFor(
      () => c.ok(SegmentDetailDocument, { id: derived.id, objectId: ids[2] }),
      (d) => d.segment!.count === 2,
    );
    expect(followed.segment).toMatchObject({ count: 2, isMember: true });
    expect(followed.segment!.syncRuns[0]).toMatchObject({ trigger: 'DEPENDENCY', status: 'SUCCEEDED' });

    expect((await c.ok(DeleteSegmentDocument, { id: derived.id })).deleteSegment).toBe(true);
    expect((await c.ok(DeleteSegmentDocument, { id: base.id })).deleteSegment).toBe(true);
    expect((await c.ok(SegmentsDocument, {})).segments).toEqual([]);
  });
});

describe('visibility', () => {
  test('hidden agents cannot list, read, use, change, sync or delete; admins and the creator always can', async () => {
    const { client: admin } = await server.newWorkspace('Visibility');
    const mk = async (name: string) => {
      const r = (await admin.ok(CreateAgentDocument, { input: { name, email: `${name}@example.com` } })).createAgent;
      return { id: r.agent.id, client: admin.withToken(r.token) };
    };
    const creator = await mk('creator');
    const hidden = await mk('hidden');
    const other = await mk('other');
    const [uid] = await users(admin, [{ externalId: 'v1', city: 'Lima' }]);
    const seg = (await creator.client.ok(CreateSegmentDocument, {
      input: { objectType: 'USER', name: 'Secret', filter: { attribute: { field: 'city', operator: 'EQ', value: 'Lima' } }, hiddenFromAgentIds: [hidden.id] },
    })).createSegment;
    expect(seg.hiddenFromAgentIds).toEqual([hidden.id]);
    expect(seg.createdBy).toEqual({ id: creator.id });

    const h = hidden.client;
    expect((await h.ok(SegmentsDocument, {})).segments).toEqual([]);
    expect((await h.ok(SegmentDetailDocument, { id: seg.id, objectId: uid })).segment).toBeNull();
    for (const err of [
      await h.error(UpdateSegmentDocument, { id: seg.id, input: { name: 'Mine now' } }),
      await h.error(SyncSegmentDocument, { id: seg.id }),
      await h.error(DeleteSegmentDocument, { id: seg.id }),
      await h.error(ExplainMembershipDocument, { segmentId: seg.id, objectId: uid }),
      await h.error(MembershipHistoryDocument, { segmentId: seg.id }),
    ]) expect(err.extensions?.code).toBe('NOT_FOUND');
    const use = await h.error(PreviewSegmentDocument, { objectType: 'USER', filter: { segment: { segmentId: seg.id } } });
    expect(use.extensions?.code).toBe('BAD_USER_INPUT');
    // ...exactly as for a segment that does not exist.
    const missing = await h.error(PreviewSegmentDocument, { objectType: 'USER', filter: { segment: { segmentId: '999999' } } });
    expect(use.message.replace(seg.id, 'ID')).toBe(missing.message.replace('999999', 'ID'));

    expect((await other.client.ok(SegmentsDocument, {})).segments.map((s) => s.id)).toEqual([seg.id]);
    expect((await admin.ok(SegmentsDocument, {})).segments.map((s) => s.id)).toEqual([seg.id]);
    expect((await creator.client.ok(SyncSegmentDocument, { id: seg.id })).syncSegment.status).toBe('SUCCEEDED');
    const adminHide = await creator.client.error(UpdateSegmentDocument, { id: seg.id, input: { hiddenFromAgentIds: [creator.id] } });
    expect(adminHide.message).toContain('input.hiddenFromAgentIds.0');
    const [{ agentId: adminId }] = await server.db.dataSource.query("SELECT id AS agentId FROM agents WHERE email = 'admin@example.com' AND workspace_id = (SELECT workspace_id FROM agents WHERE id = ?)", [creator.id]);
    expect((await creator.client.error(UpdateSegmentDocument, { id: seg.id, input: { hiddenFromAgentIds: [String(adminId)] } })).message).toMatch(/ADMIN/);
    const unhidden = (await admin.ok(UpdateSegmentDocument, { id: seg.id, input: { hiddenFromAgentIds: [] } })).updateSegment;
    expect(unhidden.hiddenFromAgentIds).toEqual([]);
    expect((await h.ok(SegmentsDocument, {})).segments.map((s) => s.id)).toEqual([seg.id]);
  });
});

describe('a sync is all or nothing for readers', () => {
  test('readers polling count and members during a sync that changes many members see the old or the new result only', async () => {
    const { client: c } = await server.newWorkspace('Atomic');
    const batch = (from: number, n: number, flagged: boolean) => Array.from({ length: n }, (_, i) => ({ externalId: `x${from + i}`, attributes: { flagged } }));
    for (let i = 0; i < 3; i++) await users(c, batch(i * 1000, 1000, i === 0));
    const seg = (await c.ok(CreateSegmentDocument, { input: { objectType: 'USER', name: 'Flagged', realtime: false, filter: { attribute: { field: 'attributes.flagged', operator: 'IS_TRUE' } } } })).createSegment;
    expect(seg.count).toBe(1000);
    const oldIds = new Set((await c.ok(SegmentCountAndMembersDocument, { id: seg.id })).segment!.members.edges.map((e) => e.node.id));
    await users(c, batch(0, 1000, false));
    await users(c, batch(1000, 1000, true));
    await users(c, batch(2000, 1000, true));

    let stop = false;
    const seen: Array<{ count: number; total: number; ids: string[] }> = [];
    const poller = (async () => {
      while (!stop) {
        const s = (await c.ok(SegmentCountAndMembersDocument, { id: seg.id })).segment!;
        seen.push({ count: s.count, total: s.members.totalCount, ids: s.members.edges.map((e) => e.node.id) });
      }
    })();
    const run = (await c.ok(SyncSegmentDocument, { id: seg.id })).syncSegment;
    await new Promise((r) => setTimeout(r, 100));
    stop = true;
    await poller;
    expect(run).toMatchObject({ status: 'SUCCEEDED', count: 2000, entered: 2000, exited: 1000 });
    expect(seen.length).toBeGreaterThan(2);
    for (const s of seen) {
      // One response is one snapshot: the count and the members always belong to the same sync.
      expect([1000, 2000]).toContain(s.count);
      expect(s.total).toBe(s.count);
      expect(s.ids).toHaveLength(1000);
      const allOld = s.ids.every((id) => oldIds.has(id));
      const allNew = s.ids.every((id) => !oldIds.has(id));
      expect(s.total === 1000 ? allOld : allNew).toBe(true);
    }
    expect(seen.some((s) => s.count === 1000)).toBe(true);
    const final = (await c.ok(SegmentCountAndMembersDocument, { id: seg.id })).segment!;
    expect(final.count).toBe(2000);
    expect(final.members.totalCount).toBe(2000);
  });
});
