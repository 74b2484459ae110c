/** Webhooks for automations and their delivery log. */
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { MembershipChangeKindEnum, SyncTriggerEnum } from '../enums';
import { DateTimeScalar } from '../scalars';
import { PageInfo } from './objects';
import type { DeliveryStatus, WebhookEvent } from '../../services/webhook.service';
import type { SyncTrigger } from '../../services/segment-types';

export const WebhookDeliveryStatusEnum = { PENDING: 'PENDING', SUCCEEDED: 'SUCCEEDED', FAILED: 'FAILED' } as const;
registerEnumType(WebhookDeliveryStatusEnum, {
  name: 'WebhookDeliveryStatus',
  description: 'PENDING: not yet answered with 2xx and attempts remain; SUCCEEDED: the receiver answered 2xx; FAILED: every attempt failed.',
});

const WEBHOOK_DESCRIPTION = `A URL that receives a JSON POST for each membership change of the segments it follows.
One POST per change and kind (ENTERED or EXITED), with body
\`{"id", "webhookId", "segmentId", "objectType", "event", "objectIds", "count", "trigger", "at"}\`
(\`id\` is the delivery id, \`objectIds\` the first 1,000 ids, \`count\` how many changed in all, \`at\` when the change was committed).
Headers: \`X-Segments-Delivery\` (the delivery id, the same on every retry: use it to drop repeats),
\`X-Segments-Event\` (ENTERED or EXITED), \`X-Segments-Timestamp\` (Unix seconds of this attempt) and
\`X-Segments-Signature: sha256=<hex>\`, the HMAC-SHA256 keyed with the webhook's secret (its UTF-8 bytes)
of \`<timestamp>.<raw body>\`. To verify, compute it over the exact body bytes received, compare in constant time,
and reject timestamps more than a few minutes old. Any 2xx answer within 10 seconds counts as delivered;
anything else (other status, redirect, timeout, network error) is retried 10 s, 1 min, 5 min and 30 min later
(5 attempts), then the delivery is FAILED. Deliveries are at least once: a repeat keeps its delivery id.`;

@ObjectType('Webhook', { description: WEBHOOK_DESCRIPTION })
export class Webhook {
  @Field(() => ID, { description: 'Id.' }) id!: string;
  @Field(() => String, { description: 'Where deliveries are POSTed (http or https).' }) url!: string;
  @Field(() => [ID], { description: 'Segments it follows that you may see. Deleting a segment removes it from its webhooks.' }) segmentIds!: string[];
  @Field(() => [MembershipChangeKindEnum], { description: 'Which changes it receives.' }) events!: WebhookEvent[];
  @Field(() => ID, { nullable: true, description: 'Id of the agent who created it.' }) createdById!: string | null;
  @Field(() => DateTimeScalar, { description: 'When it was created.' }) createdAt!: Date;
}

@ObjectType('WebhookWithSecret', { description: 'A new webhook and its signing secret.' })
export class WebhookWithSecret {
  @Field(() => Webhook, { description: 'The webhook.' }) webhook!: Webhook;
  @Field(() => String, { description: 'The HMAC key for X-Segments-Signature (256 random bits). Shown once: store it now.' }) secret!: string;
}

@InputType('CreateWebhookInput', { description: 'A new webhook.' })
export class CreateWebhookInput {
  @Field(() => String, { description: 'An absolute http or https URL, at most 2,000 characters, without a user name or password.' }) url!: string;
  @Field(() => [ID], { description: 'Segments to follow (1 to 100), each visible to you.' }) segmentIds!: string[];
  @Field(() => [MembershipChangeKindEnum], { description: 'Which changes to receive (at least one).' }) events!: WebhookEvent[];
}

@ObjectType('WebhookDelivery', { description: 'One membership change (of one kind) sent to one webhook, and how its attempts went.' })
export class WebhookDelivery {
  @Field(() => ID, { description: 'Id; the `id` of the body and the X-Segments-Delivery header.' }) id!: string;
  @Field(() => ID, { description: 'The webhook.' }) webhookId!: string;
  @Field(() => ID, { description: 'The segment that changed.' }) segmentId!: string;
  @Field(() => MembershipChangeKindEnum, { description: 'Whether objects entered or left.' }) event!: WebhookEvent;
  @Field(() => SyncTriggerEnum, { description: 'What caused the change.' }) trigger!: SyncTrigger;
  @Field(() => Int, { description: 'How many objects entered or left.' }) count!: number;
  @Field(() => WebhookDeliveryStatusEnum, { description: 'Where it stands.' }) status!: DeliveryStatus;
  @Field(() => Int, { description: 'Attempts made so far.' }) attempts!: number;
  @Field(() => DateTimeScalar, { nullable: true, description: 'When the next attempt is due (null once SUCCEEDED or FAILED).' }) nextAttemptAt!: Date | null;
  @Field(() => DateTimeScalar, { nullable: true, description: 'When the last attempt started.' }) lastAttemptAt!: Date | null;
  @Field(() => Int, { nullable: true, description: 'HTTP status of the last answer (null when there was none).' }) lastHttpStatus!: number | null;
  @Field(() => String, { nullable: true, description: 'Why the last attempt failed (null after a success).' }) lastError!: string | null;
  @Field(() => DateTimeScalar, { description: 'When it was recorded (with the change).' }) createdAt!: Date;
  @Field(() => DateTimeScalar, { nullable: true, description: 'When it SUCCEEDED or FAILED.' }) finishedAt!: Date | null;
}

@ObjectType('WebhookDeliveryEdge', { description: 'One delivery of a page.' })
export class WebhookDeliveryEdge {
  @Field(() => String, { description: 'Opaque cursor.' }) cursor!: string;
  @Field(() => WebhookDelivery, { description: 'The delivery.' }) node!: WebhookDelivery;
}

@ObjectType('WebhookDeliveryConnection', { description: "A page of a webhook's deliveries, newest first." })
export class WebhookDeliveryConnection {
  @Field(() => [WebhookDeliveryEdge], { description: 'Deliveries of this page.' }) edges!: WebhookDeliveryEdge[];
  @Field(() => PageInfo, { description: 'Paging information.' }) pageInfo!: PageInfo;
}
