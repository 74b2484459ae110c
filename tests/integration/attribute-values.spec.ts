/**
 * attribute_values, the filter index of custom attributes, on real MariaDB through the services:
 * after every kind of write (creates, partial updates, merges, removals with null, a key whose
 * value changes type, deletes) the table holds exactly the rows that the `attributes` JSON of the
 * objects calls for. "Exactly" is checked two ways: against a model of the typing rules written
 * here in JS (a number → num_value; true/false → bool_value; a non-empty string → str_value, and
 * also date_value when it is an ISO date of a day that exists), and against the migration's
 * backfill of the same JSON.
 */
import { AttributeValues1764400007000 } from '../../migrations/1764400007000-AttributeValues';
import { CATALOG } from '../../src/core/catalog';
import { OBJECT_TYPES, OBJECT_TYPE_CODE, ObjectType } from '../../src/core/object-types';
import fc from 'fast-check';
import { deleteAttributeValues, reindexAttributeValues, writeAttributeValues } from '../../src/db/attribute-values';
import type { Services } from '../../src/services';
import type { RequestContext } from '../../src/services/context';
import type { TestDatabase } from '../support/db';
import { serviceWorld } from '../support/services';

let db: TestDatabase;
let services: Services;
let ctx: RequestContext;
let other: RequestContext;

beforeAll(async () => {
  const world = await serviceWorld();
  ({ db, services } = world);
  ctx = await world.workspace('Index');
  other = await world.workspace('Other');
  await services.attributes.define(ctx, { objectType: 'USER', key: 'renewalAt', type: 'DATE' });
  await services.attributes.define(ctx, { objectType: 'USER', key: 'code', type: 'STRING' });
});

afterAll(async () => {
  await db.drop();
});

const query = (sql: string, params?: unknown[]) => db.dataSource.query(sql, params);

// ------------------------------------------------------------------------------------------ the model

const ISO_DATE = /^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{3})?Z)?$/;

/** The instant of an ISO date string naming a day that exists (years 1000–9999), else null. */
function modelDate(s: string): string | null {
  if (!ISO_DATE.test(s)) return null;
  const [y, m, d] = [Number(s.slice(0, 4)), Number(s.slice(5, 7)), Number(s.slice(8, 10))];
  if (y < 1000 || new Date(Date.UTC(y, m - 1, d)).getUTCDate() !== d) return null;
  return new Date(s.length === 10 ? `${s}T00:00:00.000Z` : s).toISOString();
}

/** One row as text: `type|id|key|str|num|date|bool`. */
const rowText = (type: number, id: string, key: string, str: unknown, num: unknown, date: unknown, bool: unknown): string =>
  [type, id, key, str ?? '-', num ?? '-', date ?? '-', bool ?? '-'].join('|');

/** The rows the JSON of the workspace's objects calls for, by the typing rules (JS). */
async function modelRows(workspaceId: string): Promise<string[]> {
  const out: string[] = [];
  for (const type of OBJECT_TYPES) {
    const rows = (await query(`SELECT CAST(id AS CHAR) AS id, attributes FROM ${CATALOG[type].table} WHERE workspace_id = ?`, [workspaceId])) as Array<{ id: string; attributes: string | Record<string, unknown> }>;
    for (const r of rows) {
      const attrs = (typeof r.attributes === 'string' ? JSON.parse(r.attributes) : r.attributes) as Record<string, unknown>;
      for (const [key, v] of Object.entries(attrs)) {
        const code = OBJECT_TYPE_CODE[type];
        if (typeof v === 'number') out.push(rowText(code, r.id, key, null, v, null, null));
        else if (typeof v === 'boolean') out.push(rowText(code, r.id, key, null, null, null, v ? 1 : 0));
        else if (typeof v === 'string' && /[^ ]/.test(v)) out.push(rowText(code, r.id, key, v, null, modelDate(v), null));
      }
    }
  }
  return out.sort();
}

/** The rows attribute_values holds for the workspace. */
async function indexRows(workspaceId: string): Promise<string[]> {
  const rows = (await query(
    `SELECT object_type, CAST(object_id AS CHAR) AS id, attr_key, str_value, num_value, date_value, bool_value
     FROM attribute_values WHERE workspace_id = ?`,
    [workspaceId],
  )) as Array<{ object_type: number; id: string; attr_key: string; str_value: string | null; num_value: number | null; date_value: Date | null; bool_value: number | null }>;
  return rows.map((r) => rowText(Number(r.object_type), r.id, r.attr_key, r.str_value, r.num_value === null ? null : Number(r.num_value),
    r.date_value?.toISOString(), r.bool_value === null ? null : Number(r.bool_value))).sort();
}

