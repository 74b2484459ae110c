/** Webhooks: thin adapters over WebhookService. */
import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { DeliveryStatus, WebhookRecord } from '../../services/webhook.service';
import { GraphQLContext, requireRequest } from '../context';
import { encodeCursor } from '../../services/object-query.service';
import { CreateWebhookInput, Webhook, WebhookDeliveryConnection, WebhookDeliveryStatusEnum, WebhookWithSecret } from '../types/webhooks';

export function toGraphQLWebhook(rec: WebhookRecord): Webhook {
  return Object.assign(new Webhook(), { id: rec.id, url: rec.url, segmentIds: [...rec.segmentIds], events: [...rec.events], createdById: rec.createdBy, createdAt: rec.createdAt });
}

@Resolver()
export class WebhookResolver {
  @Query(() => [Webhook], { description: "The workspace's webhooks, oldest first (their secrets are never shown again)." })
  async webhooks(@Ctx() ctx: GraphQLContext) {
    return (await ctx.services.webhooks.list(requireRequest(ctx), ctx.reads.query)).map(toGraphQLWebhook);
  }

  @Query(() => WebhookDeliveryConnection, { description: "A webhook's deliveries and their attempts, newest first (finished ones are kept 30 days)." })
  async webhookDeliveries(
    @Arg('webhookId', () => ID, { description: 'The webhook.' }) webhookId: string,
    @Arg('status', () => WebhookDeliveryStatusEnum, { nullable: true, description: 'Only deliveries in this status.' }) status: DeliveryStatus | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50, description: 'Page size (0 to 1,000).' }) first: number,
    @Arg('after', () => String, { nullable: true, description: 'Cursor.' }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<WebhookDeliveryConnection> {
    const page = await ctx.services.webhooks.deliveries(requireRequest(ctx), webhookId, { first: first ?? 50, after, status }, ctx.reads.query);
    return { edges: page.items.map((node) => ({ cursor: encodeCursor([node.id]), node })), pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor } };
  }

  @Mutation(() => WebhookWithSecret, { description: 'Creates a webhook for membership changes of segments you can see; returns its secret, shown only this once.' })
  async createWebhook(@Arg('input', () => CreateWebhookInput, { description: 'The webhook.' }) input: CreateWebhookInput, @Ctx() ctx: GraphQLContext) {
    const { webhook, secret } = await ctx.services.webhooks.create(requireRequest(ctx), input);
    return { webhook: toGraphQLWebhook(webhook), secret };
  }

  @Mutation(() => Boolean, { description: 'Deletes a webhook and its delivery log; deliveries not yet sent are dropped.' })
  deleteWebhook(@Arg('id', () => ID, { description: 'The webhook.' }) id: string, @Ctx() ctx: GraphQLContext) {
    return ctx.services.webhooks.delete(requireRequest(ctx), id);
  }
}
