/** Tags and static lists. */
import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { ObjectType as CoreObjectType } from '../../core/object-types';
import { GraphQLContext, requireRequest } from '../context';
import { ObjectTypeEnum } from '../enums';
import { CreateListInput, StaticList } from '../types/misc';

@Resolver()
export class TagListResolver {
  @Query(() => [String], { description: 'Tags in use, optionally on one object type, sorted.' })
  tags(@Arg('objectType', () => ObjectTypeEnum, { nullable: true, description: 'Only tags on this type.' }) objectType: CoreObjectType | null, @Ctx() ctx: GraphQLContext) {
    return ctx.services.tags.list(requireRequest(ctx), objectType);
  }

  @Mutation(() => Int, { description: 'Adds tags to objects; returns how many (object, tag) pairs were new. Any unknown id fails the call.' })
  tagObjects(
    @Arg('objectType', () => ObjectTypeEnum, { description: 'Type of the objects.' }) objectType: CoreObjectType,
    @Arg('ids', () => [ID], { description: 'At most 1,000 ids.' }) ids: string[],
    @Arg('tags', () => [String], { description: 'Tags (trimmed).' }) tags: string[],
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.tags.tag(requireRequest(ctx), objectType, ids, tags);
  }

  @Mutation(() => Int, { description: 'Removes tags from objects; returns how many (object, tag) pairs were removed.' })
  untagObjects(
    @Arg('objectType', () => ObjectTypeEnum, { description: 'Type of the objects.' }) objectType: CoreObjectType,
    @Arg('ids', () => [ID], { description: 'At most 1,000 ids.' }) ids: string[],
    @Arg('tags', () => [String], { description: 'Tags.' }) tags: string[],
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.tags.untag(requireRequest(ctx), objectType, ids, tags);
  }

  @Query(() => [StaticList], { description: 'Static lists, optionally of one object type.' })
  lists(@Arg('objectType', () => ObjectTypeEnum, { nullable: true, description: 'Only lists of this type.' }) objectType: CoreObjectType | null, @Ctx() ctx: GraphQLContext) {
    return ctx.services.lists.list(requireRequest(ctx), objectType);
  }

  @Mutation(() => StaticList, { description: 'Creates an empty static list.' })
  createList(@Arg('input', () => CreateListInput, { description: 'The list.' }) input: CreateListInput, @Ctx() ctx: GraphQLContext) {
    return ctx.services.lists.create(requireRequest(ctx), input);
  }

  @Mutation(() => StaticList, { description: "Adds objects of the list's type; any unknown id fails the call." })
  addToList(@Arg('listId', () => ID, { description: 'The list.' }) listId: string, @Arg('ids', () => [ID], { description: 'At most 1,000 ids.' }) ids: string[], @Ctx() ctx: GraphQLContext) {
    return ctx.services.lists.add(requireRequest(ctx), listId, ids);
  }

  @Mutation(() => StaticList, { description: 'Removes objects from the list.' })
  removeFromList(@Arg('listId', () => ID, { description: 'The list.' }) listId: string, @Arg('ids', () => [ID], { description: 'At most 1,000 ids.' }) ids: string[], @Ctx() ctx: GraphQLContext) {
    return ctx.services.lists.remove(requireRequest(ctx), listId, ids);
  }

  @Mutation(() => Boolean, { description: 'Deletes a list (not its members).' })
  deleteList(@Arg('id', () => ID, { description: 'The list.' }) id: string, @Ctx() ctx: GraphQLContext) {
    return ctx.services.lists.delete(requireRequest(ctx), id);
  }
}
