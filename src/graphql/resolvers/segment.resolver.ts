/** Segments: thin adapters over SegmentService (definitions), the sync engine and the readers. */
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { ObjectType as CoreObjectType } from '../../core/object-types';
import type { SegmentRecord } from '../../services/segment-types';
import { GraphQLContext, requireRequest } from '../context';
import { ObjectTypeEnum } from '../enums';
import { toGraphQLAgent, toGraphQLObject } from '../mappers';
import { DateTimeScalar } from '../scalars';
import { FilterInput } from '../types/filter-inputs';
import { Agent } from '../types/misc';
import {
  CreateSegmentInput, MembershipExplanation, MembershipHistoryConnection, Segment, SegmentChangePreview, SegmentMemberConnection, SegmentSyncRun, UpdateSegmentInput,
} from '../types/segments';

/** A Segment for GraphQL; `record` stays attached for the field resolvers. */
export function toGraphQLSegment(rec: SegmentRecord): Segment {
  return Object.assign(new Segment(), { ...rec, hiddenFromAgentIds: [...rec.hiddenFromAgentIds], createdBy: null, record: rec });
}

const recordOf = (s: Segment): SegmentRecord => (s as Segment & { record: SegmentRecord }).record;

function memberConnection(page: Awaited<ReturnType<GraphQLContext['services']['segmentReads']['members']>>): SegmentMemberConnection {
  return {
    totalCount: page.totalCount,
    edges: page.items.map((i) => ({ cursor: i.cursor, joinedAt: i.joinedAt, node: toGraphQLObject(i.node) })),
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
  };
}

@Resolver(() => Segment)
export class SegmentResolver {
  @Query(() => [Segment], { description: 'Segments visible to the agent, optionally of one object type.' })
  async segments(@Arg('objectType', () => ObjectTypeEnum, { nullable: true, description: 'Only this type.' }) objectType: CoreObjectType | null, @Ctx() ctx: GraphQLContext) {
    return (await ctx.services.segments.list(requireRequest(ctx), objectType, ctx.reads.query)).map(toGraphQLSegment);
  }

  @Query(() => Segment, { nullable: true, description: 'One segment; null when it does not exist or is hidden from the agent.' })
  async segment(@Arg('id', () => ID, { description: 'The segment.' }) id: string, @Ctx() ctx: GraphQLContext) {
    const rec = await ctx.services.segments.get(requireRequest(ctx), id, ctx.reads.query);
    return rec ? toGraphQLSegment(rec) : null;
  }

  @Query(() => MembershipExplanation, { description: "Evaluates each node of a segment's filter for one object, now, and says what data it saw." })
  async explainMembership(@Arg('segmentId', () => ID, { description: 'The segment.' }) segmentId: string, @Arg('objectId', () => ID, { description: 'The object.' }) objectId: string, @Ctx() ctx: GraphQLContext) {
    const seg = await ctx.services.segments.require(requireRequest(ctx), segmentId, 'segmentId');
    return ctx.services.segmentExplain.explain(seg, objectId);
  }

  @Query(() => SegmentChangePreview, { description: 'Who would enter and who would leave the cached results if the filter were changed; saves nothing.' })
  async previewSegmentChange(
    @Arg('id', () => ID, { description: 'The segment.' }) id: string,
    @Arg('filter', () => FilterInput, { description: 'The filter it would have.' }) filter: FilterInput,
    @Arg('sampleSize', () => Int, { nullable: true, defaultValue: 20, description: 'How many of each side to return (0 to 100).' }) sampleSize: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SegmentChangePreview> {
    const request = requireRequest(ctx);
    const seg = await ctx.services.segments.require(request, id);
    const p = await ctx.services.segmentReads.previewChange(request, seg, filter, sampleSize ?? 20);
    return { ...p, entering: p.entering.map(toGraphQLObject), exiting: p.exiting.map(toGraphQLObject) };
  }

  @Query(() => MembershipHistoryConnection, { description: 'Who entered and left the cached results, when and by which trigger, newest first (kept 90 days).' })
  async membershipHistory(
    @Arg('segmentId', () => ID, { description: 'The segment.' }) segmentId: string,
    @Arg('objectId', () => ID, { nullable: true, description: 'Only this object.' }) objectId: string | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50, description: 'Page size (0 to 1,000).' }) first: number,
    @Arg('after', () => String, { nullable: true, description: 'Cursor.' }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<MembershipHistoryConnection> {
    const seg = await ctx.services.segments.require(requireRequest(ctx), segmentId, 'segmentId');
    const page = await ctx.services.segmentReads.history(seg, { objectId, first: first ?? 50, after });
    return { edges: page.items.map(({ cursor, ...node }) => ({ cursor, node })), pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor } };
  }

