/**
 * Object changes, announced after their transaction commits. Ingestion publishes here; the
 * real-time re-evaluation (a later capability) subscribes. Kept as a tiny interface so that the
 * writers do not know who listens.
 */
import type { ObjectType } from '../core/object-types';

export interface ObjectChange {
  readonly workspaceId: string;
  readonly objectType: ObjectType;
  readonly ids: readonly string[];
  /** What kind of write touched them. */
  readonly cause: 'upsert' | 'event' | 'tag' | 'list' | 'delete';
  /** For `event`: the names of the events written (real time then skips segments that read none of them). */
  readonly eventNames?: readonly string[];
  /**
   * For `event`: the earliest and latest `occurredAt` of the events written (real time then
   * bounds the objects' next time-relative moments instead of recomputing them; see
   * core/filter/moments.ts `momentAfterEvents`).
   */
  readonly eventTimes?: { readonly from: Date; readonly to: Date };
}

export type ChangeListener = (change: ObjectChange) => void;

export class ChangeFeed {
  private readonly listeners = new Set<ChangeListener>();

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(change: ObjectChange): void {
    if (change.ids.length === 0) return;
    for (const l of this.listeners) l(change);
  }
}
