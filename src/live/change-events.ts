/** Outbox rows of membership changes, and what listens to them. */
import type { ObjectType } from '../core/object-types';
import type { SyncTrigger } from '../services/segment-types';
import type { QueryFn } from '../db/read-snapshot';

export interface ChangeEvent {
  readonly id: string;
  readonly workspaceId: string;
  readonly segmentId: string;
  readonly objectType: ObjectType;
  readonly trigger: SyncTrigger;
  readonly previousCount: number;
  readonly count: number;
  readonly enteredCount: number;
  readonly exitedCount: number;
  /** At most the first 1,000 ids of each side. */
  readonly enteredIds: readonly string[];
  readonly exitedIds: readonly string[];
  readonly at: Date;
}

/**
 * Something that must happen exactly once per committed change (e.g. recording webhook
 * deliveries): `onClaimed` runs inside the transaction that claims the outbox row, so it commits
 * with the claim or not at all; `afterCommit` runs once the claim is committed.
 */
export interface ChangeEventSink {
  onClaimed(q: QueryFn, event: ChangeEvent): Promise<void>;
  afterCommit?(event: ChangeEvent): Promise<void>;
}
