/**
 * The demo workspace: a few hundred objects of every type, a few thousand events, tags, lists,
 * attributes and four saved segments, enough for the README's examples ("newsletter
 * subscribers", and "bought more than once, no visit for 40 days, total order value over $800,
 * marketing consent"). It is written through the same services as the API, from a fixed random
 * seed, once per database.
 */
import fs from 'node:fs';
import path from 'node:path';
import { WorkspaceEntity } from '../db/entities';
import type { Logger } from '../logger';
import type { Services } from '../services';
import type { RequestContext } from '../services/context';
import { hashToken, newToken } from '../services/auth.service';

export const DEMO_WORKSPACE_NAME = 'Demo workspace';
const TOKEN_FILE = '.demo-token';

/** Deterministic PRNG (mulberry32), so every fresh database gets the same demo. */
function rng(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
    chance: (p: number) => next() < p,
  };
}

const FIRST = ['Anna', 'Jan', 'Marta', 'Piotr', 'Olivia', 'Liam', 'Emma', 'Noah', 'Zoë', 'Łukasz', 'José', 'Chloé', 'Mia', 'Lucas', 'Sofia'];
const LAST = ['Nowak', 'Kowalski', 'Smith', 'Müller', 'García', 'Rossi', 'Dubois', 'Johnson', 'Brown', 'Schmidt', 'Novák'];
const PLACES: Array<[string, string]> = [['Poland', 'Warsaw'], ['Poland', 'Kraków'], ['Germany', 'Berlin'], ['Switzerland', 'Zürich'], ['France', 'Paris'], ['Spain', 'Madrid'], ['United States', 'New York'], ['United Kingdom', 'London']];
const INDUSTRIES = ['Software', 'Retail', 'Finance', 'Healthcare', 'Manufacturing', 'Education'];
const CATEGORIES = ['Shoes', 'Books', 'Electronics', 'Garden', 'Toys'];
const DAY = 86_400_000;

export interface DemoResult {
  readonly workspaceId: string;
  readonly created: boolean;
  /** The demo admin's token, when known (written to .demo-token at creation). */
  readonly token: string | null;
}

/** Loads the demo workspace unless it exists; returns its id and admin token. */
export async function ensureDemoWorkspace(services: Services, logger: Logger, now = new Date()): Promise<DemoResult> {
  const ds = services.dataSource;
  const existing = await ds.getRepository(WorkspaceEntity).findOne({ where: { name: DEMO_WORKSPACE_NAME }, order: { id: 'ASC' } });
  const tokenFile = path.resolve(TOKEN_FILE);
  if (existing) {
    let token = fs.existsSync(tokenFile) ? fs.readFileSync(tokenFile, 'utf8').trim() : '';
    if (!token || !(await services.auth.authenticate(token))) {
      // The token is only stored hashed: issue the demo admin a new one.
      token = newToken();
      await ds.query("UPDATE agents SET token_hash = ? WHERE workspace_id = ? AND role = 'ADMIN' ORDER BY id LIMIT 1", [hashToken(token), existing.id]);
      writeTokenFile(tokenFile, token);
    }
    return { workspaceId: String(existing.id), created: false, token };
  }
  const ws = await services.workspaces.createWorkspace({ name: DEMO_WORKSPACE_NAME, adminName: 'Demo Admin', adminEmail: 'admin@demo.example' });
  writeTokenFile(tokenFile, ws.token);
  const actor = await services.auth.authenticate(ws.token);
  const ctx: RequestContext = { actor: actor!, requestId: 'seed', logger };
  await loadDemoData(services, ctx, now);
  return { workspaceId: ws.workspaceId, created: true, token: ws.token };
}

function writeTokenFile(file: string, token: string): void {
  try {
    fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
  } catch {
    /* read-only working directory (e.g. a container): the token is still printed */
  }
}

