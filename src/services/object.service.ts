/**
 * Objects: batch upserts (all or nothing, up to 1,000 a call), deletes, reads and pages.
 * A batch is checked in full before anything is written; then one transaction locks the
 * matched rows, resolves references, declares inferred attribute keys and writes every row
 * with one INSERT … ON DUPLICATE KEY UPDATE, and the rows of attribute_values (the filter index
 * of custom attributes) of the keys whose value changed.
 */
import { DataSource } from 'typeorm';
import { CATALOG, StandardField } from '../core/catalog';
import { badInput } from '../core/errors';
import { FieldType, OBJECT_TYPE_CODE, ObjectType } from '../core/object-types';
import { checkAttributesShape, checkText, coerceAttributeValue, inferFieldType, MAX_EXTERNAL_ID } from '../core/values';
import { deleteAttributeValues, writeAttributeValues } from '../db/attribute-values';
import { clearEventNumbersProduct } from '../db/event-numbers';
import { IdBlock } from '../db/id-sequence';
import { fetchByIds, findKeys, isWellFormedId, lockByKeys, ObjectRecord, readByKeys, valueFields, writeRecords } from '../db/object-store';
import { inTransaction, UnitOfWork } from '../db/unit-of-work';
import { marks, unique } from '../db/sql-helpers';
import type { AttributeService } from './attribute.service';
import type { ChangeFeed } from './change-feed';
import type { RequestContext } from './context';

export const MAX_UPSERT_BATCH = 1000;
export const MAX_DELETE_BATCH = 1000;

/** One upsert input as GraphQL delivers it: left-out fields undefined, explicit nulls null. */
export type UpsertInput = Record<string, unknown>;

interface CheckedInput {
  readonly index: number;
  readonly id?: string;
  readonly externalId?: string;
  readonly createdAt?: Date;
  readonly values: Map<string, unknown>;
  readonly refIds: Map<string, string | null>;
  readonly refExternalIds: Map<string, string | null>;
  readonly attributes?: Record<string, unknown>;
}

export class ObjectService {
  constructor(
    private readonly ds: DataSource,
    private readonly attributes: AttributeService,
    private readonly changes: ChangeFeed,
  ) {}

  /** Creates or updates `inputs` in order; returns each input's resulting object. */
  async upsert(ctx: RequestContext, type: ObjectType, inputs: readonly UpsertInput[]): Promise<ObjectRecord[]> {
    if (inputs.length > MAX_UPSERT_BATCH) throw badInput('input', `at most ${MAX_UPSERT_BATCH} objects per call, got ${inputs.length}`);
    if (inputs.length === 0) return [];
    const checked = inputs.map((input, i) => checkInput(type, input, i));
    const ws = ctx.actor.workspaceId;
    const idBlock = await IdBlock.allocate(this.ds, CATALOG[type].table, await this.dryRun(ws, type, checked));
    const results = await inTransaction(
      this.ds,
      async (uow) => {
        await this.checkAttributeTypes(uow, ws, type, checked);
        const refs = await this.resolveReferences(uow, ws, type, checked);
        const ids = unique(checked.flatMap((c) => (c.id ? [c.id] : [])));
        const exts = unique(checked.flatMap((c) => (c.externalId ? [c.externalId] : [])));
        const existing = await lockByKeys((s, p) => uow.query(s, p), type, ws, ids, exts);
        const before = new Map(existing.map((r) => [r.id, { ...r.attributes }]));
        const refsBefore = new Map(existing.map((r) => [r.id, { ...r.refs }]));
        const merged = mergeInputs(type, ws, checked, existing, refs);
        const created = [...new Set(merged.records)].filter((r) => r.id === '');
        const newIds = await idBlock.take(created.length, (s, p) => uow.query(s, p));
        created.forEach((r, i) => { r.id = newIds[i]; });
        await writeRecords((s, p) => uow.query(s, p), type, [...new Set(merged.records)]);
        await writeAttributeValues((s, p) => uow.query(s, p), type, ws, [...new Set(merged.records)].map((r) => ({ id: r.id, before: before.get(r.id), after: r.attributes })));
        const touched = unique(merged.records.map((r) => r.id));
        // An object that a reference no longer points to has lost a related object: real time
        // finds the new one through the relation, but not the old one, so it is announced too.
        const left = leftReferences(type, merged.records.map((r) => ({ before: refsBefore.get(r.id), after: r.refs })));
        uow.afterCommit(() => {
          this.changes.publish({ workspaceId: ws, objectType: type, ids: touched, cause: 'upsert' });
          for (const [target, targetIds] of left) this.changes.publish({ workspaceId: ws, objectType: target, ids: targetIds, cause: 'upsert' });
        });
        return merged.records;
      },
      { retryOnDuplicate: true },
    );
    return results.map((r) => ({ ...r }));
  }

