/** Segment records as the services hand them out. */
import type { ObjectType } from '../core/object-types';

export type SyncTrigger = 'SCHEDULE' | 'MANUAL' | 'DEFINITION_CHANGED' | 'REALTIME' | 'DEPENDENCY' | 'TIME';
export type SyncStatus = 'NEVER_SYNCED' | 'QUEUED' | 'RUNNING' | 'IDLE' | 'FAILED';

export interface SegmentRecord {
  readonly id: string;
  readonly workspaceId: string;
  readonly objectType: ObjectType;
  readonly name: string;
  readonly description: string | null;
  /** The stored filter, in the shape of FilterInput. */
  readonly filter: unknown;
  readonly syncIntervalMinutes: number;
  readonly realtime: boolean;
  readonly paused: boolean;
  readonly count: number;
  readonly syncStatus: SyncStatus;
  readonly lastSyncedAt: Date | null;
  readonly nextSyncAt: Date | null;
  readonly lastError: string | null;
  readonly createdBy: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly hiddenFromAgentIds: readonly string[];
}

export interface SyncRunRecord {
  readonly id: string;
  readonly segmentId: string;
  readonly trigger: SyncTrigger;
  readonly status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  readonly durationMs: number | null;
  readonly count: number | null;
  readonly entered: number | null;
  readonly exited: number | null;
  readonly error: string | null;
}

/** What one committed sync or real-time update changed in a segment's cached results. */
export interface MembershipDelta {
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
