/**
 * Random CRM data sets for the reference evaluator and the differential test.
 *
 * A data set is plain JS objects (no ORM): the six object types, events, tags, static lists and
 * attribute definitions of a few workspaces, with explicit ids so that the in-memory evaluator and
 * the database agree on them. `loadDataSet` inserts one into the tables of the initial migration
 * with raw parameterised SQL, and fills attribute_values with the service's writer.
 *
 * Value pools are small on purpose so that equalities, prefixes and date boundaries actually
 * happen. Strings use only an alphabet where "lowercase + strip combining accents" is exactly the
 * equality of utf8mb4_unicode_520_ci (see `fold` in evaluator.ts): ASCII letters and digits,
 * `% _ \ -`, inner spaces and é É ü Ü ö Ö à.
 */
import fc from 'fast-check';
import { CATALOG } from '../../src/core/catalog';
import { FieldType, OBJECT_TYPES, OBJECT_TYPE_CODE, ObjectType } from '../../src/core/object-types';
import { writeAttributeValues } from '../../src/db/attribute-values';
import { insertEventNumbers } from '../../src/db/event-numbers';

export const DAY_MS = 86_400_000;
/** The fixed `now` of the first data set: dates of that data set sit around it. */
export const FIXED_NOW = new Date('2025-06-15T12:00:00.000Z');

// ------------------------------------------------------------------------------------------ types

export type FieldValue = string | number | boolean | Date | null;

export interface ObjectRecord {
  readonly id: string;
  readonly workspaceId: string;
  /** Standard fields by their GraphQL name (catalog `name`), including externalId, createdAt, updatedAt. */
  readonly fields: Readonly<Record<string, FieldValue>>;
  /** The `attributes` JSON column. */
  readonly attributes: Readonly<Record<string, unknown>>;
  /** Foreign-key columns (catalog `references[].column`, e.g. company_id) to the target's id. */
  readonly refs: Readonly<Record<string, string | null>>;
}

export interface EventRecord {
  readonly id: string;
  readonly workspaceId: string;
  readonly userId: string;
  readonly productId: string | null;
  readonly name: string;
  readonly occurredAt: Date;
  readonly properties: Readonly<Record<string, unknown>>;
}

export interface TagRecord {
  readonly workspaceId: string;
  readonly objectType: ObjectType;
  readonly objectId: string;
  readonly tag: string;
}

export interface ListRecord {
  readonly id: string;
  readonly workspaceId: string;
  readonly objectType: ObjectType;
  readonly name: string;
  readonly memberIds: readonly string[];
}

export interface AttributeDefRecord {
  readonly workspaceId: string;
  readonly objectType: ObjectType;
  readonly key: string;
  readonly type: FieldType;
}

export interface DataSet {
  readonly now: Date;
  readonly workspaceIds: readonly string[];
  readonly objects: Readonly<Record<ObjectType, readonly ObjectRecord[]>>;
  readonly events: readonly EventRecord[];
  readonly tags: readonly TagRecord[];
  readonly lists: readonly ListRecord[];
  readonly attributeDefs: readonly AttributeDefRecord[];
}

/** Declared attribute types of one workspace, per object type. */
export function attributeTypesOf(ds: DataSet, workspaceId: string, type: ObjectType): Map<string, FieldType> {
  return new Map(ds.attributeDefs.filter((d) => d.workspaceId === workspaceId && d.objectType === type).map((d) => [d.key, d.type]));
}

export function listTypesOf(ds: DataSet, workspaceId: string): Map<string, ObjectType> {
  return new Map(ds.lists.filter((l) => l.workspaceId === workspaceId).map((l) => [l.id, l.objectType]));
}

// ------------------------------------------------------------------------------------------ pools

/** Base strings; variants change case and accents (e↔é/É, u↔ü/Ü, o↔ö/Ö, a↔à). */
export const STRING_POOL = [
  'ana', 'Zürich', 'zurich', 'a%b', 'a_b', 'a\\b', 'x-y', 'new york', 'Éva', 'eva', 'ab', 'b',
  'Öl', 'à la', '10', '1', '%', '_', 'ü', 'aab', 'ba',
] as const;

/** Tag names (trimmed, as stored; variants change case and accents). */
export const TAG_POOL = ['vip', 'Churn risk', 'beta', 'a%', 'x_y', 'ünder', 'Over-due'] as const;