  /**
   * The transaction's checks against stored data (attribute types, references, ids, required
   * fields), made first on plain reads, so that a batch the data refuses is refused before
   * anything is written, even its id block. Returns how many objects the batch will probably
   * create, so that their ids are allocated outside the transaction. A concurrent change can
   * make either stale: the transaction checks again under its locks, and the block tops itself up.
   */
  private async dryRun(ws: string, type: ObjectType, checked: readonly CheckedInput[]): Promise<number> {
    const reads: UnitOfWork = { manager: this.ds.manager, afterCommit: () => undefined, query: (s, p) => this.ds.query(s, p as unknown[]) };
    const copies = checked.map((c) => ({ ...c, attributes: c.attributes && { ...c.attributes } }));
    await this.checkAttributeTypes(reads, ws, type, copies, false);
    const refs = await this.resolveReferences(reads, ws, type, copies);
    const ids = unique(copies.flatMap((c) => (c.id ? [c.id] : [])));
    const exts = unique(copies.flatMap((c) => (c.externalId ? [c.externalId] : [])));
    const merged = mergeInputs(type, ws, copies, await readByKeys(reads.query, type, ws, ids, exts), refs);
    return new Set(merged.records.filter((r) => r.id === '')).size;
  }

  /** Deletes objects (with their attribute values, tags, list memberships and, for users, events); unknown ids are skipped. */
  async delete(ctx: RequestContext, type: ObjectType, ids: readonly string[]): Promise<number> {
    if (ids.length > MAX_DELETE_BATCH) throw badInput('ids', `at most ${MAX_DELETE_BATCH} ids per call`);
    const wellFormed = unique(ids.filter(isWellFormedId));
    if (wellFormed.length === 0) return 0;
    const ws = ctx.actor.workspaceId;
    const cat = CATALOG[type];
    return inTransaction(this.ds, async (uow) => {
      const refColumns = cat.references.map((r) => `, ${r.column}`).join('');
      const found = (await uow.query(`SELECT id${refColumns} FROM ${cat.table} WHERE workspace_id = ? AND id IN (${marks(wellFormed)}) FOR UPDATE`, [ws, ...wellFormed])) as Array<Record<string, unknown>>;
      const gone = found.map((r) => String(r.id));
      if (gone.length === 0) return 0;
      // The objects the deleted ones referenced lose a related object; objects that referenced
      // the deleted ones lose their reference (below): both are announced with the deletion.
      const left = leftReferences(type, found.map((r) => ({ before: Object.fromEntries(cat.references.map((ref) => [ref.column, r[ref.column] == null ? null : String(r[ref.column])])), after: {} })));
      const referencing = new Map<ObjectType, string[]>();
      const inIds = marks(gone);
      await uow.query(`DELETE FROM ${cat.table} WHERE workspace_id = ? AND id IN (${inIds})`, [ws, ...gone]);
      await deleteAttributeValues((s, p) => uow.query(s, p), type, ws, gone);
      await uow.query(`DELETE FROM object_tags WHERE workspace_id = ? AND object_type = ? AND object_id IN (${inIds})`, [ws, OBJECT_TYPE_CODE[type], ...gone]);
      await uow.query(
        `DELETE lm FROM list_members lm JOIN static_lists l ON l.id = lm.list_id WHERE l.workspace_id = ? AND l.object_type = ? AND lm.object_id IN (${inIds})`,
        [ws, OBJECT_TYPE_CODE[type], ...gone],
      );
      // A user's event_numbers rows go with its events (foreign key ON DELETE CASCADE); a product's
      // events stay, without the product, in both tables.
      if (type === 'USER') await deleteUserEvents(uow, ws, gone);
      if (type === 'PRODUCT') {
        await clearEventNumbersProduct((s, p) => uow.query(s, p), ws, gone);
        await uow.query(`UPDATE events SET product_id = NULL WHERE workspace_id = ? AND product_id IN (${inIds})`, [ws, ...gone]);
      }
      // Objects that referenced the deleted ones keep existing, without the reference.
      for (const other of Object.values(CATALOG)) {
        for (const ref of other.references.filter((r) => r.target === type)) {
          const rows = (await uow.query(`SELECT id FROM ${other.table} WHERE workspace_id = ? AND ${ref.column} IN (${inIds}) FOR UPDATE`, [ws, ...gone])) as Array<{ id: string }>;
          if (rows.length === 0) continue;
          await uow.query(`UPDATE ${other.table} SET ${ref.column} = NULL WHERE workspace_id = ? AND ${ref.column} IN (${inIds})`, [ws, ...gone]);
          referencing.set(other.type, unique([...(referencing.get(other.type) ?? []), ...rows.map((r) => String(r.id))]));
        }
      }
      uow.afterCommit(() => {
        this.changes.publish({ workspaceId: ws, objectType: type, ids: gone, cause: 'delete' });
        for (const [target, targetIds] of left) this.changes.publish({ workspaceId: ws, objectType: target, ids: targetIds, cause: 'upsert' });
        for (const [other, otherIds] of referencing) this.changes.publish({ workspaceId: ws, objectType: other, ids: otherIds, cause: 'upsert' });
      });
      return gone.length;
    });
  }

