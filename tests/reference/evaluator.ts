/**
 * The reference evaluator: an in-memory, deliberately naive reading of SEMANTICS.md ("Filters")
 * and of the project decisions listed in the differential test's brief. It takes the GraphQL-shaped
 * FilterInput (not the validated tree) and a plain data set, and returns the ids that match.
 *
 * It shares no code with src/core/filter: disagreements with the SQL compiler point at a bug on
 * one side or the other.
 *
 * Rules, in short:
 * - Missing = null/absent/JSON null, and '' for STRING. IS_SET = not missing. NEQ, NOT_IN,
 *   NOT_CONTAINS, IS_NOT_SET are exactly the negations of EQ, IN, CONTAINS, IS_SET; every other
 *   operator fails on a missing value.
 * - Strings compare after folding (lower case, combining accents stripped), which for the data
 *   sets' alphabet is exactly utf8mb4_unicode_520_ci; CONTAINS/STARTS_WITH/ENDS_WITH are literal.
 * - Dates are millisecond instants; days are n·86 400 000 ms.
 */
import { CATALOG, CUSTOM_FIELD_PREFIX } from '../../src/core/catalog';
import { FieldType, FilterOperator, ObjectType } from '../../src/core/object-types';
import type { DataSet, EventRecord, ObjectRecord } from './dataset';

export const DAY_MS = 86_400_000;

// ------------------------------------------------------------------------------------------ input shape

export interface AttributeConditionInput { field: string; operator: FilterOperator; value?: unknown }
export interface EventPropertyConditionInput { property: string; operator: FilterOperator; value?: unknown }
export interface TimeWindowInput { lastDays?: number | null; from?: string | null; to?: string | null }
export interface EventConditionInput {
  name: string;
  where?: EventPropertyConditionInput[] | null;
  window?: TimeWindowInput | null;
  aggregate?: 'COUNT' | 'SUM' | 'AVG' | 'MIN' | 'MAX' | 'FIRST_OCCURRED_AT' | 'LAST_OCCURRED_AT' | null;
  property?: string | null;
  operator?: FilterOperator | null;
  value?: unknown;
}
export interface FilterInput {
  and?: FilterInput[];
  or?: FilterInput[];
  not?: FilterInput;
  attribute?: AttributeConditionInput;
  event?: EventConditionInput;
  tag?: { tag: string; has?: boolean | null };
  list?: { listId: string; isMember?: boolean | null };
  segment?: { segmentId: string; isMember?: boolean | null };
  related?: { relation: string; quantifier?: 'ANY' | 'NONE' | null; filter: FilterInput };
}

// ------------------------------------------------------------------------------------------ values

/** Case- and accent-insensitive key of a string (lower case, NFD, combining marks removed). */
export function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

const CANONICAL_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** A JSON string in one of the two accepted date forms, as epoch ms; anything else is missing. */
export function parseJsonDate(v: unknown): number | null {
  if (typeof v !== 'string' || !(CANONICAL_DATE.test(v) || DATE_ONLY.test(v))) return null;
  const ms = Date.parse(DATE_ONLY.test(v) ? `${v}T00:00:00.000Z` : v);
  return Number.isNaN(ms) ? null : ms;
}

/** A value normalised to its comparison type, or null when missing. */
type Norm = string | number | boolean | null;

/** Normalises a stored value (column or JSON) to `type`; wrong JSON types count as missing. */
function normalise(raw: unknown, type: FieldType): Norm {
  if (raw === undefined || raw === null) return null;
  switch (type) {
    case 'STRING': return typeof raw === 'string' && raw !== '' ? raw : null;
    case 'NUMBER': return typeof raw === 'number' && Number.isFinite(raw) ? raw : null;
    case 'BOOLEAN': return typeof raw === 'boolean' ? raw : null;
    case 'DATE': return raw instanceof Date ? raw.getTime() : parseJsonDate(raw);
  }
}

function filterDate(v: unknown): number {
  if (v instanceof Date) return v.getTime();
  if (typeof v !== 'string') throw new Error(`reference: date value expected, got ${JSON.stringify(v)}`);
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new Error(`reference: bad date ${v}`);
  return ms;
}

