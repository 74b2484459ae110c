import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import { badInput } from '../../core/errors';
import type { ObjectType as CoreObjectType } from '../../core/object-types';
import { GraphQLContext, requireRequest } from '../context';
import { ObjectTypeEnum } from '../enums';
import { toGraphQLObject } from '../mappers';
import { FilterInput } from '../types/filter-inputs';
import { SegmentPreview } from '../types/segments';

export const MAX_SAMPLE = 100;

@Resolver()
export class PreviewResolver {
  @Query(() => SegmentPreview, { description: 'Evaluates a filter now without saving it: the count and a sample (newest first, at most 100).' })
  async previewSegment(
    @Arg('objectType', () => ObjectTypeEnum, { description: 'Type of the objects.' }) objectType: CoreObjectType,
    @Arg('filter', () => FilterInput, { description: 'The filter tree.' }) filter: FilterInput,
    @Arg('sampleSize', () => Int, { nullable: true, defaultValue: 20, description: 'How many objects to return (0 to 100).' }) sampleSize: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SegmentPreview> {
    const request = requireRequest(ctx);
    const size = sampleSize ?? 20;
    if (!Number.isInteger(size) || size < 0 || size > MAX_SAMPLE) throw badInput('sampleSize', `must be an integer from 0 to ${MAX_SAMPLE}`);
    const predicate = await ctx.services.filters.predicate(request, objectType, filter);
    const page = await ctx.services.objectQueries.page(request, objectType, { first: size, predicate });
    return { count: page.totalCount, sample: page.items.map((i) => toGraphQLObject(i.node)) };
  }
}