export const EVENT_NAMES = ['purchase', 'Page view', 'signup', 'sign_up', 'Löggin'] as const;
/** Event names, skewed towards `purchase` (and its variants) so that sets S are rarely empty. */
export function eventName(): fc.Arbitrary<string> {
  return fc.oneof({ arbitrary: poolString(['purchase']), weight: 3 }, { arbitrary: poolString(EVENT_NAMES), weight: 2 });
}
export const PROPERTY_KEYS = ['amount', 'plan', 'ok', 'at', 'qty', 'note'] as const;
/** Days used for WITHIN_LAST_DAYS / MORE_THAN_DAYS_AGO / lastDays, and for data dates on their boundaries. */
export const DAY_POOL = [0.1, 0.25, 0.5, 1, 1.5, 2, 3, 7, 30, 90, 365] as const;
/** Numbers exact in binary (so DOUBLE and JS agree), with a few others for plain comparisons. */
export const NUMBER_POOL = [0, 1, 2, 3, 5, 10, -1, -2.5, 0.5, 1.5, 2.5, 100, 1e9, 0.1] as const;
/** Extreme but exact doubles, for plain comparisons (never in INT columns). */
export const BIG_NUMBERS = [1e20, -1e20, 1e300, 2 ** 53, -(2 ** 53)] as const;

const ACCENT_OF: Record<string, string[]> = {
  e: ['é', 'É'], E: ['é', 'É'], é: ['e', 'E', 'É'], É: ['e', 'E', 'é'],
  u: ['ü', 'Ü'], U: ['ü', 'Ü'], ü: ['u', 'U', 'Ü'], Ü: ['u', 'U', 'ü'],
  o: ['ö', 'Ö'], O: ['ö', 'Ö'], ö: ['o', 'O', 'Ö'], Ö: ['o', 'O', 'ö'],
  a: ['à', 'A'], A: ['à', 'a'], à: ['a', 'A'],
};

/** A case/accent variant of `s` chosen by the bits of `seed` (seed 0 gives `s`). */
export function variant(s: string, seed: number): string {
  let out = '';
  let i = 0;
  for (const ch of s) {
    const bit = (seed >>> ((2 * i++) % 30)) & 3;
    const alts = ACCENT_OF[ch];
    if (bit === 0 || (bit === 1 && ch.toLowerCase() === ch.toUpperCase())) { out += ch; continue; }
    if (alts && bit >= 2) { out += alts[bit % alts.length]; continue; }
    const flipped = ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase();
    // Only characters of the exact alphabet: the upper case of à is À, which we avoid.
    out += flipped === '\u00c0' ? ch : flipped;
  }
  return out;
}

/** A string of `pool`, or a case/accent variant of one. */
export function poolString(pool: readonly string[] = STRING_POOL): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...pool), weight: 3 },
    { arbitrary: fc.tuple(fc.constantFrom(...pool), fc.nat()).map(([s, seed]) => variant(s, seed)), weight: 2 },
  );
}

export function canonicalIso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Instants around `now`: now itself, ±1 ms, exactly n days before/after now for the day pool
 * (and ±1 ms around those), midnights (for YYYY-MM-DD property dates), and a few fixed others.
 */
export function datePool(now: Date): number[] {
  const t = now.getTime();
  const out = new Set<number>([t, t - 1, t + 1]);
  for (const d of DAY_POOL) {
    const b = t - d * DAY_MS;
    out.add(b); out.add(b - 1); out.add(b + 1); out.add(t + d * DAY_MS);
  }
  const midnight = Math.floor(t / DAY_MS) * DAY_MS;
  for (const k of [0, -1, -2, -7, 1]) out.add(midnight + k * DAY_MS);
  return [...out].sort((a, b) => a - b);
}

/** An instant: from the pool (boundaries) or random within ±400 days of now. */
export const dateMs = (now: Date): fc.Arbitrary<number> => {
  const pool = datePool(now);
  return fc.oneof(
    { arbitrary: fc.constantFrom(...pool), weight: 3 },
    { arbitrary: fc.integer({ min: now.getTime() - 400 * DAY_MS, max: now.getTime() + 100 * DAY_MS }), weight: 2 },
  );
};

export const numberValue = (integer = false): fc.Arbitrary<number> =>
  integer
    ? fc.oneof(fc.constantFrom(0, 1, 2, 3, 5, 10, -1, 100), fc.integer({ min: -5, max: 50 }))
    : fc.oneof(
      { arbitrary: fc.constantFrom(...NUMBER_POOL), weight: 3 },
      { arbitrary: fc.constantFrom(...BIG_NUMBERS), weight: 1 },
      { arbitrary: fc.integer({ min: -20, max: 40 }).map((n) => n / 2), weight: 2 },
    );