/** The demo data, written into the workspace of `ctx` (exported for its test). */
export async function loadDemoData(s: Services, ctx: RequestContext, now: Date): Promise<void> {
  const r = rng(42);
  const ago = (days: number) => new Date(now.getTime() - days * DAY);
  await s.attributes.define(ctx, { objectType: 'USER', key: 'signupDate', type: 'DATE', label: 'Signup date' });
  await s.attributes.define(ctx, { objectType: 'USER', key: 'plan', type: 'STRING', label: 'Plan' });

  const companies = await s.objects.upsert(ctx, 'COMPANY', Array.from({ length: 40 }, (_, i) => {
    const [country] = r.pick(PLACES);
    return { externalId: `company-${i + 1}`, name: `${r.pick(['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark', 'Wayne'])} ${r.pick(['Labs', 'Group', 'GmbH', 'Sp. z o.o.', 'Inc.'])} ${i + 1}`,
      industry: r.pick(INDUSTRIES), country, employees: r.int(2, 5000), annualRevenue: r.int(50, 50_000) * 1000, createdAt: ago(r.int(200, 900)) };
  }));
  const products = await s.objects.upsert(ctx, 'PRODUCT', Array.from({ length: 30 }, (_, i) => ({
    externalId: `product-${i + 1}`, sku: `SKU-${1000 + i}`, name: `${r.pick(['Classic', 'Pro', 'Eco', 'Mini', 'Max'])} ${r.pick(CATEGORIES).slice(0, -1)} ${i + 1}`,
    category: r.pick(CATEGORIES), price: r.int(5, 400) + 0.99, stock: r.int(0, 500), createdAt: ago(r.int(100, 700)),
  })));
  const users = await s.objects.upsert(ctx, 'USER', Array.from({ length: 400 }, (_, i) => {
    const [country, city] = r.pick(PLACES);
    const first = r.pick(FIRST);
    const last = r.pick(LAST);
    return {
      externalId: `user-${i + 1}`, email: `${first}.${last}.${i + 1}@example.com`.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace("ł", "l").replace("Ł", "L").toLowerCase(), firstName: first, lastName: last,
      phone: r.chance(0.6) ? `+48 600 ${String(100000 + i).slice(-6)}` : null, country: r.chance(0.9) ? country : null, city: r.chance(0.85) ? city : null,
      marketingConsent: r.chance(0.6), lastSeenAt: r.chance(0.95) ? ago(r.next() * 120) : null, createdAt: ago(r.int(60, 800)),
      companyId: r.chance(0.8) ? r.pick(companies).id : null,
      attributes: { plan: r.pick(['free', 'starter', 'pro', 'enterprise']), signupDate: ago(r.int(60, 800)).toISOString(), newsletter: r.chance(0.45), lifetimeValue: r.int(0, 5000) },
    };
  }));
  const deals = await s.objects.upsert(ctx, 'DEAL', Array.from({ length: 120 }, (_, i) => {
    const won = r.chance(0.3);
    return { externalId: `deal-${i + 1}`, name: `Deal ${i + 1}`, value: r.int(500, 80_000), currency: r.pick(['USD', 'EUR', 'PLN']),
      stage: r.pick(['lead', 'qualified', 'proposal', 'negotiation']), status: won ? 'won' : r.pick(['open', 'open', 'lost']),
      expectedCloseAt: ago(-r.int(1, 90)), closedAt: won ? ago(r.int(1, 60)) : null, ownerId: String(r.int(1, 5)),
      userId: r.pick(users).id, companyId: r.chance(0.8) ? r.pick(companies).id : null, createdAt: ago(r.int(10, 300)) };
  }));
  await s.objects.upsert(ctx, 'ACTIVITY', Array.from({ length: 300 }, (_, i) => ({
    externalId: `activity-${i + 1}`, type: r.pick(['call', 'meeting', 'email', 'task']), subject: `Follow-up ${i + 1}`, status: r.pick(['open', 'done']),
    dueAt: ago(r.int(-30, 30)), completedAt: r.chance(0.5) ? ago(r.int(0, 30)) : null, assigneeId: String(r.int(1, 5)),
    userId: r.pick(users).id, dealId: r.chance(0.6) ? r.pick(deals).id : null, createdAt: ago(r.int(1, 200)),
  })));
  await s.objects.upsert(ctx, 'TICKET', Array.from({ length: 150 }, (_, i) => {
    const resolved = r.chance(0.6);
    return { externalId: `ticket-${i + 1}`, subject: r.pick(['Cannot log in', 'Refund request', 'Delivery late', 'Bug report', 'Question about plan']),
      status: resolved ? 'resolved' : r.pick(['open', 'pending']), priority: r.pick(['low', 'normal', 'high', 'urgent']), channel: r.pick(['email', 'chat', 'phone']),
      resolvedAt: resolved ? ago(r.int(0, 60)) : null, userId: r.pick(users).id, createdAt: ago(r.int(0, 120)) };
  }));

  const events: Array<Record<string, unknown>> = [];
  users.forEach((u, i) => {
    for (let k = r.int(0, 8); k > 0; k--) events.push({ userId: u.id, name: 'page_view', occurredAt: ago(r.next() * 90), properties: { path: r.pick(['/', '/pricing', '/blog', '/docs', '/checkout']) }, messageId: `pv-${i}-${k}` });
    for (let k = r.chance(0.55) ? r.int(1, 5) : 0; k > 0; k--) {
      const product = r.pick(products);
      events.push({ userId: u.id, productId: product.id, name: 'order_completed', occurredAt: ago(r.int(1, 365)), properties: { total: r.int(20, 900), currency: 'USD', items: r.int(1, 4) }, messageId: `order-${i}-${k}` });
    }
    for (let k = r.int(0, 3); k > 0; k--) events.push({ userId: u.id, productId: r.pick(products).id, name: 'product_viewed', occurredAt: ago(r.next() * 60), properties: {}, messageId: `view-${i}-${k}` });
    if (u.attributes.newsletter === true) events.push({ userId: u.id, name: 'newsletter_subscribed', occurredAt: ago(r.int(1, 400)), properties: { source: r.pick(['footer', 'checkout', 'popup']) }, messageId: `nl-${i}` });
  });
  await s.events.track(ctx, events as never);

  const pick = (n: number) => [...new Set(Array.from({ length: n }, () => r.pick(users).id))];
  await s.tags.tag(ctx, 'USER', pick(40), ['vip']);
  await s.tags.tag(ctx, 'USER', pick(60), ['churn-risk']);
  await s.tags.tag(ctx, 'USER', pick(30), ['beta-tester']);
  await s.tags.tag(ctx, 'COMPANY', companies.slice(0, 8).map((c) => c.id), ['key-account']);
  const newsletter = await s.lists.create(ctx, { objectType: 'USER', name: 'Newsletter subscribers', description: 'Imported from the old newsletter tool' });
  await s.lists.add(ctx, newsletter.id, users.filter((u) => u.attributes.newsletter === true).map((u) => u.id));
  const webinar = await s.lists.create(ctx, { objectType: 'USER', name: 'Webinar attendees — May' });
  await s.lists.add(ctx, webinar.id, pick(50));

  // A few saved segments, synced as they are created: real-time ones whose results also change
  // with time alone (trigger TIME), one reading related objects, one reading another segment.
  const active = await s.segments.create(ctx, { objectType: 'USER', name: 'Active this week', description: 'Viewed a page in the last 7 days',
    filter: { event: { name: 'page_view', window: { lastDays: 7 } } } });
  await s.segments.create(ctx, { objectType: 'USER', name: 'VIPs without an order in 90 days',
    filter: { and: [{ tag: { tag: 'vip' } }, { not: { event: { name: 'order_completed', window: { lastDays: 90 } } } }] } });
  await s.segments.create(ctx, { objectType: 'USER', name: 'Active, consented, not yet on the newsletter',
    filter: { and: [{ segment: { segmentId: active.id } }, { attribute: { field: 'marketingConsent', operator: 'IS_TRUE' } }, { list: { listId: newsletter.id, isMember: false } }] } });
  await s.segments.create(ctx, { objectType: 'COMPANY', name: 'Companies with an active user',
    filter: { related: { relation: 'users', filter: { segment: { segmentId: active.id } } } } });
}
