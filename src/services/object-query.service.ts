/**
 * Reading objects: pages newest first with an opaque cursor, and the field and relation
 * descriptors a filter builder renders.
 */
import { DataSource } from 'typeorm';
import { CATALOG, CUSTOM_FIELD_PREFIX } from '../core/catalog';
import { badInput } from '../core/errors';
import { ObjectType, OPERATORS_BY_TYPE, FieldType, FilterOperator } from '../core/object-types';
import type { SqlFragment } from '../core/filter/filter-tree';
import { isWellFormedId, ObjectRecord, toRecord } from '../db/object-store';
import type { QueryFn } from '../db/read-snapshot';
import type { AttributeService } from './attribute.service';
import type { RequestContext } from './context';

export const MAX_PAGE = 1000;

export interface Page<T> {
  readonly totalCount: number;
  readonly items: ReadonlyArray<{ cursor: string; node: T }>;
  readonly hasNextPage: boolean;
  readonly endCursor: string | null;
}

export interface FieldDescriptor {
  readonly field: string;
  readonly label: string;
  readonly type: FieldType;
  readonly custom: boolean;
  readonly operators: readonly FilterOperator[];
}

/** Cursor of an object in newest-first order: its creation time and id. */
export function encodeCursor(parts: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/**
 * The parts of a cursor this API returned: every cursor ends with an object or row id, after
 * the time in ms it is ordered by, if any. Anything else is BAD_USER_INPUT, so that a forged
 * cursor (a time that is no date, an id that is no id) never reaches SQL.
 */
export function decodeCursor(cursor: string, arity: number, path = 'after'): Array<string | number> {
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    const isTime = (p: unknown) => Number.isSafeInteger(p) && Math.abs(p as number) <= 8.64e15;
    const isId = (p: unknown) => typeof p === 'string' && isWellFormedId(p);
    if (Array.isArray(parts) && parts.length === arity && parts.every((p, i) => (i === arity - 1 ? isId(p) : isTime(p)))) return parts as Array<string | number>;
  } catch {
    /* reported below */
  }
  throw badInput(path, 'is not a cursor returned by this API');
}

export function checkFirst(first: number, max = MAX_PAGE): number {
  if (!Number.isInteger(first) || first < 0 || first > max) throw badInput('first', `must be an integer from 0 to ${max}, got ${first}`);
  return first;
}

export class ObjectQueryService {
  constructor(private readonly ds: DataSource, private readonly attributes: AttributeService) {}

  /**
   * A page of `type`'s objects, newest first (created_at, then id, descending), optionally
   * narrowed by a compiled filter predicate over alias `o`.
   */
  async page(ctx: RequestContext, type: ObjectType, opts: { first: number; after?: string | null; predicate?: SqlFragment; q?: QueryFn }): Promise<Page<ObjectRecord>> {
    const q = opts.q ?? ((sql: string, params?: unknown[]) => this.ds.query(sql, params));
    const first = checkFirst(opts.first);
    const table = CATALOG[type].table;
    const ws = ctx.actor.workspaceId;
    const where = ['o.workspace_id = ?'];
    const params: unknown[] = [ws];
    if (opts.predicate) { where.push(`(${opts.predicate.sql})`); params.push(...opts.predicate.params); }
    const [{ n }] = (await q(`SELECT COUNT(*) AS n FROM ${table} o WHERE ${where.join(' AND ')}`, params)) as Array<{ n: string }>;
    const pageWhere = [...where];
    const pageParams = [...params];
    if (opts.after) {
      const [ms, id] = decodeCursor(opts.after, 2);
      pageWhere.push('(o.created_at < ? OR (o.created_at = ? AND o.id < ?))');
      const at = new Date(Number(ms));
      pageParams.push(at, at, String(id));
    }
    const rows = (await q(
      `SELECT o.* FROM ${table} o WHERE ${pageWhere.join(' AND ')} ORDER BY o.created_at DESC, o.id DESC LIMIT ?`,
      [...pageParams, first + 1],
    )) as Array<Record<string, unknown>>;
    const items = rows.slice(0, first).map((r) => {
      const node = toRecord(type, r);
      return { cursor: encodeCursor([node.createdAt.getTime(), node.id]), node };
    });
    return { totalCount: Number(n), items, hasNextPage: rows.length > first, endCursor: items.at(-1)?.cursor ?? null };
  }

  /** Every standard field, then every custom attribute (as attributes.<key>), with its operators. */
  async filterableFields(ctx: RequestContext, type: ObjectType): Promise<FieldDescriptor[]> {
    const standard = CATALOG[type].fields.map((f) => ({ field: f.name, label: f.label, type: f.type, custom: false, operators: OPERATORS_BY_TYPE[f.type] }));
    const custom = (await this.attributes.list(ctx, type)).map((d) => ({
      field: `${CUSTOM_FIELD_PREFIX}${d.key}`, label: d.label ?? d.key, type: d.type, custom: true, operators: OPERATORS_BY_TYPE[d.type],
    }));
    return [...standard, ...custom];
  }

  relations(type: ObjectType): Array<{ relation: string; target: ObjectType; many: boolean }> {
    return CATALOG[type].relations.map(({ relation, target, many }) => ({ relation, target, many }));
  }
}