// ------------------------------------------------------------------------------------------ values

/** A value of a standard column; nullable columns get null, and STRING columns also ''. */
function columnValue(type: ObjectType, field: (typeof CATALOG)[ObjectType]['fields'][number], now: Date): fc.Arbitrary<FieldValue> {
  const integerColumn = (type === 'COMPANY' && field.name === 'employees') || (type === 'PRODUCT' && field.name === 'stock');
  let value: fc.Arbitrary<FieldValue>;
  switch (field.type) {
    case 'STRING': value = poolString(); break;
    case 'NUMBER': value = numberValue(integerColumn); break;
    case 'DATE': value = dateMs(now).map((ms) => new Date(ms)); break;
    case 'BOOLEAN': value = fc.boolean(); break;
  }
  if (field.name === 'createdAt' || field.name === 'updatedAt') return value;
  if (field.required || field.type === 'BOOLEAN') return value;
  if (field.type === 'STRING') {
    return fc.oneof({ arbitrary: value, weight: 5 }, { arbitrary: fc.constant(null), weight: 2 }, { arbitrary: fc.constant(''), weight: 1 });
  }
  return fc.oneof({ arbitrary: value, weight: 3 }, { arbitrary: fc.constant(null), weight: 1 });
}

/** A JSON attribute value of the declared type, or absent (undefined) / JSON null / '' for strings. */
function attributeValue(type: FieldType, now: Date): fc.Arbitrary<unknown> {
  let value: fc.Arbitrary<unknown>;
  switch (type) {
    case 'STRING': value = fc.oneof({ arbitrary: poolString(), weight: 6 }, { arbitrary: fc.constant(''), weight: 1 }); break;
    case 'NUMBER': value = numberValue(); break;
    case 'BOOLEAN': value = fc.boolean(); break;
    case 'DATE': value = dateMs(now).map(canonicalIso); break;
  }
  return fc.oneof({ arbitrary: value, weight: 4 }, { arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: fc.constant(null), weight: 1 });
}

/**
 * Event property values: numbers, numeric strings, strings, booleans, nulls, dates, almost-dates,
 * nested JSON. Each key leans towards one kind (amount/qty: numbers, plan/note: strings, ok:
 * booleans, at: dates) but every kind appears under every key, so the type rules get exercised.
 */
export function propertyValue(now: Date, key: string = 'note'): fc.Arbitrary<unknown> {
  const lean = (k: string, w: number): number => (k === key ? w * 4 : w);
  const numbers = key === 'amount' || key === 'qty' ? 4 : 1;
  return fc.oneof(
    { arbitrary: fc.integer({ min: -3, max: 12 }), weight: 4 * numbers },
    { arbitrary: fc.integer({ min: -6, max: 24 }).map((n) => n / 2), weight: 2 * numbers },
    { arbitrary: fc.constantFrom('5', '1.5', '0', '-1', '10', '2'), weight: 2 * numbers },
    { arbitrary: poolString(), weight: lean('plan', 3) + lean('note', 1) },
    { arbitrary: fc.constant(''), weight: 1 },
    { arbitrary: fc.boolean(), weight: lean('ok', 2) },
    { arbitrary: fc.constantFrom('true', 'false'), weight: 1 },
    { arbitrary: fc.constant(null), weight: 1 },
    { arbitrary: dateMs(now).map(canonicalIso), weight: lean('at', 3) },
    { arbitrary: dateMs(now).map((ms) => canonicalIso(ms).slice(0, 10)), weight: lean('at', 1) },
    // Not one of the two date forms: a DATE comparison must treat these as missing.
    { arbitrary: dateMs(now).map((ms) => canonicalIso(ms).replace('.000Z', 'Z').replace('T', ' ')), weight: lean('at', 1) },
    { arbitrary: fc.constantFrom<unknown>([1], { a: 1 }, ['x'], {}, [], 'null'), weight: 1 },
  );
}

// ------------------------------------------------------------------------------------------ data set

export interface DataSetOptions {
  readonly now: Date;
  /** Two or more workspace ids; all are filled with the same kind of random data. */
  readonly workspaceIds: readonly string[];
  /**
   * Ids of every table start after this (so several data sets can share one database). A bigint
   * above 2^53 checks that ids are never handled as JS numbers.
   */
  readonly idBase: number | bigint;
  /** Max objects per workspace and type. */
  readonly maxObjects?: number;
  readonly maxEvents?: number;
  /**
   * Rows of one workspace that name ids of another workspace's objects (events, foreign keys):
   * they must never count, since an id from another workspace is like one that does not exist.
   * (Never tags: the service refuses them.)
   */
  readonly strayRows?: boolean;
}

