/**
 * GraphiQL as a person uses it: headless Debian Chromium (apt-get install -y chromium) opens the
 * page the service serves, types a token and a query, runs it, and reads the result; every
 * request the page makes must go to the service's own origin. The router's own behaviour
 * (content negotiation on the GraphQL path, enabled: false) is checked on a bare Express app.
 *
 * The bundle is built first (scripts/build-graphiql.mjs) when dist/graphiql/ is missing.
 * A screenshot is saved to tests/artifacts/graphiql.png (git-ignored).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { buildClientSchema, getIntrospectionQuery, parse, validate, type IntrospectionQuery } from 'graphql';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  GRAPHIQL_CONTENT_SECURITY_POLICY,
  defaultGraphiqlAssetsDir,
  graphiqlRouter,
  type GraphiqlRouterOptions,
} from '../../src/server/graphiql';
import { startTestServer, type TestServer } from '../support/server';
import { EXAMPLE_TABS } from '../../graphiql/examples';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = path.resolve(__dirname, '..', '..');
const ARTIFACTS = path.join(ROOT, 'tests', 'artifacts');

const QUERY_EDITOR = '.graphiql-query-editor .monaco-editor';
const RESPONSE = '.graphiql-response';
const RUN_BUTTON = '.graphiql-execute-button';
const TOKEN_FIELD = '#graphiql-token';
const ACTIVE_TAB_TITLE = '.graphiql-tab-active .graphiql-tab-button';

/** Builds dist/graphiql/ unless it is there already; returns its path. */
function ensureGraphiqlBuilt(): string {
  const dir = defaultGraphiqlAssetsDir();
  if (!existsSync(path.join(dir, 'index.html'))) {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-graphiql.mjs')], { cwd: ROOT, stdio: 'inherit' });
  }
  return dir;
}

async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get update && apt-get install -y chromium`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Records every URL the page asks for, WebSockets included (data: and blob: are not requests). */
function recordRequests(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (request) => urls.push(request.url()));
  page.on('websocket', (socket) => urls.push(socket.url()));
  return urls;
}

function foreignRequests(urls: string[], serviceUrl: string): string[] {
  const { host } = new URL(serviceUrl);
  return urls.filter((raw) => {
    const url = new URL(raw);
    if (url.protocol === 'data:' || url.protocol === 'blob:') return false;
    return !(['http:', 'ws:'].includes(url.protocol) && url.host === host);
  });
}

/**
 * Polls the text of `selector` (Monaco renders spaces as no-break spaces: they come back as
 * spaces) until `accept` takes it, and returns it; fails with what was shown last.
 */
async function waitForText(
  page: Page,
  selector: string,
  accept: (text: string) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = ((await page.textContent(selector, { timeout: timeoutMs })) ?? '').replace(/\u00a0/g, ' ');
    if (accept(text)) return text;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms; ${selector} shows: ${text}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Replaces the active tab's operation and waits until GraphiQL has taken it in: it reads the
 * operation name 100 ms after an edit, and a run before that sends the previous operation's
 * name; the tab title shows the new one. The text goes in as one line (no `#` comments, then):
 * insertText gets no auto-closed brackets, but a newline still makes Monaco add a `}`.
 */
async function setOperation(page: Page, operation: string): Promise<void> {
  await page.click(QUERY_EDITOR);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(operation.replace(/\s*\n\s*/g, ' ').trim());
  const title = /^\s*(?:query|mutation|subscription)\s+(\w+)/m.exec(operation)?.[1] ?? '<untitled>';
  await waitForText(page, ACTIVE_TAB_TITLE, (text) => text.trim() === title, `tab title ${title}`, 10_000);
}

/** Clicks run and waits until the response editor contains `expected`; returns what it shows. */
async function runAndWaitFor(page: Page, expected: string): Promise<string> {
  await page.click(RUN_BUTTON);
  return waitForText(page, RESPONSE, (text) => text.includes(expected), JSON.stringify(expected));
}

