/**
 * Live segment counts and membership changes over graphql-ws. Each broadcast is built once by
 * the publisher; here every subscriber only filters on its workspace, visibility and arguments.
 */
import { filter, pipe } from '@graphql-yoga/subscription';
import { Arg, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { ObjectType as CoreObjectType } from '../../core/object-types';
import { notFound } from '../../core/errors';
import type { Broadcast } from '../../live/change-publisher';
import { TOPIC_COUNT, TOPIC_MEMBERSHIP } from '../../live/topics';
import { tracked } from '../../live/subscribers';
import type { Actor } from '../../services/context';
import { GraphQLContext, requireRequest } from '../context';
import { ObjectTypeEnum } from '../enums';
import { SegmentCountUpdate, SegmentMembershipChange } from '../types/segments';

type CountPayload = SegmentCountUpdate & Broadcast;
type MembershipPayload = SegmentMembershipChange & Broadcast;

/** The creator and admins cannot be hidden from (checked at write), so the list is the whole rule. */
const visible = (actor: Actor, b: Broadcast) => b.workspaceId === actor.workspaceId && (actor.role === 'ADMIN' || !b.hiddenFrom.includes(actor.agentId));

interface SubscribeArgs<A> {
  readonly args: A;
  readonly context: GraphQLContext;
}

@Resolver()
export class SubscriptionResolver {
  @Subscription(() => SegmentCountUpdate, {
    description: "Live counts: every change of a visible segment's count, optionally narrowed by object type and segments.",
    subscribe: ({ args, context }: SubscribeArgs<{ objectType?: CoreObjectType | null; segmentIds?: string[] | null }>) => {
      const actor = requireRequest(context).actor;
      const ids = args.segmentIds ? new Set(args.segmentIds) : null;
      return tracked(pipe(
        context.pubSub.subscribe(TOPIC_COUNT) as AsyncIterable<CountPayload>,
        filter((p: CountPayload) => visible(actor, p) && (!args.objectType || p.objectType === args.objectType) && (!ids || ids.has(p.segmentId))),
      ));
    },
  })
  segmentCountChanged(
    @Root() update: SegmentCountUpdate,
    @Arg('objectType', () => ObjectTypeEnum, { nullable: true, description: 'Only segments of this type.' }) _objectType: CoreObjectType | null,
    @Arg('segmentIds', () => [ID], { nullable: true, description: 'Only these segments.' }) _segmentIds: string[] | null,
  ): SegmentCountUpdate {
    return update;
  }

  @Subscription(() => SegmentMembershipChange, {
    description: 'Each sync or real-time change of one segment: who entered and who left.',
    subscribe: async ({ args, context }: SubscribeArgs<{ segmentId: string }>) => {
      const request = requireRequest(context);
      // A segment that does not exist or is hidden from the agent cannot be subscribed to, alike.
      if (!(await context.services.segments.get(request, args.segmentId))) throw notFound(`segmentId: no segment with id ${args.segmentId.slice(0, 40)}`);
      return tracked(pipe(
        context.pubSub.subscribe(TOPIC_MEMBERSHIP) as AsyncIterable<MembershipPayload>,
        filter((p: MembershipPayload) => p.segmentId === args.segmentId && visible(request.actor, p)),
      ));
    },
  })
  segmentMembershipChanged(@Root() change: SegmentMembershipChange, @Arg('segmentId', () => ID, { description: 'The segment.' }) _segmentId: string): SegmentMembershipChange {
    return change;
  }
}
