/**
 * The model of a hostile-input fuzz case: one GraphQL operation with invalid arguments, the
 * code it must be refused with, and how to send it (arguments as variables, or written into the
 * document as literals). Also the hostile strings every generator draws from.
 *
 * Values in arguments are plain JSON-like data plus three markers:
 * - `Enum`: an enum value, a string in variables and a bare name in a literal;
 * - `RawJson`: JSON text spliced into the request body where JSON.stringify cannot go
 *   (`1e400`, which JSON.parse reads as Infinity; nesting deeper than its stack);
 * - `ForeignId`: an id of another workspace (or hidden from the caller), whose "twin" case is
 *   the same operation with an id that exists nowhere: both must fail alike.
 */
import fc from 'fast-check';
import { Lexer, Source, TokenKind } from 'graphql';
import { LIMITS } from '../../src/graphql/limits';

export type Code = 'BAD_USER_INPUT' | 'GRAPHQL_VALIDATION_FAILED' | 'NOT_FOUND' | 'FORBIDDEN';

/**
 * Who refuses the input: `coercion` GraphQL's input coercion (BAD_USER_INPUT for variables,
 * GRAPHQL_VALIDATION_FAILED for literals); `document` GraphQL validation of the document itself;
 * `bad` the service (BAD_USER_INPUT, SEMANTICS.md "Errors"); `notFound`, `forbidden` the service.
 */
export type Level = 'coercion' | 'document' | 'bad' | 'notFound' | 'forbidden';

export class Enum {
  constructor(readonly name: string) {}
  toJSON(): string {
    return this.name;
  }
}
export const en = (name: string): Enum => new Enum(name);

const RAW = new Map<number, RawJson>();
// eslint-disable-next-line no-control-regex -- the marker is made of control characters so that no input can hold it
const RAW_MARKER = /^\u0001RAW(\d+)\u0001$/;
let rawIds = 0;

export class RawJson {
  readonly id = ++rawIds;
  /** @param literal the same value in GraphQL syntax, or null when it cannot be written there */
  constructor(readonly json: string, readonly literal: string | null, readonly note: string) {
    RAW.set(this.id, this);
  }
  toJSON(): string {
    return `\u0001RAW${this.id}\u0001`;
  }
}

/** Infinity and -Infinity as a client can send them in JSON. */
export const INF = new RawJson('1e400', '1e400', '1e400 (Infinity)');
export const NEG_INF = new RawJson('-1e400', '-1e400', '-1e400 (-Infinity)');

/** `depth` nested arrays around 1: deeper than any stack walks, as JSON text. */
export const deepArray = (depth: number): RawJson => new RawJson(`${'['.repeat(depth)}1${']'.repeat(depth)}`, null, `[[[…1…]]] ${depth} deep`);
/** A filter `{ not: { not: … { tag } } }` nested `depth` times. */
export const deepNot = (depth: number): RawJson =>
  new RawJson(`${'{"not":'.repeat(depth)}{"tag":{"tag":"x"}}${'}'.repeat(depth)}`, null, `{ not: { not: … } } ${depth} deep`);

export class ForeignId {
  /** @param id an id the caller must not reach; @param missing an id that exists nowhere */
  constructor(readonly id: string, readonly missing: string) {}
}

export interface Arg {
  readonly type: string;
  readonly value: unknown;
}

export interface Op {
  readonly kind: 'query' | 'mutation';
  readonly field: string;
  readonly args: Readonly<Record<string, Arg>>;
  /** Selection set (may hold literal field arguments), empty for scalar results. */
  readonly selection: string;
}

export interface Case {
  /** What is wrong with it. */
  readonly label: string;
  readonly op: Op;
  readonly level: Level;
  readonly literal: boolean;
  readonly as: 'admin' | 'agent';
  /** The code the refusal must carry. */
  readonly expect: Code;
  /** Whether a ForeignId is in it (then the twin with the missing id must fail alike). */
  readonly hasForeign: boolean;
}

