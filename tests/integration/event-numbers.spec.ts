/**
 * event_numbers, the typed numeric event properties, on real MariaDB through the services: after
 * ingestion (numbers, numeric strings, nested objects, arrays, keys the filter cannot name, huge
 * and negative numbers, product events, repeated messageIds, batches of several insert chunks,
 * concurrent batches) and after deletes, the table holds exactly the rows that the events'
 * `properties` JSON calls for. "Exactly" is checked two ways: against a model of the typing rule
 * written here in JS (a top-level key the filter can name whose value is a JSON number), and
 * against the migration's backfill of the same events.
 */
import { EventNumbers1764400008000 } from '../../migrations/1764400008000-EventNumbers';
import type { Services } from '../../src/services';
import type { RequestContext } from '../../src/services/context';
import type { EventInput } from '../../src/services/event.service';
import type { TestDatabase } from '../support/db';
import { serviceWorld } from '../support/services';

let db: TestDatabase;
let services: Services;
let ctx: RequestContext;
let other: RequestContext;

beforeAll(async () => {
  const world = await serviceWorld();
  ({ db, services } = world);
  ctx = await world.workspace('Numbers');
  other = await world.workspace('Other');
});

afterAll(async () => {
  await db.drop();
});

const query = (sql: string, params?: unknown[]) => db.dataSource.query(sql, params);

// ------------------------------------------------------------------------------------------ the model

const KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** One row as text: `event|key|workspace|user|product|name|occurredAt|value`. */
const rowText = (r: { event: unknown; key: unknown; ws: unknown; user: unknown; product: unknown; name: unknown; at: Date; value: unknown }): string =>
  [r.event, r.key, r.ws, r.user, r.product ?? '-', r.name, r.at.toISOString(), Number(r.value)].map(String).join('|');

/** The rows the events of the workspace call for, by the typing rule (JS). */
async function modelRows(workspaceId: string): Promise<string[]> {
  const events = (await query(
    'SELECT CAST(id AS CHAR) AS id, CAST(user_id AS CHAR) AS user_id, CAST(product_id AS CHAR) AS product_id, name, occurred_at, properties FROM events WHERE workspace_id = ?',
    [workspaceId],
  )) as Array<{ id: string; user_id: string; product_id: string | null; name: string; occurred_at: Date; properties: string | Record<string, unknown> }>;
  const out: string[] = [];
  for (const e of events) {
    const props = (typeof e.properties === 'string' ? JSON.parse(e.properties) : e.properties) as Record<string, unknown>;
    for (const [key, v] of Object.entries(props)) {
      if (KEY.test(key) && typeof v === 'number') {
        out.push(rowText({ event: e.id, key, ws: workspaceId, user: e.user_id, product: e.product_id, name: e.name, at: e.occurred_at, value: v }));
      }
    }
  }
  return out.sort();
}

/** The rows event_numbers holds for the workspace. */
async function tableRows(workspaceId: string): Promise<string[]> {
  const rows = (await query(
    `SELECT CAST(event_id AS CHAR) AS event_id, prop_key, CAST(workspace_id AS CHAR) AS ws, CAST(user_id AS CHAR) AS user_id,
       CAST(product_id AS CHAR) AS product_id, name, occurred_at, num_value FROM event_numbers WHERE workspace_id = ?`,
    [workspaceId],
  )) as Array<{ event_id: string; prop_key: string; ws: string; user_id: string; product_id: string | null; name: string; occurred_at: Date; num_value: number }>;
  return rows.map((r) => rowText({ event: r.event_id, key: r.prop_key, ws: r.ws, user: r.user_id, product: r.product_id, name: r.name, at: r.occurred_at, value: r.num_value })).sort();
}

async function expectExact(c: RequestContext = ctx): Promise<string[]> {
  const rows = await tableRows(c.actor.workspaceId);
  expect(rows).toEqual(await modelRows(c.actor.workspaceId));
  return rows;
}

