/**
 * The Agenda 6 backend object: storage on MySQL/MariaDB, no push notifications (Agenda polls
 * every `processEvery`; a notification channel from another system can still be passed to
 * `new Agenda({ notificationChannel })`).
 */
import type { Pool } from 'mysql2/promise';
import type { AgendaBackend } from './agenda-types';
import { MysqlJobRepository } from './job-repository';
import { assertValidTableName } from './schema';

/** Options of {@link MysqlBackend}. */
export interface MysqlBackendOptions {
  /**
   * A `mysql2/promise` pool created with `timezone: 'Z'` (checked at connect). The backend
   * never closes it: the caller owns it and ends it after `agenda.stop()`.
   */
  readonly pool: Pool;
  /** The jobs table; must match `/^[A-Za-z_][A-Za-z0-9_]{0,63}$/`. Default `'agenda_jobs'`. */
  readonly tableName?: string;
  /**
   * Run `CREATE TABLE IF NOT EXISTS` at connect. Default `true`, as in Agenda's other
   * backends; pass `false` when a migration owns the table (the DDL needs CREATE privilege).
   */
  readonly ensureSchema?: boolean;
}

/**
 * Agenda backend on MySQL >= 8.0 or MariaDB >= 10.6.
 *
 * ```ts
 * const pool = mysql.createPool({ uri, timezone: 'Z' });
 * const backend = new MysqlBackend({ pool, ensureSchema: false });
 * // First, so a version/timezone error can be handled: Agenda's own connect() call is
 * // unguarded, and its rejection is an unhandled rejection (which by default exits Node).
 * await backend.connect();
 * const { Agenda } = await import('agenda');
 * const agenda = new Agenda({ backend, processEvery: '5 seconds' });
 * agenda.define('name', async job => { … });
 * await agenda.start();
 * // shutdown: stop (unlocks jobs not yet started) or drain (waits for running ones), then
 * await agenda.stop();
 * await pool.end();
 * ```
 */
export class MysqlBackend implements AgendaBackend {
  readonly name = 'MySQL';
  readonly repository: MysqlJobRepository;
  /** The pool is the caller's, so `agenda.stop()` leaves it open. */
  readonly ownsConnection = false;

  /** @throws Error when `tableName` is invalid. */
  constructor(options: MysqlBackendOptions) {
    this.repository = new MysqlJobRepository({
      pool: options.pool,
      tableName: assertValidTableName(options.tableName ?? 'agenda_jobs'),
      ensureSchema: options.ensureSchema ?? true,
    });
  }

  /**
   * Checks the server and (if asked) creates the table. Idempotent.
   *
   * @throws Error for MariaDB < 10.6 or MySQL < 8.0 (no SKIP LOCKED), naming the version found,
   *   or for a pool not using `timezone: 'Z'`.
   */
  connect(): Promise<void> {
    return this.repository.connect();
  }

  /** Nothing to close (the pool is the caller's); the next `connect()` checks again. */
  async disconnect(): Promise<void> {
    this.repository.reset();
  }
}
