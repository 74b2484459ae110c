/**
 * Event ingestion: up to 10,000 events a call, all or nothing, idempotent by messageId.
 * Users named only by an unknown externalId are created (as tracking libraries expect);
 * an unknown userId, productId or productExternalId is BAD_USER_INPUT.
 */
import { DataSource } from 'typeorm';
import { badInput } from '../core/errors';
import { checkText, describe, MAX_EXTERNAL_ID } from '../core/values';
import { IdBlock } from '../db/id-sequence';
import { insertEventNumbers } from '../db/event-numbers';
import { findKeys, isWellFormedId } from '../db/object-store';
import { inTransaction, UnitOfWork } from '../db/unit-of-work';
import type { ChangeFeed, ObjectChange } from './change-feed';
import type { RequestContext } from './context';
import { unique } from '../db/sql-helpers';

export const MAX_EVENT_BATCH = 10_000;
const MAX_PROPERTIES_BYTES = 32_768;
const INSERT_CHUNK = 2_000;

export interface EventInput {
  userId?: string | null;
  userExternalId?: string | null;
  productId?: string | null;
  productExternalId?: string | null;
  name: string;
  occurredAt?: Date | null;
  properties?: unknown;
  messageId?: string | null;
}

interface CheckedEvent {
  readonly index: number;
  readonly userId?: string;
  readonly userExternalId?: string;
  readonly productId?: string;
  readonly productExternalId?: string;
  readonly name: string;
  readonly occurredAt: Date;
  readonly properties: string;
  readonly messageId: string | null;
}

export class EventService {
  constructor(private readonly ds: DataSource, private readonly changes: ChangeFeed) {}

  /** Stores the events; returns how many were new and how many were repeats of a messageId. */
  async track(ctx: RequestContext, inputs: readonly EventInput[]): Promise<{ accepted: number; duplicates: number }> {
    if (inputs.length > MAX_EVENT_BATCH) throw badInput('input', `at most ${MAX_EVENT_BATCH} events per call, got ${inputs.length}`);
    if (inputs.length === 0) return { accepted: 0, duplicates: 0 };
    const now = new Date();
    const events = inputs.map((e, i) => checkEvent(e, i, now));
    const ws = ctx.actor.workspaceId;
    const newUserIds = await IdBlock.allocate(this.ds, 'users', await this.likelyNewUsers(ws, events));
    return inTransaction(
      this.ds,
      async (uow) => {
        const users = await this.resolveUsers(uow, ws, events, newUserIds);
        const products = await this.resolveProducts(uow, ws, events);
        let accepted = 0;
        let firstId: string | null = null;
        for (let start = 0; start < events.length; start += INSERT_CHUNK) {
          const chunk = events.slice(start, start + INSERT_CHUNK);
          const params: unknown[] = [];
          for (const e of chunk) {
            const userId = e.userId ?? users.get(e.userExternalId!)!;
            const productId = e.productId ?? (e.productExternalId ? products.get(e.productExternalId)! : null);
            params.push(ws, userId, productId, e.name, e.occurredAt, e.properties, e.messageId, now);
          }
          // INSERT IGNORE skips rows whose (workspace_id, message_id) exists: the idempotency key.
          const result = (await uow.query(
            `INSERT IGNORE INTO events (workspace_id, user_id, product_id, name, occurred_at, properties, message_id, created_at) VALUES ${chunk
              .map(() => '(?, ?, ?, ?, ?, ?, ?, ?)')
              .join(', ')}`,
            params,
          )) as { affectedRows: number; insertId: number | string };
          accepted += result.affectedRows;
          // insertId: the first id this INSERT generated for a row it kept (ids only grow).
          if (result.affectedRows > 0 && firstId === null) firstId = String(result.insertId);
        }
        // The numeric properties of the events just inserted (not of repeated messageIds), in the same transaction.
        if (firstId !== null) await insertEventNumbers((s, p) => uow.query(s, p), { workspaceId: ws, fromEventId: firstId, createdAt: now });
        // One change per event name: real time then re-evaluates a segment only for the objects
        // that got events of a name it reads, and bounds their moments by those events' times.
        const changes = [...groupBy(events, (e) => e.name)].flatMap(([name, named]): ObjectChange[] => {
          const times = named.map((e) => e.occurredAt.getTime());
          const common = { workspaceId: ws, cause: 'event' as const, eventNames: [name], eventTimes: { from: new Date(Math.min(...times)), to: new Date(Math.max(...times)) } };
          return [
            { ...common, objectType: 'USER', ids: unique(named.map((e) => e.userId ?? users.get(e.userExternalId!)!)) },
            { ...common, objectType: 'PRODUCT', ids: unique(named.flatMap((e) => (e.productId ? [e.productId] : e.productExternalId ? [products.get(e.productExternalId)!] : []))) },
          ];
        });
        uow.afterCommit(() => changes.forEach((c) => this.changes.publish(c)));
        return { accepted, duplicates: events.length - accepted };
      },
      // READ COMMITTED: the event_numbers INSERT … SELECT then reads the new events without
      // locking the end of the events table (see insertEventNumbers).
      { retryOnDuplicate: true, isolation: 'READ COMMITTED' },
    );
  }

