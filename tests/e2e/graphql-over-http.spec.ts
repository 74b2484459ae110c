/**
 * GraphQL over HTTP compliance: graphql-http's server audits against the live server.
 * MUST audits must all pass; SHOULD/MAY audits that do not are listed in KNOWN_WARNINGS with why.
 */
import { serverAudits } from 'graphql-http';
import { startTestServer, TestServer } from '../support/server';

let server: TestServer;
beforeAll(async () => { server = await startTestServer(); });
afterAll(async () => { await server.close(); });

/** SHOULD/MAY audits this server does not follow, each with the reason (also in docs/architecture.md). */
const APOLLO_400 =
  'Apollo Server 5 answers 400 to a document that fails to parse or validate, or whose variables fail coercion, whatever the Accept header; ' +
  'the spec only recommends 200 for legacy application/json clients, Apollo has no switch for it, and clients that accept ' +
  'application/graphql-response+json get exactly what the spec requires.';
const KNOWN_WARNINGS: Record<string, string> = {
  'SHOULD use 200 status code on document parsing failure when accepting application/json': APOLLO_400,
  'SHOULD use 200 status code on document validation failure when accepting application/json': APOLLO_400,
  'SHOULD use a status code of 200 on variable coercion failure when accepting application/json': APOLLO_400,
};

test('every MUST audit passes; warnings are only the known, explained ones', async () => {
  const url = `${server.url}/graphql`;
  const fetchWithToken: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${server.token}`);
    return fetch(input, { ...init, headers });
  };
  const results = await Promise.all(serverAudits({ url, fetchFn: fetchWithToken }).map(async (audit) => ({ name: audit.name, result: await audit.fn() })));
  const errors = results.filter((r) => r.result.status === 'error').map((r) => `${r.name}: ${(r.result as { reason?: string }).reason}`);
  const warnings = results.filter((r) => r.result.status === 'warn').map((r) => r.name);
  expect(errors).toEqual([]);
  expect(warnings.filter((w) => !(w in KNOWN_WARNINGS))).toEqual([]);
});