/**
 * Subscribes to segmentCountChanged from the active tab (over graphql-ws on the service's
 * GraphQL path, authenticated by the token field), waits for the server's connection_ack, lets
 * `change` make a count change (a trackEvents or upsert through the API, say), waits for the
 * response editor to show `expectedCount` for `segmentId`, stops the subscription, and returns
 * what the editor showed. Expects no other subscription running on the page (the socket is
 * opened for this one).
 *
 * Not used yet: the test for it comes with the server's subscriptions.
 */
export async function runSubscriptionAndSeeCount(
  page: Page,
  options: { segmentId: string; expectedCount: number; change: () => Promise<void> },
): Promise<string> {
  await setOperation(
    page,
    `subscription LiveCounts {
  segmentCountChanged(segmentIds: [${JSON.stringify(options.segmentId)}]) { segmentId count previousCount trigger }
}`,
  );
  // Armed before the run: the ack can arrive right after the socket opens.
  const acknowledged = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('graphql-ws: no connection_ack within 20 s')), 20_000);
    page.once('websocket', (socket) =>
      socket.on('framereceived', (frame) => {
        if (String(frame.payload).includes('"connection_ack"')) {
          clearTimeout(timer);
          resolve();
        }
      }),
    );
  });
  await page.click(RUN_BUTTON);
  await acknowledged;
  await options.change();
  const id = options.segmentId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const expected = new RegExp(`"segmentId": "${id}",\\s*"count": ${options.expectedCount}\\b`);
  const shown = await waitForText(page, RESPONSE, (text) => expected.test(text), `count ${options.expectedCount}`, 30_000);
  await page.click(RUN_BUTTON); // the run button stops a running subscription
  return shown;
}

describe('GraphiQL page in Chromium, against the service', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    ensureGraphiqlBuilt();
    server = await startTestServer();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test('runs a query with the token field as bearer token, and talks to its own origin only', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const requests = recordRequests(page);
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
    });

    await page.goto(`${server.url}/graphiql`);
    await page.waitForSelector(QUERY_EDITOR, { timeout: 30_000 });
    await page.fill(TOKEN_FIELD, server.token);
    await setOperation(page, 'query Me { me { role } }');
    const shown = await runAndWaitFor(page, '"role": "ADMIN"');
    expect(shown).toContain('"role": "ADMIN"');

    // The token and the tab outlive a reload; the schema, fetched with the token, feeds the
    // doc explorer; the query runs again with the stored token.
    await page.reload();
    await page.waitForSelector(QUERY_EDITOR, { timeout: 30_000 });
    await expect(page.inputValue(TOKEN_FIELD)).resolves.toBe(server.token);
    await page.click('.graphiql-sidebar button[aria-label="Show Documentation Explorer"]');
    await page.waitForSelector('.graphiql-doc-explorer :text("Mutation")', { timeout: 20_000 });
    await runAndWaitFor(page, '"role": "ADMIN"');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'graphiql.png') });

    expect(problems).toEqual([]);
    expect(requests.length).toBeGreaterThan(0);
    expect(foreignRequests(requests, server.url)).toEqual([]);
    await page.close();
  });

  test('a live segment-count subscription shows the count pushed after a change made from the test', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const requests = recordRequests(page);
    const seg = (await server.client.ok<{ createSegment: { id: string; count: number } }, never>(
      'mutation { createSegment(input: { objectType: USER, name: "Live in GraphiQL", filter: { attribute: { field: "city", operator: EQ, value: "Tromsø" } } }) { id count } }',
    )).createSegment;
    expect(seg.count).toBe(0);
    await page.goto(`${server.url}/graphiql`);
    await page.waitForSelector(QUERY_EDITOR, { timeout: 30_000 });
    await page.fill(TOKEN_FIELD, server.token);
    const shown = await runSubscriptionAndSeeCount(page, {
      segmentId: seg.id,
      expectedCount: 1,
      change: async () => {
        await server.client.ok('mutation { upsertUsers(input: [{ externalId: "live-gq", city: "Tromsø" }]) { id } }');
      },
    });
    expect(shown).toContain('"trigger": "REALTIME"');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'graphiql-subscription.png') });
    expect(foreignRequests(requests, server.url)).toEqual([]);
    expect(requests.some((r) => r.startsWith('ws://'))).toBe(true);
    await page.close();
  });

  test('the example tabs are valid operations of the served schema', async () => {
    const schema = buildClientSchema(await server.client.ok<IntrospectionQuery, never>(getIntrospectionQuery()));
    expect(EXAMPLE_TABS.length).toBeGreaterThanOrEqual(5);
    for (const tab of EXAMPLE_TABS) {
      expect({ query: tab.query, errors: validate(schema, parse(tab.query)).map((e) => e.message) }).toEqual({ query: tab.query, errors: [] });
      if (tab.variables) expect(() => JSON.parse(tab.variables as string)).not.toThrow();
    }
  });

  test('GET /graphql with Accept: text/html returns the page', async () => {
    const response = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toBe(GRAPHIQL_CONTENT_SECURITY_POLICY);
    expect(await response.text()).toContain('id="graphiql-root" data-graphql-path="/graphql"');
  });
});