  @Mutation(() => Segment, { description: 'Creates a segment and syncs it at once (DEFINITION_CHANGED).' })
  async createSegment(@Arg('input', () => CreateSegmentInput, { description: 'The segment.' }) input: CreateSegmentInput, @Ctx() ctx: GraphQLContext) {
    return toGraphQLSegment(await ctx.services.segments.create(requireRequest(ctx), input));
  }

  @Mutation(() => Segment, { description: 'Changes a segment; a new filter is synced at once, a new interval or pause state reschedules it.' })
  async updateSegment(@Arg('id', () => ID, { description: 'The segment.' }) id: string, @Arg('input', () => UpdateSegmentInput, { description: 'The changes.' }) input: UpdateSegmentInput, @Ctx() ctx: GraphQLContext) {
    return toGraphQLSegment(await ctx.services.segments.update(requireRequest(ctx), id, input));
  }

  @Mutation(() => Boolean, { description: 'Deletes a segment that no other segment uses.' })
  deleteSegment(@Arg('id', () => ID, { description: 'The segment.' }) id: string, @Ctx() ctx: GraphQLContext) {
    return ctx.services.segments.delete(requireRequest(ctx), id);
  }

  @Mutation(() => SegmentSyncRun, { description: 'Syncs now and returns the finished run.' })
  syncSegment(@Arg('id', () => ID, { description: 'The segment.' }) id: string, @Ctx() ctx: GraphQLContext) {
    return ctx.services.segments.syncNow(requireRequest(ctx), id);
  }

  @FieldResolver(() => Agent, { nullable: true, description: 'Who created it.' })
  async createdBy(@Root() s: Segment, @Ctx() ctx: GraphQLContext) {
    const id = recordOf(s).createdBy;
    const agent = id ? await ctx.loaders.agents.load(id) : null;
    return agent ? toGraphQLAgent(agent) : null;
  }

  @FieldResolver(() => SegmentMemberConnection, { description: 'The cached results, oldest member first.' })
  async members(
    @Root() s: Segment,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50, description: 'Page size (0 to 1,000).' }) first: number,
    @Arg('after', () => String, { nullable: true, description: 'Cursor.' }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return memberConnection(await ctx.services.segmentReads.members(recordOf(s), first ?? 50, after, ctx.reads.query));
  }

  @FieldResolver(() => SegmentMemberConnection, { description: 'Who was in the cached results at a past moment (within the last 90 days), oldest member first.' })
  async membersAt(
    @Root() s: Segment,
    @Arg('at', () => DateTimeScalar, { description: 'The moment.' }) at: Date,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50, description: 'Page size (0 to 1,000).' }) first: number,
    @Arg('after', () => String, { nullable: true, description: 'Cursor.' }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return memberConnection(await ctx.services.segmentReads.membersAt(recordOf(s), at, first ?? 50, after, ctx.reads.query));
  }

  @FieldResolver(() => Boolean, { description: 'Whether the object is in the cached results.' })
  isMember(@Root() s: Segment, @Arg('objectId', () => ID, { description: 'The object.' }) objectId: string, @Ctx() ctx: GraphQLContext) {
    return ctx.services.segmentReads.isMember(recordOf(s), objectId, ctx.reads.query);
  }

  @FieldResolver(() => [SegmentSyncRun], { description: 'The latest sync runs, newest first.' })
  syncRuns(@Root() s: Segment, @Arg('last', () => Int, { nullable: true, defaultValue: 20, description: 'How many (0 to 1,000).' }) last: number, @Ctx() ctx: GraphQLContext) {
    return ctx.services.segmentReads.runs(recordOf(s), last ?? 20, ctx.reads.query);
  }
}
