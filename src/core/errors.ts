/** Domain errors: each carries the code that `graphql/errors.ts` maps to `extensions.code`. */
export type ErrorCode = 'BAD_USER_INPUT' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Where in the input the problem is, e.g. `input.3.email` or `filter.and.1.event.where.0`. */
    readonly path?: string,
  ) {
    super(path ? `${path}: ${message}` : message);
    this.name = 'DomainError';
  }
}

export const badInput = (path: string | undefined, message: string): DomainError =>
  new DomainError('BAD_USER_INPUT', message, path);
export const notFound = (message: string): DomainError => new DomainError('NOT_FOUND', message);
export const forbidden = (message: string): DomainError => new DomainError('FORBIDDEN', message);
export const unauthenticated = (message = 'a valid bearer token is required'): DomainError =>
  new DomainError('UNAUTHENTICATED', message);
