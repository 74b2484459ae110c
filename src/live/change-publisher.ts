/**
 * The one publish point. Each committed membership change has an outbox row; whichever process
 * claims it (an atomic UPDATE of `published_at`) runs the sinks in the claiming transaction and,
 * after commit, broadcasts it once. The process that made the change claims it right after its
 * commit; a sweeper in every process claims rows left unclaimed (their maker died) after a grace.
 * Payloads are built once per event; subscribers only filter them.
 */
import { DataSource } from 'typeorm';
import type { PubSub } from 'type-graphql';
import { parseJson } from '../db/object-store';
import { codeToType } from '../services/list.service';
import type { SyncTrigger } from '../services/segment-types';
import type { Logger } from '../logger';
import type { ChangeEvent, ChangeEventSink } from './change-events';
import { TOPIC_COUNT, TOPIC_MEMBERSHIP } from './topics';

/** What subscribers receive: the contract's fields plus who may see it. */
export interface Broadcast {
  readonly workspaceId: string;
  readonly hiddenFrom: readonly string[];
  readonly eventId: string;
}

export class ChangePublisher {
  private readonly sinks: ChangeEventSink[] = [];
  private timer: NodeJS.Timeout | null = null;
  private sweeping = false;

  constructor(private readonly ds: DataSource, private readonly pubSub: PubSub, private readonly logger: Logger) {}

  addSink(sink: ChangeEventSink): void {
    this.sinks.push(sink);
  }

  /** Claims and publishes one event; false when another process already did. */
  async publish(eventId: string): Promise<boolean> {
    const claimed = await this.ds.transaction('READ COMMITTED', async (m) => {
      const res = (await m.query('UPDATE segment_change_events SET published_at = NOW(3) WHERE id = ? AND published_at IS NULL', [eventId])) as { affectedRows: number };
      if (res.affectedRows !== 1) return null;
      const [row] = (await m.query('SELECT * FROM segment_change_events WHERE id = ?', [eventId])) as Array<Record<string, unknown>>;
      const event = toEvent(row);
      for (const sink of this.sinks) await sink.onClaimed((sql, params) => m.query(sql, params), event);
      return event;
    });
    if (!claimed) return false;
    await this.broadcast(claimed);
    for (const sink of this.sinks) await sink.afterCommit?.(claimed).catch((error: unknown) => this.logger.error({ err: error, eventId }, 'change sink failed after commit'));
    return true;
  }

  /** Publishes rows nobody claimed within `graceMs` (their process died after commit). */
  async sweep(graceMs = 2_000): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = true;
    try {
      const rows = (await this.ds.query('SELECT id FROM segment_change_events WHERE published_at IS NULL AND at < ? ORDER BY id LIMIT 500', [new Date(Date.now() - graceMs)])) as Array<{ id: string }>;
      let n = 0;
      for (const r of rows) if (await this.publish(String(r.id))) n++;
      return n;
    } finally {
      this.sweeping = false;
    }
  }

  start(intervalMs = 1_000): void {
    this.timer ??= setInterval(() => void this.sweep().catch((error: unknown) => this.logger.warn({ err: error }, 'outbox sweep failed')), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async broadcast(event: ChangeEvent): Promise<void> {
    const hidden = (await this.ds.query('SELECT agent_id FROM segment_hidden_agents WHERE segment_id = ?', [event.segmentId])) as Array<{ agent_id: string }>;
    const common: Broadcast = { workspaceId: event.workspaceId, hiddenFrom: hidden.map((h) => String(h.agent_id)), eventId: event.id };
    if (event.count !== event.previousCount) {
      this.pubSub.publish(TOPIC_COUNT, { ...common, segmentId: event.segmentId, objectType: event.objectType, count: event.count, previousCount: event.previousCount, trigger: event.trigger, at: event.at });
    }
    this.pubSub.publish(TOPIC_MEMBERSHIP, {
      ...common, segmentId: event.segmentId, trigger: event.trigger, enteredCount: event.enteredCount, exitedCount: event.exitedCount,
      enteredIds: event.enteredIds, exitedIds: event.exitedIds, at: event.at,
    });
  }
}

export function toEvent(row: Record<string, unknown>): ChangeEvent {
  const ids = (v: unknown) => (parseJson(v) as unknown as unknown[]).map(String);
  return {
    id: String(row.id),
    workspaceId: String(row.workspace_id),
    segmentId: String(row.segment_id),
    objectType: codeToType(Number(row.object_type)),
    trigger: row.trigger_kind as SyncTrigger,
    previousCount: Number(row.previous_count),
    count: Number(row.member_count),
    enteredCount: Number(row.entered_count),
    exitedCount: Number(row.exited_count),
    enteredIds: ids(row.entered_ids),
    exitedIds: ids(row.exited_ids),
    at: row.at as Date,
  };
}
