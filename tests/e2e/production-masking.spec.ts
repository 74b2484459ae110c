/**
 * Production settings (NODE_ENV=production, GRAPHIQL=false; see config.ts): an internal error
 * reaches the client with no message of its own, no stack, no SQL and no table name, and
 * validation errors carry no "Did you mean" suggestions, over HTTP and graphql-ws alike.
 * (A database that is down, through a proxy, is in faults-database.spec.ts.)
 */
import { loadConfig } from '../../src/config';
import { startTestServer, TestServer } from '../support/server';
import { wsClient } from '../support/ws';

let prod: TestServer;
let dev: TestServer;
beforeAll(async () => {
  const config = loadConfig({ NODE_ENV: 'production', GRAPHIQL: 'false' });
  prod = await startTestServer({ production: config.production, graphiql: config.graphiql });
  dev = await startTestServer({ production: false });
});
afterAll(async () => {
  await prod.close();
  await dev.close();
});

interface Result { errors?: Array<{ message: string; extensions?: Record<string, unknown> }>; data?: unknown }

async function overHttp(server: TestServer, query: string, variables?: Record<string, unknown>): Promise<Result> {
  return server.client.request(query, variables) as Promise<Result>;
}

/** One operation over graphql-ws: its result, or the errors it ended with. */
async function overWs(server: TestServer, query: string, variables?: Record<string, unknown>): Promise<Result> {
  const client = wsClient(server.wsUrl, server.token);
  try {
    return await new Promise<Result>((resolve) => {
      let result: Result = {};
      client.subscribe({ query, variables }, {
        next: (r) => { result = r as Result; },
        error: (e) => resolve({ errors: Array.isArray(e) ? e : [{ message: String(e) }] }),
        complete: () => resolve(result),
      });
    });
  } finally {
    await client.dispose();
  }
}

const TRANSPORTS = [['HTTP', overHttp], ['graphql-ws', overWs]] as const;
/** What an internal error may not show: its text, SQL, the table, the database, stack frames. */
const LEAK = /doesn't exist|segments_hidden|SELECT|FROM|WHERE|seg_test_|\bER_\w+|QueryFailedError|\bat \S+ \(|\.[jt]s:\d+/;

describe.each(TRANSPORTS)('%s', (_name, send) => {
  test('an internal error (a table the query needs is gone) is masked: no message, SQL, table or stack', async () => {
    // A real database error, not a mock: the query that lists segments fails on the server.
    await prod.db.dataSource.query('RENAME TABLE segments TO segments_hidden');
    let res: Result;
    try {
      res = await send(prod, '{ segments { id name } }');
    } finally {
      await prod.db.dataSource.query('RENAME TABLE segments_hidden TO segments');
    }
    expect(res.errors).toEqual([{ message: 'Internal server error', path: ['segments'], locations: expect.any(Array), extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
    expect(JSON.stringify(res)).not.toMatch(LEAK);
    expect(JSON.stringify(res)).not.toMatch(/stack|exception/i);
  });

  test.each([
    ['an unknown field', '{ mee { role } }', undefined],
    ['an unknown argument value', '{ segments(objectType: USERS) { id } }', undefined],
    ['an unknown input field in variables', 'mutation($input: [UserInput!]!) { upsertUsers(input: $input) { id } }', { input: [{ externalId: 'x', cty: 'Oslo' }] }],
  ])('%s: refused without suggestions in production (with them in development)', async (_case, query, variables) => {
    const inProduction = await send(prod, query, variables);
    const inDevelopment = await send(dev, query, variables);
    expect(inProduction.errors?.length).toBeGreaterThan(0);
    expect(inProduction.data ?? null).toBeNull();
    expect(['GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']).toContain(inProduction.errors![0].extensions?.code);
    expect(JSON.stringify(inProduction.errors)).not.toMatch(/Did you mean/);
    expect(JSON.stringify(inDevelopment.errors)).toMatch(/Did you mean/);
  });
});
