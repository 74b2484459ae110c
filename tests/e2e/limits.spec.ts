/** Operation limits hold on HTTP and on graphql-ws alike: each accepted at its value, refused one past it. */
import { GraphQLSchema, Lexer, parse, Source, TokenKind, validate } from 'graphql';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { LIMITS } from '../../src/graphql/limits';
import { createSchema } from '../../src/graphql/schema';
import { startTestServer, TestServer } from '../support/server';
import { wsClient } from '../support/ws';

let server: TestServer;
beforeAll(async () => { server = await startTestServer(); });
afterAll(async () => { await server.close(); });

const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
/** n directives, one per inline fragment (a directive may appear once per location). */
const directives = (n: number) => `{ me { id ${Array.from({ length: n }, () => '... on Agent @include(if: true) { id }').join(' ')} } }`;
/** Exactly n tokens: a preview whose IN list is padded with values (each value is one token). */
const tokens = (n: number) => {
  const frame = (values: string[]) => `{ previewSegment(objectType: USER, filter: { attribute: { field: "city", operator: IN, value: [${values.join(' ')}] } }, sampleSize: 0) { count } }`;
  const base = countTokens(frame(['"x"']));
  return frame(Array.from({ length: n - base + 1 }, (_, i) => `"v${i}"`));
};

function countTokens(query: string): number {
  const lexer = new Lexer(new Source(query));
  let n = 0;
  while (lexer.advance().kind !== TokenKind.EOF) n++;
  return n;
}

/** The cost graphql-armor computes for a query (what the limit compares). */
function costOf(schema: GraphQLSchema, query: string): number {
  try {
    validate(schema, parse(query), [costLimitRule({ maxCost: 0, exposeLimits: true }) as never]);
    return 0;
  } catch (e) {
    return Number(/found (\d+(?:\.\d+)?)/.exec((e as Error).message)?.[1]);
  }
}

/** A family of queries whose cost grows by small steps: repeated fragment spreads deep in the tree. */
const costly = (n: number) =>
  `{ objects(objectType: USER, first: 1) { edges { node { ... on User { company { ... on Company { ... on Company { ${'...C '.repeat(n)} } } } } } } } } fragment C on Company { id }`;
/**
 * An operation of depth `d` as graphql-armor counts it (fields and inline fragments are levels):
 * `{ me { id } }` is 2 deep, and each `... on Query { }` around it adds one.
 */
const depth = (d: number) => {
  let q = 'me { id }';
  for (let i = 2; i < d; i++) q = `... on Query { ${q} }`;
  return `{ ${q} }`;
};

async function http(query: string) {
  return server.client.request(query);
}

async function overWs(query: string): Promise<{ errors?: unknown; data?: unknown }> {
  const client = wsClient(server.wsUrl, server.token);
  try {
    return await new Promise((resolve) => {
      let result: { errors?: unknown; data?: unknown } = {};
      client.subscribe({ query }, {
        next: (r) => { result = r as typeof result; },
        error: (e) => resolve({ errors: e }),
        complete: () => resolve(result),
      });
    });
  } finally {
    await client.dispose();
  }
}

/** Refused as an invalid operation (not a server error), with nothing executed. */
const refused = (r: { errors?: unknown; data?: unknown }) => {
  const text = JSON.stringify(r.errors ?? '');
  return !r.data && /GRAPHQL_VALIDATION_FAILED|limit/i.test(text) && !/INTERNAL_SERVER_ERROR/.test(text);
};

describe.each([['HTTP', http], ['graphql-ws', overWs]] as const)('%s', (_name, send) => {
  test(`aliases: ${LIMITS.maxAliases} accepted, ${LIMITS.maxAliases + 1} refused`, async () => {
    expect((await send(aliases(LIMITS.maxAliases))).errors).toBeUndefined();
    expect(refused(await send(aliases(LIMITS.maxAliases + 1)))).toBe(true);
  });

  test(`directives: ${LIMITS.maxDirectives} accepted, ${LIMITS.maxDirectives + 1} refused`, async () => {
    expect((await send(directives(LIMITS.maxDirectives))).errors).toBeUndefined();
    expect(refused(await send(directives(LIMITS.maxDirectives + 1)))).toBe(true);
  });

  test(`tokens: ${LIMITS.maxTokens} accepted, ${LIMITS.maxTokens + 1} refused`, async () => {
    expect((await send(tokens(LIMITS.maxTokens))).errors).toBeUndefined();
    expect(refused(await send(tokens(LIMITS.maxTokens + 1)))).toBe(true);
  });

  test(`depth: ${LIMITS.maxDepth} accepted, ${LIMITS.maxDepth + 1} refused`, async () => {
    expect((await send(depth(LIMITS.maxDepth))).errors).toBeUndefined();
    expect(refused(await send(depth(LIMITS.maxDepth + 1)))).toBe(true);
  });

  test(`cost: at most ${LIMITS.maxCost} accepted, just over it refused`, async () => {
    const schema = await createSchema();
    let n = 1;
    while (costOf(schema, costly(n + 1)) <= LIMITS.maxCost) n++;
    expect(costOf(schema, costly(n))).toBeLessThanOrEqual(LIMITS.maxCost);
    expect(costOf(schema, costly(n + 1))).toBeGreaterThan(LIMITS.maxCost);
    expect(countTokens(costly(n + 1))).toBeLessThanOrEqual(LIMITS.maxTokens); // so it is the cost that refuses it
    expect((await send(costly(n))).errors).toBeUndefined();
    const over = await send(costly(n + 1));
    expect(refused(over)).toBe(true);
    expect(JSON.stringify(over.errors)).toMatch(/Cost/);
  });
});
