/**
 * Request ids: every HTTP request gets one (a sane incoming `x-request-id`, e.g. from a proxy,
 * else a new UUID), echoed in the `x-request-id` response header and carried by a child logger
 * that the request's log lines (GraphQL errors included) are written with.
 */
import crypto from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../logger';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Letters, digits and `._:-`, at most 128: safe to log and to echo as a header. */
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

interface RequestScope {
  readonly requestId: string;
  readonly log: Logger;
}

const scopes = new WeakMap<Request, RequestScope>();

/** The incoming id when it is sane, else a new one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && SANE_ID.test(value) ? value : crypto.randomUUID();
}

/**
 * Assigns the id, sets the response header, and logs each finished request at debug level
 * (method, path, status, milliseconds).
 */
export function requestIds(logger: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    const log = logger.child({ requestId });
    scopes.set(req, { requestId, log });
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const started = process.hrtime.bigint();
    const path = req.originalUrl.split('?')[0]; // not the query string: a GET query may be long or private
    res.once('finish', () => {
      log.debug({ method: req.method, path, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'request finished');
    });
    next();
  };
}

/** The id and logger `requestIds` gave this request (a fresh pair if it did not run). */
export function requestScope(req: Request, fallback: Logger): RequestScope {
  let scope = scopes.get(req);
  if (!scope) {
    const requestId = crypto.randomUUID();
    scope = { requestId, log: fallback.child({ requestId }) };
    scopes.set(req, scope);
  }
  return scope;
}