function filterNumber(v: unknown): number {
  if (typeof v !== 'number') throw new Error(`reference: number value expected, got ${JSON.stringify(v)}`);
  return v;
}

function filterString(v: unknown): string {
  if (typeof v !== 'string') throw new Error(`reference: string value expected, got ${JSON.stringify(v)}`);
  return fold(v);
}

function pair(v: unknown): [unknown, unknown] {
  if (!Array.isArray(v) || v.length !== 2) throw new Error(`reference: [low, high] expected, got ${JSON.stringify(v)}`);
  return [v[0], v[1]];
}

function list(v: unknown): unknown[] {
  if (!Array.isArray(v) || v.length === 0) throw new Error(`reference: non-empty list expected, got ${JSON.stringify(v)}`);
  return v;
}

const NEGATION: Partial<Record<FilterOperator, FilterOperator>> = {
  NEQ: 'EQ', NOT_IN: 'IN', NOT_CONTAINS: 'CONTAINS', IS_NOT_SET: 'IS_SET',
};

/**
 * `x op value` for a normalised `x` of comparison type `type`. Negated operators are the exact
 * negation of their positive one; every positive operator fails on a missing value.
 */
export function compare(type: FieldType, op: FilterOperator, x: Norm, value: unknown, now: number): boolean {
  const positive = NEGATION[op];
  if (positive) return !compare(type, positive, x, value, now);
  if (op === 'IS_SET') return x !== null;
  if (x === null) return false;
  switch (type) {
    case 'STRING': {
      const s = fold(x as string);
      switch (op) {
        case 'EQ': return s === filterString(value);
        case 'IN': return list(value).some((v) => s === filterString(v));
        case 'CONTAINS': return s.includes(filterString(value));
        case 'STARTS_WITH': return s.startsWith(filterString(value));
        case 'ENDS_WITH': return s.endsWith(filterString(value));
        default: break;
      }
      break;
    }
    case 'NUMBER': {
      const n = x as number;
      switch (op) {
        case 'EQ': return n === filterNumber(value);
        case 'GT': return n > filterNumber(value);
        case 'GTE': return n >= filterNumber(value);
        case 'LT': return n < filterNumber(value);
        case 'LTE': return n <= filterNumber(value);
        case 'BETWEEN': { const [a, b] = pair(value); return filterNumber(a) <= n && n <= filterNumber(b); }
        case 'IN': return list(value).some((v) => n === filterNumber(v));
        default: break;
      }
      break;
    }
    case 'DATE': {
      const t = x as number;
      switch (op) {
        case 'BEFORE': return t < filterDate(value);
        case 'AFTER': return t > filterDate(value);
        case 'BETWEEN': { const [a, b] = pair(value); return filterDate(a) <= t && t <= filterDate(b); }
        case 'WITHIN_LAST_DAYS': return now - filterNumber(value) * DAY_MS <= t && t <= now;
        case 'MORE_THAN_DAYS_AGO': return t < now - filterNumber(value) * DAY_MS;
        default: break;
      }
      break;
    }
    case 'BOOLEAN':
      if (op === 'IS_TRUE') return x === true;
      if (op === 'IS_FALSE') return x === false;
      break;
  }
  throw new Error(`reference: operator ${op} is not defined for ${type}`);
}

// ------------------------------------------------------------------------------------------ indexes

interface Index {
  objects: Map<string, ObjectRecord[]>; // type|ws
  byId: Map<string, ObjectRecord>; // type|ws|id
  inverse: Map<string, ObjectRecord[]>; // type|ws|column|id
  eventsByUser: Map<string, EventRecord[]>; // ws|id
  eventsByProduct: Map<string, EventRecord[]>; // ws|id
  tags: Map<string, Set<string>>; // type|ws|id -> folded tags
  lists: Map<string, { workspaceId: string; objectType: ObjectType; members: Set<string> }>;
  attributeTypes: Map<string, FieldType>; // type|ws|key
}