  async get(ctx: RequestContext, type: ObjectType, id: string): Promise<ObjectRecord | null> {
    if (!isWellFormedId(id)) return null;
    const [rec] = await fetchByIds((s, p) => this.ds.query(s, p), type, ctx.actor.workspaceId, [id]);
    return rec ?? null;
  }

  /** Objects by id in the caller's workspace (for loaders); unknown ids are absent from the map. */
  async byIds(workspaceId: string, type: ObjectType, ids: readonly string[]): Promise<Map<string, ObjectRecord>> {
    const recs = await fetchByIds((s, p) => this.ds.query(s, p), type, workspaceId, unique(ids.filter(isWellFormedId)));
    return new Map(recs.map((r) => [r.id, r]));
  }

  /** Checks (and normalises) attribute values by their stored or inferred types; `declare` records inferred keys. */
  private async checkAttributeTypes(uow: UnitOfWork, ws: string, type: ObjectType, checked: readonly CheckedInput[], declare = true): Promise<void> {
    if (!checked.some((c) => c.attributes && Object.keys(c.attributes).length)) return;
    let types = await this.attributes.typesOf(ws, type, uow);
    const inferred = new Map<string, FieldType>();
    for (const c of checked) {
      for (const [key, value] of Object.entries(c.attributes ?? {})) {
        if (value !== null && !types.has(key) && !inferred.has(key)) inferred.set(key, inferFieldType(value));
      }
    }
    if (inferred.size) types = new Map([...types, ...(declare ? await this.attributes.declareInferred(uow, ws, type, inferred) : inferred)]);
    for (const c of checked) {
      for (const [key, value] of Object.entries(c.attributes ?? {})) {
        if (value !== null) c.attributes![key] = coerceAttributeValue(types.get(key)!, value, `input.${c.index}.attributes.${key}`);
      }
    }
  }

