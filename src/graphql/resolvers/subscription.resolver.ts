/** Live segment counts and membership changes over graphql-ws (published by the live module). */
import { Arg, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { ObjectType as CoreObjectType } from '../../core/object-types';
import { ObjectTypeEnum } from '../enums';
import { SegmentCountUpdate, SegmentMembershipChange } from '../types/segments';

export const TOPIC_COUNT = 'SEGMENT_COUNT';
export const TOPIC_MEMBERSHIP = 'SEGMENT_MEMBERSHIP';

@Resolver()
export class SubscriptionResolver {
  @Subscription(() => SegmentCountUpdate, { topics: TOPIC_COUNT, description: "Live counts: every change of a visible segment's count, optionally narrowed." })
  segmentCountChanged(
    @Root() update: SegmentCountUpdate,
    @Arg('objectType', () => ObjectTypeEnum, { nullable: true, description: 'Only segments of this type.' }) _objectType: CoreObjectType | null,
    @Arg('segmentIds', () => [ID], { nullable: true, description: 'Only these segments.' }) _segmentIds: string[] | null,
  ): SegmentCountUpdate {
    return update;
  }

  @Subscription(() => SegmentMembershipChange, { topics: TOPIC_MEMBERSHIP, description: 'Each sync or real-time change of one segment.' })
  segmentMembershipChanged(@Root() change: SegmentMembershipChange, @Arg('segmentId', () => ID, { description: 'The segment.' }) _segmentId: string): SegmentMembershipChange {
    return change;
  }
}
