/** What a filter builder needs: fields with their operators, relations, attribute definitions. */
import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { ObjectType as CoreObjectType } from '../../core/object-types';
import { GraphQLContext, requireRequest } from '../context';
import { ObjectTypeEnum } from '../enums';
import { AttributeDefinition, AttributeDefinitionInput, FieldDescriptor, RelationDescriptor } from '../types/misc';

@Resolver()
export class CatalogResolver {
  @Query(() => [FieldDescriptor], { description: 'Every standard field and custom attribute (as attributes.<key>) of a type, with its operators.' })
  filterableFields(@Arg('objectType', () => ObjectTypeEnum, { description: 'The type.' }) objectType: CoreObjectType, @Ctx() ctx: GraphQLContext) {
    return ctx.services.objectQueries.filterableFields(requireRequest(ctx), objectType);
  }

  @Query(() => [RelationDescriptor], { description: 'Relations `related` filters can follow from a type.' })
  relations(@Arg('objectType', () => ObjectTypeEnum, { description: 'The type.' }) objectType: CoreObjectType, @Ctx() ctx: GraphQLContext) {
    requireRequest(ctx);
    return ctx.services.objectQueries.relations(objectType);
  }

  @Query(() => [AttributeDefinition], { description: 'Declared and inferred custom attributes of a type.' })
  attributeDefinitions(@Arg('objectType', () => ObjectTypeEnum, { description: 'The type.' }) objectType: CoreObjectType, @Ctx() ctx: GraphQLContext) {
    return ctx.services.attributes.list(requireRequest(ctx), objectType);
  }

  @Mutation(() => AttributeDefinition, { description: 'Declares a custom attribute (or relabels one; its type cannot change).' })
  defineAttribute(@Arg('input', () => AttributeDefinitionInput, { description: 'The definition.' }) input: AttributeDefinitionInput, @Ctx() ctx: GraphQLContext) {
    return ctx.services.attributes.define(requireRequest(ctx), input);
  }
}
