/**
 * A MySQL/MariaDB backend for Agenda 6, self-contained: it imports only `mysql2/promise` and
 * Agenda's types, so it can be lifted out and published alone.
 */
export { MysqlBackend, type MysqlBackendOptions } from './backend';
export { MysqlJobRepository } from './job-repository';
export { agendaJobsTableDdl, assertValidTableName } from './schema';
export { assertSupportsSkipLocked, parseServerVersion, type ServerVersion } from './server-check';
