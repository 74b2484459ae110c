/**
 * Webhooks for automations: a URL that receives a signed JSON POST for each membership change
 * (ENTERED and/or EXITED) of the segments it follows. Deliveries are recorded by `WebhookSink` in
 * the transaction that claims the change (so each change yields its deliveries exactly once),
 * handed to the job system after commit, and sent by `WebhookDeliverer` with retries.
 */
import { DataSource } from 'typeorm';
import { badInput, notFound } from '../core/errors';
import { OBJECT_TYPE_CODE } from '../core/object-types';
import { isWellFormedId } from '../db/object-store';
import type { QueryFn } from '../db/read-snapshot';
import { inTransaction } from '../db/unit-of-work';
import type { ChangeEvent, ChangeEventSink } from '../live/change-events';
import type { Logger } from '../logger';
import type { RequestContext } from './context';
import { marks, unique } from '../db/sql-helpers';
import { checkFirst, decodeCursor, encodeCursor } from './object-query.service';
import { visibleTo } from './segment.service';
import type { SyncTrigger } from './segment-types';
import { DeliveryOptions, DeliveryOutcome, DeliveryStatus, newWebhookSecret, WebhookDeliverer, WebhookEvent } from './webhook-delivery';

export type { DeliveryStatus, WebhookEvent } from './webhook-delivery';

export const MAX_URL_LENGTH = 2_000;
export const MAX_WEBHOOK_SEGMENTS = 100;
export const MAX_WEBHOOKS_PER_WORKSPACE = 100;

export interface WebhookRecord {
  readonly id: string;
  readonly url: string;
  /** The segments it follows that the reading agent may see. */
  readonly segmentIds: readonly string[];
  readonly events: readonly WebhookEvent[];
  readonly createdBy: string | null;
  readonly createdAt: Date;
}

export interface WebhookDeliveryRecord {
  readonly id: string;
  readonly webhookId: string;
  readonly segmentId: string;
  readonly changeEventId: string;
  readonly event: WebhookEvent;
  readonly trigger: SyncTrigger;
  readonly count: number;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: Date | null;
  readonly lastAttemptAt: Date | null;
  readonly lastHttpStatus: number | null;
  readonly lastError: string | null;
  readonly createdAt: Date;
  readonly finishedAt: Date | null;
}

export interface CreateWebhookInput {
  readonly url: string;
  readonly segmentIds: readonly string[];
  readonly events: readonly WebhookEvent[];
}

/** What the webhook service needs from the job system; the Agenda one lives in src/jobs. */
export interface WebhookQueue {
  /** Runs `deliver(deliveryId)` at `at` (now by default) on some worker. */
  enqueue(deliveryId: string, at?: Date): Promise<void>;
}

export class WebhookService {
  readonly deliverer: WebhookDeliverer;
  readonly sink: WebhookSink;
  private queue: WebhookQueue | null = null;
  private readonly live: QueryFn = (sql, params) => this.ds.query(sql, params);

  constructor(private readonly ds: DataSource, logger: Logger, options: DeliveryOptions = {}) {
    this.deliverer = new WebhookDeliverer(ds, logger, options);
    this.sink = new WebhookSink(this);
  }

  /**
   * Set once at wiring. Without a queue, new deliveries stay PENDING until a worker's overdue
   * check hands them out.
   */
  useQueue(queue: WebhookQueue): void {
    this.queue = queue;
  }

  /** The workspace's webhooks, oldest first (never with their secret). */
  async list(ctx: RequestContext, q: QueryFn = this.live): Promise<WebhookRecord[]> {
    const rows = (await q('SELECT * FROM webhooks WHERE workspace_id = ? ORDER BY id', [ctx.actor.workspaceId])) as Array<Record<string, unknown>>;
    return this.withSegments(ctx, rows, q);
  }