const indexes = new WeakMap<DataSet, Index>();

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const a = m.get(k);
  if (a) a.push(v); else m.set(k, [v]);
}

function indexOf(ds: DataSet): Index {
  const cached = indexes.get(ds);
  if (cached) return cached;
  const ix: Index = {
    objects: new Map(), byId: new Map(), inverse: new Map(), eventsByUser: new Map(), eventsByProduct: new Map(),
    tags: new Map(), lists: new Map(), attributeTypes: new Map(),
  };
  for (const type of Object.keys(ds.objects) as ObjectType[]) {
    for (const o of ds.objects[type]) {
      push(ix.objects, `${type}|${o.workspaceId}`, o);
      ix.byId.set(`${type}|${o.workspaceId}|${o.id}`, o);
      for (const [column, id] of Object.entries(o.refs)) if (id !== null) push(ix.inverse, `${type}|${o.workspaceId}|${column}|${id}`, o);
    }
  }
  for (const e of ds.events) {
    push(ix.eventsByUser, `${e.workspaceId}|${e.userId}`, e);
    if (e.productId !== null) push(ix.eventsByProduct, `${e.workspaceId}|${e.productId}`, e);
  }
  for (const t of ds.tags) {
    const k = `${t.objectType}|${t.workspaceId}|${t.objectId}`;
    const set = ix.tags.get(k) ?? new Set<string>();
    set.add(fold(t.tag.trim()));
    ix.tags.set(k, set);
  }
  for (const l of ds.lists) ix.lists.set(l.id, { workspaceId: l.workspaceId, objectType: l.objectType, members: new Set(l.memberIds) });
  for (const d of ds.attributeDefs) ix.attributeTypes.set(`${d.objectType}|${d.workspaceId}|${d.key}`, d.type);
  indexes.set(ds, ix);
  return ix;
}

// ------------------------------------------------------------------------------------------ evaluation

interface Ctx { ds: DataSet; ix: Index; ws: string; now: number }

/** Which FilterInput field a node sets (exactly one). */
function kindOf(node: FilterInput): keyof FilterInput {
  const set = (Object.keys(node) as (keyof FilterInput)[]).filter((k) => node[k] !== undefined && node[k] !== null);
  if (set.length !== 1) throw new Error(`reference: a filter node must set exactly one field, got ${JSON.stringify(set)}`);
  return set[0];
}

function test(c: Ctx, type: ObjectType, node: FilterInput, o: ObjectRecord): boolean {
  const kind = kindOf(node);
  switch (kind) {
    case 'and': return node.and!.every((n) => test(c, type, n, o));
    case 'or': return node.or!.some((n) => test(c, type, n, o));
    case 'not': return !test(c, type, node.not!, o);
    case 'attribute': return attribute(c, type, node.attribute!, o);
    case 'event': return event(c, type, node.event!, o);
    case 'tag': {
      const has = c.ix.tags.get(`${type}|${c.ws}|${o.id}`)?.has(fold(node.tag!.tag.trim())) ?? false;
      return (node.tag!.has ?? true) ? has : !has;
    }
    case 'list': {
      const l = c.ix.lists.get(node.list!.listId);
      const member = !!l && l.workspaceId === c.ws && l.objectType === type && l.members.has(o.id);
      return (node.list!.isMember ?? true) ? member : !member;
    }
    case 'related': return related(c, type, node.related!, o);
    case 'segment': throw new Error('reference: segment nodes are not supported');
  }
}

function attribute(c: Ctx, type: ObjectType, a: AttributeConditionInput, o: ObjectRecord): boolean {
  let raw: unknown;
  let fieldType: FieldType;
  if (a.field.startsWith(CUSTOM_FIELD_PREFIX)) {
    const key = a.field.slice(CUSTOM_FIELD_PREFIX.length);
    const declared = c.ix.attributeTypes.get(`${type}|${c.ws}|${key}`);
    if (!declared) throw new Error(`reference: attribute ${key} is not declared for ${type}`);
    fieldType = declared;
    raw = Object.prototype.hasOwnProperty.call(o.attributes, key) ? o.attributes[key] : undefined;
  } else {
    const f = CATALOG[type].fields.find((x) => x.name === a.field);
    if (!f) throw new Error(`reference: unknown field ${a.field} of ${type}`);
    fieldType = f.type;
    raw = o.fields[f.name];
  }
  return compare(fieldType, a.operator, normalise(raw, fieldType), a.value, c.now);
}

