/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** A standard field by its name (email), or a custom attribute as attributes.<key>. */
export type AttributeConditionInput = {
  /** Field name, or attributes.<key>. */
  field: string;
  /** Comparison; must be allowed for the field's type. */
  operator: FilterOperator;
  /** Value: a scalar, [low, high] for BETWEEN, a list for IN/NOT_IN, days for the relative date operators, none for IS_*. */
  value?: unknown;
};

/** What an event condition compares: the count of matching events, a numeric property aggregate, or the first/last occurrence. */
export type EventAggregate =
  | 'AVG'
  | 'COUNT'
  | 'FIRST_OCCURRED_AT'
  | 'LAST_OCCURRED_AT'
  | 'MAX'
  | 'MIN'
  | 'SUM';

/** Compares an aggregate of the matching events with a value (default: COUNT GTE 1). */
export type EventConditionInput = {
  /** What to compare. */
  aggregate?: EventAggregate | null | undefined;
  /** Event name. */
  name: string;
  /** Comparison of the aggregate. */
  operator?: FilterOperator | null | undefined;
  /** The numeric event property that SUM, AVG, MIN and MAX read. */
  property?: string | null | undefined;
  /** Value the aggregate is compared with. */
  value?: unknown;
  /** Conditions every counted event must meet. */
  where?: Array<EventPropertyConditionInput> | null | undefined;
  /** Only events inside this window count. */
  window?: TimeWindowInput | null | undefined;
};

/** One event of a user, optionally naming a product. */
export type EventInput = {
  /** Idempotency key: an event whose messageId was already stored is not stored again. */
  messageId?: string | null | undefined;
  /** Event name, e.g. order_completed. */
  name: string;
  /** When it happened (default now). */
  occurredAt?: string | null | undefined;
  /** The product by external id (must exist). */
  productExternalId?: string | null | undefined;
  /** The product by id. */
  productId?: string | number | null | undefined;
  /** Event properties, a JSON object. */
  properties?: unknown;
  /** The user by external id; an unknown one creates the user. */
  userExternalId?: string | null | undefined;
  /** The user by id. */
  userId?: string | number | null | undefined;
};

/** A condition on one property of the events counted. */
export type EventPropertyConditionInput = {
  /** Comparison; a numeric operator compares numerically. */
  operator: FilterOperator;
  /** Property name. */
  property: string;
  /** Value, as for attribute conditions. */
  value?: unknown;
};

/** Value type of a field or custom attribute; it decides the filter operators allowed. */
export type FieldType =
  | 'BOOLEAN'
  | 'DATE'
  | 'NUMBER'
  | 'STRING';

/** One node of a filter tree: exactly one of its fields is set. */
export type FilterInput = {
  /** All children hold (at least one child). */
  and?: Array<FilterInput> | null | undefined;
  /** A field or custom attribute condition. */
  attribute?: AttributeConditionInput | null | undefined;
  /** An event aggregate condition (USER and PRODUCT). */
  event?: EventConditionInput | null | undefined;
  /** A static list membership condition. */
  list?: ListConditionInput | null | undefined;
  /** The child does not hold. */
  not?: FilterInput | null | undefined;
  /** Some child holds (at least one child). */
  or?: Array<FilterInput> | null | undefined;
  /** A condition on related objects. */
  related?: RelatedConditionInput | null | undefined;
  /** Membership of another segment. */
  segment?: SegmentConditionInput | null | undefined;
  /** A tag condition. */
  tag?: TagConditionInput | null | undefined;
};