  /** Resolves every reference (companyId / companyExternalId…) to an id of the workspace, or fails. */
  private async resolveReferences(uow: UnitOfWork, ws: string, type: ObjectType, checked: readonly CheckedInput[]): Promise<Map<string, Map<string, string>>> {
    const out = new Map<string, Map<string, string>>();
    for (const ref of CATALOG[type].references) {
      const ids = unique(checked.flatMap((c) => { const v = c.refIds.get(ref.column); return v ? [v] : []; }));
      const exts = unique(checked.flatMap((c) => { const v = c.refExternalIds.get(ref.column); return v ? [v] : []; }));
      const found = await findKeys((s, p) => uow.query(s, p), ref.target, ws, ids.filter(isWellFormedId), exts);
      const byKey = new Map<string, string>();
      for (const f of found) {
        byKey.set(`id:${f.id}`, f.id);
        if (f.externalId != null) byKey.set(`ext:${f.externalId}`, f.id);
      }
      for (const c of checked) {
        const id = c.refIds.get(ref.column);
        if (id && !byKey.has(`id:${id}`)) throw badInput(`input.${c.index}.${ref.idKey}`, `no ${ref.target} with id ${id}`);
        const ext = c.refExternalIds.get(ref.column);
        if (ext && !byKey.has(`ext:${ext}`)) throw badInput(`input.${c.index}.${ref.externalIdKey}`, `no ${ref.target} with externalId ${ext}`);
      }
      out.set(ref.column, byKey);
    }
    return out;
  }
}

/** Checks one input's shape and values without the database. */
function checkInput(type: ObjectType, input: UpsertInput, index: number): CheckedInput {
  const path = (k: string) => `input.${index}.${k}`;
  const cat = CATALOG[type];
  const id = input.id == null ? undefined : String(input.id);
  if (id !== undefined && !isWellFormedId(id)) throw badInput(path('id'), `no ${type} with id ${id.slice(0, 40)}`);
  let externalId: string | undefined;
  if (input.externalId != null) {
    externalId = checkText(String(input.externalId), path('externalId'), MAX_EXTERNAL_ID);
    if (externalId.trim() === '') throw badInput(path('externalId'), 'must not be empty');
  }
  const values = new Map<string, unknown>();
  for (const f of valueFields(cat)) {
    if (!(f.name in input) || input[f.name] === undefined) continue;
    values.set(f.name, checkFieldValue(type, f, input[f.name], path(f.name)));
  }
  const refIds = new Map<string, string | null>();
  const refExternalIds = new Map<string, string | null>();
  for (const ref of cat.references) {
    const byId = input[ref.idKey];
    const byExt = input[ref.externalIdKey];
    if (byId !== undefined && byExt !== undefined && byId !== null && byExt !== null) {
      throw badInput(path(ref.idKey), `give ${ref.idKey} or ${ref.externalIdKey}, not both`);
    }
    if (byId !== undefined) refIds.set(ref.column, byId === null ? null : String(byId));
    if (byExt !== undefined) refExternalIds.set(ref.column, byExt === null ? null : String(byExt));
  }
  const createdAt = input.createdAt instanceof Date ? input.createdAt : undefined;
  const attributes = input.attributes === undefined || input.attributes === null ? undefined : checkAttributesShape(input.attributes, path('attributes'));
  return { index, id, externalId, createdAt, values, refIds, refExternalIds, attributes };
}

function checkFieldValue(type: ObjectType, f: StandardField, value: unknown, path: string): unknown {
  if (value === null) {
    if (f.required) throw badInput(path, `${f.name} of ${type} cannot be cleared`);
    if (f.type === 'BOOLEAN') throw badInput(path, `${f.name} must be true or false`);
    return null;
  }
  switch (f.type) {
    case 'STRING': {
      const text = checkText(String(value), path);
      if (f.required && text.trim() === '') throw badInput(path, `${f.name} of ${type} must not be empty`);
      return text;
    }
    case 'NUMBER':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw badInput(path, 'must be a finite number');
      return value;
    case 'BOOLEAN':
      return Boolean(value);
    case 'DATE':
      return value;
  }
}

