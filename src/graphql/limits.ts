/**
 * Operation limits, the same on HTTP and on graphql-ws: depth, aliases, directives, tokens and
 * cost (graphql-armor's rules). graphql-armor's defaults, except two, for a reason each:
 * - depth 10 (default 6): graphql-armor counts inline fragments as levels, and this schema's own
 *   reads go segment → members → edges → node → `... on User` → company → name (7 levels);
 * - cost 50,000 (default 5,000): the cost grows 1.5x per level, so an ordinary segment page with
 *   its members and their company (what the frontend and our tests ask) costs about 22,000.
 */
import { DocumentNode, GraphQLError, GraphQLSchema, Lexer, Source, specifiedRules, TokenKind, validate, ValidationContext, ValidationRule } from 'graphql';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';

export const LIMITS = Object.freeze({
  maxDepth: 10,
  maxAliases: 15,
  maxDirectives: 50,
  maxTokens: 1000,
  maxCost: 50_000,
  /**
   * How deep the variables may nest (objects and lists). GraphQL coerces variables recursively
   * (and validation walks filters recursively), so a value nested 100,000 deep overflowed the
   * stack: an internal error instead of a refusal. A filter at its own depth limit (10) with an
   * event condition at the bottom nests about 30; event properties rarely nest past 10.
   */
  maxVariableDepth: 64,
});

/**
 * graphql-armor throws from inside validation by default, which Apollo turns into an internal
 * error; reported through the validation context instead, a refusal is an ordinary
 * GRAPHQL_VALIDATION_FAILED error that names the limit.
 */
const report = {
  exposeLimits: true,
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
};

/** Validation rules added to GraphQL's own, for both transports. */
export function limitRules(): ValidationRule[] {
  return [
    maxDepthRule({ n: LIMITS.maxDepth, ignoreIntrospection: true, ...report }),
    maxAliasesRule({ n: LIMITS.maxAliases, ...report }),
    maxDirectivesRule({ n: LIMITS.maxDirectives, ...report }),
    costLimitRule({ maxCost: LIMITS.maxCost, ignoreIntrospection: true, ...report }),
  ] as unknown as ValidationRule[];
}

/** GraphQL's rules plus the limits (graphql-ws's `validate` option). */
export function validateWithLimits(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[] {
  return validate(schema, document, [...specifiedRules, ...limitRules()]);
}

/**
 * An error (BAD_USER_INPUT) when the variables, as an object or as the JSON text of a GET
 * request, nest deeper than the limit; null otherwise. Measured without recursion.
 */
export function variablesDepthError(variables: unknown, max = LIMITS.maxVariableDepth): GraphQLError | null {
  let root = variables;
  if (typeof root === 'string') {
    try {
      root = JSON.parse(root);
    } catch {
      return null; // not JSON: Apollo reports it
    }
  }
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > max) return new GraphQLError(`Variables nest at most ${max} levels deep.`, { extensions: { code: 'BAD_USER_INPUT' } });
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return null;
}

/** Counts the tokens of an operation, stopping one past the limit; an error when over it. */
export function tokenLimitError(query: string, max = LIMITS.maxTokens): GraphQLError | null {
  const lexer = new Lexer(new Source(query));
  let count = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) {
      if (++count > max) return new GraphQLError(`Syntax Error: Token limit of ${max} exceeded.`, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    }
  } catch {
    return null; // a syntax error: the parser reports it properly
  }
  return null;
}