/** Fixed attribute keys (one of each type) plus two keys whose type is drawn per workspace. */
const FIXED_KEYS: ReadonlyArray<[string, FieldType]> = [['plan', 'STRING'], ['score', 'NUMBER'], ['vip', 'BOOLEAN'], ['renewal_at', 'DATE']];
const DRAWN_KEYS = ['Tier_2', '_x', 'Score'] as const; // 'Score' differs from 'score' only by case
const FIELD_TYPE_LIST: readonly FieldType[] = ['STRING', 'NUMBER', 'BOOLEAN', 'DATE'];

/** A reference to another object: none, one of the workspace's, another workspace's (stray), or a dangling id. */
type RefPick = { kind: 'none' } | { kind: 'own' | 'stray'; pick: number } | { kind: 'dangling' };

interface RawObject {
  fields: Record<string, FieldValue>;
  attributes: Record<string, unknown>;
  refs: Record<string, RefPick>;
  hasExternalId: boolean;
  tags: string[];
}

interface RawEvent {
  user: RefPick;
  product: RefPick;
  name: string;
  occurredAt: number;
  properties: Record<string, unknown>;
}

interface RawWorkspace {
  attrTypes: Record<ObjectType, Record<string, FieldType>>;
  objects: Record<ObjectType, RawObject[]>;
  events: RawEvent[];
  lists: Record<ObjectType, number[][]>;
}

const refPick = (stray: boolean, nullable: boolean): fc.Arbitrary<RefPick> =>
  fc.oneof(
    { arbitrary: fc.nat().map((pick): RefPick => ({ kind: 'own', pick })), weight: 8 },
    { arbitrary: fc.constant<RefPick>({ kind: 'none' }), weight: nullable ? 2 : 0 },
    { arbitrary: fc.constant<RefPick>({ kind: 'dangling' }), weight: nullable ? 1 : 0 },
    { arbitrary: fc.nat().map((pick): RefPick => ({ kind: 'stray', pick })), weight: stray ? 1 : 0 },
  );

function tagSet(pool: readonly string[]): fc.Arbitrary<string[]> {
  return fc.uniqueArray(poolString(pool), { maxLength: 3, selector: (t) => foldKey(t), size: 'max' });
}

/** Same folding as the evaluator (kept local so dataset.ts does not depend on it). */
function foldKey(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

function rawObject(type: ObjectType, attrTypes: Record<string, FieldType>, opts: DataSetOptions): fc.Arbitrary<RawObject> {
  const fields: Record<string, fc.Arbitrary<FieldValue>> = {};
  for (const f of CATALOG[type].fields) {
    if (f.name === 'externalId') continue;
    fields[f.name] = columnValue(type, f, opts.now);
  }
  const attributes: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, t] of Object.entries(attrTypes)) attributes[key] = attributeValue(t, opts.now);
  const refs: Record<string, fc.Arbitrary<RefPick>> = {};
  for (const r of CATALOG[type].references) refs[r.column] = refPick(opts.strayRows ?? true, true);
  return fc.record({
    fields: fc.record(fields),
    attributes: fc.record(attributes).map((a) => Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined))),
    refs: fc.record(refs),
    hasExternalId: fc.boolean(),
    tags: tagSet(TAG_POOL),
  });
}

