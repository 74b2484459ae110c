/**
 * The one place that imports Agenda. It runs on our own MySQL/MariaDB backend (agenda-mysql),
 * defines the jobs, and gives the services a SegmentScheduler. Processes with ROLE=api only
 * schedule; ROLE=worker and ROLE=all also process jobs.
 */
import mysql from 'mysql2/promise';
import type { Agenda as AgendaType, Job } from 'agenda' with { 'resolution-mode': 'import' };
import { MysqlBackend } from '../agenda-mysql';
import type { Logger } from '../logger';
import type { Services } from '../services';
import type { SegmentScheduler } from '../services/segment-scheduler';
import type { SyncTrigger } from '../services/segment-types';
import { defineWebhookJobs, WebhookJobs } from './webhook-jobs';
import { StopSignal, sweepLoop } from './sweep-loop';

export const SEGMENT_SYNC_JOB = 'segment-sync';
export const SYNC_RECOVERY_JOB = 'segment-sync-recovery';
/** On stop: the part of the time budget kept for releasing jobs that are still running. */
const STOP_RELEASE_MS = 1_500;
export const TIME_SWEEP_JOB = 'segment-time-sweep';
export const RETENTION_JOB = 'sync-records-retention';
/** How long one run of the time-sweep job sweeps (see its definition). */
const SWEEP_RUN_MS = 600_000;

export interface SegmentSyncJobData {
  readonly segmentId: string;
  readonly trigger: SyncTrigger;
}

export interface JobRunnerOptions {
  readonly databaseUrl: string;
  readonly services: Services;
  readonly logger: Logger;
  /** Whether this process takes jobs (ROLE=worker or all), or only schedules them (ROLE=api). */
  readonly process: boolean;
  /** How often a worker looks for due jobs (default 2 s). */
  readonly processEveryMs?: number;
  /** How long a job's lock holds without a touch; a dead worker's job is retried after it (default 60 s). */
  readonly lockLifetimeMs?: number;
  /** Syncs one worker process runs at once (default 4). */
  readonly concurrency?: number;
  /** How often workers look for overdue webhook deliveries, and how late one must be (defaults 30 s, 60 s). */
  readonly webhookRecoveryEveryMs?: number;
  readonly webhookRecoveryGraceMs?: number;
  /** How often the objects whose time-relative result is due are re-evaluated (default 2 s). */
  readonly timeSweepMs?: number;
  /** How often old history, runs and published change events are deleted (default hourly). */
  readonly retentionEveryMs?: number;
}

export interface JobRunner {
  readonly scheduler: SegmentScheduler;
  readonly agenda: AgendaType;
  readonly webhooks: WebhookJobs;
  /**
   * Stops taking jobs, lets running ones finish (within `timeoutMs`, default 8 s), releases the
   * rest: their syncs are interrupted, their rows unlocked, interrupted syncs due again at once.
   */
  stop(timeoutMs?: number): Promise<void>;
}

