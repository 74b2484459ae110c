/**
 * Sending one webhook delivery: claim an attempt, POST the signed JSON body, record the outcome
 * and decide when to try again. The delivery row is the truth (attempts, status, next attempt);
 * the job system only runs `deliver` when the row says an attempt is due.
 */
import crypto from 'node:crypto';
import { DataSource } from 'typeorm';
import { codeToType } from './list.service';
import type { Logger } from '../logger';

export type WebhookEvent = 'ENTERED' | 'EXITED';
export type DeliveryStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED';

/** Waits before attempts 2 to 5: 10 s, 1 min, 5 min, 30 min (so 5 attempts over about 36 minutes). */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [10_000, 60_000, 300_000, 1_800_000];
export const DEFAULT_TIMEOUT_MS = 10_000;

export const SIGNATURE_HEADER = 'X-Segments-Signature';
export const TIMESTAMP_HEADER = 'X-Segments-Timestamp';
export const DELIVERY_HEADER = 'X-Segments-Delivery';
export const EVENT_HEADER = 'X-Segments-Event';

export interface DeliveryOptions {
  /**
   * How long to wait before each retry; one more attempt than delays is made in all
   * (default {@link DEFAULT_RETRY_DELAYS_MS}: 5 attempts).
   */
  readonly retryDelaysMs?: readonly number[];
  /** How long one POST may take in all, connecting and reading the answer included (default 10 s). */
  readonly timeoutMs?: number;
}

/** What one call of `deliver` did. */
export type DeliveryOutcome =
  | { readonly kind: 'SUCCEEDED' }
  | { readonly kind: 'FAILED' }
  | { readonly kind: 'RETRY'; readonly at: Date }
  /** No attempt was due (already sent, not yet due, another worker has it, or the webhook is gone). */
  | { readonly kind: 'SKIPPED' };