/** The comparison type of an event property condition, from its operator and value. */
export function propertyType(op: FilterOperator, value: unknown): FieldType | 'PRESENCE' {
  const first = Array.isArray(value) ? value[0] : value;
  switch (op) {
    case 'GT': case 'GTE': case 'LT': case 'LTE': return 'NUMBER';
    case 'EQ': case 'NEQ': case 'IN': case 'NOT_IN': return typeof first === 'number' ? 'NUMBER' : 'STRING';
    case 'BETWEEN': return typeof first === 'number' ? 'NUMBER' : 'DATE';
    case 'IS_TRUE': case 'IS_FALSE': return 'BOOLEAN';
    case 'BEFORE': case 'AFTER': case 'WITHIN_LAST_DAYS': case 'MORE_THAN_DAYS_AGO': return 'DATE';
    case 'CONTAINS': case 'NOT_CONTAINS': case 'STARTS_WITH': case 'ENDS_WITH': return 'STRING';
    case 'IS_SET': case 'IS_NOT_SET': return 'PRESENCE';
  }
}

export function propertyHolds(p: EventPropertyConditionInput, properties: Readonly<Record<string, unknown>>, now: number): boolean {
  const raw = Object.prototype.hasOwnProperty.call(properties, p.property) ? properties[p.property] : undefined;
  const t = propertyType(p.operator, p.value);
  if (t === 'PRESENCE') {
    const set = raw !== undefined && raw !== null && raw !== '';
    return p.operator === 'IS_SET' ? set : !set;
  }
  return compare(t, p.operator, normalise(raw, t), p.value, now);
}

/** The set S of an event condition for one object. */
export function eventSet(c: Ctx, type: ObjectType, e: EventConditionInput, o: ObjectRecord): EventRecord[] {
  const all = type === 'USER' ? c.ix.eventsByUser.get(`${c.ws}|${o.id}`) : type === 'PRODUCT' ? c.ix.eventsByProduct.get(`${c.ws}|${o.id}`) : undefined;
  if (type !== 'USER' && type !== 'PRODUCT') throw new Error(`reference: ${type} has no events`);
  const name = fold(e.name);
  const w = e.window ?? {};
  const from = w.lastDays != null ? c.now - w.lastDays * DAY_MS : w.from != null ? filterDate(w.from) : null;
  const to = w.lastDays != null ? null : w.to != null ? filterDate(w.to) : null;
  return (all ?? []).filter((ev) => {
    if (fold(ev.name) !== name) return false;
    const t = ev.occurredAt.getTime();
    if (from !== null && t < from) return false;
    if (to !== null && t > to) return false;
    return (e.where ?? []).every((p) => propertyHolds(p, ev.properties, c.now));
  });
}

/** The aggregate of S: a number, an instant (ms), or null when missing. */
export function aggregateOf(e: EventConditionInput, s: readonly EventRecord[]): number | null {
  const agg = e.aggregate ?? 'COUNT';
  const numbers = (): number[] => {
    if (!e.property) throw new Error(`reference: ${agg} needs a property`);
    const out: number[] = [];
    for (const ev of s) {
      const v = Object.prototype.hasOwnProperty.call(ev.properties, e.property) ? ev.properties[e.property] : undefined;
      if (typeof v === 'number' && Number.isFinite(v)) out.push(v);
    }
    return out;
  };
  switch (agg) {
    case 'COUNT': return s.length;
    case 'SUM': return numbers().reduce((a, b) => a + b, 0);
    case 'AVG': { const n = numbers(); return n.length ? n.reduce((a, b) => a + b, 0) / n.length : null; }
    case 'MIN': { const n = numbers(); return n.length ? Math.min(...n) : null; }
    case 'MAX': { const n = numbers(); return n.length ? Math.max(...n) : null; }
    case 'FIRST_OCCURRED_AT': return s.length ? Math.min(...s.map((x) => x.occurredAt.getTime())) : null;
    case 'LAST_OCCURRED_AT': return s.length ? Math.max(...s.map((x) => x.occurredAt.getTime())) : null;
  }
}

