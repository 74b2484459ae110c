/** Object reads and writes: thin adapters over ObjectService / ObjectQueryService. */
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { ObjectType as CoreObjectType } from '../../core/object-types';
import { GraphQLContext, requireRequest } from '../context';
import { ObjectTypeEnum } from '../enums';
import { toGraphQLObject } from '../mappers';
import { FilterInput } from '../types/filter-inputs';
import { ActivityInput, CompanyInput, DealInput, ProductInput, TicketInput, UserInput } from '../types/inputs';
import { Activity, Company, CrmObject, Deal, ObjectConnection, Product, Ticket, User } from '../types/objects';

@Resolver(() => CrmObject)
export class CrmObjectResolver {
  @Query(() => CrmObject, { nullable: true, description: 'One object by type and id; null when there is none in the workspace.' })
  async object(
    @Arg('objectType', () => ObjectTypeEnum, { description: 'Its type.' }) objectType: CoreObjectType,
    @Arg('id', () => ID, { description: 'Its id.' }) id: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CrmObject | null> {
    const rec = await ctx.services.objects.get(requireRequest(ctx), objectType, id);
    return rec ? toGraphQLObject(rec) : null;
  }

  @Query(() => ObjectConnection, { description: 'Objects of a type, newest first, optionally filtered; `first` at most 1,000.' })
  async objects(
    @Arg('objectType', () => ObjectTypeEnum, { description: 'Type of the objects.' }) objectType: CoreObjectType,
    @Arg('filter', () => FilterInput, { nullable: true, description: 'A filter tree; all objects when left out.' }) filter: FilterInput | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50, description: 'Page size (0 to 1,000).' }) first: number,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after.' }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ObjectConnection> {
    const request = requireRequest(ctx);
    const predicate = filter ? await ctx.services.filters.predicate(request, objectType, filter) : undefined;
    const page = await ctx.services.objectQueries.page(request, objectType, { first: first ?? 50, after, predicate, q: ctx.reads.query });
    return {
      totalCount: page.totalCount,
      edges: page.items.map((i) => ({ cursor: i.cursor, node: toGraphQLObject(i.node) })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
    };
  }

  @FieldResolver(() => [String], { description: 'Tags on the object, sorted.' })
  tags(@Root() obj: CrmObject, @Ctx() ctx: GraphQLContext): Promise<string[]> {
    return ctx.loaders.tags[obj.objectType].load(obj.id);
  }

  @Mutation(() => Int, { description: 'Deletes objects (with their tags, list memberships and, for users, events); returns how many existed.' })
  deleteObjects(
    @Arg('objectType', () => ObjectTypeEnum, { description: 'Their type.' }) objectType: CoreObjectType,
    @Arg('ids', () => [ID], { description: 'At most 1,000 ids; unknown ones are skipped.' }) ids: string[],
    @Ctx() ctx: GraphQLContext,
  ): Promise<number> {
    return ctx.services.objects.delete(requireRequest(ctx), objectType, ids);
  }
}

async function upsert(ctx: GraphQLContext, type: CoreObjectType, input: object[]) {
  const recs = await ctx.services.objects.upsert(requireRequest(ctx), type, input as Array<Record<string, unknown>>);
  return recs.map(toGraphQLObject);
}

const BATCH = 'All or nothing, at most 1,000 a call; returns each input\'s object in order.';

@Resolver(() => User)
export class UserResolver {
  @Mutation(() => [User], { description: `Creates or updates users. ${BATCH}` })
  upsertUsers(@Arg('input', () => [UserInput], { description: 'The users.' }) input: UserInput[], @Ctx() ctx: GraphQLContext) {
    return upsert(ctx, 'USER', input);
  }

  @FieldResolver(() => Company, { nullable: true, description: "The user's company." })
  async company(@Root() u: User, @Ctx() ctx: GraphQLContext) {
    return related(ctx, 'COMPANY', u.refs.company_id);
  }
}

@Resolver(() => Company)
export class CompanyResolver {
  @Mutation(() => [Company], { description: `Creates or updates companies. ${BATCH}` })
  upsertCompanies(@Arg('input', () => [CompanyInput], { description: 'The companies.' }) input: CompanyInput[], @Ctx() ctx: GraphQLContext) {
    return upsert(ctx, 'COMPANY', input);
  }
}

@Resolver(() => Product)
export class ProductResolver {
  @Mutation(() => [Product], { description: `Creates or updates products. ${BATCH}` })
  upsertProducts(@Arg('input', () => [ProductInput], { description: 'The products.' }) input: ProductInput[], @Ctx() ctx: GraphQLContext) {
    return upsert(ctx, 'PRODUCT', input);
  }
}

@Resolver(() => Deal)
export class DealResolver {
  @Mutation(() => [Deal], { description: `Creates or updates deals. ${BATCH}` })
  upsertDeals(@Arg('input', () => [DealInput], { description: 'The deals.' }) input: DealInput[], @Ctx() ctx: GraphQLContext) {
    return upsert(ctx, 'DEAL', input);
  }

  @FieldResolver(() => User, { nullable: true, description: "The deal's user." })
  user(@Root() d: Deal, @Ctx() ctx: GraphQLContext) {
    return related(ctx, 'USER', d.refs.user_id);
  }

  @FieldResolver(() => Company, { nullable: true, description: "The deal's company." })
  company(@Root() d: Deal, @Ctx() ctx: GraphQLContext) {
    return related(ctx, 'COMPANY', d.refs.company_id);
  }
}

@Resolver(() => Activity)
export class ActivityResolver {
  @Mutation(() => [Activity], { description: `Creates or updates activities. ${BATCH}` })
  upsertActivities(@Arg('input', () => [ActivityInput], { description: 'The activities.' }) input: ActivityInput[], @Ctx() ctx: GraphQLContext) {
    return upsert(ctx, 'ACTIVITY', input);
  }

  @FieldResolver(() => User, { nullable: true, description: "The activity's user." })
  user(@Root() a: Activity, @Ctx() ctx: GraphQLContext) {
    return related(ctx, 'USER', a.refs.user_id);
  }

  @FieldResolver(() => Deal, { nullable: true, description: "The activity's deal." })
  deal(@Root() a: Activity, @Ctx() ctx: GraphQLContext) {
    return related(ctx, 'DEAL', a.refs.deal_id);
  }
}

@Resolver(() => Ticket)
export class TicketResolver {
  @Mutation(() => [Ticket], { description: `Creates or updates tickets. ${BATCH}` })
  upsertTickets(@Arg('input', () => [TicketInput], { description: 'The tickets.' }) input: TicketInput[], @Ctx() ctx: GraphQLContext) {
    return upsert(ctx, 'TICKET', input);
  }

  @FieldResolver(() => User, { nullable: true, description: "The ticket's user." })
  user(@Root() t: Ticket, @Ctx() ctx: GraphQLContext) {
    return related(ctx, 'USER', t.refs.user_id);
  }
}

async function related(ctx: GraphQLContext, type: CoreObjectType, id: string | null | undefined) {
  if (!id) return null;
  const rec = await ctx.loaders.objects[type].load(id);
  return rec ? toGraphQLObject(rec) : null;
}