/** `sha256=<hex>` of HMAC-SHA256 with the secret (its UTF-8 bytes) over `<timestamp>.<body>`. */
export function signDelivery(secret: string, timestamp: string, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/** A fresh secret: 32 random bytes (256 bits), hex, prefixed so that people recognise it. */
export function newWebhookSecret(): string {
  return `whsec_${crypto.randomBytes(32).toString('hex')}`;
}

export class WebhookDeliverer {
  private readonly delays: readonly number[];
  private readonly timeoutMs: number;

  constructor(private readonly ds: DataSource, private readonly logger: Logger, options: DeliveryOptions = {}) {
    this.delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Attempts in all before a delivery is FAILED. */
  get maxAttempts(): number {
    return this.delays.length + 1;
  }

  /**
   * Makes one attempt if one is due. The claim (an atomic UPDATE) moves `next_attempt_at` past
   * the timeout, so a duplicate job or the overdue check never sends the same attempt twice; if
   * this process dies mid-attempt, the attempt counts and the overdue check retries after that.
   */
  async deliver(deliveryId: string): Promise<DeliveryOutcome> {
    const now = new Date();
    const lease = new Date(now.getTime() + this.timeoutMs + 30_000);
    const claim = (await this.ds.query(
      "UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = ?, next_attempt_at = ? WHERE id = ? AND status = 'PENDING' AND next_attempt_at <= ?",
      [now, lease, deliveryId, now],
    )) as { affectedRows: number };
    if (claim.affectedRows !== 1) return { kind: 'SKIPPED' };
    const [row] = (await this.ds.query(
      'SELECT d.*, w.url, w.secret FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = ?',
      [deliveryId],
    )) as Array<Record<string, unknown>>;
    if (!row) return { kind: 'SKIPPED' };
    const body = deliveryBody(row);
    const result = await this.post(String(row.url), String(row.secret), String(row.id), String(row.event_kind), body);
    const attempts = Number(row.attempts);
    const finished = new Date();
    if (result.ok) {
      await this.record(deliveryId, "status = 'SUCCEEDED', next_attempt_at = NULL, finished_at = ?", [finished], result);
      return { kind: 'SUCCEEDED' };
    }
    this.logger.info({ deliveryId, webhookId: String(row.webhook_id), attempts, httpStatus: result.status, error: result.error }, 'webhook delivery attempt failed');
    if (attempts >= this.maxAttempts) {
      await this.record(deliveryId, "status = 'FAILED', next_attempt_at = NULL, finished_at = ?", [finished], result);
      return { kind: 'FAILED' };
    }
    const at = new Date(finished.getTime() + this.delays[attempts - 1]);
    await this.record(deliveryId, 'next_attempt_at = ?', [at], result);
    return { kind: 'RETRY', at };
  }

  /**
   * Ids of PENDING deliveries whose attempt is overdue by more than `graceMs` (their job was
   * never created, or their process died); their due time is moved to now so that they are
   * handed out once per check. Returns at most `limit`.
   */
  async takeOverdue(graceMs: number, limit = 500): Promise<string[]> {
    const now = new Date();
    const cutoff = new Date(now.getTime() - graceMs);
    const rows = (await this.ds.query(
      "SELECT id FROM webhook_deliveries WHERE status = 'PENDING' AND next_attempt_at < ? ORDER BY next_attempt_at LIMIT ?",
      [cutoff, limit],
    )) as Array<{ id: string }>;
    const ids = rows.map((r) => String(r.id));
    if (ids.length) {
      await this.ds.query(
        `UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id IN (${ids.map(() => '?').join(', ')}) AND status = 'PENDING' AND next_attempt_at < ?`,
        [now, ...ids, cutoff],
      );
    }
    return ids;
  }

  private async record(deliveryId: string, sets: string, params: unknown[], result: PostResult): Promise<void> {
    await this.ds.query(
      `UPDATE webhook_deliveries SET ${sets}, last_http_status = ?, last_error = ? WHERE id = ? AND status = 'PENDING'`,
      [...params, result.status, result.error, deliveryId],
    );
  }

  private async post(url: string, secret: string, deliveryId: string, event: string, body: string): Promise<PostResult> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    try {
      const res = await fetch(url, {
        method: 'POST',
        // A redirect is a failure: the receiver must name its final URL, and we never follow one elsewhere.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'segments-webhooks/1',
          [DELIVERY_HEADER]: deliveryId,
          [EVENT_HEADER]: event,
          [TIMESTAMP_HEADER]: timestamp,
          [SIGNATURE_HEADER]: signDelivery(secret, timestamp, body),
        },
        body,
      });
      if (res.status >= 200 && res.status < 300) {
        await res.body?.cancel().catch(() => undefined);
        return { ok: true, status: res.status, error: null };
      }
      const snippet = await readSnippet(res, 300);
      return { ok: false, status: res.status, error: `HTTP ${res.status}${snippet ? `: ${snippet}` : ''}` };
    } catch (error) {
      return { ok: false, status: null, error: describe(error, this.timeoutMs) };
    }
  }
}

interface PostResult {
  readonly ok: boolean;
  readonly status: number | null;
  readonly error: string | null;
}

/**
 * The JSON body, built from the delivery row alone so that every attempt posts the same bytes.
 * Key order is fixed; `objectIds` holds at most the first 1,000 ids, `count` how many changed.
 */
export function deliveryBody(row: Record<string, unknown>): string {
  const ids = typeof row.object_ids === 'string' ? (JSON.parse(row.object_ids) as unknown[]) : ((row.object_ids ?? []) as unknown[]);
  return JSON.stringify({
    id: String(row.id),
    webhookId: String(row.webhook_id),
    segmentId: String(row.segment_id),
    objectType: codeToType(Number(row.object_type)),
    event: String(row.event_kind),
    objectIds: ids.map(String),
    count: Number(row.object_count),
    trigger: String(row.trigger_kind),
    at: (row.event_at as Date).toISOString(),
  });
}

/** The start of an error response, for people reading the delivery log; never more than `max` characters. */
async function readSnippet(res: Response, max: number): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < max) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    /* a broken body does not change the outcome */
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, max);
}

function describe(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `timed out after ${timeoutMs} ms`;
  const cause = e?.cause?.code ?? e?.cause?.message;
  return `${e?.message ?? String(error)}${cause ? ` (${cause})` : ''}`.slice(0, 1000);
}
