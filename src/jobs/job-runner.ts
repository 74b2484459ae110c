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

export const SEGMENT_SYNC_JOB = 'segment-sync';
export const SYNC_RECOVERY_JOB = 'segment-sync-recovery';

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
}

export interface JobRunner {
  readonly scheduler: SegmentScheduler;
  readonly agenda: AgendaType;
  readonly webhooks: WebhookJobs;
  /** Stops taking jobs, lets running ones finish (up to `timeoutMs`), releases the rest. */
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

  agenda.define<SegmentSyncJobData>(
    SEGMENT_SYNC_JOB,
    async (job: Job<SegmentSyncJobData>) => {
      const { segmentId, trigger } = job.attrs.data;
      logger.info({ segmentId, trigger, pid: process.pid }, 'segment sync started');
      // Long syncs keep their lock: a worker that is alive is never overtaken.
      const keepAlive = setInterval(() => void job.touch().catch(() => undefined), Math.max(1_000, lockLifetime / 3));
      try {
        const run = await services.segmentSyncs.sync(segmentId, trigger);
        if (!run) {
          await agenda.cancel({ name: SEGMENT_SYNC_JOB, data: { segmentId } }); // the segment is gone
          return;
        }
        if (trigger === 'SCHEDULE' && job.attrs.nextRunAt) {
          await services.dataSource.query('UPDATE segments SET next_sync_at = ? WHERE id = ?', [job.attrs.nextRunAt, segmentId]);
        }
        logger.debug({ segmentId, trigger, runId: run.id, status: run.status }, 'segment synced');
      } finally {
        clearInterval(keepAlive);
      }
    },
    { concurrency: options.concurrency ?? 4, lockLifetime },
  );
  // Agenda hands an expired lock to another worker, but a recurring job's next run was already
  // moved forward when the dead worker started it, so Agenda alone would wait a whole interval.
  // This job finds syncs whose process died (their run is RUNNING, their lock free) and redoes them.
  agenda.define(SYNC_RECOVERY_JOB, async () => {
    for (const { segmentId, trigger } of await services.segmentSyncs.interruptedRuns()) {
      logger.warn({ segmentId, trigger }, 'redoing a sync whose process stopped');
      await scheduler.enqueue(segmentId, trigger);
    }
  });
  // Webhook deliveries: every role enqueues them; workers send them, with retries.
  const webhookJobs = defineWebhookJobs(agenda, {
    webhooks: services.webhooks, logger, recoveryEveryMs: options.webhookRecoveryEveryMs, recoveryGraceMs: options.webhookRecoveryGraceMs,
  });
  services.webhooks.useQueue(webhookJobs.queue);
  agenda.on('error', (error: unknown) => logger.error({ err: error }, 'job runner error'));

  const scheduler: SegmentScheduler = {
    async schedule(segment) {
      const job = agenda
        .create<SegmentSyncJobData>(SEGMENT_SYNC_JOB, { segmentId: segment.id, trigger: 'SCHEDULE' })
        .repeatEvery(`${segment.syncIntervalMinutes} minutes`, { skipImmediate: true })
        .unique({ 'data.segmentId': segment.id, 'data.trigger': 'SCHEDULE' });
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

  if (options.process) {
    await agenda.start();
    await agenda.every(`${Math.max(1, Math.round(lockLifetime / 1000))} seconds`, SYNC_RECOVERY_JOB);
    await webhookJobs.startRecovery();
  }

  return {
    scheduler,
    agenda,
    webhooks: webhookJobs,
    async stop(timeoutMs = 8_000) {
      if (options.process) {
        await agenda.drain(timeoutMs).catch(() => undefined);
      }
      await agenda.stop().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}
