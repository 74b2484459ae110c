/**
 * The one place where errors become GraphQL errors: domain errors keep their code and message;
 * GraphQL's own validation errors pass through (in production without "Did you mean"
 * suggestions); a database that cannot be reached is SERVICE_UNAVAILABLE; anything else is
 * masked as INTERNAL_SERVER_ERROR. Neither of the last two shows its message, SQL or stack:
 * `logMaskedErrors` logs them, with the request's logger.
 */
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { DomainError } from '../core/errors';
import { isDatabaseUnavailable } from '../db/connection-errors';
import type { Logger } from '../logger';

const PASS_THROUGH = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE', 'BAD_REQUEST']);

/** What a client reads when the database cannot be reached: retrying later may succeed. */
export const UNAVAILABLE_MESSAGE = 'The service is temporarily unavailable; try again shortly';

type Disposition = 'domain' | 'client' | 'unavailable' | 'internal';

function disposition(code: string | undefined, original: unknown): Disposition {
  if (original instanceof DomainError) return 'domain';
  if (code && PASS_THROUGH.has(code)) return 'client';
  if (code === 'SERVICE_UNAVAILABLE' || isDatabaseUnavailable(original)) return 'unavailable';
  return 'internal';
}

/**
 * Apollo's `formatError` (also applied to graphql-ws results): maps each error to what a client
 * may see. `production` strips field-name suggestions from validation messages.
 */
export function createFormatError(production: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const code = formatted.extensions?.code as string | undefined;
    const { path, locations } = formatted;
    switch (disposition(code, original)) {
      case 'domain': {
        const domain = original as DomainError;
        return { message: domain.message, path, locations, extensions: { code: domain.code, ...(domain.path ? { field: domain.path } : {}) } };
      }
      case 'client': {
        const message = production ? formatted.message.replace(/ Did you mean .*\?$/, '') : formatted.message;
        return { message, locations, path, extensions: { code } };
      }
      case 'unavailable':
        return { message: UNAVAILABLE_MESSAGE, path, locations, extensions: { code: 'SERVICE_UNAVAILABLE' } };
      case 'internal':
        return { message: 'Internal server error', path, locations, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
  };
}

/**
 * Logs what `createFormatError` hides from the client: an unreachable database at warn (an
 * outage, not a bug), anything else at error. Domain and validation errors are not logged.
 */
export function logMaskedErrors(log: Logger, errors: readonly GraphQLError[]): void {
  for (const error of errors) {
    const original = unwrapResolverError(error);
    const kind = disposition(error.extensions?.code as string | undefined, original);
    if (kind === 'unavailable') log.warn({ err: original, path: error.path }, 'database unavailable during a GraphQL operation');
    else if (kind === 'internal') log.error({ err: original, path: error.path }, 'unexpected error in GraphQL operation');
  }
}

/** The error a request gets when the database cannot be reached before its operation runs (HTTP 503). */
export function unavailableError(cause: unknown): GraphQLError {
  return new GraphQLError(UNAVAILABLE_MESSAGE, { originalError: cause instanceof Error ? cause : undefined, extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503 } } });
}