async function expectExact(): Promise<string[]> {
  const rows = await indexRows(ctx.actor.workspaceId);
  expect(rows).toEqual(await modelRows(ctx.actor.workspaceId));
  expect(await indexRows(other.actor.workspaceId)).toEqual(await modelRows(other.actor.workspaceId));
  return rows;
}

const user = async (externalId: string) => (await services.objects.upsert(ctx, 'USER', [{ externalId }]))[0];
const upsert = (type: ObjectType, inputs: Array<Record<string, unknown>>, c: RequestContext = ctx) => services.objects.upsert(c, type, inputs);

// ------------------------------------------------------------------------------------------ tests

test('creates: one row per recognised value; a date string fills str_value and date_value; "" has no row', async () => {
  await upsert('USER', [
    { externalId: 'a', attributes: { plan: 'pro', seats: 5, beta: true, renewalAt: '2026-01-31', code: '2025-03-01T10:00:00Z' } },
    { externalId: 'b', attributes: { plan: '', seats: -2.5, beta: false, code: '2025-02-30' } },
    { externalId: 'c', attributes: { plan: 'Zürich 😀', seats: 1e20, code: '0999-01-01' } },
    { externalId: 'd', email: 'no-attributes@x.io' },
    // Spaces only are empty to the database (PAD SPACE); a line feed after a date is no date.
    { externalId: 'f', attributes: { plan: '   ', code: '2025-01-01\n', note: ' x ' } },
  ]);
  await upsert('COMPANY', [{ name: 'Acme', attributes: { tier: 'gold', size: 3 } }]);
  await upsert('USER', [{ externalId: 'a', attributes: { plan: 'other workspace' } }], other);
  const rows = await expectExact();
  const a = (await user('a')).id;
  expect(rows).toEqual(expect.arrayContaining([
    rowText(1, a, 'code', '2025-03-01T10:00:00Z', null, '2025-03-01T10:00:00.000Z', null),
    rowText(1, a, 'renewalAt', '2026-01-31T00:00:00.000Z', null, '2026-01-31T00:00:00.000Z', null),
  ]));
  // 02-30 and year 999 are strings, not dates; '' is missing.
  const b = (await user('b')).id;
  expect(rows.filter((r) => r.startsWith(`1|${b}|`))).toEqual([
    rowText(1, b, 'beta', null, null, null, 0), rowText(1, b, 'code', '2025-02-30', null, null, null), rowText(1, b, 'seats', null, -2.5, null, null),
  ]);
});

test('partial updates: a write that leaves attributes alone keeps the rows; changed keys are rewritten', async () => {
  const before = await expectExact();
  await upsert('USER', [{ externalId: 'a', city: 'Oslo' }, { externalId: 'b', attributes: {} }]);
  expect(await expectExact()).toEqual(before);
  await upsert('USER', [{ externalId: 'a', attributes: { seats: 6 } }, { externalId: 'b', attributes: { plan: 'free' } }]);
  await expectExact();
});

test('merge and removal: new keys add rows, null removes the key and its row, "" removes the row', async () => {
  await upsert('USER', [
    { externalId: 'a', attributes: { beta: null, extra: 'x', plan: '' } },
    { externalId: 'c', attributes: { seats: null, code: null, Seats: 7 } },
  ]);
  const rows = await expectExact();
  const a = (await user('a')).id;
  expect(rows.some((r) => r.startsWith(`1|${a}|beta|`) || r.startsWith(`1|${a}|plan|`))).toBe(false);
  const c = (await user('c')).id;
  expect(rows.filter((r) => r.startsWith(`1|${c}|`)).map((r) => r.split('|')[2])).toEqual(['Seats', 'plan']);
});

test('a value that changes kind: a date string becomes a plain string, a number becomes a string', async () => {
  const a = (await user('a')).id;
  await upsert('USER', [{ externalId: 'a', attributes: { code: 'soon' } }]);
  expect((await expectExact()).filter((r) => r.startsWith(`1|${a}|code|`))).toEqual([rowText(1, a, 'code', 'soon', null, null, null)]);
  await upsert('USER', [{ externalId: 'a', attributes: { code: '2027-12-31T23:59:59.999Z' } }]);
  await expectExact();
  // A declared NUMBER refuses strings through the API; JSON written otherwise (an older writer,
  // a hand fix) is indexed as it is once rewritten.
  await query('UPDATE users SET attributes = JSON_SET(attributes, \'$."seats"\', \'many\') WHERE id = ?', [a]);
  await reindexAttributeValues(query, 'USER', ctx.actor.workspaceId, [a]);
  expect((await expectExact()).filter((r) => r.startsWith(`1|${a}|seats|`))).toEqual([rowText(1, a, 'seats', 'many', null, null, null)]);
});