const count = async (): Promise<number> => Number(((await query('SELECT COUNT(*) AS n FROM event_numbers')) as Array<{ n: string }>)[0].n);

let seq = 0;
const ev = (properties: Record<string, unknown>, extra: Partial<EventInput> = {}): EventInput => ({
  userExternalId: `u${seq % 7}`, name: 'order_completed', occurredAt: new Date(Date.UTC(2025, 0, 1) + seq++ * 1000), properties, ...extra,
});

// ------------------------------------------------------------------------------------------ tests

describe('ingestion writes exactly the JSON numbers', () => {
  test('numbers count; numeric strings, booleans, null, nested objects and arrays do not', async () => {
    await services.events.track(ctx, [
      ev({ total: 10, items: 2, currency: 'USD' }),
      ev({ total: '5', ok: true, nothing: null, note: '' }),
      ev({ total: 2.5, nested: { total: 7, deeper: { x: 1 } }, list: [1, 2, 3] }),
      ev({}),
      ev({ total: { amount: 3 } }),
      ev({ total: [4] }),
    ]);
    const rows = await expectExact();
    expect(rows.map((r) => r.split('|')[1]).sort()).toEqual(['items', 'total', 'total']);
  });

  test('huge, tiny and negative numbers, -0 and integers beyond 2^53 keep their DOUBLE value', async () => {
    const values = [1e300, -1e300, 1e-300, -2.5, -0, 2 ** 53 + 2, -(2 ** 60), 123456789012345680000, Number.MAX_VALUE, Number.MIN_VALUE];
    await services.events.track(ctx, values.map((v) => ev({ v })));
    const rows = await expectExact();
    const stored = rows.filter((r) => r.split('|')[1] === 'v').map((r) => Number(r.split('|')[7]));
    expect(stored.sort((a, b) => a - b)).toEqual(values.map((v) => (Object.is(v, -0) ? 0 : v)).sort((a, b) => a - b));
  });

  test('keys are case-sensitive; keys the filter cannot name get no row', async () => {
    await services.events.track(ctx, [
      ev({ Total: 1, total: 2, TOTAL: 3 }),
      ev({ 'x y': 1, 'ü': 2, 'a"b': 3, 'a\\b': 4, '$.x': 5, '9lives': 6, [`k${'x'.repeat(64)}`]: 7, [`k${'x'.repeat(63)}`]: 8, '': 9 }),
    ]);
    const rows = await expectExact();
    const keys = rows.map((r) => r.split('|')[1]);
    // 64 characters is the longest key the filter can name.
    expect(keys).toEqual(expect.arrayContaining(['Total', 'total', 'TOTAL', `k${'x'.repeat(63)}`]));
    expect(keys).not.toContain(`k${'x'.repeat(64)}`);
  });

  test('product events carry the product (by id and by externalId), others none', async () => {
    const [p1, p2] = await services.objects.upsert(ctx, 'PRODUCT', [{ externalId: 'p1', name: 'Widget' }, { externalId: 'p2', name: 'Gadget' }]);
    await services.events.track(ctx, [
      ev({ total: 40 }, { productId: p1.id }),
      ev({ total: 41 }, { productExternalId: 'p2' }),
      ev({ total: 42 }),
    ]);
    const rows = await expectExact();
    const products = rows.filter((r) => ['40', '41', '42'].includes(r.split('|')[7])).map((r) => r.split('|')[4]).sort();
    expect(products).toEqual([p1.id, p2.id, '-'].sort());
  });

  test('a repeated messageId adds neither an event nor its numbers, also mixed with new ones, in any order', async () => {
    const before = await count();
    const first = await services.events.track(ctx, [ev({ total: 1 }, { messageId: 'm1' }), ev({ total: 2 }, { messageId: 'm2' })]);
    expect(first).toEqual({ accepted: 2, duplicates: 0 });
    expect(await count()).toBe(before + 2);
    const again = await services.events.track(ctx, [ev({ total: 100 }, { messageId: 'm1' }), ev({ total: 200 }, { messageId: 'm2' })]);
    expect(again).toEqual({ accepted: 0, duplicates: 2 });
    expect(await count()).toBe(before + 2);
    // The first row of the batch is a repeat: the new rows start after it.
    const mixed = await services.events.track(ctx, [
      ev({ total: 100 }, { messageId: 'm1' }), ev({ total: 3 }, { messageId: 'm3' }), ev({ total: 200 }, { messageId: 'm2' }),
      ev({ total: 4 }), ev({ total: 5 }, { messageId: 'm3' }),
    ]);
    expect(mixed).toEqual({ accepted: 2, duplicates: 3 });
    expect(await count()).toBe(before + 4);
    await expectExact();
  });

  test('a batch of several insert chunks (4,500 events), with repeats spread through it', async () => {
    const batch = Array.from({ length: 4500 }, (_, i) => ev({ total: i, half: i / 2, s: String(i) }, { messageId: `big-${i % 4000}` }));
    const result = await services.events.track(ctx, batch);
    expect(result).toEqual({ accepted: 4000, duplicates: 500 });
    await expectExact();
  });

  test('concurrent batches of one workspace (ids interleave at most) and of another', async () => {
    const batches = Array.from({ length: 6 }, (_, b) => Array.from({ length: 300 }, (_, i) => ev({ total: b * 1000 + i }, { messageId: `c-${b}-${i}` })));
    await Promise.all([
      ...batches.map((batch) => services.events.track(ctx, batch)),
      services.events.track(other, batches[0].map((e) => ({ ...e, properties: { total: -1 } }))),
    ]);
    await expectExact();
    await expectExact(other);
  });
});

