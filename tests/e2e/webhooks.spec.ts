/**
 * Webhooks over HTTP, end to end: a booted server with a job runner and the change publisher,
 * and a real receiver (node:http on 127.0.0.1) that checks every signature. Real: MariaDB, the
 * migrations, Agenda on agenda-mysql, fetch, HTTP. Shortened for the test: the retry delays
 * (150 ms), the POST timeout (1 s), and the overdue check (every 300 ms, 700 ms grace).
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPubSub } from '@graphql-yoga/subscription';
import { buildSchema } from 'type-graphql';
import { RESOLVERS } from '../../src/graphql/schema';
import { WebhookResolver } from '../../src/graphql/resolvers/webhook.resolver';
import type { WebhookJobs } from '../../src/jobs/webhook-jobs';
import { JobRunner, startJobRunner } from '../../src/jobs/job-runner';
import { ChangePublisher } from '../../src/live/change-publisher';
import { createLogger } from '../../src/logger';
import { ApiServer, startApiServer } from '../../src/server/app';
import { createServices, Services } from '../../src/services';
import { WebhookService } from '../../src/services/webhook.service';
import { CreateAgentDocument, CreateSegmentDocument, DeleteSegmentDocument, SyncSegmentDocument, UpsertUsersDocument } from '../generated/graphql';
import { GqlClient } from '../support/client';
import { createTestDatabase, TestDatabase } from '../support/db';

const CREATE = `mutation ($input: CreateWebhookInput!) { createWebhook(input: $input) { secret webhook { id url segmentIds events createdById createdAt } } }`;
const LIST = '{ webhooks { id url segmentIds events } }';
const DELETE = 'mutation ($id: ID!) { deleteWebhook(id: $id) }';
const DELIVERIES = `query ($id: ID!, $status: WebhookDeliveryStatus, $first: Int, $after: String) {
  webhookDeliveries(webhookId: $id, status: $status, first: $first, after: $after) {
    edges { cursor node { id webhookId segmentId event trigger count status attempts nextAttemptAt lastAttemptAt lastHttpStatus lastError createdAt finishedAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface Delivery {
  id: string; webhookId: string; segmentId: string; event: string; trigger: string; count: number; status: string; attempts: number;
  nextAttemptAt: string | null; lastAttemptAt: string | null; lastHttpStatus: number | null; lastError: string | null; createdAt: string; finishedAt: string | null;
}
interface Hook { id: string; url: string; segmentIds: string[]; events: string[] }
interface Payload { id: string; webhookId: string; segmentId: string; objectType: string; event: string; objectIds: string[]; count: number; trigger: string; at: string }
interface Received { path: string; headers: http.IncomingHttpHeaders; raw: string; body: Payload; signatureValid: boolean; at: number }

/** Answers by path: `script` gives the status of the n-th request (0-based) to that path; 'hang' never answers. */
class Receiver {
  readonly received: Received[] = [];
  readonly secrets = new Map<string, string>();
  private readonly scripts = new Map<string, (n: number) => number | 'hang'>();
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(raw) as Payload;
      const path = req.url ?? '/';
      const n = this.received.filter((r) => r.path === path).length;
      this.received.push({ path, headers: req.headers, raw, body, signatureValid: this.verify(req.headers, raw, body.webhookId), at: Date.now() });
      const answer = (this.scripts.get(path) ?? (() => 200))(n);
      if (answer === 'hang') return;
      res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer >= 300 ? 'nope' : 'ok');
    });
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  script(path: string, fn: (n: number) => number | 'hang'): string {
    this.scripts.set(path, fn);
    return `${this.url}${path}`;
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  /** The scheme as documented: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>, compared in constant time. */
  private verify(headers: http.IncomingHttpHeaders, raw: string, webhookId: string): boolean {
    const secret = this.secrets.get(webhookId);
    const ts = headers['x-segments-timestamp'];
    const sig = headers['x-segments-signature'];
    if (!secret || typeof ts !== 'string' || typeof sig !== 'string') return false;
    if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
    const expected = Buffer.from(`sha256=${crypto.createHmac('sha256', secret).update(`${ts}.${raw}`).digest('hex')}`);
    const given = Buffer.from(sig);
    return expected.length === given.length && crypto.timingSafeEqual(expected, given);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

let db: TestDatabase;
let services: Services;
let webhooks: WebhookService;
let runner: JobRunner;
let jobs: WebhookJobs;
let api: ApiServer;
let receiver: Receiver;

/** Wires what the lead wires in createServices / job-runner / schema, with test timings. */
beforeAll(async () => {
  db = await createTestDatabase();
  const logger = createLogger((process.env.TEST_LOG_LEVEL as 'info') ?? 'silent');
  services = createServices(db.dataSource, logger);
  webhooks = new WebhookService(db.dataSource, logger, { retryDelaysMs: [150, 150, 150, 150], timeoutMs: 1_000 });
  Object.assign(services, { webhooks });
  const pubSub = createPubSub();
  const publisher = new ChangePublisher(db.dataSource, pubSub, logger);
  publisher.addSink(webhooks.sink);
  services.segmentSyncs.onDelta((_delta, eventId) => void publisher.publish(eventId).catch(() => undefined));
  runner = await startJobRunner({
    databaseUrl: db.url, services, logger, process: true, processEveryMs: 100, lockLifetimeMs: 5_000, webhookRecoveryEveryMs: 300, webhookRecoveryGraceMs: 700,
  });
  jobs = runner.webhooks;
  const resolvers = (RESOLVERS as readonly unknown[]).includes(WebhookResolver) ? [...RESOLVERS] : [...RESOLVERS, WebhookResolver];
  const schema = await buildSchema({ resolvers: resolvers as unknown as [Function, ...Function[]], pubSub, validate: false });
  api = await startApiServer({ config: { port: 0, host: '127.0.0.1', production: false, graphiql: false }, services, schema, logger, pubSub });
  receiver = new Receiver();
  await receiver.start();
});

afterAll(async () => {
  await api?.close();
  await runner?.stop(1_000);
  await receiver?.close();
  await db?.drop();
});

async function workspace(name: string): Promise<GqlClient> {
  const ws = await services.workspaces.createWorkspace({ name });
  return new GqlClient(`${api.url}/graphql`, ws.token);
}

async function until<T>(probe: () => Promise<T> | T, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function createHook(c: GqlClient, input: { url: string; segmentIds: string[]; events: string[] }): Promise<Hook> {
  const res = (await c.ok(CREATE, { input })) as { createWebhook: { secret: string; webhook: Hook } };
  receiver.secrets.set(res.createWebhook.webhook.id, res.createWebhook.secret);
  return res.createWebhook.webhook;
}

async function deliveries(c: GqlClient, id: string, status?: string): Promise<Delivery[]> {
  const res = (await c.ok(DELIVERIES, { id, status, first: 100 })) as { webhookDeliveries: { edges: Array<{ node: Delivery }> } };
  return res.webhookDeliveries.edges.map((e) => e.node);
}

/** Users with a country; a non-real-time segment of Poles, so that only syncSegment changes it. */
async function setUp(c: GqlClient, prefix: string): Promise<{ segmentId: string; setCountry: (ext: string, country: string) => Promise<string> }> {
  const setCountry = async (ext: string, country: string) =>
    (await c.ok(UpsertUsersDocument, { input: [{ externalId: `${prefix}-${ext}`, country }] })).upsertUsers[0].id;
  const seg = (await c.ok(CreateSegmentDocument, { input: { objectType: 'USER', name: `${prefix} Poles`, realtime: false, filter: { attribute: { field: 'country', operator: 'EQ', value: 'Poland' } } } })).createSegment;
  return { segmentId: seg.id, setCountry };
}

const sync = (c: GqlClient, id: string) => c.ok(SyncSegmentDocument, { id });

describe('delivery', () => {
  test('a change is POSTed once per kind, signed, to each subscribed webhook; ENTERED and EXITED are filtered', async () => {
    const c = await workspace('Deliveries');
    const { segmentId, setCountry } = await setUp(c, 'd');
    const both = await createHook(c, { url: receiver.script('/both', () => 200), segmentIds: [segmentId], events: ['ENTERED', 'EXITED'] });
    const entered = await createHook(c, { url: receiver.script('/entered', () => 204), segmentIds: [segmentId, segmentId], events: ['ENTERED'] });
    await createHook(c, { url: receiver.script('/exited', () => 200), segmentIds: [segmentId], events: ['EXITED'] });
    expect(entered).toMatchObject({ segmentIds: [segmentId], events: ['ENTERED'] });

    const a = await setCountry('a', 'Poland');
    const b = await setCountry('b', 'poland');
    const run = (await sync(c, segmentId)).syncSegment;
    expect(run).toMatchObject({ entered: 2, exited: 0 });
    await until(() => receiver.at('/both').length + receiver.at('/entered').length, (n) => n === 2);

    await setCountry('a', 'Spain');
    await setCountry('c', 'Poland');
    await sync(c, segmentId);
    await until(() => receiver.at('/both').length + receiver.at('/entered').length + receiver.at('/exited').length, (n) => n === 6);
    await until(() => deliveries(c, both.id, 'SUCCEEDED'), (d) => d.length === 3);
    await pause(600); // nothing more arrives: each change is sent once when the receiver answers 2xx
    expect(receiver.at('/both')).toHaveLength(3);
    expect(receiver.at('/entered')).toHaveLength(2);
    expect(receiver.at('/exited')).toHaveLength(1);

    for (const r of receiver.received.filter((x) => ['/both', '/entered', '/exited'].includes(x.path))) {
      expect(r.signatureValid).toBe(true);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['x-segments-delivery']).toBe(r.body.id);
      expect(r.headers['x-segments-event']).toBe(r.body.event);
    }
    const [first, second, third] = receiver.at('/both').map((r) => r.body);
    expect(first).toMatchObject({ webhookId: both.id, segmentId, objectType: 'USER', event: 'ENTERED', count: 2, trigger: 'MANUAL' });
    expect([...first.objectIds].sort()).toEqual([a, b].sort());
    expect(Object.keys(first)).toEqual(['id', 'webhookId', 'segmentId', 'objectType', 'event', 'objectIds', 'count', 'trigger', 'at']);
    expect(Date.parse(first.at)).not.toBeNaN();
    const later = [second, third];
    expect(later.find((p) => p.event === 'ENTERED')).toMatchObject({ count: 1, objectIds: [expect.not.stringMatching(`^(${a}|${b})$`)] });
    expect(later.find((p) => p.event === 'EXITED')).toMatchObject({ count: 1, objectIds: [a] });
    expect(receiver.at('/entered').map((r) => r.body.event)).toEqual(['ENTERED', 'ENTERED']);
    expect(receiver.at('/exited').map((r) => [r.body.event, r.body.objectIds])).toEqual([['EXITED', [a]]]);

    const log = await deliveries(c, both.id);
    expect(log.map((d) => d.event).sort()).toEqual(['ENTERED', 'ENTERED', 'EXITED']);
    expect(log.every((d) => d.segmentId === segmentId && d.webhookId === both.id && d.trigger === 'MANUAL' && d.count >= 1)).toBe(true);
    expect(log.every((d) => d.status === 'SUCCEEDED' && d.attempts === 1 && d.lastHttpStatus === 200 && d.lastError === null && d.nextAttemptAt === null && d.finishedAt !== null)).toBe(true);
    expect(Number(log[0].id)).toBeGreaterThan(Number(log[1].id)); // newest first
    expect((await deliveries(c, entered.id))[0]).toMatchObject({ status: 'SUCCEEDED', lastHttpStatus: 204 });
    const page = (await c.ok(DELIVERIES, { id: both.id, first: 2 })) as { webhookDeliveries: { edges: Array<{ node: Delivery }>; pageInfo: { hasNextPage: boolean; endCursor: string } } };
    expect(page.webhookDeliveries.pageInfo.hasNextPage).toBe(true);
    const rest = (await c.ok(DELIVERIES, { id: both.id, first: 2, after: page.webhookDeliveries.pageInfo.endCursor })) as typeof page;
    expect([...page.webhookDeliveries.edges, ...rest.webhookDeliveries.edges].map((e) => e.node.id)).toEqual(log.map((d) => d.id));
    expect(rest.webhookDeliveries.pageInfo.hasNextPage).toBe(false);
  });

  test('failures are retried with backoff: 500, 500, 200 is one delivery id received 3 times, then SUCCEEDED with 3 attempts', async () => {
    const c = await workspace('Retries');
    const { segmentId, setCountry } = await setUp(c, 'r');
    const hook = await createHook(c, { url: receiver.script('/flaky', (n) => (n < 2 ? 500 : 200)), segmentIds: [segmentId], events: ['ENTERED'] });
    await setCountry('a', 'Poland');
    await sync(c, segmentId);
    const [done] = await until(() => deliveries(c, hook.id), (d) => d[0]?.status === 'SUCCEEDED');
    expect(done).toMatchObject({ status: 'SUCCEEDED', attempts: 3, lastHttpStatus: 200, lastError: null, nextAttemptAt: null });
    await pause(500);
    const got = receiver.at('/flaky');
    expect(got).toHaveLength(3);
    expect(new Set(got.map((r) => r.headers['x-segments-delivery']))).toEqual(new Set([done.id]));
    expect(new Set(got.map((r) => r.raw)).size).toBe(1); // the same bytes every time
    expect(got.every((r) => r.signatureValid)).toBe(true);
    // Each retry waits its delay (150 ms here) after the failed attempt.
    expect(got[1].at - got[0].at).toBeGreaterThanOrEqual(140);
    expect(got[2].at - got[1].at).toBeGreaterThanOrEqual(140);
  });

  test('a receiver that always fails gets 5 attempts, then the delivery is FAILED with the last answer; a timeout counts as a failure', async () => {
    const c = await workspace('Failures');
    const { segmentId, setCountry } = await setUp(c, 'f');
    const broken = await createHook(c, { url: receiver.script('/broken', () => 500), segmentIds: [segmentId], events: ['ENTERED'] });
    const slow = await createHook(c, { url: receiver.script('/slow', (n) => (n === 0 ? 'hang' : 200)), segmentIds: [segmentId], events: ['ENTERED'] });
    await setCountry('a', 'Poland');
    await sync(c, segmentId);
    const [failed] = await until(() => deliveries(c, broken.id), (d) => d[0]?.status === 'FAILED');
    expect(failed).toMatchObject({ attempts: 5, lastHttpStatus: 500, lastError: 'HTTP 500: nope', nextAttemptAt: null });
    expect(failed.finishedAt).not.toBeNull();
    await pause(500);
    expect(receiver.at('/broken')).toHaveLength(5);
    const [slowDone] = await until(() => deliveries(c, slow.id), (d) => d[0]?.status === 'SUCCEEDED');
    expect(slowDone.attempts).toBe(2);
    expect(receiver.at('/slow').map((r) => r.body.id)).toEqual([slowDone.id, slowDone.id]);
  });

  test('a refused connection is recorded as a network error', async () => {
    const c = await workspace('Refused');
    const { segmentId, setCountry } = await setUp(c, 'n');
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const hook = await createHook(c, { url: `http://127.0.0.1:${port}/gone`, segmentIds: [segmentId], events: ['ENTERED'] });
    await setCountry('a', 'Poland');
    await sync(c, segmentId);
    const [d] = await until(() => deliveries(c, hook.id), (x) => (x[0]?.attempts ?? 0) >= 1 && x[0].lastError !== null);
    expect(d.lastHttpStatus).toBeNull();
    expect(d.lastError).toMatch(/ECONNREFUSED|fetch failed/);
  });

  test('a delivery whose job was never created (process died after commit) is sent by the overdue check', async () => {
    const c = await workspace('Recovery');
    const { segmentId, setCountry } = await setUp(c, 'o');
    const hook = await createHook(c, { url: receiver.script('/recovered', () => 200), segmentIds: [segmentId], events: ['ENTERED'] });
    webhooks.useQueue({ enqueue: async () => undefined }); // the enqueue after commit is lost
    try {
      await setCountry('a', 'Poland');
      await sync(c, segmentId);
      await until(() => deliveries(c, hook.id), (d) => d.length === 1); // published after the sync's commit
      await pause(300); // past the sink's afterCommit, well within the 700 ms grace
      const [pending] = await deliveries(c, hook.id);
      expect(pending).toMatchObject({ status: 'PENDING', attempts: 0 });
    } finally {
      webhooks.useQueue(jobs.queue);
    }
    const [done] = await until(() => deliveries(c, hook.id), (d) => d[0]?.status === 'SUCCEEDED');
    expect(done.attempts).toBe(1);
    await pause(1_000);
    expect(receiver.at('/recovered')).toHaveLength(1);
  });
});

describe('management', () => {
  test('the secret is shown once (256 random bits); webhooks lists without it; deleting stops deliveries', async () => {
    const c = await workspace('Manage');
    const { segmentId, setCountry } = await setUp(c, 'm');
    const res = (await c.ok(CREATE, { input: { url: receiver.script('/manage', () => 200), segmentIds: [segmentId], events: ['EXITED', 'ENTERED', 'EXITED'] } })) as { createWebhook: { secret: string; webhook: Hook & { createdById: string; createdAt: string } } };
    expect(res.createWebhook.secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    const hook = res.createWebhook.webhook;
    expect(hook).toMatchObject({ url: receiver.url + '/manage', segmentIds: [segmentId], events: ['ENTERED', 'EXITED'] });
    expect(hook.createdById).toMatch(/^\d+$/);
    expect(((await c.ok(LIST)) as { webhooks: Hook[] }).webhooks).toEqual([{ id: hook.id, url: hook.url, segmentIds: [segmentId], events: ['ENTERED', 'EXITED'] }]);
    expect((await c.error('{ webhooks { id secret } }')).extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');

    expect(((await c.ok(DELETE, { id: hook.id })) as { deleteWebhook: boolean }).deleteWebhook).toBe(true);
    expect(((await c.ok(LIST)) as { webhooks: Hook[] }).webhooks).toEqual([]);
    expect((await c.error(DELETE, { id: hook.id })).extensions?.code).toBe('NOT_FOUND');
    expect((await c.error(DELIVERIES, { id: hook.id })).extensions?.code).toBe('NOT_FOUND');
    await setCountry('a', 'Poland');
    await sync(c, segmentId);
    await pause(500);
    expect(receiver.at('/manage')).toHaveLength(0);
  });

  test('deleting a segment drops it from its webhooks', async () => {
    const c = await workspace('Segment deletion');
    const one = await setUp(c, 's1');
    const two = await setUp(c, 's2');
    const hook = await createHook(c, { url: receiver.script('/seg-delete', () => 200), segmentIds: [one.segmentId, two.segmentId], events: ['ENTERED'] });
    expect(hook.segmentIds).toEqual([one.segmentId, two.segmentId]);
    expect((await c.ok(DeleteSegmentDocument, { id: one.segmentId })).deleteSegment).toBe(true);
    expect(((await c.ok(LIST)) as { webhooks: Hook[] }).webhooks[0].segmentIds).toEqual([two.segmentId]);
  });

  test('bad input is BAD_USER_INPUT naming the field, and writes nothing', async () => {
    const c = await workspace('Validation');
    const { segmentId } = await setUp(c, 'v');
    const ok = { url: 'https://example.com/hook', segmentIds: [segmentId], events: ['ENTERED'] };
    const count = async () => (await db.dataSource.query('SELECT (SELECT COUNT(*) FROM webhooks) + (SELECT COUNT(*) FROM webhook_segments) AS n'))[0].n as number;
    const before = await count();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...ok, url: 'ftp://example.com/x' }, 'input.url'],
      [{ ...ok, url: 'javascript:alert(1)' }, 'input.url'],
      [{ ...ok, url: 'not a url' }, 'input.url'],
      [{ ...ok, url: `https://example.com/${'x'.repeat(1_990)}` }, 'input.url'],
      [{ ...ok, url: 'https://user:pw@example.com/' }, 'input.url'],
      [{ ...ok, events: [] }, 'input.events'],
      [{ ...ok, segmentIds: [] }, 'input.segmentIds'],
      [{ ...ok, segmentIds: [segmentId, '424242'] }, 'input.segmentIds.1'],
      [{ ...ok, segmentIds: ['x'] }, 'input.segmentIds.0'],
    ];
    for (const [input, field] of cases) {
      const err = await c.error(CREATE, { input });
      expect({ field, code: err.extensions?.code, got: err.extensions?.field }).toEqual({ field, code: 'BAD_USER_INPUT', got: field });
      expect(err.message).toContain(field);
    }
    expect((await c.error(CREATE, { input: { ...ok, events: ['LEFT'] } })).extensions?.code).toBe('BAD_USER_INPUT');
    expect(await count()).toEqual(before);
    expect((await c.ok(CREATE, { input: { ...ok, url: `https://example.com/${'x'.repeat(1_980)}` } }))).toBeTruthy();
  });

  test('segments hidden from the agent can neither be followed nor seen in segmentIds', async () => {
    const admin = await workspace('Hidden');
    const agent = (await admin.ok(CreateAgentDocument, { input: { name: 'hidden', email: 'hidden@example.com' } })).createAgent;
    const h = admin.withToken(agent.token);
    const seg = (await admin.ok(CreateSegmentDocument, { input: { objectType: 'USER', name: 'Secret', realtime: false, hiddenFromAgentIds: [agent.agent.id], filter: { tag: { tag: 'vip' } } } })).createSegment;
    const open = (await admin.ok(CreateSegmentDocument, { input: { objectType: 'USER', name: 'Open', realtime: false, filter: { tag: { tag: 'x' } } } })).createSegment;
    const err = await h.error(CREATE, { input: { url: 'https://example.com/h', segmentIds: [open.id, seg.id], events: ['ENTERED'] } });
    expect(err.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.segmentIds.1' });
    await createHook(admin, { url: 'https://example.com/h', segmentIds: [seg.id, open.id], events: ['ENTERED'] });
    expect(((await h.ok(LIST)) as { webhooks: Hook[] }).webhooks.map((w) => w.segmentIds)).toEqual([[open.id]]);
    expect(((await admin.ok(LIST)) as { webhooks: Hook[] }).webhooks.map((w) => w.segmentIds)).toEqual([[seg.id, open.id].sort((x, y) => Number(x) - Number(y))]);
  });

  test("another workspace's webhook behaves as non-existent, and its segments cannot be followed", async () => {
    const a = await workspace('Isolation A');
    const b = await workspace('Isolation B');
    const { segmentId } = await setUp(a, 'i');
    const hook = await createHook(a, { url: 'https://example.com/a', segmentIds: [segmentId], events: ['ENTERED'] });
    expect(((await b.ok(LIST)) as { webhooks: Hook[] }).webhooks).toEqual([]);
    expect((await b.error(DELETE, { id: hook.id })).extensions?.code).toBe('NOT_FOUND');
    expect((await b.error(DELIVERIES, { id: hook.id })).extensions?.code).toBe('NOT_FOUND');
    expect((await b.error(CREATE, { input: { url: 'https://example.com/b', segmentIds: [segmentId], events: ['ENTERED'] } })).extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.segmentIds.0' });
    expect(((await a.ok(LIST)) as { webhooks: Hook[] }).webhooks).toHaveLength(1);
  });
});
