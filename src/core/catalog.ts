/**
 * The field catalog: for each object type, its table, its standard fields (GraphQL name,
 * column, value type), its relations and whether it has events. It is the only source of SQL
 * identifiers in the project: nothing a client sends ever becomes an identifier.
 */
import { FieldType, ObjectType, OPERATORS_BY_TYPE, FilterOperator } from './object-types';

export interface StandardField {
  /** Name in GraphQL and in filters, e.g. `lastSeenAt`. */
  readonly name: string;
  /** Column of the type's table, e.g. `last_seen_at`. */
  readonly column: string;
  readonly type: FieldType;
  readonly label: string;
  /** Whether an upsert may write it (id, createdAt on update, updatedAt are managed). */
  readonly writable: boolean;
  /** Whether a created object must have it (and it can never be cleared). */
  readonly required?: boolean;
  /** Value a created object gets when the input leaves the field out. */
  readonly defaultValue?: string | boolean;
}

/**
 * How a relation joins. `own`: the source row holds the target's id in `column` (user.company_id).
 * `inverse`: the target rows hold the source's id in `column` (deal.user_id for user → deals).
 */
export type RelationJoin = { readonly kind: 'own'; readonly column: string } | { readonly kind: 'inverse'; readonly column: string };

export interface RelationDef {
  readonly relation: string;
  readonly target: ObjectType;
  readonly many: boolean;
  readonly join: RelationJoin;
}

/** A reference an upsert input may set by id or by external id (UserInput.companyId / companyExternalId). */
export interface ReferenceDef {
  /** Input key of the id form, e.g. `companyId`; the external form is `companyExternalId`. */
  readonly idKey: string;
  readonly externalIdKey: string;
  readonly column: string;
  readonly target: ObjectType;
}

export interface TypeCatalog {
  readonly type: ObjectType;
  readonly table: string;
  readonly fields: readonly StandardField[];
  readonly references: readonly ReferenceDef[];
  readonly relations: readonly RelationDef[];
  /** Column of `events` naming this type's objects, for the types that have events. */
  readonly eventColumn: 'user_id' | 'product_id' | null;
}

const common = (): StandardField[] => [
  { name: 'externalId', column: 'external_id', type: 'STRING', label: 'External id', writable: true },
  { name: 'createdAt', column: 'created_at', type: 'DATE', label: 'Created at', writable: true },
  { name: 'updatedAt', column: 'updated_at', type: 'DATE', label: 'Updated at', writable: false },
];
const s = (name: string, column: string, label: string, extra: Partial<StandardField> = {}): StandardField => ({
  name, column, type: 'STRING', label, writable: true, ...extra,
});
const n = (name: string, column: string, label: string): StandardField => ({ name, column, type: 'NUMBER', label, writable: true });
const d = (name: string, column: string, label: string): StandardField => ({ name, column, type: 'DATE', label, writable: true });

