/** Segments, their cached results, sync runs, previews, explanations and live updates. */
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { MembershipChangeKindEnum, ObjectTypeEnum, SyncRunStatusEnum, SyncStatusEnum, SyncTriggerEnum } from '../enums';
import { DateTimeScalar, JSONScalar } from '../scalars';
import { FilterInput } from './filter-inputs';
import { Agent } from './misc';
import { CrmObject, PageInfo } from './objects';
import type { ObjectType as CoreObjectType } from '../../core/object-types';

import type { SyncTrigger } from '../../services/segment-types';

@ObjectType('Segment', { description: 'A saved filter over one object type, with its cached results.' })
export class Segment {
  @Field(() => ID, { description: 'Id.' }) id!: string;
  @Field(() => ObjectTypeEnum, { description: 'Type of the members.' }) objectType!: CoreObjectType;
  @Field(() => String, { description: 'Name.' }) name!: string;
  @Field(() => String, { nullable: true, description: 'Description.' }) description!: string | null;
  @Field(() => JSONScalar, { description: 'The stored filter tree, in the shape of FilterInput.' }) filter!: unknown;
  @Field(() => Int, { description: 'Minutes between scheduled syncs (5 to 10,080).' }) syncIntervalMinutes!: number;
  @Field(() => Boolean, { description: 'Whether writes re-evaluate the touched objects at once.' }) realtime!: boolean;
  @Field(() => Boolean, { description: 'Whether scheduled syncs are paused.' }) paused!: boolean;
  @Field(() => Int, { description: 'Size of the cached results.' }) count!: number;
  @Field(() => DateTimeScalar, { nullable: true, description: 'When the last successful sync finished.' }) lastSyncedAt!: Date | null;
  @Field(() => DateTimeScalar, { nullable: true, description: 'When the next scheduled sync is due (null while paused).' }) nextSyncAt!: Date | null;
  @Field(() => SyncStatusEnum, { description: 'Where the segment stands in its sync cycle.' }) syncStatus!: string;
  @Field(() => String, { nullable: true, description: 'Error of the last failed sync, if the last sync failed.' }) lastError!: string | null;
  @Field(() => [ID], { description: 'Agents the segment is hidden from.' }) hiddenFromAgentIds!: string[];
  @Field(() => Agent, { nullable: true, description: 'Who created it.' }) createdBy!: Agent | null;
  @Field(() => DateTimeScalar, { description: 'When it was created.' }) createdAt!: Date;
  @Field(() => DateTimeScalar, { description: 'When it was last changed.' }) updatedAt!: Date;
}

@ObjectType('SegmentMemberEdge', { description: 'One member of the cached results.' })
export class SegmentMemberEdge {
  @Field(() => String, { description: 'Opaque cursor.' }) cursor!: string;
  @Field(() => DateTimeScalar, { description: 'When the object entered the cached results.' }) joinedAt!: Date;
  @Field(() => CrmObject, { description: 'The member.' }) node!: CrmObject;
}

@ObjectType('SegmentMemberConnection', { description: 'A page of the cached results, oldest member first.' })
export class SegmentMemberConnection {
  @Field(() => Int, { description: 'Size of the cached results.' }) totalCount!: number;
  @Field(() => [SegmentMemberEdge], { description: 'Members of this page.' }) edges!: SegmentMemberEdge[];
  @Field(() => PageInfo, { description: 'Paging information.' }) pageInfo!: PageInfo;
}

