/** The contract's enums, registered with type-graphql from the core's value lists. */
import { registerEnumType } from 'type-graphql';
import { EVENT_AGGREGATES, FIELD_TYPES, FILTER_OPERATORS, OBJECT_TYPES } from '../core/object-types';

const asEnum = <T extends string>(values: readonly T[]): { [K in T]: K } =>
  Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

export const ObjectTypeEnum = asEnum(OBJECT_TYPES);
export const AgentRoleEnum = asEnum(['ADMIN', 'AGENT'] as const);
export const FieldTypeEnum = asEnum(FIELD_TYPES);
export const FilterOperatorEnum = asEnum(FILTER_OPERATORS);
export const EventAggregateEnum = asEnum(EVENT_AGGREGATES);
export const QuantifierEnum = asEnum(['ANY', 'NONE'] as const);
export const SyncStatusEnum = asEnum(['NEVER_SYNCED', 'QUEUED', 'RUNNING', 'IDLE', 'FAILED'] as const);
export const SyncTriggerEnum = asEnum(['SCHEDULE', 'MANUAL', 'DEFINITION_CHANGED', 'REALTIME', 'DEPENDENCY', 'TIME'] as const);
export const SyncRunStatusEnum = asEnum(['RUNNING', 'SUCCEEDED', 'FAILED'] as const);
export const MembershipChangeKindEnum = asEnum(['ENTERED', 'EXITED'] as const);

registerEnumType(ObjectTypeEnum, { name: 'ObjectType', description: 'The six kinds of CRM object.' });
registerEnumType(AgentRoleEnum, { name: 'AgentRole', description: 'ADMIN agents may create agents; AGENTs may do everything else in their workspace.' });
registerEnumType(FieldTypeEnum, { name: 'FieldType', description: 'Value type of a field or custom attribute; it decides the filter operators allowed.' });
registerEnumType(FilterOperatorEnum, {
  name: 'FilterOperator',
  description: 'Comparison of a filter condition. STRING: EQ NEQ IN NOT_IN CONTAINS NOT_CONTAINS STARTS_WITH ENDS_WITH IS_SET IS_NOT_SET; NUMBER: EQ NEQ GT GTE LT LTE BETWEEN IN NOT_IN IS_SET IS_NOT_SET; DATE: BEFORE AFTER BETWEEN WITHIN_LAST_DAYS MORE_THAN_DAYS_AGO IS_SET IS_NOT_SET; BOOLEAN: IS_TRUE IS_FALSE IS_SET IS_NOT_SET.',
});
registerEnumType(EventAggregateEnum, { name: 'EventAggregate', description: 'What an event condition compares: the count of matching events, a numeric property aggregate, or the first/last occurrence.' });
registerEnumType(QuantifierEnum, { name: 'Quantifier', description: 'ANY: some related object matches; NONE: no related object matches.' });
registerEnumType(SyncStatusEnum, { name: 'SyncStatus', description: 'Where a segment stands in its sync cycle.' });
registerEnumType(SyncTriggerEnum, { name: 'SyncTrigger', description: 'What caused a sync or a membership change.' });
registerEnumType(MembershipChangeKindEnum, { name: 'MembershipChangeKind', description: 'Whether an object entered or left the cached results.' });
registerEnumType(SyncRunStatusEnum, { name: 'SyncRunStatus', description: 'Outcome of one sync run.' });