/** Applies inputs in order onto the locked rows (or new records); later inputs see earlier ones. */
function mergeInputs(type: ObjectType, ws: string, checked: readonly CheckedInput[], existing: readonly ObjectRecord[], refs: Map<string, Map<string, string>>) {
  const byId = new Map(existing.map((r) => [r.id, r]));
  const byExt = new Map(existing.filter((r) => r.externalId != null).map((r) => [r.externalId!, r]));
  const now = new Date();
  const records: ObjectRecord[] = [];
  for (const c of checked) {
    let rec: ObjectRecord | undefined;
    if (c.id) {
      rec = byId.get(c.id);
      if (!rec) throw badInput(`input.${c.index}.id`, `no ${type} with id ${c.id}`);
    } else if (c.externalId) {
      rec = byExt.get(c.externalId);
    }
    if (c.externalId && rec && rec.externalId !== c.externalId) {
      const other = byExt.get(c.externalId);
      if (other && other !== rec) throw badInput(`input.${c.index}.externalId`, `externalId ${c.externalId} already belongs to another ${type}`);
    }
    if (!rec) rec = newRecord(type, ws, c, now);
    if (rec.externalId && rec.externalId !== c.externalId && c.externalId) byExt.delete(rec.externalId);
    if (c.externalId) { rec.externalId = c.externalId; byExt.set(c.externalId, rec); }
    if (c.createdAt) rec.createdAt = c.createdAt;
    for (const [name, v] of c.values) rec.values[name] = v;
    for (const ref of CATALOG[type].references) {
      if (c.refIds.has(ref.column)) { const v = c.refIds.get(ref.column); rec.refs[ref.column] = v == null ? null : refs.get(ref.column)!.get(`id:${v}`)!; }
      if (c.refExternalIds.has(ref.column)) { const v = c.refExternalIds.get(ref.column); rec.refs[ref.column] = v == null ? null : refs.get(ref.column)!.get(`ext:${v}`)!; }
    }
    for (const [key, v] of Object.entries(c.attributes ?? {})) {
      if (v === null) delete rec.attributes[key];
      else rec.attributes[key] = v;
    }
    rec.updatedAt = now;
    if (rec.id === '') {
      for (const f of CATALOG[type].fields) {
        if (f.required && (rec.values[f.name] == null || rec.values[f.name] === '')) {
          throw badInput(`input.${c.index}.${f.name}`, `${f.name} is required to create a ${type}`);
        }
      }
    } else byId.set(rec.id, rec);
    records.push(rec);
  }
  return { records };
}

function newRecord(type: ObjectType, ws: string, c: CheckedInput, now: Date): ObjectRecord {
  const values: Record<string, unknown> = {};
  for (const f of valueFields(CATALOG[type])) values[f.name] = f.defaultValue ?? null;
  const refs: Record<string, string | null> = {};
  for (const r of CATALOG[type].references) refs[r.column] = null;
  return { type, id: '', workspaceId: ws, externalId: c.externalId ?? null, attributes: {}, createdAt: c.createdAt ?? now, updatedAt: now, values, refs };
}

/** Event names per DELETE of a user's events (see deleteUserEvents). */
const NAMES_PER_DELETE = 200;

/**
 * Deletes the events of users. The events' indexes start with the name (workspace_id, name,
 * user_id, …: migration 1764400010000), so the statement names the workspace's event names,
 * found by a loose scan of that index (one probe per distinct name), and each (name, user) pair
 * is an index range; `user_id IN (…)` alone would scan every event of the workspace. The names
 * compare as the column does (case-insensitively), so one spelling of a name finds all of them.
 */
async function deleteUserEvents(uow: UnitOfWork, ws: string, userIds: readonly string[]): Promise<void> {
  const names = ((await uow.query('SELECT DISTINCT name FROM events WHERE workspace_id = ?', [ws])) as Array<{ name: string }>).map((r) => r.name);
  for (let i = 0; i < names.length; i += NAMES_PER_DELETE) {
    const chunk = names.slice(i, i + NAMES_PER_DELETE);
    await uow.query(`DELETE FROM events WHERE workspace_id = ? AND name IN (${marks(chunk)}) AND user_id IN (${marks(userIds)})`, [ws, ...chunk, ...userIds]);
  }
}

/**
 * The objects that references stopped pointing to, by type: for each record, every reference
 * whose value before was an id and is now another one (or none).
 */
function leftReferences(type: ObjectType, records: ReadonlyArray<{ before?: Readonly<Record<string, string | null>>; after: Readonly<Record<string, string | null | undefined>> }>): Map<ObjectType, string[]> {
  const out = new Map<ObjectType, string[]>();
  for (const ref of CATALOG[type].references) {
    const ids = unique(records.flatMap((r) => {
      const was = r.before?.[ref.column] ?? null;
      return was !== null && was !== (r.after[ref.column] ?? null) ? [was] : [];
    }));
    if (ids.length) out.set(ref.target, [...(out.get(ref.target) ?? []), ...ids]);
  }
  return out;
}
