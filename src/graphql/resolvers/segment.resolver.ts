/**
 * Segments are declared in the schema (the contract) but not served yet: every segment
 * operation answers with a clear error until the segment module lands.
 */
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { DomainError } from '../../core/errors';
import type { ObjectType as CoreObjectType } from '../../core/object-types';
import { GraphQLContext, requireRequest } from '../context';
import { ObjectTypeEnum } from '../enums';
import {
  CreateSegmentInput, MembershipExplanation, Segment, SegmentCountUpdate, SegmentMemberConnection, SegmentMembershipChange, SegmentSyncRun, UpdateSegmentInput,
} from '../types/segments';

function unavailable(ctx: GraphQLContext): never {
  requireRequest(ctx);
  throw new DomainError('BAD_USER_INPUT', 'segments are not available in this version of the service yet');
}

@Resolver(() => Segment)
export class SegmentResolver {
  @Query(() => [Segment], { description: 'Segments visible to the agent, optionally of one object type.' })
  segments(@Arg('objectType', () => ObjectTypeEnum, { nullable: true, description: 'Only this type.' }) _t: CoreObjectType | null, @Ctx() ctx: GraphQLContext): Segment[] {
    return unavailable(ctx);
  }

  @Query(() => Segment, { nullable: true, description: 'One segment; null when it does not exist or is hidden from the agent.' })
  segment(@Arg('id', () => ID, { description: 'The segment.' }) _id: string, @Ctx() ctx: GraphQLContext): Segment | null {
    return unavailable(ctx);
  }

  @Query(() => MembershipExplanation, { description: "Evaluates each node of a segment's filter for one object, now." })
  explainMembership(@Arg('segmentId', () => ID, { description: 'The segment.' }) _s: string, @Arg('objectId', () => ID, { description: 'The object.' }) _o: string, @Ctx() ctx: GraphQLContext): MembershipExplanation {
    return unavailable(ctx);
  }

  @Mutation(() => Segment, { description: 'Creates a segment and syncs it at once.' })
  createSegment(@Arg('input', () => CreateSegmentInput, { description: 'The segment.' }) _i: CreateSegmentInput, @Ctx() ctx: GraphQLContext): Segment {
    return unavailable(ctx);
  }

  @Mutation(() => Segment, { description: 'Changes a segment; a new filter is synced at once.' })
  updateSegment(@Arg('id', () => ID, { description: 'The segment.' }) _id: string, @Arg('input', () => UpdateSegmentInput, { description: 'The changes.' }) _i: UpdateSegmentInput, @Ctx() ctx: GraphQLContext): Segment {
    return unavailable(ctx);
  }

  @Mutation(() => Boolean, { description: 'Deletes a segment that no other segment uses.' })
  deleteSegment(@Arg('id', () => ID, { description: 'The segment.' }) _id: string, @Ctx() ctx: GraphQLContext): boolean {
    return unavailable(ctx);
  }

  @Mutation(() => SegmentSyncRun, { description: 'Syncs now and returns the finished run.' })
  syncSegment(@Arg('id', () => ID, { description: 'The segment.' }) _id: string, @Ctx() ctx: GraphQLContext): SegmentSyncRun {
    return unavailable(ctx);
  }

  @FieldResolver(() => SegmentMemberConnection, { description: 'The cached results, oldest member first.' })
  members(@Root() _s: Segment, @Arg('first', () => Int, { nullable: true, defaultValue: 50, description: 'Page size.' }) _f: number, @Arg('after', () => String, { nullable: true, description: 'Cursor.' }) _a: string | null, @Ctx() ctx: GraphQLContext): SegmentMemberConnection {
    return unavailable(ctx);
  }

  @FieldResolver(() => Boolean, { description: 'Whether the object is in the cached results.' })
  isMember(@Root() _s: Segment, @Arg('objectId', () => ID, { description: 'The object.' }) _o: string, @Ctx() ctx: GraphQLContext): boolean {
    return unavailable(ctx);
  }

  @FieldResolver(() => [SegmentSyncRun], { description: 'The latest sync runs, newest first.' })
  syncRuns(@Root() _s: Segment, @Arg('last', () => Int, { nullable: true, defaultValue: 20, description: 'How many.' }) _l: number, @Ctx() ctx: GraphQLContext): SegmentSyncRun[] {
    return unavailable(ctx);
  }

  @Subscription(() => SegmentCountUpdate, { topics: 'SEGMENT_COUNT', description: "Live counts: every change of a visible segment's count, optionally narrowed." })
  segmentCountChanged(@Root() update: SegmentCountUpdate, @Arg('objectType', () => ObjectTypeEnum, { nullable: true, description: 'Only this type.' }) _t: CoreObjectType | null, @Arg('segmentIds', () => [ID], { nullable: true, description: 'Only these segments.' }) _ids: string[] | null): SegmentCountUpdate {
    return update;
  }

  @Subscription(() => SegmentMembershipChange, { topics: 'SEGMENT_MEMBERSHIP', description: 'Each sync or real-time change of one segment.' })
  segmentMembershipChanged(@Root() change: SegmentMembershipChange, @Arg('segmentId', () => ID, { description: 'The segment.' }) _id: string): SegmentMembershipChange {
    return change;
  }
}