export interface Rendered {
  readonly query: string;
  readonly body: string;
}

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The value with its ForeignIds resolved to the foreign id, or (twin) to the missing one. */
function resolve(value: unknown, twin: boolean): unknown {
  if (value instanceof ForeignId) return twin ? value.missing : value.id;
  if (value instanceof Enum || value instanceof RawJson || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => resolve(v, twin));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, twin)]));
}

function hasForeign(value: unknown): boolean {
  if (value instanceof ForeignId) return true;
  if (value === null || typeof value !== 'object' || value instanceof Enum || value instanceof RawJson) return false;
  return Object.values(value).some(hasForeign);
}

/** Whether a value can be written as a GraphQL literal (object keys must be names). */
function printable(value: unknown): boolean {
  if (value instanceof RawJson) return value.literal !== null;
  if (value === null || typeof value !== 'object' || value instanceof Enum || value instanceof ForeignId) return true;
  if (Array.isArray(value)) return value.every(printable);
  return Object.entries(value).every(([k, v]) => NAME.test(k) && printable(v));
}

/** A value in GraphQL syntax (lone surrogates, which a GraphQL string cannot escape, become U+FFFD). */
export function literal(value: unknown): string {
  if (value instanceof Enum) return NAME.test(value.name) && !['true', 'false', 'null'].includes(value.name) ? value.name : literal(value.name);
  if (value instanceof RawJson) return value.literal!;
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.replace(LONE_SURROGATE, '\ufffd'));
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  return `{ ${Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${literal(v)}`).join(', ')} }`;
}

function tokens(query: string): number {
  const lexer = new Lexer(new Source(query));
  let n = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) n++;
  } catch {
    return n;
  }
  return n;
}

/** The request: the document and the JSON body (with RawJson spliced in). */
export function render(c: Case, twin = false): Rendered {
  const args = Object.entries(c.op.args).filter(([, a]) => a.value !== undefined);
  const values = Object.fromEntries(args.map(([k, a]) => [k, resolve(a.value, twin)]));
  const call = (parts: string[]) => `${c.op.field}${parts.length ? `(${parts.join(', ')})` : ''} ${c.op.selection}`;
  let query: string;
  let variables: Record<string, unknown> | undefined;
  if (c.literal) {
    query = `${c.op.kind} { ${call(args.map(([k]) => `${k}: ${literal(values[k])}`))} }`;
  } else {
    const defs = args.map(([k, a]) => `$${k}: ${a.type}`);
    query = `${c.op.kind} Fuzz${defs.length ? `(${defs.join(', ')})` : ''} { ${call(args.map(([k]) => `${k}: $${k}`))} }`;
    variables = values;
  }
  const body = JSON.stringify({ query, variables }).replace(/"\\u0001RAW(\d+)\\u0001"/g, (_m, id: string) => RAW.get(Number(id))!.json);
  return { query, body };
}

function expectedCode(level: Level, literalForm: boolean): Code {
  switch (level) {
    case 'coercion': return literalForm ? 'GRAPHQL_VALIDATION_FAILED' : 'BAD_USER_INPUT';
    case 'document': return 'GRAPHQL_VALIDATION_FAILED';
    case 'bad': return 'BAD_USER_INPUT';
    case 'notFound': return 'NOT_FOUND';
    case 'forbidden': return 'FORBIDDEN';
  }
}

/** A short description for failure messages: long strings and lists abbreviated. */
export function describeCase(c: Case): string {
  const { query } = render(c);
  const args = JSON.stringify(Object.fromEntries(Object.entries(c.op.args).map(([k, a]) => [k, a.value])), (_k, v: unknown) => {
    if (v instanceof ForeignId) return `<foreign ${v.id} | missing ${v.missing}>`;
    if (typeof v === 'string') {
      const raw = RAW_MARKER.exec(v);
      if (raw) return `<${RAW.get(Number(raw[1]))!.note}>`;
      return v.length > 80 ? `${v.slice(0, 40)}…(${[...v].length} chars)` : v;
    }
    if (Array.isArray(v) && v.length > 12) return [...v.slice(0, 3), `…(${v.length} items)`];
    return v;
  });
  return `[${c.label}] as ${c.as}, ${c.literal ? 'literal' : 'variables'}, expects ${c.expect}\n    document: ${query.length > 600 ? `${query.slice(0, 600)}…` : query}\n    arguments: ${args.length > 1500 ? `${args.slice(0, 1500)}…` : args}`;
}

export interface CaseSpec {
  readonly label: string;
  readonly op: Op;
  readonly level: Level;
  readonly as?: 'admin' | 'agent';
  /** Force variables (e.g. to reach the service with what a literal cannot hold). */
  readonly variablesOnly?: boolean;
}

/**
 * A case from a spec and a wish for the literal form (granted when the arguments can be
 * written as literals). A literal document past the token limit is refused by the limit.
 */
export function makeCase(spec: CaseSpec, wantLiteral: boolean): Case {
  const args = Object.values(spec.op.args).map((a) => a.value);
  const lit = wantLiteral && !spec.variablesOnly && args.every(printable);
  const base = { label: spec.label, op: spec.op, level: spec.level, literal: lit, as: spec.as ?? 'admin', hasForeign: args.some(hasForeign) } as const;
  const overTokens = lit && tokens(render({ ...base, expect: 'BAD_USER_INPUT' }).query) > LIMITS.maxTokens;
  const c: Case = { ...base, expect: overTokens ? 'GRAPHQL_VALIDATION_FAILED' : expectedCode(spec.level, lit) };
  Object.defineProperty(c, fc.toStringMethod, { value: () => describeCase(c), enumerable: false });
  return c;
}

/** Cases from specs, each sent as variables or (when possible) as literals. */
export const cases = (specs: fc.Arbitrary<CaseSpec>): fc.Arbitrary<Case> =>
  fc.tuple(specs, fc.boolean()).map(([spec, lit]) => makeCase(spec, lit));

// ---------------------------------------------------------------- hostile strings

/** SQL and JSON-path metacharacters, NUL, emoji and other troublemakers. */
export const META = [
  "'", '"', '\\', ';', '--', '/*', '*/', '%', '_', '$.', '$[*]', '$**', '**', '\u0000', '🦄', '👩‍👩‍👧', '\ud83d',
  "' OR '1'='1' -- ", '"; DROP TABLE users; --', '\\"', '%_%', '$.attributes.email', '$[0]', '\\u0000', '`',
  '\n', '\r\n', '\t', '\u202e', 'Zürich', '\\N', ') OR (1=1', '*/ SELECT 1 /*', "JSON_EXTRACT(attributes, '$.a')", '{"$gt": ""}', '${7*7}',
] as const;

