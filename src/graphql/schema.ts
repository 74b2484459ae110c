/** Builds the executable schema from the resolver classes; also what `npm run schema` prints. */
import 'reflect-metadata';
import { GraphQLSchema } from 'graphql';
import { buildSchema, PubSub } from 'type-graphql';
import { createPubSub } from '@graphql-yoga/subscription';
import './enums';
import { CatalogResolver } from './resolvers/catalog.resolver';
import { EventResolver } from './resolvers/event.resolver';
import { ActivityResolver, CompanyResolver, CrmObjectResolver, DealResolver, ProductResolver, TicketResolver, UserResolver } from './resolvers/object.resolver';
import { PreviewResolver } from './resolvers/preview.resolver';
import { SegmentResolver } from './resolvers/segment.resolver';
import { SubscriptionResolver } from './resolvers/subscription.resolver';
import { TagListResolver } from './resolvers/tag-list.resolver';
import { WorkspaceResolver } from './resolvers/workspace.resolver';
import { WebhookResolver } from './resolvers/webhook.resolver';

export const RESOLVERS = [
  CrmObjectResolver, UserResolver, CompanyResolver, ProductResolver, DealResolver, ActivityResolver, TicketResolver,
  CatalogResolver, EventResolver, TagListResolver, WorkspaceResolver, PreviewResolver, SegmentResolver, SubscriptionResolver, WebhookResolver,
] as const;

const ROOT_DESCRIPTIONS = {
  Query: 'Reads: objects, filters, segments and their cached results, workspace and agents.',
  Mutation: 'Writes: objects, events, tags, lists, attributes, segments and agents. A failed mutation writes nothing.',
  Subscription: 'Live updates over graphql-ws on the same /graphql path (connection param Authorization: Bearer <token>).',
} as const;

export async function createSchema(pubSub: PubSub = createPubSub()): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [...RESOLVERS] as unknown as [Function, ...Function[]],
    pubSub,
    validate: false,
    emitSchemaFile: false,
  });
  // type-graphql has no option for the root types' descriptions; they are shown in the docs explorer.
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (root) root.description = ROOT_DESCRIPTIONS[root.name as keyof typeof ROOT_DESCRIPTIONS];
  }
  return schema;
}