describe('deletes', () => {
  test('deleting a user removes its events\' numbers; deleting a product keeps them, without the product', async () => {
    const [u] = await services.objects.upsert(ctx, 'USER', [{ externalId: 'doomed' }]);
    const [p] = await services.objects.upsert(ctx, 'PRODUCT', [{ externalId: 'doomed-product', name: 'Doomed' }]);
    await services.events.track(ctx, [ev({ total: 7 }, { userId: u.id }), ev({ total: 8 }, { userExternalId: 'u1', productId: p.id })]);
    const owned = async (column: string, id: string) =>
      Number(((await query(`SELECT COUNT(*) AS n FROM event_numbers WHERE workspace_id = ? AND ${column} = ?`, [ctx.actor.workspaceId, id])) as Array<{ n: string }>)[0].n);
    expect(await owned('user_id', u.id)).toBe(1);
    expect(await owned('product_id', p.id)).toBe(1);
    expect(await services.objects.delete(ctx, 'USER', [u.id])).toBe(1);
    expect(await services.objects.delete(ctx, 'PRODUCT', [p.id])).toBe(1);
    expect(await owned('user_id', u.id)).toBe(0);
    expect(await owned('product_id', p.id)).toBe(0);
    await expectExact();
  });

  test('deleting events directly (as the benchmarks\' clean-ups do) removes their numbers', async () => {
    await services.events.track(ctx, [ev({ total: 9 }, { messageId: 'gone-1' }), ev({ total: 9 }, { messageId: 'gone-2' })]);
    await query("DELETE FROM events WHERE workspace_id = ? AND message_id LIKE 'gone-%'", [ctx.actor.workspaceId]);
    await expectExact();
  });
});

describe('the migration', () => {
  test('its backfill of the same events gives exactly the rows ingestion wrote (every workspace)', async () => {
    const written = [await expectExact(), await expectExact(other)];
    expect(written[0].length).toBeGreaterThan(4000);
    const runner = db.dataSource.createQueryRunner();
    try {
      await new EventNumbers1764400008000().up(runner);
    } finally {
      await runner.release();
    }
    expect([await tableRows(ctx.actor.workspaceId), await tableRows(other.actor.workspaceId)]).toEqual(written);
  });
});
