import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { GraphQLContext, requireRequest } from '../context';
import { EventInput } from '../types/inputs';
import { TrackEventsResult } from '../types/misc';

@Resolver()
export class EventResolver {
  @Mutation(() => TrackEventsResult, { description: 'Stores events, all or nothing, at most 10,000 a call; idempotent by messageId.' })
  trackEvents(@Arg('input', () => [EventInput], { description: 'The events.' }) input: EventInput[], @Ctx() ctx: GraphQLContext) {
    return ctx.services.events.track(requireRequest(ctx), input);
  }
}