@ObjectType('SegmentSyncRun', { description: 'One sync of a segment.' })
export class SegmentSyncRun {
  @Field(() => ID, { description: 'Id.' }) id!: string;
  @Field(() => ID, { description: 'The segment.' }) segmentId!: string;
  @Field(() => SyncTriggerEnum, { description: 'What started it.' }) trigger!: SyncTrigger;
  @Field(() => SyncRunStatusEnum, { description: 'Outcome.' }) status!: string;
  @Field(() => DateTimeScalar, { description: 'Start.' }) startedAt!: Date;
  @Field(() => DateTimeScalar, { nullable: true, description: 'End.' }) finishedAt!: Date | null;
  @Field(() => Int, { nullable: true, description: 'Duration in milliseconds.' }) durationMs!: number | null;
  @Field(() => Int, { nullable: true, description: 'Size of the results after the run.' }) count!: number | null;
  @Field(() => Int, { nullable: true, description: 'Objects that entered.' }) entered!: number | null;
  @Field(() => Int, { nullable: true, description: 'Objects that left.' }) exited!: number | null;
  @Field(() => String, { nullable: true, description: 'Why it failed.' }) error!: string | null;
}

@ObjectType('SegmentPreview', { description: 'What a filter selects now, without saving it.' })
export class SegmentPreview {
  @Field(() => Int, { description: 'How many objects match.' }) count!: number;
  @Field(() => [CrmObject], { description: 'Some of them, newest first.' }) sample!: CrmObject[];
}

@ObjectType('ConditionExplanation', { description: 'How one node of a filter evaluated for one object.' })
export class ConditionExplanation {
  @Field(() => String, { description: 'Path of the node in the filter tree, e.g. and.1.or.0' }) path!: string;
  @Field(() => String, { description: 'Kind of node (and, attribute, event…).' }) kind!: string;
  @Field(() => Boolean, { description: 'Whether it held.' }) result!: boolean;
  @Field(() => JSONScalar, { nullable: true, description: "What the object's data was for this node (the attribute value, the event aggregate...)." }) actual!: unknown;
}

@ObjectType('MembershipExplanation', { description: 'Why an object is or is not in a segment.' })
export class MembershipExplanation {
  @Field(() => ID, { description: 'The segment.' }) segmentId!: string;
  @Field(() => ID, { description: 'The object.' }) objectId!: string;
  @Field(() => Boolean, { description: 'Whether the filter matches the object now.' }) matchesNow!: boolean;
  @Field(() => Boolean, { description: 'Whether the object is in the cached results.' }) inCachedResults!: boolean;
  @Field(() => [ConditionExplanation], { description: 'Every node of the filter, in tree order.' }) conditions!: ConditionExplanation[];
}

@InputType('CreateSegmentInput', { description: 'A new segment; it is synced at once.' })
export class CreateSegmentInput {
  @Field(() => ObjectTypeEnum, { description: 'Type of the members.' }) objectType!: CoreObjectType;
  @Field(() => String, { description: 'Name.' }) name!: string;
  @Field(() => String, { nullable: true, description: 'Description.' }) description?: string | null;
  @Field(() => FilterInput, { description: 'The filter.' }) filter!: FilterInput;
  @Field(() => Int, { nullable: true, defaultValue: 240, description: 'Minutes between scheduled syncs (5 to 10,080).' }) syncIntervalMinutes?: number | null;
  @Field(() => Boolean, { nullable: true, defaultValue: true, description: 'Re-evaluate touched objects on every write.' }) realtime?: boolean | null;
  @Field(() => [ID], { nullable: true, description: 'Agents the segment is hidden from.' }) hiddenFromAgentIds?: string[] | null;
}

@InputType('UpdateSegmentInput', { description: 'Changes to a segment; a new filter is synced at once.' })
export class UpdateSegmentInput {
  @Field(() => String, { nullable: true, description: 'Name.' }) name?: string | null;
  @Field(() => String, { nullable: true, description: 'Description.' }) description?: string | null;
  @Field(() => FilterInput, { nullable: true, description: 'The filter.' }) filter?: FilterInput | null;
  @Field(() => Int, { nullable: true, description: 'Minutes between scheduled syncs.' }) syncIntervalMinutes?: number | null;
  @Field(() => Boolean, { nullable: true, description: 'Real-time re-evaluation.' }) realtime?: boolean | null;
  @Field(() => Boolean, { nullable: true, description: 'Pause (true) or resume (false) scheduled syncs.' }) paused?: boolean | null;
  @Field(() => [ID], { nullable: true, description: 'Agents the segment is hidden from.' }) hiddenFromAgentIds?: string[] | null;
}