export const CATALOG: Readonly<Record<ObjectType, TypeCatalog>> = {
  USER: {
    type: 'USER',
    table: 'users',
    fields: [
      ...common(),
      s('email', 'email', 'Email'),
      s('firstName', 'first_name', 'First name'),
      s('lastName', 'last_name', 'Last name'),
      s('phone', 'phone', 'Phone'),
      s('country', 'country', 'Country'),
      s('city', 'city', 'City'),
      { name: 'marketingConsent', column: 'marketing_consent', type: 'BOOLEAN', label: 'Marketing consent', writable: true, defaultValue: false },
      d('lastSeenAt', 'last_seen_at', 'Last seen at'),
    ],
    references: [{ idKey: 'companyId', externalIdKey: 'companyExternalId', column: 'company_id', target: 'COMPANY' }],
    relations: [
      { relation: 'company', target: 'COMPANY', many: false, join: { kind: 'own', column: 'company_id' } },
      { relation: 'deals', target: 'DEAL', many: true, join: { kind: 'inverse', column: 'user_id' } },
      { relation: 'tickets', target: 'TICKET', many: true, join: { kind: 'inverse', column: 'user_id' } },
      { relation: 'activities', target: 'ACTIVITY', many: true, join: { kind: 'inverse', column: 'user_id' } },
    ],
    eventColumn: 'user_id',
  },
  COMPANY: {
    type: 'COMPANY',
    table: 'companies',
    fields: [
      ...common(),
      s('name', 'name', 'Name', { required: true }),
      s('industry', 'industry', 'Industry'),
      s('country', 'country', 'Country'),
      n('employees', 'employees', 'Employees'),
      n('annualRevenue', 'annual_revenue', 'Annual revenue'),
    ],
    references: [],
    relations: [
      { relation: 'users', target: 'USER', many: true, join: { kind: 'inverse', column: 'company_id' } },
      { relation: 'deals', target: 'DEAL', many: true, join: { kind: 'inverse', column: 'company_id' } },
    ],
    eventColumn: null,
  },
  PRODUCT: {
    type: 'PRODUCT',
    table: 'products',
    fields: [
      ...common(),
      s('sku', 'sku', 'SKU'),
      s('name', 'name', 'Name', { required: true }),
      s('category', 'category', 'Category'),
      n('price', 'price', 'Price'),
      n('stock', 'stock', 'Stock'),
    ],
    references: [],
    relations: [],
    eventColumn: 'product_id',
  },
  DEAL: {
    type: 'DEAL',
    table: 'deals',
    fields: [
      ...common(),
      s('name', 'name', 'Name', { required: true }),
      n('value', 'value', 'Value'),
      s('currency', 'currency', 'Currency'),
      s('stage', 'stage', 'Stage'),
      s('status', 'status', 'Status', { required: true, defaultValue: 'open' }),
      d('expectedCloseAt', 'expected_close_at', 'Expected close at'),
      d('closedAt', 'closed_at', 'Closed at'),
      s('ownerId', 'owner_id', 'Owner id'),
    ],
    references: [
      { idKey: 'userId', externalIdKey: 'userExternalId', column: 'user_id', target: 'USER' },
      { idKey: 'companyId', externalIdKey: 'companyExternalId', column: 'company_id', target: 'COMPANY' },
    ],
    relations: [
      { relation: 'user', target: 'USER', many: false, join: { kind: 'own', column: 'user_id' } },
      { relation: 'company', target: 'COMPANY', many: false, join: { kind: 'own', column: 'company_id' } },
      { relation: 'activities', target: 'ACTIVITY', many: true, join: { kind: 'inverse', column: 'deal_id' } },
    ],
    eventColumn: null,
  },
  ACTIVITY: {
    type: 'ACTIVITY',
    table: 'activities',
    fields: [
      ...common(),
      s('type', 'type', 'Type', { required: true }),
      s('subject', 'subject', 'Subject'),
      s('status', 'status', 'Status', { required: true, defaultValue: 'open' }),
      d('dueAt', 'due_at', 'Due at'),
      d('completedAt', 'completed_at', 'Completed at'),
      s('assigneeId', 'assignee_id', 'Assignee id'),
    ],
    references: [
      { idKey: 'userId', externalIdKey: 'userExternalId', column: 'user_id', target: 'USER' },
      { idKey: 'dealId', externalIdKey: 'dealExternalId', column: 'deal_id', target: 'DEAL' },
    ],
    relations: [
      { relation: 'user', target: 'USER', many: false, join: { kind: 'own', column: 'user_id' } },
      { relation: 'deal', target: 'DEAL', many: false, join: { kind: 'own', column: 'deal_id' } },
    ],
    eventColumn: null,
  },
  TICKET: {
    type: 'TICKET',
    table: 'tickets',
    fields: [
      ...common(),
      s('subject', 'subject', 'Subject', { required: true }),
      s('status', 'status', 'Status', { required: true, defaultValue: 'open' }),
      s('priority', 'priority', 'Priority', { required: true, defaultValue: 'normal' }),
      s('channel', 'channel', 'Channel'),
      d('resolvedAt', 'resolved_at', 'Resolved at'),
      s('assigneeId', 'assignee_id', 'Assignee id'),
    ],
    references: [{ idKey: 'userId', externalIdKey: 'userExternalId', column: 'user_id', target: 'USER' }],
    relations: [{ relation: 'user', target: 'USER', many: false, join: { kind: 'own', column: 'user_id' } }],
    eventColumn: null,
  },
};

/** Custom attribute keys: letters, digits and underscores, so a key is always a safe JSON path step. */
export const ATTRIBUTE_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const CUSTOM_FIELD_PREFIX = 'attributes.';

export function standardField(type: ObjectType, name: string): StandardField | undefined {
  return CATALOG[type].fields.find((f) => f.name === name);
}

export function relationOf(type: ObjectType, relation: string): RelationDef | undefined {
  return CATALOG[type].relations.find((r) => r.relation === relation);
}

export function operatorsFor(type: FieldType): readonly FilterOperator[] {
  return OPERATORS_BY_TYPE[type];
}
