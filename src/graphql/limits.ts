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
