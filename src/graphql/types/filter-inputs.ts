/** The filter tree input of the contract; `validateFilter` turns it into the core's typed tree. */
import { Field, Float, ID, InputType } from 'type-graphql';
import { EventAggregateEnum, FilterOperatorEnum, QuantifierEnum } from '../enums';
import { DateTimeScalar, JSONScalar } from '../scalars';
import type { EventAggregate, FilterOperator } from '../../core/object-types';

// FilterInput comes first: RelatedConditionInput.filter's decorator metadata names the class, which must
// already be initialised (its own fields are nullable unions, whose metadata is plain Object).
@InputType('FilterInput', { description: 'One node of a filter tree: exactly one of its fields is set.' })
export class FilterInput {
  @Field(() => [FilterInput], { nullable: true, description: 'All children hold (at least one child).' }) and?: FilterInput[] | null;
  @Field(() => [FilterInput], { nullable: true, description: 'Some child holds (at least one child).' }) or?: FilterInput[] | null;
  @Field(() => FilterInput, { nullable: true, description: 'The child does not hold.' }) not?: FilterInput | null;
  @Field(() => AttributeConditionInput, { nullable: true, description: 'A field or custom attribute condition.' }) attribute?: AttributeConditionInput | null;
  @Field(() => EventConditionInput, { nullable: true, description: 'An event aggregate condition (USER and PRODUCT).' }) event?: EventConditionInput | null;
  @Field(() => TagConditionInput, { nullable: true, description: 'A tag condition.' }) tag?: TagConditionInput | null;
  @Field(() => ListConditionInput, { nullable: true, description: 'A static list membership condition.' }) list?: ListConditionInput | null;
  @Field(() => SegmentConditionInput, { nullable: true, description: 'Membership of another segment.' }) segment?: SegmentConditionInput | null;
  @Field(() => RelatedConditionInput, { nullable: true, description: 'A condition on related objects.' }) related?: RelatedConditionInput | null;
}

@InputType('AttributeConditionInput', { description: 'A standard field by its name (email), or a custom attribute as attributes.<key>.' })
export class AttributeConditionInput {
  @Field(() => String, { description: 'Field name, or attributes.<key>.' }) field!: string;
  @Field(() => FilterOperatorEnum, { description: "Comparison; must be allowed for the field's type." }) operator!: FilterOperator;
  @Field(() => JSONScalar, { nullable: true, description: 'Value: a scalar, [low, high] for BETWEEN, a list for IN/NOT_IN, days for the relative date operators, none for IS_*.' })
  value?: unknown;
}

@InputType('EventPropertyConditionInput', { description: 'A condition on one property of the events counted.' })
export class EventPropertyConditionInput {
  @Field(() => String, { description: 'Property name.' }) property!: string;
  @Field(() => FilterOperatorEnum, { description: 'Comparison; a numeric operator compares numerically.' }) operator!: FilterOperator;
  @Field(() => JSONScalar, { nullable: true, description: 'Value, as for attribute conditions.' }) value?: unknown;
}

@InputType('TimeWindowInput', { description: 'Either lastDays, or from and/or to (both ends inclusive).' })
export class TimeWindowInput {
  @Field(() => Float, { nullable: true, description: 'Events of the last n days (fractions allowed).' }) lastDays?: number | null;
  @Field(() => DateTimeScalar, { nullable: true, description: 'Events at or after this moment.' }) from?: Date | null;
  @Field(() => DateTimeScalar, { nullable: true, description: 'Events at or before this moment.' }) to?: Date | null;
}

@InputType('EventConditionInput', { description: 'Compares an aggregate of the matching events with a value (default: COUNT GTE 1).' })
export class EventConditionInput {
  @Field(() => String, { description: 'Event name.' }) name!: string;
  @Field(() => [EventPropertyConditionInput], { nullable: true, description: 'Conditions every counted event must meet.' }) where?: EventPropertyConditionInput[] | null;
  @Field(() => TimeWindowInput, { nullable: true, description: 'Only events inside this window count.' }) window?: TimeWindowInput | null;
  @Field(() => EventAggregateEnum, { nullable: true, defaultValue: 'COUNT', description: 'What to compare.' }) aggregate?: EventAggregate | null;
  @Field(() => String, { nullable: true, description: 'The numeric event property that SUM, AVG, MIN and MAX read.' }) property?: string | null;
  @Field(() => FilterOperatorEnum, { nullable: true, defaultValue: 'GTE', description: 'Comparison of the aggregate.' }) operator?: FilterOperator | null;
  @Field(() => JSONScalar, { nullable: true, defaultValue: 1, description: 'Value the aggregate is compared with.' }) value?: unknown;
}

@InputType('TagConditionInput', { description: 'The object carries (or, with has: false, lacks) a tag.' })
export class TagConditionInput {
  @Field(() => String, { description: 'Tag name.' }) tag!: string;
  @Field(() => Boolean, { nullable: true, defaultValue: true, description: 'false negates.' }) has?: boolean | null;
}

@InputType('ListConditionInput', { description: 'The object is (or is not) in a static list of the same object type.' })
export class ListConditionInput {
  @Field(() => ID, { description: 'The list.' }) listId!: string;
  @Field(() => Boolean, { nullable: true, defaultValue: true, description: 'false negates.' }) isMember?: boolean | null;
}

@InputType('SegmentConditionInput', { description: "The object is (or is not) in another segment's cached results." })
export class SegmentConditionInput {
  @Field(() => ID, { description: 'The other segment (same object type).' }) segmentId!: string;
  @Field(() => Boolean, { nullable: true, defaultValue: true, description: 'false negates.' }) isMember?: boolean | null;
}

@InputType('RelatedConditionInput', { description: 'Some (ANY) or no (NONE) related object satisfies the nested filter.' })
export class RelatedConditionInput {
  @Field(() => String, { description: 'Relation name, from relations(objectType).' }) relation!: string;
  @Field(() => QuantifierEnum, { nullable: true, defaultValue: 'ANY', description: 'ANY or NONE.' }) quantifier?: 'ANY' | 'NONE' | null;
  @Field(() => FilterInput, { description: 'Filter on the related objects.' }) filter!: FilterInput;
}