  /** The webhook if it exists in the actor's workspace; else null. */
  async get(ctx: RequestContext, id: string, q: QueryFn = this.live): Promise<WebhookRecord | null> {
    if (!isWellFormedId(id)) return null;
    const rows = (await q('SELECT * FROM webhooks WHERE id = ? AND workspace_id = ?', [id, ctx.actor.workspaceId])) as Array<Record<string, unknown>>;
    return (await this.withSegments(ctx, rows, q))[0] ?? null;
  }

  async require(ctx: RequestContext, id: string, path = 'id', q: QueryFn = this.live): Promise<WebhookRecord> {
    const hook = await this.get(ctx, id, q);
    if (!hook) throw notFound(`${path}: no webhook with id ${id.slice(0, 40)}`);
    return hook;
  }

  /**
   * Creates a webhook; returns it with its secret, which is never shown again. Throws
   * BAD_USER_INPUT for a URL that is not http(s) or longer than 2,000 characters, no events, or a
   * segment that does not exist or is hidden from the actor (naming `input.segmentIds.N`).
   */
  async create(ctx: RequestContext, input: CreateWebhookInput): Promise<{ webhook: WebhookRecord; secret: string }> {
    const url = checkUrl(input.url);
    const events = unique(input.events);
    if (events.length === 0) throw badInput('input.events', 'must name at least one event (ENTERED, EXITED)');
    if (input.segmentIds.length === 0) throw badInput('input.segmentIds', 'must name at least one segment');
    if (input.segmentIds.length > MAX_WEBHOOK_SEGMENTS) throw badInput('input.segmentIds', `must name at most ${MAX_WEBHOOK_SEGMENTS} segments`);
    const secret = newWebhookSecret();
    const id = await inTransaction(this.ds, async (uow) => {
      const segmentIds = await this.lockVisibleSegments(ctx, input.segmentIds, (s, p) => uow.query(s, p));
      const [{ n }] = (await uow.query('SELECT COUNT(*) AS n FROM webhooks WHERE workspace_id = ?', [ctx.actor.workspaceId])) as Array<{ n: number }>;
      if (Number(n) >= MAX_WEBHOOKS_PER_WORKSPACE) throw badInput(undefined, `a workspace has at most ${MAX_WEBHOOKS_PER_WORKSPACE} webhooks; delete one first`);
      const res = (await uow.query(
        'INSERT INTO webhooks (workspace_id, url, events, secret, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        [ctx.actor.workspaceId, url, events.join(','), secret, ctx.actor.agentId, new Date()],
      )) as { insertId: number };
      const webhookId = String(res.insertId);
      await uow.query(`INSERT INTO webhook_segments (webhook_id, segment_id) VALUES ${segmentIds.map(() => '(?, ?)').join(', ')}`, segmentIds.flatMap((s) => [webhookId, s]));
      return webhookId;
    });
    return { webhook: await this.require(ctx, id), secret };
  }

  /** Deletes a webhook and its delivery log; pending deliveries are not sent. NOT_FOUND when it is not the workspace's. */
  async delete(ctx: RequestContext, id: string): Promise<boolean> {
    if (!isWellFormedId(id)) throw notFound(`id: no webhook with id ${id.slice(0, 40)}`);
    return inTransaction(this.ds, async (uow) => {
      const res = (await uow.query('DELETE FROM webhooks WHERE id = ? AND workspace_id = ?', [id, ctx.actor.workspaceId])) as { affectedRows: number };
      if (res.affectedRows !== 1) throw notFound(`id: no webhook with id ${id.slice(0, 40)}`);
      await uow.query('DELETE FROM webhook_deliveries WHERE workspace_id = ? AND webhook_id = ?', [ctx.actor.workspaceId, id]);
      return true;
    });
  }