@ObjectType('SegmentCountUpdate', { description: "A change of a segment's count." })
export class SegmentCountUpdate {
  @Field(() => ID, { description: 'The segment.' }) segmentId!: string;
  @Field(() => ObjectTypeEnum, { description: 'Its object type.' }) objectType!: CoreObjectType;
  @Field(() => Int, { description: 'New count.' }) count!: number;
  @Field(() => Int, { description: 'Count before.' }) previousCount!: number;
  @Field(() => SyncTriggerEnum, { description: 'What changed it.' }) trigger!: SyncTrigger;
  @Field(() => DateTimeScalar, { description: 'When.' }) at!: Date;
}

@ObjectType('SegmentMembershipChange', { description: 'Who entered and left a segment in one sync or real-time change.' })
export class SegmentMembershipChange {
  @Field(() => ID, { description: 'The segment.' }) segmentId!: string;
  @Field(() => SyncTriggerEnum, { description: 'What changed it.' }) trigger!: SyncTrigger;
  @Field(() => Int, { description: 'How many entered.' }) enteredCount!: number;
  @Field(() => Int, { description: 'How many left.' }) exitedCount!: number;
  @Field(() => [ID], { description: 'At most the first 1000 ids of each side.' }) enteredIds!: string[];
  @Field(() => [ID], { description: 'At most the first 1000 ids of each side.' }) exitedIds!: string[];
  @Field(() => DateTimeScalar, { description: 'When.' }) at!: Date;
}

@ObjectType('SegmentChangePreview', { description: 'What saving a new filter would do to the cached results (nothing is saved).' })
export class SegmentChangePreview {
  @Field(() => Int, { description: 'How many objects the new filter selects.' }) count!: number;
  @Field(() => Int, { description: 'How many would enter.' }) enteringCount!: number;
  @Field(() => Int, { description: 'How many would leave.' }) exitingCount!: number;
  @Field(() => [CrmObject], { description: 'Some of those who would enter.' }) entering!: CrmObject[];
  @Field(() => [CrmObject], { description: 'Some of those who would leave.' }) exiting!: CrmObject[];
}

@ObjectType('MembershipHistoryEntry', { description: 'One entry into or exit from the cached results.' })
export class MembershipHistoryEntry {
  @Field(() => ID, { description: 'Id of the entry.' }) id!: string;
  @Field(() => ID, { description: 'The segment.' }) segmentId!: string;
  @Field(() => ID, { description: 'The object.' }) objectId!: string;
  @Field(() => MembershipChangeKindEnum, { description: 'Whether it entered or left.' }) change!: 'ENTERED' | 'EXITED';
  @Field(() => SyncTriggerEnum, { description: 'What caused it.' }) trigger!: SyncTrigger;
  @Field(() => ID, { nullable: true, description: 'The sync run that made the change, if any.' }) runId!: string | null;
  @Field(() => DateTimeScalar, { description: 'When.' }) at!: Date;
}

@ObjectType('MembershipHistoryEdge', { description: 'One history entry of a page.' })
export class MembershipHistoryEdge {
  @Field(() => String, { description: 'Opaque cursor.' }) cursor!: string;
  @Field(() => MembershipHistoryEntry, { description: 'The entry.' }) node!: MembershipHistoryEntry;
}

@ObjectType('MembershipHistoryConnection', { description: 'Membership history, newest first.' })
export class MembershipHistoryConnection {
  @Field(() => [MembershipHistoryEdge], { description: 'Entries of this page.' }) edges!: MembershipHistoryEdge[];
  @Field(() => PageInfo, { description: 'Paging information.' }) pageInfo!: PageInfo;
}
