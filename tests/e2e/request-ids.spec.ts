/**
 * Request ids: every HTTP request gets one (a sane incoming `x-request-id`, else a new UUID),
 * echoed in the response header, on every log line of the request (errors included) and in the
 * request context the services receive. The server's pino output is captured line by line.
 */
import { createLogger } from '../../src/logger';
import type { RequestContext } from '../../src/services/context';
import { startTestServer, TestServer } from '../support/server';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const lines: Array<Record<string, unknown>> = [];
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ logger: createLogger('debug', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) }) });
});
afterAll(async () => { await server.close(); });

async function post(query: string, requestId?: string) {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}`, ...(requestId === undefined ? {} : { 'x-request-id': requestId }) },
    body: JSON.stringify({ query }),
  });
  return { id: res.headers.get('x-request-id'), body: (await res.json()) as { errors?: Array<{ message: string; extensions?: { code?: string } }> } };
}

const linesOf = (id: string) => lines.filter((l) => l.requestId === id);

test('a sane incoming id is kept: echoed, on the request\'s log lines, and in the services\' request context', async () => {
  const seen: RequestContext[] = [];
  const spy = jest.spyOn(server.services.segments, 'list').mockImplementation(async (ctx) => { seen.push(ctx); return []; });
  try {
    const { id } = await post('{ segments { id } }', 'edge-7f3a.42:retry_1');
    expect(id).toBe('edge-7f3a.42:retry_1');
    expect(seen).toHaveLength(1);
    expect(seen[0].requestId).toBe(id);
    expect(seen[0].logger.bindings()).toMatchObject({ requestId: id, workspaceId: server.workspaceId });
  } finally {
    spy.mockRestore();
  }
  expect(linesOf('edge-7f3a.42:retry_1')).toEqual([expect.objectContaining({ msg: 'request finished', method: 'POST', path: '/graphql', status: 200 })]);
});

test.each([
  ['too long', 'x'.repeat(129)],
  ['with spaces', 'not a sane id'],
  ['with markup', '<script>alert(1)</script>'],
  ['empty', ''],
])('an insane incoming id (%s) is replaced by a new one', async (_name, incoming) => {
  const { id } = await post('{ me { role } }', incoming);
  expect(id).toMatch(UUID);
  expect(linesOf(id!)).toHaveLength(1);
  expect(lines.some((l) => l.requestId === incoming)).toBe(false);
});

test('without an incoming id each request gets its own, also outside /graphql', async () => {
  const a = await post('{ me { role } }');
  const b = await post('{ me { role } }');
  expect(a.id).toMatch(UUID);
  expect(b.id).toMatch(UUID);
  expect(a.id).not.toBe(b.id);
  const health = await fetch(`${server.url}/healthz`);
  const healthId = health.headers.get('x-request-id');
  expect(healthId).toMatch(UUID);
  expect(linesOf(healthId!)).toEqual([expect.objectContaining({ msg: 'request finished', path: '/healthz', status: 200 })]);
});

test('an unexpected error is logged with the id of its request, and the client sees it masked', async () => {
  const spy = jest.spyOn(server.services.segments, 'list').mockRejectedValue(new Error("Table 'seg.segments' doesn't exist: SELECT * FROM segments"));
  try {
    const { id, body } = await post('{ segments { id } }', 'req-with-error');
    expect(body.errors).toEqual([expect.objectContaining({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } })]);
    const logged = linesOf(id!).find((l) => l.msg === 'unexpected error in GraphQL operation');
    expect(logged).toMatchObject({ level: 50, requestId: 'req-with-error', err: { message: expect.stringContaining('SELECT * FROM segments') } });
  } finally {
    spy.mockRestore();
  }
});
