/** Upserts over real HTTP on the real database: every path, partial updates, attributes, atomicity, paging. */
import {
  AttributeDefinitionsDocument, DefineAttributeDocument, DeleteObjectsDocument, FilterableFieldsDocument, GetObjectDocument, ListObjectsDocument,
  RelationsDocument, UpsertActivitiesDocument, UpsertCompaniesDocument, UpsertDealsDocument, UpsertProductsDocument, UpsertTicketsDocument, UpsertUsersDocument,
} from '../generated/graphql';
import { startTestServer, TestServer } from '../support/server';

let server: TestServer;
beforeAll(async () => { server = await startTestServer(); });
afterAll(async () => { await server.close(); });

const count = async (table: string) => Number((await server.db.dataSource.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);

describe('upsertUsers', () => {
  test('creates, then updates by id and by externalId, keeping fields left out', async () => {
    const c = server.client;
    const [created] = (await c.ok(UpsertUsersDocument, { input: [{ externalId: 'u-1', email: 'ann@example.com', firstName: 'Ann', country: 'Poland', marketingConsent: true }] })).upsertUsers;
    expect(created).toMatchObject({ externalId: 'u-1', email: 'ann@example.com', firstName: 'Ann', country: 'Poland', marketingConsent: true, attributes: {}, tags: [] });
    expect(created.id).toMatch(/^\d+$/);

    const [byId] = (await c.ok(UpsertUsersDocument, { input: [{ id: created.id, lastName: 'Smith' }] })).upsertUsers;
    expect(byId).toMatchObject({ id: created.id, email: 'ann@example.com', firstName: 'Ann', lastName: 'Smith', country: 'Poland' });

    const [byExt] = (await c.ok(UpsertUsersDocument, { input: [{ externalId: 'u-1', city: 'Kraków', country: null }] })).upsertUsers;
    expect(byExt).toMatchObject({ id: created.id, firstName: 'Ann', lastName: 'Smith', city: 'Kraków', country: null });
    expect(new Date(byExt.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(created.updatedAt).getTime());
    expect(byExt.createdAt).toBe(created.createdAt);

    const got = await c.ok(GetObjectDocument, { objectType: 'USER', id: created.id });
    expect(got.object).toMatchObject({ id: created.id, objectType: 'USER', externalId: 'u-1', email: 'ann@example.com' });
  });

  test('an input matching no object creates one; an unknown id is refused', async () => {
    const before = await count('users');
    const [u] = (await server.client.ok(UpsertUsersDocument, { input: [{ email: 'nokey@example.com' }] })).upsertUsers;
    expect(u.externalId).toBeNull();
    expect(await count('users')).toBe(before + 1);
    const err = await server.client.error(UpsertUsersDocument, { input: [{ id: '999999999', email: 'x@example.com' }] });
    expect(err.extensions?.code).toBe('BAD_USER_INPUT');
    expect(err.message).toContain('input.0.id');
  });

  test('attributes merge key by key and null removes a key', async () => {
    const c = server.client;
    const [u] = (await c.ok(UpsertUsersDocument, { input: [{ externalId: 'attr-1', attributes: { plan: 'pro', seats: 3, beta: true } }] })).upsertUsers;
    expect(u.attributes).toEqual({ plan: 'pro', seats: 3, beta: true });
    const [u2] = (await c.ok(UpsertUsersDocument, { input: [{ externalId: 'attr-1', attributes: { seats: 5, beta: null } }] })).upsertUsers;
    expect(u2.attributes).toEqual({ plan: 'pro', seats: 5 });
    const got = await c.ok(GetObjectDocument, { objectType: 'USER', id: u.id });
    expect(got.object?.attributes).toEqual({ plan: 'pro', seats: 5 });
  });

  test('attribute types are inferred from the first value and enforced after', async () => {
    const c = server.client;
    await c.ok(UpsertUsersDocument, { input: [{ externalId: 'inf-1', attributes: { score: 10, vip: false, nickname: 'ace', since: '2024-01-01' } }] });
    const defs = (await c.ok(AttributeDefinitionsDocument, { objectType: 'USER' })).attributeDefinitions;
    const byKey = Object.fromEntries(defs.map((d) => [d.key, d.type]));
    expect(byKey).toMatchObject({ score: 'NUMBER', vip: 'BOOLEAN', nickname: 'STRING', since: 'STRING' });

    const wrong = await c.error(UpsertUsersDocument, { input: [{ externalId: 'inf-2', attributes: { score: 'high' } }] });
    expect(wrong.extensions?.code).toBe('BAD_USER_INPUT');
    expect(wrong.message).toMatch(/input\.0\.attributes\.score.*NUMBER/);
    const fields = (await c.ok(FilterableFieldsDocument, { objectType: 'USER' })).filterableFields;
    expect(fields.find((f) => f.field === 'attributes.score')).toMatchObject({ type: 'NUMBER', custom: true, operators: expect.arrayContaining(['GT', 'BETWEEN']) });
    expect(fields.find((f) => f.field === 'email')).toMatchObject({ type: 'STRING', custom: false });
    expect(fields.find((f) => f.field === 'marketingConsent')?.operators).toEqual(['IS_TRUE', 'IS_FALSE', 'IS_SET', 'IS_NOT_SET']);
  });

  test('declared DATE attributes take ISO strings, normalised to UTC', async () => {
    const c = server.client;
    const def = (await c.ok(DefineAttributeDocument, { input: { objectType: 'USER', key: 'renewal', type: 'DATE', label: 'Renewal' } })).defineAttribute;
    expect(def).toEqual({ objectType: 'USER', key: 'renewal', type: 'DATE', label: 'Renewal' });
    const [u] = (await c.ok(UpsertUsersDocument, { input: [{ externalId: 'date-1', attributes: { renewal: '2026-03-01T10:00:00+02:00' } }] })).upsertUsers;
    expect(u.attributes).toEqual({ renewal: '2026-03-01T08:00:00.000Z' });
    const bad = await c.error(UpsertUsersDocument, { input: [{ externalId: 'date-2', attributes: { renewal: 'next tuesday' } }] });
    expect(bad.message).toContain('input.0.attributes.renewal');
    const retype = await c.error(DefineAttributeDocument, { input: { objectType: 'USER', key: 'renewal', type: 'NUMBER' } });
    expect(retype.extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('a batch with one bad item writes nothing, not even inferred attribute types', async () => {
    const users = await count('users');
    const defs = await count('attribute_definitions');
    const err = await server.client.error(UpsertUsersDocument, {
      input: [
        { externalId: 'atomic-1', email: 'a1@example.com', attributes: { brandNew: 1 } },
        { externalId: 'atomic-2', companyExternalId: 'no-such-company' },
        { externalId: 'atomic-3' },
      ],
    });
    expect(err.extensions?.code).toBe('BAD_USER_INPUT');
    expect(err.message).toContain('input.1.companyExternalId');
    expect(await count('users')).toBe(users);
    expect(await count('attribute_definitions')).toBe(defs);
  });

  test('refuses bad values with the path of the field', async () => {
    const c = server.client;
    const long = await c.error(UpsertUsersDocument, { input: [{ email: 'x'.repeat(1001) }] });
    expect(long.message).toContain('input.0.email');
    const key = await c.error(UpsertUsersDocument, { input: [{ attributes: { 'bad key': 1 } }] });
    expect(key.message).toContain('input.0.attributes');
    const nested = await c.error(UpsertUsersDocument, { input: [{ attributes: { obj: { a: 1 } } }] });
    expect(nested.message).toContain('input.0.attributes.obj');
    const tooMany = await c.error(UpsertUsersDocument, { input: Array.from({ length: 1001 }, () => ({})) });
    expect(tooMany.message).toMatch(/at most 1000/);
  });

  test('an externalId already used by another user cannot be taken', async () => {
    const c = server.client;
    const [a, b] = (await c.ok(UpsertUsersDocument, { input: [{ externalId: 'own-a' }, { externalId: 'own-b' }] })).upsertUsers;
    const err = await c.error(UpsertUsersDocument, { input: [{ id: b.id, externalId: 'own-a' }] });
    expect(err.message).toContain('input.0.externalId');
    const kept = await c.ok(GetObjectDocument, { objectType: 'USER', id: a.id });
    expect(kept.object?.externalId).toBe('own-a');
  });

  test('emoji (4-byte UTF-8) round-trips', async () => {
    const [u] = (await server.client.ok(UpsertUsersDocument, { input: [{ externalId: 'emoji-🎉', firstName: 'Zoë 🚀', attributes: { mood: '😀' } }] })).upsertUsers;
    expect(u).toMatchObject({ externalId: 'emoji-🎉', firstName: 'Zoë 🚀', attributes: { mood: '😀' } });
  });
});

describe('the other five types', () => {
  test('create with references by externalId, defaults, required fields', async () => {
    const c = server.client;
    const [co] = (await c.ok(UpsertCompaniesDocument, { input: [{ externalId: 'co-1', name: 'Acme', employees: 50, annualRevenue: 1.5e6, attributes: { tier: 'gold' } }] })).upsertCompanies;
    expect(co).toMatchObject({ name: 'Acme', employees: 50, annualRevenue: 1.5e6, attributes: { tier: 'gold' } });
    const [u] = (await c.ok(UpsertUsersDocument, { input: [{ externalId: 'ref-user', companyExternalId: 'co-1' }] })).upsertUsers;
    expect(u.company).toEqual({ id: co.id, name: 'Acme' });
    const [p] = (await c.ok(UpsertProductsDocument, { input: [{ externalId: 'p-1', name: 'Shoe', price: 49.99, stock: 3, sku: 'S-1' }] })).upsertProducts;
    expect(p).toMatchObject({ name: 'Shoe', price: 49.99, stock: 3 });
    const [d] = (await c.ok(UpsertDealsDocument, { input: [{ externalId: 'd-1', name: 'Big deal', value: 1000, userExternalId: 'ref-user', companyId: co.id, ownerId: '7' }] })).upsertDeals;
    expect(d).toMatchObject({ name: 'Big deal', status: 'open', ownerId: '7', user: { id: u.id }, company: { id: co.id } });
    const [a] = (await c.ok(UpsertActivitiesDocument, { input: [{ type: 'call', userId: u.id, dealExternalId: 'd-1' }] })).upsertActivities;
    expect(a).toMatchObject({ type: 'call', status: 'open', user: { id: u.id }, deal: { id: d.id } });
    const [t] = (await c.ok(UpsertTicketsDocument, { input: [{ subject: 'Help', userExternalId: 'ref-user' }] })).upsertTickets;
    expect(t).toMatchObject({ subject: 'Help', status: 'open', priority: 'normal', user: { id: u.id } });

    const missing = await c.error(UpsertCompaniesDocument, { input: [{ externalId: 'co-2' }] });
    expect(missing.message).toMatch(/input\.0\.name.*required/);
    const cleared = await c.error(UpsertCompaniesDocument, { input: [{ id: co.id, name: null }] });
    expect(cleared.message).toContain('input.0.name');
    const [renamed] = (await c.ok(UpsertCompaniesDocument, { input: [{ id: co.id, industry: 'Retail' }] })).upsertCompanies;
    expect(renamed).toMatchObject({ name: 'Acme', industry: 'Retail', employees: 50 });
  });

  test('deleteObjects removes the object, clears references to it and ignores unknown ids', async () => {
    const c = server.client;
    const [co] = (await c.ok(UpsertCompaniesDocument, { input: [{ name: 'Doomed' }] })).upsertCompanies;
    const [u] = (await c.ok(UpsertUsersDocument, { input: [{ companyId: co.id }] })).upsertUsers;
    expect(await c.ok(DeleteObjectsDocument, { objectType: 'COMPANY', ids: [co.id, '987654321', 'junk'] })).toEqual({ deleteObjects: 1 });
    expect((await c.ok(GetObjectDocument, { objectType: 'COMPANY', id: co.id })).object).toBeNull();
    expect((await c.ok(GetObjectDocument, { objectType: 'USER', id: u.id })).object).toMatchObject({ company: null });
  });

  test('relations follow the table of SEMANTICS.md', async () => {
    const rel = (await server.client.ok(RelationsDocument, { objectType: 'USER' })).relations;
    expect(rel).toEqual([
      { relation: 'company', target: 'COMPANY', many: false },
      { relation: 'deals', target: 'DEAL', many: true },
      { relation: 'tickets', target: 'TICKET', many: true },
      { relation: 'activities', target: 'ACTIVITY', many: true },
    ]);
    expect((await server.client.ok(RelationsDocument, { objectType: 'PRODUCT' })).relations).toEqual([]);
  });
});

describe('objects paging', () => {
  test('pages newest first with opaque cursors, no duplicates or gaps', async () => {
    const { client } = await server.newWorkspace('Paging');
    const base = Date.parse('2026-01-01T00:00:00Z');
    // Several objects share a creation time, so ties are broken by id.
    await client.ok(UpsertProductsDocument, {
      input: Array.from({ length: 23 }, (_, i) => ({ name: `P${i}`, createdAt: new Date(base + Math.floor(i / 3) * 1000).toISOString() })),
    });
    const seen: string[] = [];
    let after: string | null | undefined;
    for (;;) {
      const page = (await client.ok(ListObjectsDocument, { objectType: 'PRODUCT', first: 5, after })).objects;
      expect(page.totalCount).toBe(23);
      seen.push(...page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(23);
    expect(new Set(seen).size).toBe(23);
    const all = (await client.ok(ListObjectsDocument, { objectType: 'PRODUCT', first: 1000 })).objects.edges.map((e) => e.node);
    const sorted = [...all].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || Number(b.id) - Number(a.id));
    expect(all.map((n) => n.id)).toEqual(sorted.map((n) => n.id));
    expect(seen).toEqual(all.map((n) => n.id));

    expect((await client.error(ListObjectsDocument, { objectType: 'PRODUCT', first: 1001 })).message).toMatch(/first/);
    expect((await client.error(ListObjectsDocument, { objectType: 'PRODUCT', after: 'not-a-cursor' })).extensions?.code).toBe('BAD_USER_INPUT');
  });
});
