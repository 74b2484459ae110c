/**
 * Configuration, parsed once from the environment into a frozen object. Nothing else in the
 * project reads `process.env`. Every bad value is reported at start with what is allowed.
 */
export type Role = 'all' | 'api' | 'worker';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  readonly databaseUrl: string;
  readonly port: number;
  readonly host: string;
  readonly redisUrl: string | null;
  readonly role: Role;
  readonly logLevel: LogLevel;
  readonly production: boolean;
  /** Whether GraphiQL and introspection are on (default: on, unless production says GRAPHIQL=false). */
  readonly graphiql: boolean;
  /** Whether `start` loads the demo workspace into an empty database (SEED_DEMO, default true). */
  readonly seedDemo: boolean;
  readonly dbPoolSize: number;
  /** How often a worker polls for due jobs (JOB_POLL_MS, default 2000). */
  readonly jobPollMs: number;
  /** How long a job lock holds without renewal; a dead worker's job is retried after it (JOB_LOCK_LIFETIME_MS, default 60000). */
  readonly jobLockLifetimeMs: number;
  /** Syncs one worker runs at once (SYNC_CONCURRENCY, default 4). */
  readonly syncConcurrency: number;
  /** How often workers re-evaluate objects whose time-relative result is due (TIME_SWEEP_MS, default 2000). */
  readonly timeSweepMs: number;
  /**
   * Whether time-relative results flip at their moment (TIME_TRIGGERS, default true); off, only
   * the scheduled sync catches what time alone changes (as in the classic CRMs).
   */
  readonly timeTriggers: boolean;
  /**
   * How far ahead of a full sync the time bookkeeping keeps moments (MOMENT_HORIZON_MS; unset: per
   * segment, twice its sync interval and 30 minutes). For tests and operators.
   */
  readonly momentHorizonMs?: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const ROLES: readonly Role[] = ['all', 'api', 'worker'];
const LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Parses `env` (default `process.env`); throws ConfigError listing every bad value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const databaseUrl = env.DATABASE_URL?.trim() || 'mysql://root@127.0.0.1:3306/segments';
  try {
    const url = new URL(databaseUrl);
    if (url.protocol !== 'mysql:') problems.push(`DATABASE_URL must start with mysql:// (got ${url.protocol}//)`);
    if (!url.pathname.replace(/^\//, '')) problems.push('DATABASE_URL must name a database, e.g. mysql://root@127.0.0.1:3306/segments');
  } catch {
    problems.push('DATABASE_URL is not a URL; expected mysql://user:password@host:port/database');
  }
  const port = parseInteger('PORT', env.PORT, 4000, 0, 65535, problems);
  const host = env.HOST?.trim() || '0.0.0.0';
  let redisUrl: string | null = env.REDIS_URL?.trim() || null;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) {
    problems.push(`REDIS_URL must start with redis:// or rediss:// (got ${redact(redisUrl)})`);
    redisUrl = null;
  }
  const role = (env.ROLE?.trim() || 'all') as Role;
  if (!ROLES.includes(role)) problems.push(`ROLE must be one of ${ROLES.join(', ')} (got ${env.ROLE})`);
  const logLevel = (env.LOG_LEVEL?.trim() || 'info') as LogLevel;
  if (!LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LEVELS.join(', ')} (got ${env.LOG_LEVEL})`);
  const production = env.NODE_ENV === 'production';
  const graphiql = parseBoolean('GRAPHIQL', env.GRAPHIQL, true, problems);
  const seedDemo = parseBoolean('SEED_DEMO', env.SEED_DEMO, true, problems);
  const dbPoolSize = parseInteger('DB_POOL_SIZE', env.DB_POOL_SIZE, 20, 2, 500, problems);
  const jobPollMs = parseInteger('JOB_POLL_MS', env.JOB_POLL_MS, 2_000, 100, 600_000, problems);
  const jobLockLifetimeMs = parseInteger('JOB_LOCK_LIFETIME_MS', env.JOB_LOCK_LIFETIME_MS, 60_000, 1_000, 3_600_000, problems);
  const syncConcurrency = parseInteger('SYNC_CONCURRENCY', env.SYNC_CONCURRENCY, 4, 1, 64, problems);
  const timeSweepMs = parseInteger('TIME_SWEEP_MS', env.TIME_SWEEP_MS, 2_000, 100, 60_000, problems);
  const timeTriggers = parseBoolean('TIME_TRIGGERS', env.TIME_TRIGGERS, true, problems);
  const momentHorizonMs = env.MOMENT_HORIZON_MS?.trim() ? parseInteger('MOMENT_HORIZON_MS', env.MOMENT_HORIZON_MS, 0, 1_000, 366 * 86_400_000, problems) : undefined;
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({ databaseUrl, port, host, redisUrl, role, logLevel, production, graphiql, seedDemo, dbPoolSize, jobPollMs, jobLockLifetimeMs, syncConcurrency, timeSweepMs, timeTriggers, momentHorizonMs });
}

function parseInteger(name: string, raw: string | undefined, fallback: number, min: number, max: number, problems: string[]): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name} must be an integer from ${min} to ${max} (got ${raw})`);
    return fallback;
  }
  return value;
}

function parseBoolean(name: string, raw: string | undefined, fallback: boolean, problems: string[]): boolean {
  if (raw === undefined || raw.trim() === '') return fallback;
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  problems.push(`${name} must be true or false (got ${raw})`);
  return fallback;
}

/** A URL with its password replaced, safe for logs and messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable url>';
  }
}