function rawWorkspace(opts: DataSetOptions): fc.Arbitrary<RawWorkspace> {
  const maxObjects = opts.maxObjects ?? 16;
  const attrTypesArb = fc.record(Object.fromEntries(OBJECT_TYPES.map((t) => [t,
    fc.tuple(...DRAWN_KEYS.map(() => fc.constantFrom(...FIELD_TYPE_LIST))).map((drawn) => ({
      ...Object.fromEntries(FIXED_KEYS),
      ...Object.fromEntries(DRAWN_KEYS.map((k, i) => [k, drawn[i]])),
    }) as Record<string, FieldType>),
  ])) as Record<ObjectType, fc.Arbitrary<Record<string, FieldType>>>);

  return attrTypesArb.chain((attrTypes) => {
    const objects = fc.record(Object.fromEntries(OBJECT_TYPES.map((t) => [t,
      fc.array(rawObject(t, attrTypes[t], opts), { minLength: Math.min(5, maxObjects), maxLength: maxObjects, size: 'max' })])) as Record<ObjectType, fc.Arbitrary<RawObject[]>>);
    const event = fc.record({
      user: refPick(opts.strayRows ?? true, false),
      product: refPick(opts.strayRows ?? true, true),
      name: eventName(),
      occurredAt: dateMs(opts.now),
      properties: fc.record(Object.fromEntries(PROPERTY_KEYS.map((k) => [k, propertyValue(opts.now, k)])), { requiredKeys: [] }),
    });
    const lists = fc.record(Object.fromEntries(OBJECT_TYPES.map((t) => [t,
      fc.array(fc.uniqueArray(fc.nat({ max: maxObjects - 1 }), { maxLength: maxObjects, size: 'max' }), { maxLength: 2 })])) as Record<ObjectType, fc.Arbitrary<number[][]>>);
    return fc.record({
      attrTypes: fc.constant(attrTypes),
      objects,
      events: fc.array(event, { minLength: (opts.maxEvents ?? 120) >> 1, maxLength: opts.maxEvents ?? 120, size: 'max' }),
      lists,
    });
  });
}

/** A random data set over `opts.workspaceIds`, with ids starting after `opts.idBase` in every table. */
export function dataSetArb(opts: DataSetOptions): fc.Arbitrary<DataSet> {
  return fc.tuple(...opts.workspaceIds.map(() => rawWorkspace(opts))).map((raws) => materialize(raws, opts));
}

function materialize(raws: RawWorkspace[], opts: DataSetOptions): DataSet {
  const ws = opts.workspaceIds;
  const base = BigInt(opts.idBase);
  const DANGLING = String(base + 900_000n);
  // Ids: every table counts from idBase + 1 (so a user and a company often share an id).
  const idsOf = {} as Record<ObjectType, string[][]>;
  for (const t of OBJECT_TYPES) {
    let next = base + 1n;
    idsOf[t] = raws.map((r) => r.objects[t].map(() => String(next++)));
  }
  const resolve = (w: number, target: ObjectType, p: RefPick): string | null => {
    switch (p.kind) {
      case 'none': return null;
      case 'dangling': return DANGLING;
      case 'own': { const ids = idsOf[target][w]; return ids.length ? ids[p.pick % ids.length] : null; }
      case 'stray': { const other = idsOf[target][(w + 1) % ws.length]; return other.length ? other[p.pick % other.length] : null; }
    }
  };

  const objects = {} as Record<ObjectType, ObjectRecord[]>;
  const tags: TagRecord[] = [];
  for (const t of OBJECT_TYPES) {
    objects[t] = [];
    raws.forEach((raw, w) => raw.objects[t].forEach((o, i) => {
      const id = idsOf[t][w][i];
      const refs: Record<string, string | null> = {};
      for (const r of CATALOG[t].references) refs[r.column] = resolve(w, r.target, o.refs[r.column]);
      const externalId = o.hasExternalId ? `${STRING_POOL[i % STRING_POOL.length]}-${i}` : null;
      objects[t].push({ id, workspaceId: ws[w], fields: { ...o.fields, externalId }, attributes: o.attributes, refs });
      for (const tag of o.tags) tags.push({ workspaceId: ws[w], objectType: t, objectId: id, tag });
    }));
  }
  // No stray tag rows (a workspace's tag naming another workspace's or a deleted object): the
  // service never writes them (tests/integration/membership-rows.spec.ts), and the compiler counts
  // a tag's rows without reading the objects (IdSet.ofExistingObjects).

  const events: EventRecord[] = [];
  let nextEvent = base + 1n;
  raws.forEach((raw, w) => {
    for (const e of raw.events) {
      const userId = resolve(w, 'USER', e.user);
      if (userId === null) continue;
      events.push({
        id: String(nextEvent++), workspaceId: ws[w], userId, productId: resolve(w, 'PRODUCT', e.product),
        name: e.name, occurredAt: new Date(e.occurredAt), properties: e.properties,
      });
    }
  });

  const lists: ListRecord[] = [];
  let nextList = base + 1n;
  raws.forEach((raw, w) => {
    for (const t of OBJECT_TYPES) {
      raw.lists[t].forEach((picks, k) => {
        const ids = idsOf[t][w];
        const memberIds = [...new Set(picks.filter((p) => p < ids.length).map((p) => ids[p]))];
        lists.push({ id: String(nextList++), workspaceId: ws[w], objectType: t, name: `${t.toLowerCase()} list ${k}`, memberIds });
      });
    }
  });

  const attributeDefs: AttributeDefRecord[] = [];
  raws.forEach((raw, w) => {
    for (const t of OBJECT_TYPES) {
      for (const [key, type] of Object.entries(raw.attrTypes[t])) attributeDefs.push({ workspaceId: ws[w], objectType: t, key, type });
    }
  });

  return { now: opts.now, workspaceIds: [...ws], objects, events, tags, lists, attributeDefs };
}

