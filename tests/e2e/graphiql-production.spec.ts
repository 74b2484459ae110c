/** In production, GRAPHIQL=false turns off the explorer, and introspection follows the same switch. */
import { getIntrospectionQuery } from 'graphql';
import { loadConfig } from '../../src/config';
import { startTestServer, TestServer } from '../support/server';

let off: TestServer;
let on: TestServer;
beforeAll(async () => {
  const config = loadConfig({ NODE_ENV: 'production', GRAPHIQL: 'false' });
  expect(config).toMatchObject({ production: true, graphiql: false });
  off = await startTestServer({ production: config.production, graphiql: config.graphiql });
  on = await startTestServer({ production: true, graphiql: true });
});
afterAll(async () => {
  await off.close();
  await on.close();
});

test('GRAPHIQL=false in production: no explorer page and no introspection', async () => {
  expect((await fetch(`${off.url}/graphiql`)).status).toBe(404);
  const browser = await fetch(`${off.url}/graphql`, { headers: { accept: 'text/html' } });
  expect(browser.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
  const res = await off.client.request(getIntrospectionQuery());
  expect(res.errors?.[0].message).toMatch(/introspection/i);
  expect((await off.client.ok('{ me { role } }'))).toEqual({ me: { role: 'ADMIN' } });
});

test('GRAPHIQL=true in production: the explorer and introspection are there', async () => {
  expect((await fetch(`${on.url}/graphiql`)).status).toBe(200);
  expect((await on.client.request(getIntrospectionQuery())).errors).toBeUndefined();
});

test('in production no suggestion of field names leaks', async () => {
  const res = await off.client.request('{ mee { role } }');
  expect(res.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  expect(res.errors?.[0].message).not.toMatch(/Did you mean/);
});