/** A string holding at least one metacharacter (so never a field, relation or key name), at most ~80 characters. */
export const hostile: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...META), fc.array(fc.oneof(fc.constantFrom(...META), fc.string({ maxLength: 3 })), { maxLength: 3 }), fc.nat())
  .map(([first, rest, at]) => {
    const parts = [...rest];
    parts.splice(at % (parts.length + 1), 0, first);
    return parts.join('');
  });

/** A hostile string that stays non-blank after trimming (for names that must not be empty). */
export const named = (prefix: string): fc.Arbitrary<string> => hostile.map((h) => `${prefix}${h}`);

/** A string of `max + 1` characters (code points, as MariaDB counts them), some of them 4-byte. */
export const overlong = (max: number): fc.Arbitrary<string> =>
  fc.constantFrom('a', '🦄', "'", '\u0000', 'mix').map((ch) => (ch === 'mix' ? `${'x'.repeat(max - 1)}🦄🦄` : ch.repeat(max + 1)));

/** Names that are no field, relation or attribute of any object type. */
export const unknownName: fc.Arbitrary<string> = fc.oneof(
  hostile,
  fc.constantFrom('bogus', 'emailAddress', 'Email', 'password', 'id_', '__proto__', 'constructor', 'toString', 'attributes', 'attributes.', 'attributes.a.b', 'users.email', 'workspaceId'),
);

/** Keys that no input object of the schema has (a client trying to set what it may not). */
export const unknownInputKey: fc.Arbitrary<string> = fc.oneof(
  hostile,
  fc.constantFrom('bogus', 'emailAddress', 'Email', 'password', 'id_', '__proto__', 'constructor', 'toString', 'workspaceId', 'workspace_id', 'tokenHash', 'createdBy'),
);
