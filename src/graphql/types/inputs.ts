/** Upsert and event inputs: left-out fields keep their value; `attributes` merges key by key. */
import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { DateTimeScalar, JSONScalar } from '../scalars';

const ATTRS = 'Custom attributes to merge: key to value; a key set to null removes it.';
const CREATED = 'Creation time, for imports (defaults to now on create).';

@InputType('UserInput', { description: 'Upsert key: id, else externalId; an object matching neither is created.' })
export class UserInput {
  @Field(() => ID, { nullable: true, description: 'Id of the user to update.' }) id?: string;
  @Field(() => String, { nullable: true, description: 'External id: matches an existing user, or is given to a new one.' }) externalId?: string;
  @Field(() => String, { nullable: true, description: 'Email address.' }) email?: string | null;
  @Field(() => String, { nullable: true, description: 'First name.' }) firstName?: string | null;
  @Field(() => String, { nullable: true, description: 'Last name.' }) lastName?: string | null;
  @Field(() => String, { nullable: true, description: 'Phone number.' }) phone?: string | null;
  @Field(() => String, { nullable: true, description: 'Country.' }) country?: string | null;
  @Field(() => String, { nullable: true, description: 'City.' }) city?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'Marketing consent.' }) marketingConsent?: boolean | null;
  @Field(() => DateTimeScalar, { nullable: true, description: 'When the user was last seen.' }) lastSeenAt?: Date | null;
  @Field(() => DateTimeScalar, { nullable: true, description: CREATED }) createdAt?: Date | null;
  @Field(() => ID, { nullable: true, description: 'Company by id (null clears it).' }) companyId?: string | null;
  @Field(() => String, { nullable: true, description: 'Company by external id (null clears it).' }) companyExternalId?: string | null;
  @Field(() => JSONScalar, { nullable: true, description: ATTRS }) attributes?: Record<string, unknown> | null;
}

@InputType('CompanyInput', { description: 'Upsert key: id, else externalId. A new company needs a name.' })
export class CompanyInput {
  @Field(() => ID, { nullable: true, description: 'Id of the company to update.' }) id?: string;
  @Field(() => String, { nullable: true, description: 'External id.' }) externalId?: string;
  @Field(() => String, { nullable: true, description: 'Name (required to create).' }) name?: string | null;
  @Field(() => String, { nullable: true, description: 'Industry.' }) industry?: string | null;
  @Field(() => String, { nullable: true, description: 'Country.' }) country?: string | null;
  @Field(() => Int, { nullable: true, description: 'Number of employees.' }) employees?: number | null;
  @Field(() => Float, { nullable: true, description: 'Annual revenue.' }) annualRevenue?: number | null;
  @Field(() => DateTimeScalar, { nullable: true, description: CREATED }) createdAt?: Date | null;
  @Field(() => JSONScalar, { nullable: true, description: ATTRS }) attributes?: Record<string, unknown> | null;
}

@InputType('ProductInput', { description: 'Upsert key: id, else externalId. A new product needs a name.' })
export class ProductInput {
  @Field(() => ID, { nullable: true, description: 'Id of the product to update.' }) id?: string;
  @Field(() => String, { nullable: true, description: 'External id.' }) externalId?: string;
  @Field(() => String, { nullable: true, description: 'Stock keeping unit.' }) sku?: string | null;
  @Field(() => String, { nullable: true, description: 'Name (required to create).' }) name?: string | null;
  @Field(() => String, { nullable: true, description: 'Category.' }) category?: string | null;
  @Field(() => Float, { nullable: true, description: 'Price.' }) price?: number | null;
  @Field(() => Int, { nullable: true, description: 'Units in stock.' }) stock?: number | null;
  @Field(() => DateTimeScalar, { nullable: true, description: CREATED }) createdAt?: Date | null;
  @Field(() => JSONScalar, { nullable: true, description: ATTRS }) attributes?: Record<string, unknown> | null;
}