test('one batch touching an object twice, and creating one it then updates', async () => {
  await upsert('USER', [
    { externalId: 'e', attributes: { plan: 'x', seats: 1 } },
    { externalId: 'e', attributes: { plan: null, beta: true } },
    { externalId: 'b', attributes: { seats: 3 } },
    { externalId: 'b', attributes: { seats: 'not a number'.length, plan: null } },
  ]);
  const rows = await expectExact();
  const e = (await user('e')).id;
  expect(rows.filter((r) => r.startsWith(`1|${e}|`))).toEqual([rowText(1, e, 'beta', null, null, null, 1), rowText(1, e, 'seats', null, 1, null, null)]);
});

test('deletes remove the rows of the deleted objects only', async () => {
  const [b, c] = [(await user('b')).id, (await user('c')).id];
  expect(await services.objects.delete(ctx, 'USER', [b, c])).toBe(2);
  const rows = await expectExact();
  expect(rows.some((r) => r.startsWith(`1|${b}|`) || r.startsWith(`1|${c}|`))).toBe(false);
  expect(rows.length).toBeGreaterThan(0);
});

test('filters read the index: the service finds what the JSON holds', async () => {
  const count = async (filter: unknown) => {
    const predicate = await services.filters.predicate(ctx, 'USER', filter);
    return (await services.objectQueries.page(ctx, 'USER', { first: 100, predicate })).items.length;
  };
  expect(await count({ attribute: { field: 'attributes.renewalAt', operator: 'AFTER', value: '2026-01-30T23:59:59.999Z' } })).toBe(1); // a
  expect(await count({ attribute: { field: 'attributes.extra', operator: 'EQ', value: 'X' } })).toBe(1); // a
  expect(await count({ attribute: { field: 'attributes.seats', operator: 'IS_NOT_SET' } })).toBe(3); // a ("many"), d, f
});

test('the write path (JS) and the backfill (SQL) type any JSON value alike', async () => {
  const ws = other.actor.workspaceId;
  const tricky = fc.constantFrom<unknown>(
    '', ' ', '  a', 'a  ', '\tx', 'Zürich', '😀', '%_\\', 'null', 'true', '5', '1e3',
    '2024-02-29', '2025-02-29', '2025-04-31', '2025-12-31', '0999-12-31', '1000-01-01', '9999-12-31T23:59:59.999Z',
    '2025-01-01\n', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00.1Z', '2025-01-01T24:00:00Z', '2025-01-01t00:00:00z', '2025-01-01 10:00:00',
    0, -0, 1, -2.5, 0.1, 0.1 + 0.2, 1e21, 1e-7, 2 ** 53 + 2, -(2 ** 60), 1.7976931348623157e308, 5e-324,
    true, false, null, [], [1], {}, { a: 1 },
  );
  const attributes = fc.dictionary(fc.constantFrom('a', 'B', 'b', '_c', 'd9', 'x'.repeat(64)), tricky, { maxKeys: 6 });
  let next = 900_000_000;
  await fc.assert(fc.asyncProperty(fc.array(attributes, { minLength: 1, maxLength: 8 }), async (objects) => {
    const ids = objects.map(() => String(next++));
    const now = new Date();
    await query(`INSERT INTO tickets (id, workspace_id, attributes, created_at, updated_at, subject, status, priority) VALUES ${ids.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      ids.flatMap((id, i) => [id, ws, JSON.stringify(objects[i]), now, now, 's', 'open', 'low']));
    await writeAttributeValues(query, 'TICKET', ws, ids.map((id, i) => ({ id, after: objects[i] })));
    const byJs = await indexRows(ws);
    await reindexAttributeValues(query, 'TICKET', ws, ids);
    const bySql = await indexRows(ws);
    expect(bySql).toEqual(byJs);
    expect(byJs).toEqual(await modelRows(ws));
    await query(`DELETE FROM tickets WHERE id IN (${ids.map(() => '?').join(', ')})`, ids);
    await deleteAttributeValues(query, 'TICKET', ws, ids);
  }), { numRuns: 40, seed: 42 });
});

test('the backfill of the migration gives the same rows as the write path', async () => {
  const written = [...(await expectExact()), ...(await indexRows(other.actor.workspaceId))].sort();
  const runner = db.dataSource.createQueryRunner();
  try {
    await new AttributeValues1764400007000().up(runner);
  } finally {
    await runner.release();
  }
  expect([...(await indexRows(ctx.actor.workspaceId)), ...(await indexRows(other.actor.workspaceId))].sort()).toEqual(written);
});
