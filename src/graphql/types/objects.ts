/** The CrmObject interface, the six object types and their connection. */
import { Field, Float, ID, Int, InterfaceType, ObjectType } from 'type-graphql';
import { ObjectTypeEnum } from '../enums';
import { DateTimeScalar, JSONScalar } from '../scalars';
import type { ObjectType as CoreObjectType } from '../../core/object-types';

const TYPE_NAMES: Record<CoreObjectType, string> = {
  USER: 'User', COMPANY: 'Company', PRODUCT: 'Product', DEAL: 'Deal', ACTIVITY: 'Activity', TICKET: 'Ticket',
};

@InterfaceType('CrmObject', {
  description: 'What every CRM object has: identity, custom attributes, tags and timestamps.',
  resolveType: (value: { objectType: CoreObjectType }) => TYPE_NAMES[value.objectType],
})
export abstract class CrmObject {
  @Field(() => ID, { description: 'Id, unique per object type within the workspace.' })
  id!: string;

  @Field(() => ObjectTypeEnum, { description: 'Which of the six kinds this object is.' })
  objectType!: CoreObjectType;

  @Field(() => String, { nullable: true, description: "The object's id in the client's own system; unique per workspace and type." })
  externalId!: string | null;

  @Field(() => JSONScalar, { description: 'Custom attributes, an object of key to value.' })
  attributes!: Record<string, unknown>;

  @Field(() => [String], { description: 'Tags on the object, sorted.' })
  tags!: string[];

  @Field(() => DateTimeScalar, { description: 'When the object was created (settable on create, e.g. for imports).' })
  createdAt!: Date;

  @Field(() => DateTimeScalar, { description: 'When the object was last written.' })
  updatedAt!: Date;

  /** Referenced ids by column (company_id…), for the relation field resolvers; not in the schema. */
  refs!: Record<string, string | null>;
}

@ObjectType('User', { implements: CrmObject, description: 'A person: a customer, lead or contact.' })
export class User extends CrmObject {
  @Field(() => String, { nullable: true, description: 'Email address.' }) email!: string | null;
  @Field(() => String, { nullable: true, description: 'First name.' }) firstName!: string | null;
  @Field(() => String, { nullable: true, description: 'Last name.' }) lastName!: string | null;
  @Field(() => String, { nullable: true, description: 'Phone number.' }) phone!: string | null;
  @Field(() => String, { nullable: true, description: 'Country.' }) country!: string | null;
  @Field(() => String, { nullable: true, description: 'City.' }) city!: string | null;
  @Field(() => Boolean, { description: 'Whether the user agreed to marketing messages (false until set).' }) marketingConsent!: boolean;
  @Field(() => DateTimeScalar, { nullable: true, description: 'When the user was last seen.' }) lastSeenAt!: Date | null;
}

@ObjectType('Company', { implements: CrmObject, description: 'An organisation that users belong to.' })
export class Company extends CrmObject {
  @Field(() => String, { description: 'Name.' }) name!: string;
  @Field(() => String, { nullable: true, description: 'Industry.' }) industry!: string | null;
  @Field(() => String, { nullable: true, description: 'Country.' }) country!: string | null;
  @Field(() => Int, { nullable: true, description: 'Number of employees.' }) employees!: number | null;
  @Field(() => Float, { nullable: true, description: 'Annual revenue.' }) annualRevenue!: number | null;
}

@ObjectType('Product', { implements: CrmObject, description: 'Something sold; events may name it.' })
export class Product extends CrmObject {
  @Field(() => String, { nullable: true, description: 'Stock keeping unit.' }) sku!: string | null;
  @Field(() => String, { description: 'Name.' }) name!: string;
  @Field(() => String, { nullable: true, description: 'Category.' }) category!: string | null;
  @Field(() => Float, { nullable: true, description: 'Price.' }) price!: number | null;
  @Field(() => Int, { nullable: true, description: 'Units in stock.' }) stock!: number | null;
}

@ObjectType('Deal', { implements: CrmObject, description: 'A sales opportunity.' })
export class Deal extends CrmObject {
  @Field(() => String, { description: 'Name.' }) name!: string;
  @Field(() => Float, { nullable: true, description: 'Value.' }) value!: number | null;
  @Field(() => String, { nullable: true, description: 'Currency code.' }) currency!: string | null;
  @Field(() => String, { nullable: true, description: 'Pipeline stage.' }) stage!: string | null;
  @Field(() => String, { description: "Status ('open' until set)." }) status!: string;
  @Field(() => DateTimeScalar, { nullable: true, description: 'Expected close date.' }) expectedCloseAt!: Date | null;
  @Field(() => DateTimeScalar, { nullable: true, description: 'When the deal closed.' }) closedAt!: Date | null;
  @Field(() => ID, { nullable: true, description: 'Id of the owning agent or person in the client system.' }) ownerId!: string | null;
}

@ObjectType('Activity', { implements: CrmObject, description: 'A call, meeting, task or note.' })
export class Activity extends CrmObject {
  @Field(() => String, { description: 'Kind of activity, e.g. call or meeting.' }) type!: string;
  @Field(() => String, { nullable: true, description: 'Subject.' }) subject!: string | null;
  @Field(() => String, { description: "Status ('open' until set)." }) status!: string;
  @Field(() => DateTimeScalar, { nullable: true, description: 'When it is due.' }) dueAt!: Date | null;
  @Field(() => DateTimeScalar, { nullable: true, description: 'When it was completed.' }) completedAt!: Date | null;
  @Field(() => ID, { nullable: true, description: 'Id of the assignee.' }) assigneeId!: string | null;
}

@ObjectType('Ticket', { implements: CrmObject, description: 'A support request.' })
export class Ticket extends CrmObject {
  @Field(() => String, { description: 'Subject.' }) subject!: string;
  @Field(() => String, { description: "Status ('open' until set)." }) status!: string;
  @Field(() => String, { description: "Priority ('normal' until set)." }) priority!: string;
  @Field(() => String, { nullable: true, description: 'Channel it came in through.' }) channel!: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: 'When it was resolved.' }) resolvedAt!: Date | null;
  @Field(() => ID, { nullable: true, description: 'Id of the assignee.' }) assigneeId!: string | null;
}

@ObjectType('PageInfo', { description: 'Where a page ends and whether more follow.' })
export class PageInfo {
  @Field(() => Boolean, { description: 'Whether another page follows.' }) hasNextPage!: boolean;
  @Field(() => String, { nullable: true, description: 'Cursor of the last edge; pass it as `after` for the next page.' }) endCursor!: string | null;
}

@ObjectType('ObjectEdge', { description: 'One object of a page.' })
export class ObjectEdge {
  @Field(() => String, { description: 'Opaque cursor of this edge.' }) cursor!: string;
  @Field(() => CrmObject, { description: 'The object.' }) node!: CrmObject;
}

@ObjectType('ObjectConnection', { description: 'A page of objects, newest first.' })
export class ObjectConnection {
  @Field(() => Int, { description: 'How many objects match in all.' }) totalCount!: number;
  @Field(() => [ObjectEdge], { description: 'The objects of this page.' }) edges!: ObjectEdge[];
  @Field(() => PageInfo, { description: 'Paging information.' }) pageInfo!: PageInfo;
}

export const OBJECT_CLASSES = { USER: User, COMPANY: Company, PRODUCT: Product, DEAL: Deal, ACTIVITY: Activity, TICKET: Ticket } as const;
