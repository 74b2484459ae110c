/**
 * Telling "the database is unreachable" apart from "this statement failed". The first is an
 * outage (the server restarts, the network drops, the pool is closing): the request may succeed
 * if retried a little later, and the client is told so (SERVICE_UNAVAILABLE). The second is a
 * bug or a conflict and stays an internal error.
 */

/** MariaDB/MySQL error 1114: "The table … is full" (a MEMORY table reached max_heap_table_size). */
export const ER_RECORD_FILE_FULL = 1114;

/** MariaDB/MySQL error 1317: "Query execution was interrupted" (the statement was killed by KILL QUERY). */
export const ER_QUERY_INTERRUPTED = 1317;

/** Driver and socket codes of a connection that could not be opened or was lost. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR', 'PROTOCOL_ENQUEUE_AFTER_QUIT',
  'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN', 'ER_CONNECTION_KILLED',
]);
/** The same as server error numbers: too many connections, shutdown in progress, connection killed (MariaDB). */
const UNAVAILABLE_ERRNOS = new Set([1040, 1053, 1927]);
/** mysql2 reports these without a code. */
const UNAVAILABLE_MESSAGES = [/^Pool is closed\.?$/, /^Can't add new command when connection is in closed state$/, /^Connection lost/];

interface DriverErrorShape {
  readonly code?: unknown;
  readonly errno?: unknown;
  /** mysql2 marks errors after which the connection is unusable. */
  readonly fatal?: unknown;
  readonly message?: unknown;
  readonly driverError?: unknown;
  readonly originalError?: unknown;
  readonly cause?: unknown;
  /** AggregateError (e.g. every address of a host refused). */
  readonly errors?: unknown;
}

/**
 * Whether `error`, or an error it wraps (TypeORM's `driverError`, GraphQL's `originalError`, a
 * `cause`, the errors of an AggregateError), says that the database could not be reached or the connection was lost.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const e = pending.pop();
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const d = e as DriverErrorShape;
    if (d.fatal === true) return true;
    if (typeof d.code === 'string' && UNAVAILABLE_CODES.has(d.code)) return true;
    if (typeof d.errno === 'number' && UNAVAILABLE_ERRNOS.has(d.errno)) return true;
    if (typeof d.message === 'string' && UNAVAILABLE_MESSAGES.some((m) => m.test(d.message as string))) return true;
    pending.push(d.driverError, d.originalError, d.cause, ...(Array.isArray(d.errors) ? d.errors : []));
  }
  return false;
}