export async function startJobRunner(options: JobRunnerOptions): Promise<JobRunner> {
  const { services, logger } = options;
  const lockLifetime = options.lockLifetimeMs ?? 60_000;
  const pool = mysql.createPool({ uri: options.databaseUrl, timezone: 'Z', connectionLimit: 10, enableKeepAlive: true });
  const backend = new MysqlBackend({ pool, ensureSchema: false });
  // Connect first: Agenda's own connect() in its constructor does not handle a rejection.
  await backend.connect();
  const { Agenda } = await import('agenda');
  const agenda = new Agenda({
    backend,
    name: `segments-${process.pid}`,
    processEvery: options.processEveryMs ?? 2_000,
    defaultLockLifetime: lockLifetime,
    maxConcurrency: 20,
  });

  /** Runs `work` while renewing the job's lock, so that a live worker's job is never taken over. */
  const keepingLock = async (job: Job, work: () => Promise<unknown>): Promise<void> => {
    const keepAlive = setInterval(() => void job.touch().catch(() => undefined), Math.max(1_000, lockLifetime / 3));
    try {
      await work();
    } finally {
      clearInterval(keepAlive);
    }
  };

  agenda.define<SegmentSyncJobData>(
    SEGMENT_SYNC_JOB,
    async (job: Job<SegmentSyncJobData>) => {
      const { segmentId, trigger } = job.attrs.data;
      logger.info({ segmentId, trigger, pid: process.pid }, 'segment sync started');
      // Long syncs keep their lock: a worker that is alive is never overtaken.
      await keepingLock(job, async () => {
        const run = await services.segmentSyncs.sync(segmentId, trigger);
        if (!run) {
          await agenda.cancel({ name: SEGMENT_SYNC_JOB, data: { segmentId } }); // the segment is gone
          return;
        }
        if (trigger === 'SCHEDULE' && job.attrs.nextRunAt) {
          await services.dataSource.query('UPDATE segments SET next_sync_at = ? WHERE id = ?', [job.attrs.nextRunAt, segmentId]);
        }
        logger.debug({ segmentId, trigger, runId: run.id, status: run.status }, 'segment synced');
      });
    },
    { concurrency: options.concurrency ?? 4, lockLifetime },
  );
  // Agenda hands an expired lock to another worker, but a recurring job's next run was already
  // moved forward when the dead worker started it, so Agenda alone would wait a whole interval.
  // This job finds syncs whose process died (their run is RUNNING, their lock free) and redoes them.
  agenda.define(SYNC_RECOVERY_JOB, async () => {
    for (const { segmentId, trigger } of await services.segmentSyncs.interruptedRuns()) {
      logger.warn({ segmentId, trigger }, 'redoing a sync whose process stopped');
      // A scheduled sync is redone by its own recurring job, made due now (a one-off job of the
      // same segment and trigger would replace the recurring one and end its schedule).
      if (trigger === 'SCHEDULE') await runScheduleNow(segmentId);
      else await scheduler.enqueue(segmentId, trigger);
    }
  });
  const recurring = (segmentId: string, minutes: number) => agenda
    .create<SegmentSyncJobData>(SEGMENT_SYNC_JOB, { segmentId, trigger: 'SCHEDULE' })
    .repeatEvery(`${minutes} minutes`, { skipImmediate: true })
    .unique({ 'data.segmentId': segmentId, 'data.trigger': 'SCHEDULE' });
  const runScheduleNow = async (segmentId: string) => {
    const [seg] = (await services.dataSource.query('SELECT sync_interval_minutes AS minutes, paused FROM segments WHERE id = ?', [segmentId])) as Array<{ minutes: number; paused: number }>;
    if (!seg || Number(seg.paused)) return;
    await recurring(segmentId, Number(seg.minutes)).schedule(new Date()).save();
  };
  // Freshness: objects whose time-relative result is due ("no visit in 40 days" from today) are
  // re-evaluated every few seconds, by one worker at a time (a recurring job is locked while it
  // runs). One run sweeps every `timeSweepMs` for ten minutes, keeping its lock alive like a long
  // sync: Agenda's polling alone started this 2 s recurring job 2–20 s apart (measured on an
  // idle database), and runs of 30 s still left seams of up to 20 s between them, the largest
  // lags measured. A worker that dies holding it is replaced once its lock expires.
  const sweepMs = options.timeSweepMs ?? 2_000;
  const sweepRunMs = Math.max(sweepMs, SWEEP_RUN_MS);
  const sweepStop = new StopSignal();
  agenda.define(TIME_SWEEP_JOB, (job: Job) => keepingLock(job, () => sweepLoop((shouldStop) => services.segmentTimes.runDue({ shouldStop }), { periodMs: sweepMs, runMs: sweepRunMs, stop: sweepStop })), { concurrency: 1, lockLimit: 1, lockLifetime });
  // Old sync records (RetentionService): by one worker at a time, its lock kept alive.
  agenda.define(RETENTION_JOB, (job: Job) => keepingLock(job, () => services.retention.prune()), { concurrency: 1, lockLimit: 1, lockLifetime });
  // Webhook deliveries: every role enqueues them; workers send them, with retries.
  const webhookJobs = defineWebhookJobs(agenda, {
    webhooks: services.webhooks, logger, recoveryEveryMs: options.webhookRecoveryEveryMs, recoveryGraceMs: options.webhookRecoveryGraceMs,
  });
  services.webhooks.useQueue(webhookJobs.queue);
  agenda.on('error', (error: unknown) => logger.error({ err: error }, 'job runner error'));

  const scheduler: SegmentScheduler = {
    async schedule(segment) {
      const job = recurring(segment.id, segment.syncIntervalMinutes);
      if (segment.paused) job.disable();
      else job.enable();
      await job.save();
      return segment.paused ? null : (job.attrs.nextRunAt ?? null);
    },
    async unschedule(segmentId) {
      await agenda.cancel({ name: SEGMENT_SYNC_JOB, data: { segmentId } });
    },
    async enqueue(segmentId, trigger) {
      // One pending job per segment and trigger: a burst of dependency changes syncs once.
      await agenda
        .create<SegmentSyncJobData>(SEGMENT_SYNC_JOB, { segmentId, trigger })
        .unique({ 'data.segmentId': segmentId, 'data.trigger': trigger })
        .schedule(new Date())
        .save();
    },
  };

  // The jobs running in this process, for stop(), tracked from before the first can start.
  // ('complete' comes after the job's row is unlocked.)
  const running = new Set<Job>();
  const changed = new Set<() => void>();
  agenda.on('start', (job: Job) => running.add(job));
  agenda.on('complete', (job: Job) => {
    running.delete(job);
    for (const wake of changed) wake();
  });
  /** True once no job runs, false if one still does at `deadline`. */
  const idle = (deadline: number) => new Promise<boolean>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      changed.delete(check);
      resolve(running.size === 0);
    };
    const check = () => { if (running.size === 0) done(); };
    // The timer ends the wait whatever Date.now() says: timers run on a monotonic clock, and
    // comparing with the wall clock here could find the deadline 1 ms away and wait forever.
    const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
    changed.add(check);
    check();
  });
  /** `promise`, or undefined once `ms` have passed (logged as `what`). */
  const within = async <T>(promise: Promise<T>, ms: number, what: string): Promise<T | undefined> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => { timer = setTimeout(() => { logger.warn({ ms }, `${what} took too long; going on`); resolve(undefined); }, ms); });
    try {
      return await Promise.race([promise, late]);
    } finally {
      clearTimeout(timer);
    }
  };

  if (options.process) {
    await agenda.start();
    await agenda.every(`${Math.max(1, Math.round(lockLifetime / 1000))} seconds`, SYNC_RECOVERY_JOB);
    await agenda.every(sweepMs, TIME_SWEEP_JOB);
    await agenda.every(options.retentionEveryMs ?? 3_600_000, RETENTION_JOB);
    await webhookJobs.startRecovery();
  }

  return {
    scheduler,
    agenda,
    webhooks: webhookJobs,
    async stop(timeoutMs = 8_000) {
      const deadline = Date.now() + timeoutMs;
      logger.info({ running: [...running].map((j) => j.attrs.name) }, 'job runner stopping');
      // A time sweep between two passes ends now, one in a pass after its current round; a
      // retention run ends now (housekeeping: the next run does the rest).
      sweepStop.stop();
      await services.retention.interrupt();
      // No new job from now on; jobs locked but not started yet are unlocked for other workers.
      await within(agenda.stop().catch((error: unknown) => logger.warn({ err: error }, 'stopping the job scheduler failed')), Math.max(0, deadline - STOP_RELEASE_MS - Date.now()), 'stopping the job scheduler');
      if (!(await idle(deadline - STOP_RELEASE_MS))) {
        // Release what is still running: its syncs are interrupted (rolled back, named locks
        // freed), so their jobs fail at once and unlock their rows.
        const left = [...running];
        const interrupted = await services.segmentSyncs.interruptAll();
        logger.warn({ jobs: left.map((j) => j.attrs.name), interrupted }, 'jobs still running at shutdown were released');
        await idle(deadline);
        // An interrupted sync is due again now, for whichever worker is there (its schedule, if
        // it repeats, is kept); the redo records the interrupted run as failed.
        for (const job of left.filter((j) => j.attrs.name === SEGMENT_SYNC_JOB && !running.has(j))) {
          await job.schedule(new Date()).save().catch((error: unknown) => logger.warn({ err: error, data: job.attrs.data }, 'could not requeue an interrupted sync'));
        }
      }
      // Rows this worker still holds are unlocked: a job still running, or one that a poll in
      // flight when stop() began locked after it (Agenda's stop does not wait for that poll).
      const held = await agenda.db.queryJobs({ state: 'running' }).then(
        (r) => r.jobs.filter((j) => j.lastModifiedBy === agenda.attrs.name).map((j) => j._id),
        () => [],
      );
      if (held.length > 0) await agenda.db.unlockJobs(held).catch((error: unknown) => logger.warn({ err: error }, 'could not unlock jobs at shutdown'));
      await pool.end().catch(() => undefined);
    },
  };
}