  /** A page of a webhook's deliveries, newest first, optionally of one status. */
  async deliveries(
    ctx: RequestContext,
    webhookId: string,
    opts: { first: number; after?: string | null; status?: DeliveryStatus | null },
    q: QueryFn = this.live,
  ): Promise<{ items: WebhookDeliveryRecord[]; hasNextPage: boolean; endCursor: string | null }> {
    checkFirst(opts.first);
    const hook = await this.require(ctx, webhookId, 'webhookId', q);
    const where = ['workspace_id = ?', 'webhook_id = ?'];
    const params: unknown[] = [ctx.actor.workspaceId, hook.id];
    if (opts.after) {
      const [after] = decodeCursor(opts.after, 1);
      where.push('id < ?');
      params.push(String(after));
    }
    if (opts.status) { where.push('status = ?'); params.push(opts.status); }
    const rows = (await q(
      `SELECT id, webhook_id, segment_id, change_event_id, event_kind, trigger_kind, object_count, status, attempts, next_attempt_at, last_attempt_at, last_http_status, last_error, created_at, finished_at
       FROM webhook_deliveries WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`,
      [...params, opts.first + 1],
    )) as Array<Record<string, unknown>>;
    const items = rows.slice(0, opts.first).map(toDelivery);
    return { items, hasNextPage: rows.length > opts.first, endCursor: items.length ? encodeCursor([items[items.length - 1].id]) : null };
  }

  /** Makes the delivery's next attempt if one is due (what the delivery job runs). */
  deliver(deliveryId: string): Promise<DeliveryOutcome> {
    return this.deliverer.deliver(deliveryId);
  }

  /** Hands deliveries to the queue now; without a queue they wait for the overdue check. */
  async enqueue(deliveryIds: readonly string[]): Promise<void> {
    if (!this.queue) return;
    for (const id of deliveryIds) await this.queue.enqueue(id);
  }

  /** Ids of the change event's deliveries that were never attempted. */
  async pendingOf(changeEventId: string): Promise<string[]> {
    const rows = (await this.ds.query("SELECT id FROM webhook_deliveries WHERE change_event_id = ? AND status = 'PENDING' AND attempts = 0 ORDER BY id", [changeEventId])) as Array<{ id: string }>;
    return rows.map((r) => String(r.id));
  }

  /** The requested segments, in order and without repeats, locked against deletion until commit. */
  private async lockVisibleSegments(ctx: RequestContext, ids: readonly string[], q: QueryFn): Promise<string[]> {
    const wellFormed = unique(ids.filter(isWellFormedId));
    const v = visibleTo(ctx.actor);
    const rows = wellFormed.length
      ? ((await q(`SELECT s.id FROM segments s WHERE s.id IN (${marks(wellFormed)}) AND ${v.where} LOCK IN SHARE MODE`, [...wellFormed, ...v.params])) as Array<{ id: string }>)
      : [];
    const found = new Set(rows.map((r) => String(r.id)));
    ids.forEach((id, i) => {
      if (!found.has(id)) throw badInput(`input.segmentIds.${i}`, `no segment with id ${String(id).slice(0, 40)}`);
    });
    return unique(ids);
  }

  private async withSegments(ctx: RequestContext, rows: Array<Record<string, unknown>>, q: QueryFn): Promise<WebhookRecord[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => String(r.id));
    const v = visibleTo(ctx.actor);
    const links = (await q(
      `SELECT ws.webhook_id, ws.segment_id FROM webhook_segments ws JOIN segments s ON s.id = ws.segment_id
       WHERE ws.webhook_id IN (${marks(ids)}) AND ${v.where} ORDER BY ws.webhook_id, ws.segment_id`,
      [...ids, ...v.params],
    )) as Array<{ webhook_id: string; segment_id: string }>;
    const byHook = new Map<string, string[]>(ids.map((id) => [id, []]));
    for (const l of links) byHook.get(String(l.webhook_id))?.push(String(l.segment_id));
    return rows.map((r) => ({
      id: String(r.id),
      url: String(r.url),
      segmentIds: byHook.get(String(r.id)) ?? [],
      events: String(r.events).split(',').filter(Boolean) as WebhookEvent[],
      createdBy: r.created_by == null ? null : String(r.created_by),
      createdAt: r.created_at as Date,
    }));
  }
}