/** Draws one data set, reproducibly from `seed`. */
export function sampleDataSet(opts: DataSetOptions, seed: number): DataSet {
  return fc.sample(dataSetArb(opts), { numRuns: 1, seed })[0];
}

// ------------------------------------------------------------------------------------------ loader

export type Query = (sql: string, params: unknown[]) => Promise<unknown>;

/** `YYYY-MM-DD HH:MM:SS.mmm` in UTC, for DATETIME(3) columns. */
export function sqlDateTime(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

function sqlValue(v: unknown): unknown {
  if (v instanceof Date) return sqlDateTime(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}

async function insertRows(query: Query, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  const chunk = 200;
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    const placeholders = part.map(() => `(${columns.map(() => '?').join(', ')})`).join(', ');
    await query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${placeholders}`, part.flat().map(sqlValue));
  }
}

/** Inserts a data set (its workspaces too) with plain parameterised INSERTs. */
export async function loadDataSet(ds: DataSet, query: Query): Promise<void> {
  const created = new Date(ds.now.getTime() - 1000 * DAY_MS);
  await insertRows(query, 'workspaces', ['id', 'name', 'created_at'], ds.workspaceIds.map((id) => [id, `ws ${id}`, created]));
  for (const t of OBJECT_TYPES) {
    const cat = CATALOG[t];
    const fieldCols = cat.fields.map((f) => f.column);
    const refCols = cat.references.map((r) => r.column);
    await insertRows(query, cat.table, ['id', 'workspace_id', 'attributes', ...fieldCols, ...refCols], ds.objects[t].map((o) => [
      o.id, o.workspaceId, JSON.stringify(o.attributes),
      ...cat.fields.map((f) => o.fields[f.name] ?? null),
      ...cat.references.map((r) => o.refs[r.column] ?? null),
    ]));
    // The filter index of custom attributes, by the service's own writer (as an upsert that created them).
    for (const ws of ds.workspaceIds) {
      const created = ds.objects[t].filter((o) => o.workspaceId === ws).map((o) => ({ id: o.id, after: o.attributes }));
      await writeAttributeValues((sql, params) => query(sql, params ?? []), t, ws, created);
    }
  }
  await insertRows(query, 'events', ['id', 'workspace_id', 'user_id', 'product_id', 'name', 'occurred_at', 'properties', 'message_id', 'created_at'],
    ds.events.map((e) => [e.id, e.workspaceId, e.userId, e.productId, e.name, e.occurredAt, JSON.stringify(e.properties), null, created]));
  // The numeric properties of the events, by the service's own writer (as trackEvents after inserting them).
  for (const ws of new Set(ds.events.map((e) => e.workspaceId))) {
    const first = ds.events.filter((e) => e.workspaceId === ws).map((e) => BigInt(e.id)).reduce((a, b) => (b < a ? b : a));
    await insertEventNumbers((sql, params) => query(sql, params ?? []), { workspaceId: ws, fromEventId: String(first), createdAt: created });
  }
  await insertRows(query, 'object_tags', ['workspace_id', 'object_type', 'object_id', 'tag', 'created_at'],
    ds.tags.map((x) => [x.workspaceId, OBJECT_TYPE_CODE[x.objectType], x.objectId, x.tag, created]));
  await insertRows(query, 'static_lists', ['id', 'workspace_id', 'object_type', 'name', 'description', 'created_at'],
    ds.lists.map((l) => [l.id, l.workspaceId, OBJECT_TYPE_CODE[l.objectType], l.name, null, created]));
  await insertRows(query, 'list_members', ['list_id', 'object_id', 'added_at'],
    ds.lists.flatMap((l) => l.memberIds.map((id) => [l.id, id, created])));
  await insertRows(query, 'attribute_definitions', ['workspace_id', 'object_type', 'attr_key', 'type', 'label', 'created_at'],
    ds.attributeDefs.map((d) => [d.workspaceId, OBJECT_TYPE_CODE[d.objectType], d.key, d.type, null, created]));
}
