/**
 * SQL for the six object tables, driven by the field catalog (the only source of identifiers).
 * Rows come back as `ObjectRecord`s: standard field values by GraphQL name, references by column.
 */
import { CATALOG, TypeCatalog } from '../core/catalog';
import { OBJECT_TYPE_CODE, ObjectType } from '../core/object-types';
import { marks } from './sql-helpers';

export interface ObjectRecord {
  readonly type: ObjectType;
  id: string;
  workspaceId: string;
  externalId: string | null;
  attributes: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  /** Standard field values by field name (externalId, createdAt, updatedAt excluded). */
  values: Record<string, unknown>;
  /** Referenced ids by column, e.g. `company_id`. */
  refs: Record<string, string | null>;
}

type Query = (sql: string, params?: unknown[]) => Promise<unknown>;

const MANAGED = new Set(['externalId', 'createdAt', 'updatedAt']);

/** The standard fields that live in their own column, besides the managed ones. */
export function valueFields(cat: TypeCatalog) {
  return cat.fields.filter((f) => !MANAGED.has(f.name));
}

export function parseJson(value: unknown): Record<string, unknown> {
  if (value == null) return {};
  if (typeof value === 'string') return JSON.parse(value) as Record<string, unknown>;
  return value as Record<string, unknown>;
}

/** Maps a raw row of `type`'s table to a record. */
export function toRecord(type: ObjectType, row: Record<string, unknown>): ObjectRecord {
  const cat = CATALOG[type];
  const values: Record<string, unknown> = {};
  for (const f of valueFields(cat)) {
    const v = row[f.column];
    values[f.name] = f.type === 'BOOLEAN' && v != null ? Boolean(Number(v)) : v ?? null;
  }
  const refs: Record<string, string | null> = {};
  for (const r of cat.references) refs[r.column] = row[r.column] == null ? null : String(row[r.column]);
  return {
    type,
    id: String(row.id),
    workspaceId: String(row.workspace_id),
    externalId: (row.external_id as string | null) ?? null,
    attributes: parseJson(row.attributes),
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
    values,
    refs,
  };
}

/** Columns in write order, for `recordParams`. */
export function writeColumns(type: ObjectType): string[] {
  const cat = CATALOG[type];
  return ['id', 'workspace_id', 'external_id', 'attributes', 'created_at', 'updated_at', ...valueFields(cat).map((f) => f.column), ...cat.references.map((r) => r.column)];
}

function recordParams(rec: ObjectRecord): unknown[] {
  const cat = CATALOG[rec.type];
  return [
    rec.id, rec.workspaceId, rec.externalId, JSON.stringify(rec.attributes), rec.createdAt, rec.updatedAt,
    ...valueFields(cat).map((f) => rec.values[f.name] ?? null),
    ...cat.references.map((r) => rec.refs[r.column] ?? null),
  ];
}

/** Inserts new records and overwrites existing ones (by primary key) in one statement. */
export async function writeRecords(query: Query, type: ObjectType, records: readonly ObjectRecord[]): Promise<void> {
  if (records.length === 0) return;
  const cols = writeColumns(type);
  const row = `(${marks(cols)})`;
  const updates = cols.filter((c) => c !== 'id' && c !== 'workspace_id');
  const sql = `INSERT INTO ${CATALOG[type].table} (${cols.join(', ')}) VALUES ${records.map(() => row).join(', ')}
    ON DUPLICATE KEY UPDATE ${updates.map((c) => `${c} = VALUES(${c})`).join(', ')}`;
  await query(sql, records.flatMap(recordParams));
}

/** `workspace_id = ? AND (id IN (…) OR external_id IN (…))`'s parts and parameters. */
function byKeys(workspaceId: string, ids: readonly string[], externalIds: readonly string[]): { conds: string[]; params: unknown[] } {
  const conds: string[] = [];
  const params: unknown[] = [workspaceId];
  if (ids.length) { conds.push(`id IN (${marks(ids)})`); params.push(...ids); }
  if (externalIds.length) { conds.push(`external_id IN (${marks(externalIds)})`); params.push(...externalIds); }
  return { conds, params };
}

/** Rows of `type` matching any of the ids or external ids, locked for update. */
export function lockByKeys(query: Query, type: ObjectType, workspaceId: string, ids: readonly string[], externalIds: readonly string[]): Promise<ObjectRecord[]> {
  return selectByKeys(query, type, workspaceId, ids, externalIds, ' FOR UPDATE');
}

/** The rows `lockByKeys` would lock, read without a lock. */
export function readByKeys(query: Query, type: ObjectType, workspaceId: string, ids: readonly string[], externalIds: readonly string[]): Promise<ObjectRecord[]> {
  return selectByKeys(query, type, workspaceId, ids, externalIds, '');
}

async function selectByKeys(query: Query, type: ObjectType, workspaceId: string, ids: readonly string[], externalIds: readonly string[], lock: string): Promise<ObjectRecord[]> {
  if (ids.length === 0 && externalIds.length === 0) return [];
  const { conds, params } = byKeys(workspaceId, ids, externalIds);
  const rows = (await query(`SELECT * FROM ${CATALOG[type].table} WHERE workspace_id = ? AND (${conds.join(' OR ')})${lock}`, params)) as Array<Record<string, unknown>>;
  return rows.map((r) => toRecord(type, r));
}

/** id and external_id of the rows of `type` matching the keys (no lock). */
export async function findKeys(query: Query, type: ObjectType, workspaceId: string, ids: readonly string[], externalIds: readonly string[]): Promise<Array<{ id: string; externalId: string | null }>> {
  if (ids.length === 0 && externalIds.length === 0) return [];
  const { conds, params } = byKeys(workspaceId, ids, externalIds);
  const rows = (await query(`SELECT id, external_id FROM ${CATALOG[type].table} WHERE workspace_id = ? AND (${conds.join(' OR ')})`, params)) as Array<{ id: string; external_id: string | null }>;
  return rows.map((r) => ({ id: String(r.id), externalId: r.external_id }));
}

export async function fetchByIds(query: Query, type: ObjectType, workspaceId: string, ids: readonly string[]): Promise<ObjectRecord[]> {
  if (ids.length === 0) return [];
  const rows = (await query(`SELECT * FROM ${CATALOG[type].table} WHERE workspace_id = ? AND id IN (${marks(ids)})`, [workspaceId, ...ids])) as Array<Record<string, unknown>>;
  return rows.map((r) => toRecord(type, r));
}

/** Tags of the given objects, by object id, sorted. */
export async function fetchTags(query: Query, type: ObjectType, workspaceId: string, ids: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return out;
  const rows = (await query(
    `SELECT object_id, tag FROM object_tags WHERE workspace_id = ? AND object_type = ? AND object_id IN (${marks(ids)}) ORDER BY tag`,
    [workspaceId, OBJECT_TYPE_CODE[type], ...ids],
  )) as Array<{ object_id: string; tag: string }>;
  for (const r of rows) out.get(String(r.object_id))?.push(r.tag);
  return out;
}

/** True when `id` is a well-formed object id (a positive integer of at most 20 digits). */
export function isWellFormedId(id: string): boolean {
  return /^[1-9]\d{0,19}$/.test(id) && BigInt(id) <= 18446744073709551615n;
}