/**
 * Records deliveries for each claimed change: one row per webhook of the workspace that follows
 * the segment and the kind (ENTERED/EXITED), for each non-empty side, in one INSERT … SELECT in
 * the claiming transaction. After commit it hands the new rows to the job system.
 */
export class WebhookSink implements ChangeEventSink {
  /** Deliveries recorded per claimed event, until its commit; weak so a rollback leaks nothing. */
  private readonly recorded = new WeakMap<ChangeEvent, string[]>();

  constructor(private readonly webhooks: WebhookService) {}

  async onClaimed(q: QueryFn, event: ChangeEvent): Promise<void> {
    if (event.enteredCount === 0 && event.exitedCount === 0) return;
    const now = new Date();
    const res = (await q(
      `INSERT INTO webhook_deliveries (workspace_id, webhook_id, segment_id, change_event_id, event_kind, object_type, trigger_kind, object_count, object_ids, event_at, status, attempts, next_attempt_at, created_at)
       SELECT w.workspace_id, w.id, ws.segment_id, ?, k.kind, ?, ?, k.n, k.ids, ?, 'PENDING', 0, ?, ?
       FROM webhook_segments ws
       JOIN webhooks w ON w.id = ws.webhook_id
       JOIN (SELECT 'ENTERED' AS kind, ? AS n, ? AS ids UNION ALL SELECT 'EXITED', ?, ?) k ON k.n > 0 AND FIND_IN_SET(k.kind, w.events) > 0
       WHERE ws.segment_id = ? AND w.workspace_id = ?`,
      [
        event.id, OBJECT_TYPE_CODE[event.objectType], event.trigger, event.at, now, now,
        event.enteredCount, JSON.stringify(event.enteredIds), event.exitedCount, JSON.stringify(event.exitedIds),
        event.segmentId, event.workspaceId,
      ],
    )) as { affectedRows: number };
    const ids = res.affectedRows > 0
      ? ((await q('SELECT id FROM webhook_deliveries WHERE change_event_id = ? ORDER BY id', [event.id])) as Array<{ id: string }>).map((r) => String(r.id))
      : [];
    this.recorded.set(event, ids);
  }

  async afterCommit(event: ChangeEvent): Promise<void> {
    let ids = this.recorded.get(event);
    this.recorded.delete(event);
    // Handed a copy of the event (not the one seen in onClaimed): look the rows up instead.
    if (!ids && (event.enteredCount > 0 || event.exitedCount > 0)) ids = await this.webhooks.pendingOf(event.id);
    if (ids?.length) await this.webhooks.enqueue(ids);
  }
}

function checkUrl(value: string): string {
  if (value.length > MAX_URL_LENGTH) throw badInput('input.url', `must be at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badInput('input.url', 'is not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badInput('input.url', `must be http or https, got ${url.protocol.slice(0, 20)}`);
  if (url.username || url.password) throw badInput('input.url', 'must not contain a user name or password');
  const href = url.toString();
  if (href.length > MAX_URL_LENGTH) throw badInput('input.url', `must be at most ${MAX_URL_LENGTH} characters`);
  return href;
}

function toDelivery(r: Record<string, unknown>): WebhookDeliveryRecord {
  return {
    id: String(r.id),
    webhookId: String(r.webhook_id),
    segmentId: String(r.segment_id),
    changeEventId: String(r.change_event_id),
    event: r.event_kind as WebhookEvent,
    trigger: r.trigger_kind as SyncTrigger,
    count: Number(r.object_count),
    status: r.status as DeliveryStatus,
    attempts: Number(r.attempts),
    nextAttemptAt: (r.next_attempt_at as Date | null) ?? null,
    lastAttemptAt: (r.last_attempt_at as Date | null) ?? null,
    lastHttpStatus: r.last_http_status == null ? null : Number(r.last_http_status),
    lastError: (r.last_error as string | null) ?? null,
    createdAt: r.created_at as Date,
    finishedAt: (r.finished_at as Date | null) ?? null,
  };
}