/** Comparison of a filter condition. STRING: EQ NEQ IN NOT_IN CONTAINS NOT_CONTAINS STARTS_WITH ENDS_WITH IS_SET IS_NOT_SET; NUMBER: EQ NEQ GT GTE LT LTE BETWEEN IN NOT_IN IS_SET IS_NOT_SET; DATE: BEFORE AFTER BETWEEN WITHIN_LAST_DAYS MORE_THAN_DAYS_AGO IS_SET IS_NOT_SET; BOOLEAN: IS_TRUE IS_FALSE IS_SET IS_NOT_SET. */
export type FilterOperator =
  | 'AFTER'
  | 'BEFORE'
  | 'BETWEEN'
  | 'CONTAINS'
  | 'ENDS_WITH'
  | 'EQ'
  | 'GT'
  | 'GTE'
  | 'IN'
  | 'IS_FALSE'
  | 'IS_NOT_SET'
  | 'IS_SET'
  | 'IS_TRUE'
  | 'LT'
  | 'LTE'
  | 'MORE_THAN_DAYS_AGO'
  | 'NEQ'
  | 'NOT_CONTAINS'
  | 'NOT_IN'
  | 'STARTS_WITH'
  | 'WITHIN_LAST_DAYS';

/** The object is (or is not) in a static list of the same object type. */
export type ListConditionInput = {
  /** false negates. */
  isMember?: boolean | null | undefined;
  /** The list. */
  listId: string | number;
};

/** The six kinds of CRM object. */
export type ObjectType =
  | 'ACTIVITY'
  | 'COMPANY'
  | 'DEAL'
  | 'PRODUCT'
  | 'TICKET'
  | 'USER';

/** ANY: some related object matches; NONE: no related object matches. */
export type Quantifier =
  | 'ANY'
  | 'NONE';

/** Some (ANY) or no (NONE) related object satisfies the nested filter. */
export type RelatedConditionInput = {
  /** Filter on the related objects. */
  filter: FilterInput;
  /** ANY or NONE. */
  quantifier?: Quantifier | null | undefined;
  /** Relation name, from relations(objectType). */
  relation: string;
};

/** The object is (or is not) in another segment's cached results. */
export type SegmentConditionInput = {
  /** false negates. */
  isMember?: boolean | null | undefined;
  /** The other segment (same object type). */
  segmentId: string | number;
};

/** Where a segment stands in its sync cycle. */
export type SyncStatus =
  | 'FAILED'
  | 'IDLE'
  | 'NEVER_SYNCED'
  | 'QUEUED'
  | 'RUNNING';

/** What caused a sync or a membership change. */
export type SyncTrigger =
  | 'DEFINITION_CHANGED'
  | 'DEPENDENCY'
  | 'MANUAL'
  | 'REALTIME'
  | 'SCHEDULE'
  | 'TIME';

/** The object carries (or, with has: false, lacks) a tag. */
export type TagConditionInput = {
  /** false negates. */
  has?: boolean | null | undefined;
  /** Tag name. */
  tag: string;
};

/** Either lastDays, or from and/or to (both ends inclusive). */
export type TimeWindowInput = {
  /** Events at or after this moment. */
  from?: string | null | undefined;
  /** Events of the last n days (fractions allowed). */
  lastDays?: number | null | undefined;
  /** Events at or before this moment. */
  to?: string | null | undefined;
};

export type FilterBuilderCatalogQueryVariables = Exact<{
  objectType: ObjectType;
}>;


export type FilterBuilderCatalogQuery = { tags: Array<string>, filterableFields: Array<{ field: string, label: string, type: FieldType, custom: boolean, operators: Array<FilterOperator> }>, relations: Array<{ relation: string, target: ObjectType, many: boolean }>, lists: Array<{ id: string, name: string, size: number }> };

export type PreviewFilterQueryVariables = Exact<{
  objectType: ObjectType;
  filter: FilterInput;
  sampleSize?: number | null | undefined;
}>;


export type PreviewFilterQuery = { previewSegment: { count: number, sample: Array<
      | { id: string, objectType: ObjectType, externalId: string | null }
      | { id: string, objectType: ObjectType, externalId: string | null }
      | { id: string, objectType: ObjectType, externalId: string | null }
      | { id: string, objectType: ObjectType, externalId: string | null }
      | { id: string, objectType: ObjectType, externalId: string | null }
      | { id: string, objectType: ObjectType, externalId: string | null }
    > } };

export type SegmentListQueryVariables = Exact<{
  objectType?: ObjectType | null | undefined;
}>;


export type SegmentListQuery = { segments: Array<{ id: string, name: string, objectType: ObjectType, count: number, syncStatus: SyncStatus, lastSyncedAt: string | null, nextSyncAt: string | null }> };

