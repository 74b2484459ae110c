/**
 * Webhook deliveries on Agenda. Each attempt is a one-off job (removed once done) that runs
 * `WebhookService.deliver`; a failed attempt schedules the next one at the time the delivery row
 * names (exponential backoff, see `DEFAULT_RETRY_DELAYS_MS`). The delivery row, not the job, is
 * the truth: `deliver` claims an attempt atomically, so a duplicate job sends nothing. A periodic
 * check re-enqueues PENDING deliveries whose attempt is overdue: their process died between
 * commit and enqueue, or during an attempt.
 */
import type { Agenda, Job } from 'agenda' with { 'resolution-mode': 'import' };
import type { Logger } from '../logger';
import type { WebhookQueue, WebhookService } from '../services/webhook.service';

export const WEBHOOK_DELIVERY_JOB = 'webhook-delivery';
export const WEBHOOK_RECOVERY_JOB = 'webhook-delivery-recovery';

export interface WebhookJobData {
  readonly deliveryId: string;
}

export interface WebhookJobOptions {
  readonly webhooks: Pick<WebhookService, 'deliver' | 'deliverer'>;
  readonly logger: Logger;
  /** Deliveries one worker process sends at once (default 10). */
  readonly concurrency?: number;
  /** How often a worker looks for overdue deliveries (default 30 s). */
  readonly recoveryEveryMs?: number;
  /**
   * How late a PENDING delivery must be before the check re-enqueues it (default 60 s); longer
   * than a worker needs to pick up a due job, so live deliveries are left to their own job.
   */
  readonly recoveryGraceMs?: number;
}

export interface WebhookJobs {
  /** Give it to `WebhookService.useQueue` in every process (api processes enqueue too). */
  readonly queue: WebhookQueue;
  /** Starts the periodic overdue check; call it in processes that take jobs, after `agenda.start()`. */
  startRecovery(): Promise<void>;
}

/** Defines the delivery and recovery jobs on `agenda`; returns the queue and the recovery starter. */
export function defineWebhookJobs(agenda: Agenda, options: WebhookJobOptions): WebhookJobs {
  const { webhooks, logger } = options;
  const graceMs = options.recoveryGraceMs ?? 60_000;
  const queue: WebhookQueue = {
    async enqueue(deliveryId, at = new Date()) {
      await agenda.create<WebhookJobData>(WEBHOOK_DELIVERY_JOB, { deliveryId }).schedule(at).save();
    },
  };

  agenda.define<WebhookJobData>(
    WEBHOOK_DELIVERY_JOB,
    async (job: Job<WebhookJobData>) => {
      const { deliveryId } = job.attrs.data;
      const outcome = await webhooks.deliver(deliveryId);
      if (outcome.kind === 'RETRY') await queue.enqueue(deliveryId, outcome.at);
      else if (outcome.kind === 'FAILED') logger.warn({ deliveryId }, 'webhook delivery failed for good');
    },
    // An attempt takes at most the POST timeout; the lock outlives it so no second worker starts it.
    { concurrency: options.concurrency ?? 10, lockLifetime: 60_000, removeOnComplete: true },
  );

  agenda.define(WEBHOOK_RECOVERY_JOB, async () => {
    const ids = await webhooks.deliverer.takeOverdue(graceMs);
    if (ids.length) logger.warn({ count: ids.length }, 're-enqueueing overdue webhook deliveries');
    for (const id of ids) await queue.enqueue(id);
  });

  return {
    queue,
    async startRecovery() {
      await agenda.every(options.recoveryEveryMs ?? 30_000, WEBHOOK_RECOVERY_JOB);
    },
  };
}