  /**
   * Users named only by an unknown external id, counted before the transaction (their ids are
   * allocated outside it). Unknown userIds and products are refused here already, on plain
   * reads, so that a refused batch writes nothing, not even an id block; the transaction
   * checks them again under its locks.
   */
  private async likelyNewUsers(ws: string, events: readonly CheckedEvent[]): Promise<number> {
    const reads: UnitOfWork = { manager: this.ds.manager, afterCommit: () => undefined, query: (s, p) => this.ds.query(s, p as unknown[]) };
    const ids = unique(events.flatMap((e) => (e.userId ? [e.userId] : [])));
    const exts = unique(events.flatMap((e) => (e.userExternalId && !e.userId ? [e.userExternalId] : [])));
    const found = await findKeys(reads.query, 'USER', ws, ids, exts);
    checkUserIds(events, new Set(found.map((f) => f.id)));
    await this.resolveProducts(reads, ws, events);
    const foundExts = new Set(found.map((f) => f.externalId));
    return exts.filter((x) => !foundExts.has(x)).length;
  }

  /** Maps every userExternalId to an id, creating the users that do not exist yet; checks userIds. */
  private async resolveUsers(uow: UnitOfWork, ws: string, events: readonly CheckedEvent[], newIds: IdBlock): Promise<Map<string, string>> {
    const ids = unique(events.flatMap((e) => (e.userId ? [e.userId] : [])));
    const exts = unique(events.flatMap((e) => (e.userExternalId && !e.userId ? [e.userExternalId] : [])));
    const found = await findKeys((s, p) => uow.query(s, p), 'USER', ws, ids, exts);
    const foundIds = new Set(found.map((f) => f.id));
    const byExt = new Map(found.filter((f) => f.externalId != null).map((f) => [f.externalId!, f.id]));
    checkUserIds(events, foundIds);
    const missing = exts.filter((x) => !byExt.has(x));
    if (missing.length) {
      const ids = await newIds.take(missing.length, (s, p) => uow.query(s, p));
      const now = new Date();
      const params: unknown[] = [];
      for (const [i, ext] of missing.entries()) {
        const id = ids[i];
        byExt.set(ext, id);
        params.push(id, ws, ext, '{}', now, now);
      }
      await uow.query(
        `INSERT INTO users (id, workspace_id, external_id, attributes, created_at, updated_at) VALUES ${missing.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
        params,
      );
      const created = missing.map((x) => byExt.get(x)!);
      uow.afterCommit(() => this.changes.publish({ workspaceId: ws, objectType: 'USER', ids: created, cause: 'upsert' }));
    }
    return byExt;
  }

  private async resolveProducts(uow: UnitOfWork, ws: string, events: readonly CheckedEvent[]): Promise<Map<string, string>> {
    const ids = unique(events.flatMap((e) => (e.productId ? [e.productId] : [])));
    const exts = unique(events.flatMap((e) => (e.productExternalId && !e.productId ? [e.productExternalId] : [])));
    const found = await findKeys((s, p) => uow.query(s, p), 'PRODUCT', ws, ids, exts);
    const foundIds = new Set(found.map((f) => f.id));
    const byExt = new Map(found.filter((f) => f.externalId != null).map((f) => [f.externalId!, f.id]));
    for (const e of events) {
      if (e.productId && !foundIds.has(e.productId)) throw badInput(`input.${e.index}.productId`, `no PRODUCT with id ${e.productId}`);
      if (e.productExternalId && !e.productId && !byExt.has(e.productExternalId)) {
        throw badInput(`input.${e.index}.productExternalId`, `no PRODUCT with externalId ${e.productExternalId}`);
      }
    }
    return byExt;
  }
}

function checkUserIds(events: readonly CheckedEvent[], found: ReadonlySet<string>): void {
  for (const e of events) if (e.userId && !found.has(e.userId)) throw badInput(`input.${e.index}.userId`, `no USER with id ${e.userId}`);
}

function checkEvent(e: EventInput, index: number, now: Date): CheckedEvent {
  const path = (k: string) => `input.${index}.${k}`;
  const name = checkText(e.name.trim(), path('name'), 255);
  if (name === '') throw badInput(path('name'), 'must not be empty');
  const userId = e.userId ?? undefined;
  const userExternalId = e.userExternalId == null ? undefined : checkText(e.userExternalId, path('userExternalId'), MAX_EXTERNAL_ID);
  if (!userId && !userExternalId) throw badInput(path('userId'), 'an event needs userId or userExternalId');
  if (userId && !isWellFormedId(userId)) throw badInput(path('userId'), `no USER with id ${userId.slice(0, 40)}`);
  const productId = e.productId ?? undefined;
  if (productId && !isWellFormedId(productId)) throw badInput(path('productId'), `no PRODUCT with id ${productId.slice(0, 40)}`);
  const productExternalId = e.productExternalId == null ? undefined : checkText(e.productExternalId, path('productExternalId'), MAX_EXTERNAL_ID);
  let properties = '{}';
  if (e.properties != null) {
    if (typeof e.properties !== 'object' || Array.isArray(e.properties)) throw badInput(path('properties'), `must be a JSON object, got ${describe(e.properties)}`);
    properties = JSON.stringify(e.properties);
    if (Buffer.byteLength(properties) > MAX_PROPERTIES_BYTES) throw badInput(path('properties'), `must be at most ${MAX_PROPERTIES_BYTES} bytes of JSON`);
  }
  const messageId = e.messageId == null ? null : checkText(e.messageId, path('messageId'), 255);
  if (messageId === '') throw badInput(path('messageId'), 'must not be empty');
  return { index, userId, userExternalId, productId, productExternalId, name, occurredAt: e.occurredAt ?? now, properties, messageId };
}

/** The items by key, in the order of their first appearance. */
function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