@InputType('DealInput', { description: 'Upsert key: id, else externalId. A new deal needs a name.' })
export class DealInput {
  @Field(() => ID, { nullable: true, description: 'Id of the deal to update.' }) id?: string;
  @Field(() => String, { nullable: true, description: 'External id.' }) externalId?: string;
  @Field(() => String, { nullable: true, description: 'Name (required to create).' }) name?: string | null;
  @Field(() => Float, { nullable: true, description: 'Value.' }) value?: number | null;
  @Field(() => String, { nullable: true, description: 'Currency code.' }) currency?: string | null;
  @Field(() => String, { nullable: true, description: 'Pipeline stage.' }) stage?: string | null;
  @Field(() => String, { nullable: true, description: "Status (default 'open')." }) status?: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: 'Expected close date.' }) expectedCloseAt?: Date | null;
  @Field(() => DateTimeScalar, { nullable: true, description: 'When the deal closed.' }) closedAt?: Date | null;
  @Field(() => ID, { nullable: true, description: 'Owner id.' }) ownerId?: string | null;
  @Field(() => ID, { nullable: true, description: 'User by id.' }) userId?: string | null;
  @Field(() => String, { nullable: true, description: 'User by external id.' }) userExternalId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Company by id.' }) companyId?: string | null;
  @Field(() => String, { nullable: true, description: 'Company by external id.' }) companyExternalId?: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: CREATED }) createdAt?: Date | null;
  @Field(() => JSONScalar, { nullable: true, description: ATTRS }) attributes?: Record<string, unknown> | null;
}

@InputType('ActivityInput', { description: 'Upsert key: id, else externalId. A new activity needs a type.' })
export class ActivityInput {
  @Field(() => ID, { nullable: true, description: 'Id of the activity to update.' }) id?: string;
  @Field(() => String, { nullable: true, description: 'External id.' }) externalId?: string;
  @Field(() => String, { nullable: true, description: 'Kind of activity (required to create).' }) type?: string | null;
  @Field(() => String, { nullable: true, description: 'Subject.' }) subject?: string | null;
  @Field(() => String, { nullable: true, description: "Status (default 'open')." }) status?: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: 'When it is due.' }) dueAt?: Date | null;
  @Field(() => DateTimeScalar, { nullable: true, description: 'When it was completed.' }) completedAt?: Date | null;
  @Field(() => ID, { nullable: true, description: 'Assignee id.' }) assigneeId?: string | null;
  @Field(() => ID, { nullable: true, description: 'User by id.' }) userId?: string | null;
  @Field(() => String, { nullable: true, description: 'User by external id.' }) userExternalId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Deal by id.' }) dealId?: string | null;
  @Field(() => String, { nullable: true, description: 'Deal by external id.' }) dealExternalId?: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: CREATED }) createdAt?: Date | null;
  @Field(() => JSONScalar, { nullable: true, description: ATTRS }) attributes?: Record<string, unknown> | null;
}

@InputType('TicketInput', { description: 'Upsert key: id, else externalId. A new ticket needs a subject.' })
export class TicketInput {
  @Field(() => ID, { nullable: true, description: 'Id of the ticket to update.' }) id?: string;
  @Field(() => String, { nullable: true, description: 'External id.' }) externalId?: string;
  @Field(() => String, { nullable: true, description: 'Subject (required to create).' }) subject?: string | null;
  @Field(() => String, { nullable: true, description: "Status (default 'open')." }) status?: string | null;
  @Field(() => String, { nullable: true, description: "Priority (default 'normal')." }) priority?: string | null;
  @Field(() => String, { nullable: true, description: 'Channel.' }) channel?: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: 'When it was resolved.' }) resolvedAt?: Date | null;
  @Field(() => ID, { nullable: true, description: 'Assignee id.' }) assigneeId?: string | null;
  @Field(() => ID, { nullable: true, description: 'User by id.' }) userId?: string | null;
  @Field(() => String, { nullable: true, description: 'User by external id.' }) userExternalId?: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: CREATED }) createdAt?: Date | null;
  @Field(() => JSONScalar, { nullable: true, description: ATTRS }) attributes?: Record<string, unknown> | null;
}

@InputType('EventInput', { description: 'One event of a user, optionally naming a product.' })
export class EventInput {
  @Field(() => ID, { nullable: true, description: 'The user by id.' }) userId?: string | null;
  @Field(() => String, { nullable: true, description: 'The user by external id; an unknown one creates the user.' }) userExternalId?: string | null;
  @Field(() => ID, { nullable: true, description: 'The product by id.' }) productId?: string | null;
  @Field(() => String, { nullable: true, description: 'The product by external id (must exist).' }) productExternalId?: string | null;
  @Field(() => String, { description: 'Event name, e.g. order_completed.' }) name!: string;
  @Field(() => DateTimeScalar, { nullable: true, description: 'When it happened (default now).' }) occurredAt?: Date | null;
  @Field(() => JSONScalar, { nullable: true, description: 'Event properties, a JSON object.' }) properties?: unknown;
  @Field(() => String, { nullable: true, description: 'Idempotency key: an event whose messageId was already stored is not stored again.' })
  messageId?: string | null;
}
