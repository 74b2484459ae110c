/**
 * Boots the process for a role: database (created when missing, migrated), services, and the
 * API server (roles all/api). The job runner joins here for roles all/worker.
 */
import { DataSource } from 'typeorm';
import type { Config } from './config';
import { redact } from './config';
import { assertSupportedServer, ensureDatabase } from './db/bootstrap';
import { createDataSource } from './db/data-source';
import { createSchema } from './graphql/schema';
import type { Logger } from './logger';
import { ApiServer, startApiServer } from './server/app';
import { createServices, Services } from './services';
import { JobRunner, startJobRunner } from './jobs/job-runner';
import { Live, startLive } from './live';

/** On stop: how long running jobs may take to finish before they are released. */
const SHUTDOWN_JOBS_MS = 5_000;

export interface Runtime {
  readonly services: Services;
  readonly api: ApiServer | null;
  readonly jobs: JobRunner;
  readonly live: Live;
  stop(): Promise<void>;
}

/** Creates the database if needed, runs pending migrations, returns an initialised data source. */
export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dbPoolSize'>, logger: Logger): Promise<DataSource> {
  await ensureDatabase(config.databaseUrl);
  const ds = createDataSource({ databaseUrl: config.databaseUrl, poolSize: config.dbPoolSize });
  await ds.initialize();
  const version = await assertSupportedServer(ds);
  // Processes starting together (api + workers) migrate one at a time: a named lock on a
  // connection of its own, held while the migrations run (two at once failed with duplicate columns).
  const lock = ds.createQueryRunner();
  await lock.connect();
  let applied: Awaited<ReturnType<DataSource['runMigrations']>>;
  try {
    const [{ locked }] = (await lock.query("SELECT GET_LOCK(CONCAT(LEFT(DATABASE(), 40), ':migrations'), 300) AS locked")) as Array<{ locked: number }>;
    if (Number(locked) !== 1) throw new Error('another process has been migrating this database for 5 minutes');
    applied = await ds.runMigrations({ transaction: 'each' });
  } finally {
    await lock.query("SELECT RELEASE_LOCK(CONCAT(LEFT(DATABASE(), 40), ':migrations'))").catch(() => undefined);
    await lock.release();
  }
  logger.info({ database: redact(config.databaseUrl), server: version, migrationsApplied: applied.map((m) => m.name) }, 'database ready');
  return ds;
}

export async function startRuntime(config: Config, logger: Logger, ds?: DataSource): Promise<Runtime> {
  const dataSource = ds ?? (await openDatabase(config, logger));
  const services = createServices(dataSource, logger, { timeTriggers: config.timeTriggers, momentHorizonMs: config.momentHorizonMs });
  // Every role schedules through Agenda; only workers (and ROLE=all) process the jobs.
  const jobs = await startJobRunner({
    databaseUrl: config.databaseUrl, services, logger, process: config.role !== 'api',
    processEveryMs: config.jobPollMs, lockLifetimeMs: config.jobLockLifetimeMs, concurrency: config.syncConcurrency,
    timeSweepMs: config.timeSweepMs,
  });
  services.segments.useScheduler(jobs.scheduler);
  services.segmentTimes.useScheduler(jobs.scheduler);
  const live = startLive({ services, logger, redisUrl: config.redisUrl });
  let api: ApiServer | null = null;
  if (config.role === 'all' || config.role === 'api') {
    api = await startApiServer({ config, services, schema: await createSchema(live.pubSub), logger, pubSub: live.pubSub, readinessChecks: [() => live.readiness()] });
    logger.info({ url: `${api.url}/graphql` }, 'GraphQL API listening');
  }
  return {
    services,
    api,
    jobs,
    live,
    /**
     * Graceful, in about 7 s at most: new connections and new jobs are refused at once; requests
     * in flight get 3 s and running jobs 5 s to finish; what is left is released (syncs
     * interrupted and due again, job rows unlocked, named locks free). Real-time evaluations get
     * 2 s more, then Redis and the pool close.
     */
    async stop() {
      await Promise.all([api?.close(), jobs.stop(SHUTDOWN_JOBS_MS)]);
      await live.stop();
      // A sync that a request started and that outlived the drain is not a job: released the same way.
      await services.segmentSyncs.interruptAll();
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}