function event(c: Ctx, type: ObjectType, e: EventConditionInput, o: ObjectRecord): boolean {
  const s = eventSet(c, type, e, o);
  const agg = e.aggregate ?? 'COUNT';
  const valueType: FieldType = agg === 'FIRST_OCCURRED_AT' || agg === 'LAST_OCCURRED_AT' ? 'DATE' : 'NUMBER';
  const value = e.value === undefined || e.value === null ? (isPresence(e.operator) ? null : 1) : e.value;
  return compare(valueType, e.operator ?? 'GTE', aggregateOf(e, s), value, c.now);
}

function isPresence(op: FilterOperator | null | undefined): boolean {
  return op === 'IS_SET' || op === 'IS_NOT_SET';
}

/** The objects related to `o` through `relation`, in the same workspace. */
export function relatedObjects(c: Ctx, type: ObjectType, relation: string, o: ObjectRecord): { target: ObjectType; objects: ObjectRecord[] } {
  const r = CATALOG[type].relations.find((x) => x.relation === relation);
  if (!r) throw new Error(`reference: ${type} has no relation ${relation}`);
  if (r.join.kind === 'own') {
    const id = o.refs[r.join.column];
    const target = id == null ? undefined : c.ix.byId.get(`${r.target}|${c.ws}|${id}`);
    return { target: r.target, objects: target ? [target] : [] };
  }
  return { target: r.target, objects: c.ix.inverse.get(`${r.target}|${c.ws}|${r.join.column}|${o.id}`) ?? [] };
}

function related(c: Ctx, type: ObjectType, r: NonNullable<FilterInput['related']>, o: ObjectRecord): boolean {
  const { target, objects } = relatedObjects(c, type, r.relation, o);
  const any = objects.some((x) => test(c, target, r.filter, x));
  return (r.quantifier ?? 'ANY') === 'ANY' ? any : !any;
}

/** The ids of the objects of `objectType` in `workspaceId` that `filter` matches at `now`. */
export function evaluateFilter(ds: DataSet, workspaceId: string, objectType: ObjectType, filter: FilterInput, now: Date): Set<string> {
  const c: Ctx = { ds, ix: indexOf(ds), ws: workspaceId, now: now.getTime() };
  const out = new Set<string>();
  for (const o of c.ix.objects.get(`${objectType}|${workspaceId}`) ?? []) if (test(c, objectType, filter, o)) out.add(o.id);
  return out;
}

/** Everything the evaluator saw for one object, for failure reports. */
export function describeObject(ds: DataSet, workspaceId: string, objectType: ObjectType, id: string): unknown {
  const ix = indexOf(ds);
  const o = ix.byId.get(`${objectType}|${workspaceId}|${id}`);
  if (!o) return { id, note: 'not an object of this type in this workspace' };
  const events = objectType === 'USER' ? ix.eventsByUser.get(`${workspaceId}|${id}`) : objectType === 'PRODUCT' ? ix.eventsByProduct.get(`${workspaceId}|${id}`) : undefined;
  const c: Ctx = { ds, ix, ws: workspaceId, now: ds.now.getTime() };
  return {
    ...o,
    tags: [...(ix.tags.get(`${objectType}|${workspaceId}|${id}`) ?? [])],
    lists: ds.lists.filter((l) => l.workspaceId === workspaceId && l.objectType === objectType && l.memberIds.includes(id)).map((l) => l.id),
    events: (events ?? []).map((e) => ({ id: e.id, name: e.name, occurredAt: e.occurredAt.toISOString(), properties: e.properties })),
    related: Object.fromEntries(CATALOG[objectType].relations.map((r) => [r.relation, relatedObjects(c, objectType, r.relation, o).objects.map((x) => x.id)])),
  };
}