export type TrackEventsBatchMutationVariables = Exact<{
  input: Array<EventInput> | EventInput;
}>;


export type TrackEventsBatchMutation = { trackEvents: { accepted: number, duplicates: number } };

export type LiveSegmentCountsSubscriptionVariables = Exact<{
  objectType?: ObjectType | null | undefined;
  segmentIds?: Array<string | number> | string | number | null | undefined;
}>;


export type LiveSegmentCountsSubscription = { segmentCountChanged: { segmentId: string, count: number, previousCount: number, trigger: SyncTrigger, at: string } };


export const FilterBuilderCatalogDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"FilterBuilderCatalog"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"objectType"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ObjectType"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"filterableFields"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"objectType"},"value":{"kind":"Variable","name":{"kind":"Name","value":"objectType"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"label"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"custom"}},{"kind":"Field","name":{"kind":"Name","value":"operators"}}]}},{"kind":"Field","name":{"kind":"Name","value":"relations"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"objectType"},"value":{"kind":"Variable","name":{"kind":"Name","value":"objectType"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"relation"}},{"kind":"Field","name":{"kind":"Name","value":"target"}},{"kind":"Field","name":{"kind":"Name","value":"many"}}]}},{"kind":"Field","name":{"kind":"Name","value":"lists"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"objectType"},"value":{"kind":"Variable","name":{"kind":"Name","value":"objectType"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"size"}}]}},{"kind":"Field","name":{"kind":"Name","value":"tags"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"objectType"},"value":{"kind":"Variable","name":{"kind":"Name","value":"objectType"}}}]}]}}]} as unknown as DocumentNode<FilterBuilderCatalogQuery, FilterBuilderCatalogQueryVariables>;
export const PreviewFilterDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PreviewFilter"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"objectType"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ObjectType"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"FilterInput"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"sampleSize"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"previewSegment"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"objectType"},"value":{"kind":"Variable","name":{"kind":"Name","value":"objectType"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"sampleSize"},"value":{"kind":"Variable","name":{"kind":"Name","value":"sampleSize"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"count"}},{"kind":"Field","name":{"kind":"Name","value":"sample"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"objectType"}},{"kind":"Field","name":{"kind":"Name","value":"externalId"}}]}}]}}]}}]} as unknown as DocumentNode<PreviewFilterQuery, PreviewFilterQueryVariables>;
export const SegmentListDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"SegmentList"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"objectType"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ObjectType"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"segments"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"objectType"},"value":{"kind":"Variable","name":{"kind":"Name","value":"objectType"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"objectType"}},{"kind":"Field","name":{"kind":"Name","value":"count"}},{"kind":"Field","name":{"kind":"Name","value":"syncStatus"}},{"kind":"Field","name":{"kind":"Name","value":"lastSyncedAt"}},{"kind":"Field","name":{"kind":"Name","value":"nextSyncAt"}}]}}]}}]} as unknown as DocumentNode<SegmentListQuery, SegmentListQueryVariables>;
export const TrackEventsBatchDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"TrackEventsBatch"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"EventInput"}}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"trackEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accepted"}},{"kind":"Field","name":{"kind":"Name","value":"duplicates"}}]}}]}}]} as unknown as DocumentNode<TrackEventsBatchMutation, TrackEventsBatchMutationVariables>;
export const LiveSegmentCountsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"LiveSegmentCounts"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"objectType"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ObjectType"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"segmentIds"}},"type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"segmentCountChanged"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"objectType"},"value":{"kind":"Variable","name":{"kind":"Name","value":"objectType"}}},{"kind":"Argument","name":{"kind":"Name","value":"segmentIds"},"value":{"kind":"Variable","name":{"kind":"Name","value":"segmentIds"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"segmentId"}},{"kind":"Field","name":{"kind":"Name","value":"count"}},{"kind":"Field","name":{"kind":"Name","value":"previousCount"}},{"kind":"Field","name":{"kind":"Name","value":"trigger"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}}]}}]} as unknown as DocumentNode<LiveSegmentCountsSubscription, LiveSegmentCountsSubscriptionVariables>;