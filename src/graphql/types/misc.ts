/** Workspace, agents, attributes, fields, relations, lists and small results. */
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { AgentRoleEnum, FieldTypeEnum, FilterOperatorEnum, ObjectTypeEnum } from '../enums';
import { DateTimeScalar } from '../scalars';
import type { FieldType, FilterOperator, ObjectType as CoreObjectType } from '../../core/object-types';

@ObjectType('TrackEventsResult', { description: 'What trackEvents stored.' })
export class TrackEventsResult {
  @Field(() => Int, { description: 'Events stored.' }) accepted!: number;
  @Field(() => Int, { description: 'Events skipped because their messageId was already stored.' }) duplicates!: number;
}

@ObjectType('AttributeDefinition', { description: 'The type of one custom attribute key.' })
export class AttributeDefinition {
  @Field(() => ObjectTypeEnum, { description: 'Object type the key belongs to.' }) objectType!: CoreObjectType;
  @Field(() => String, { description: 'The key (filter as attributes.<key>).' }) key!: string;
  @Field(() => FieldTypeEnum, { description: 'Value type.' }) type!: FieldType;
  @Field(() => String, { nullable: true, description: 'Label for people.' }) label!: string | null;
}

@InputType('AttributeDefinitionInput', { description: 'Declares a custom attribute.' })
export class AttributeDefinitionInput {
  @Field(() => ObjectTypeEnum, { description: 'Object type.' }) objectType!: CoreObjectType;
  @Field(() => String, { description: 'Key: letters, digits and _, starting with a letter or _.' }) key!: string;
  @Field(() => FieldTypeEnum, { description: 'Value type.' }) type!: FieldType;
  @Field(() => String, { nullable: true, description: 'Label for people.' }) label?: string | null;
}

@ObjectType('FieldDescriptor', { description: 'What the filter builder of a frontend needs to render one field.' })
export class FieldDescriptor {
  @Field(() => String, { description: 'Field name to use in filters.' }) field!: string;
  @Field(() => String, { description: 'Label for people.' }) label!: string;
  @Field(() => FieldTypeEnum, { description: 'Value type.' }) type!: FieldType;
  @Field(() => Boolean, { description: 'Whether it is a custom attribute.' }) custom!: boolean;
  @Field(() => [FilterOperatorEnum], { description: 'Operators its type allows.' }) operators!: FilterOperator[];
}

@ObjectType('RelationDescriptor', { description: 'A relation that `related` filters can follow.' })
export class RelationDescriptor {
  @Field(() => String, { description: 'Relation name.' }) relation!: string;
  @Field(() => ObjectTypeEnum, { description: 'Type of the related objects.' }) target!: CoreObjectType;
  @Field(() => Boolean, { description: 'Whether there can be many related objects.' }) many!: boolean;
}

@ObjectType('StaticList', { description: 'A hand-maintained set of objects of one type.' })
export class StaticList {
  @Field(() => ID, { description: 'Id.' }) id!: string;
  @Field(() => ObjectTypeEnum, { description: 'Type of the members.' }) objectType!: CoreObjectType;
  @Field(() => String, { description: 'Name.' }) name!: string;
  @Field(() => String, { nullable: true, description: 'Description.' }) description!: string | null;
  @Field(() => Int, { description: 'Number of members.' }) size!: number;
  @Field(() => DateTimeScalar, { description: 'When it was created.' }) createdAt!: Date;
}

@InputType('CreateListInput', { description: 'A new static list.' })
export class CreateListInput {
  @Field(() => ObjectTypeEnum, { description: 'Type of the members.' }) objectType!: CoreObjectType;
  @Field(() => String, { description: 'Name.' }) name!: string;
  @Field(() => String, { nullable: true, description: 'Description.' }) description?: string | null;
}

@ObjectType('Workspace', { description: 'The tenant the token belongs to.' })
export class Workspace {
  @Field(() => ID, { description: 'Id.' }) id!: string;
  @Field(() => String, { description: 'Name.' }) name!: string;
}

@ObjectType('Agent', { description: 'A person or integration acting in the workspace.' })
export class Agent {
  @Field(() => ID, { description: 'Id.' }) id!: string;
  @Field(() => String, { description: 'Name.' }) name!: string;
  @Field(() => String, { description: 'Email.' }) email!: string;
  @Field(() => AgentRoleEnum, { description: 'Role.' }) role!: 'ADMIN' | 'AGENT';
}

@ObjectType('AgentWithToken', { description: 'A new agent and its token.' })
export class AgentWithToken {
  @Field(() => Agent, { description: 'The agent.' }) agent!: Agent;
  @Field(() => String, { description: 'Shown once; only its hash is stored.' }) token!: string;
}

@InputType('CreateAgentInput', { description: 'A new agent (ADMIN only).' })
export class CreateAgentInput {
  @Field(() => String, { description: 'Name.' }) name!: string;
  @Field(() => String, { description: 'Email, unique in the workspace.' }) email!: string;
  @Field(() => AgentRoleEnum, { nullable: true, defaultValue: 'AGENT', description: 'Role.' }) role?: 'ADMIN' | 'AGENT' | null;
}