describe('graphiqlRouter on a bare Express app', () => {
  let assetsDir: string;
  beforeAll(() => {
    assetsDir = ensureGraphiqlBuilt();
  });

  /** The router, then a stand-in for Apollo on the GraphQL path that answers anything else. */
  async function withApp<T>(options: Partial<GraphiqlRouterOptions>, use: (url: string) => Promise<T>): Promise<T> {
    const app = express();
    app.use(graphiqlRouter({ enabled: true, graphqlPath: '/graphql', assetsDir, ...options }));
    app.use('/graphql', (_req, res) => void res.json({ from: 'graphql' }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      return await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  test('serves the page, with a same-origin-only CSP, for /graphiql and a browser GET of /graphql', async () => {
    await withApp({}, async (url) => {
      for (const [target, accept] of [
        ['/graphiql', 'application/json'],
        ['/graphql', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'],
      ]) {
        const response = await fetch(`${url}${target}`, { headers: { accept } });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^text\/html/);
        const csp = response.headers.get('content-security-policy') ?? '';
        expect(csp).toContain("default-src 'none'");
        expect(csp).toContain("connect-src 'self'");
        expect(csp).not.toMatch(/https?:|\*/);
        expect(await response.text()).toContain('<script type="module" src="/graphiql/assets/app.js"></script>');
      }
      const script = await fetch(`${url}/graphiql/assets/app.js`);
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toMatch(/javascript/);
      expect((await script.text()).length).toBeGreaterThan(1000);
      expect((await fetch(`${url}/graphiql/assets/missing.js`)).status).toBe(404);
    });
  });

  test('leaves GraphQL requests on the GraphQL path alone', async () => {
    await withApp({}, async (url) => {
      for (const accept of ['application/json', 'application/graphql-response+json, application/json;q=0.9', '*/*']) {
        const response = await fetch(`${url}/graphql`, { headers: { accept } });
        expect(await response.json()).toEqual({ from: 'graphql' });
      }
      const withQuery = await fetch(`${url}/graphql?query=%7B__typename%7D`, { headers: { accept: 'text/html' } });
      expect(await withQuery.json()).toEqual({ from: 'graphql' });
      const post = await fetch(`${url}/graphql`, { method: 'POST', headers: { accept: 'text/html' } });
      expect(await post.json()).toEqual({ from: 'graphql' });
    });
  });

  test('with enabled: false, /graphiql and its assets 404 and /graphql passes through', async () => {
    await withApp({ enabled: false }, async (url) => {
      expect((await fetch(`${url}/graphiql`)).status).toBe(404);
      expect((await fetch(`${url}/graphiql/assets/app.js`)).status).toBe(404);
      const browserGet = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
      expect(await browserGet.json()).toEqual({ from: 'graphql' });
    });
  });
});
