/**
 * The validated filter tree: what `validateFilter` makes of a GraphQL `FilterInput` and what the
 * compiler, the explainer and the time bookkeeping read. Every node is true or false for an
 * object (no third value), exactly as SEMANTICS.md "Filters" says.
 */
import { EventAggregate, FieldType, FilterOperator, ObjectType } from '../object-types';

/** A field of the object: a standard one from the catalog, or a custom attribute with its declared type. */
export type FieldRef =
  | { readonly kind: 'standard'; readonly name: string; readonly type: FieldType }
  | { readonly kind: 'custom'; readonly key: string; readonly type: FieldType };

/**
 * A comparison value after validation: numbers are finite numbers, DATE values are `Date`s
 * (WITHIN_LAST_DAYS / MORE_THAN_DAYS_AGO keep a number of days), strings are strings.
 * BETWEEN holds `[low, high]`, IN / NOT_IN a non-empty array, IS_* nothing.
 */
export type ScalarValue = string | number | boolean | Date;
export type ConditionValue = ScalarValue | readonly ScalarValue[] | null;

export interface Condition {
  readonly operator: FilterOperator;
  readonly value: ConditionValue;
}

export interface AttributeNode extends Condition {
  readonly kind: 'attribute';
  readonly field: FieldRef;
}

export interface PropertyCondition extends Condition {
  /** Event property name, e.g. `amount` (letters, digits, underscores). */
  readonly property: string;
  /**
   * How the property is compared: from the operator and the value (a numeric operator compares
   * numerically). `ANY` is for IS_SET / IS_NOT_SET, which look at presence whatever the JSON type.
   */
  readonly type: FieldType | 'ANY';
}

export type TimeWindow =
  | { readonly kind: 'lastDays'; readonly days: number }
  | { readonly kind: 'range'; readonly from: Date | null; readonly to: Date | null };

export interface EventNode extends Condition {
  readonly kind: 'event';
  readonly name: string;
  readonly where: readonly PropertyCondition[];
  readonly window: TimeWindow | null;
  readonly aggregate: EventAggregate;
  /** The numeric property SUM, AVG, MIN and MAX read; null for COUNT and the two dates. */
  readonly property: string | null;
}

export interface TagNode { readonly kind: 'tag'; readonly tag: string; readonly has: boolean }
export interface ListNode { readonly kind: 'list'; readonly listId: string; readonly isMember: boolean }
export interface SegmentNode { readonly kind: 'segment'; readonly segmentId: string; readonly isMember: boolean }
export interface RelatedNode {
  readonly kind: 'related';
  readonly relation: string;
  /** Object type the nested filter applies to (the relation's target). */
  readonly target: ObjectType;
  readonly quantifier: 'ANY' | 'NONE';
  readonly filter: FilterNode;
}
export interface AndNode { readonly kind: 'and'; readonly children: readonly FilterNode[] }
export interface OrNode { readonly kind: 'or'; readonly children: readonly FilterNode[] }
export interface NotNode { readonly kind: 'not'; readonly child: FilterNode }

export type FilterNode =
  | AndNode | OrNode | NotNode | AttributeNode | EventNode | TagNode | ListNode | SegmentNode | RelatedNode;

/** A compiled SQL fragment: text with `?` placeholders, and its parameters in order. */
export interface SqlFragment {
  readonly sql: string;
  readonly params: readonly unknown[];
  /**
   * Set only by a node compiler whose whole condition is `<row>.id IN (<select>)`, where `select`
   * is uncorrelated and yields each id at most once (a key of its table, or a GROUP BY): the
   * statement builder may then join `select` as a derived table instead (compile-statement.ts).
   * Fragments built from this one (`sql`, `join`, `negate`) do not carry it.
   */
  readonly idSet?: IdSet;
}

/** An uncorrelated `SELECT <column> FROM …` that yields each object id at most once. */
export interface IdSet {
  readonly select: SqlFragment;
  /** The name of the selected column (the derived table's column). */
  readonly column: string;
  /**
   * Every id the set yields names an object of the statement's workspace and object type, so a
   * statement that needs nothing but the set's ids may skip reading the object table. The writes
   * keep it so: tags, list members and custom-attribute values are added only for objects that the
   * same transaction found and locked (TagService, ListService, ObjectService.upsert), and go with
   * the object in ObjectService.delete (tests/integration/membership-rows.spec.ts). Not set for
   * events (kept after a product is deleted) nor for segment members (cached results, which keep a
   * deleted object until the segment's next evaluation).
   */
  readonly ofExistingObjects?: boolean;
}
