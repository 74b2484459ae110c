/** explainMembership: each node of a segment's filter evaluated for one object, now, with the data it saw. */
import { DataSource } from 'typeorm';
import { CATALOG } from '../core/catalog';
import { notFound } from '../core/errors';
import { explainPlan } from '../core/filter/explain';
import type { FilterNode } from '../core/filter/filter-tree';
import { join, sql, raw, param } from '../core/filter/sql';
import { fetchByIds, isWellFormedId, ObjectRecord } from '../db/object-store';
import type { FilterService } from './filter.service';
import type { SegmentRecord } from './segment-types';

export interface ConditionExplanation {
  readonly path: string;
  readonly kind: string;
  readonly result: boolean;
  readonly actual: unknown;
}

export interface MembershipExplanation {
  readonly segmentId: string;
  readonly objectId: string;
  readonly matchesNow: boolean;
  readonly inCachedResults: boolean;
  readonly conditions: ConditionExplanation[];
}

export class SegmentExplainService {
  constructor(private readonly ds: DataSource, private readonly filters: FilterService) {}

  async explain(segment: SegmentRecord, objectId: string): Promise<MembershipExplanation> {
    const [object] = isWellFormedId(objectId) ? await fetchByIds((s, p) => this.ds.query(s, p), segment.objectType, segment.workspaceId, [objectId]) : [];
    if (!object) throw notFound(`objectId: no ${segment.objectType} with id ${objectId.slice(0, 40)}`);
    const tree = await this.filters.validateStored(segment.workspaceId, segment.objectType, segment.filter);
    const plan = explainPlan(tree, { workspaceId: segment.workspaceId, objectType: segment.objectType, now: new Date() });
    const columns = plan.flatMap((p, i) => [sql`(${p.predicate}) AS ${raw(`r${i}`)}`, ...(p.actual ? [sql`${p.actual} AS ${raw(`a${i}`)}`] : [])]);
    const query = sql`SELECT ${join(columns, ', ')}, EXISTS (SELECT 1 FROM segment_members sm WHERE sm.segment_id = ${param(segment.id)} AND sm.object_id = o.id) AS cached
      FROM ${raw(CATALOG[segment.objectType].table)} o WHERE o.workspace_id = ${param(segment.workspaceId)} AND o.id = ${param(object.id)}`;
    const [row] = (await this.ds.query(query.sql, [...query.params])) as Array<Record<string, unknown>>;
    const conditions = plan.map((p, i) => ({
      path: p.path,
      kind: p.node.kind,
      result: Number(row[`r${i}`]) === 1,
      actual: p.actual ? normalise(row[`a${i}`]) : fieldActual(p.node, object, Number(row[`r${i}`]) === 1),
    }));
    return { segmentId: segment.id, objectId: object.id, matchesNow: conditions[0].result, inCachedResults: Number(row.cached) === 1, conditions };
  }
}

function fieldActual(node: FilterNode, object: ObjectRecord, result: boolean): unknown {
  switch (node.kind) {
    case 'tag':
      return { hasTag: node.has ? result : !result };
    case 'list':
    case 'segment':
      return { isMember: node.isMember ? result : !result };
    case 'attribute': {
      const f = node.field;
      if (f.kind === 'custom') return object.attributes[f.key] ?? null;
      if (f.name === 'externalId') return object.externalId;
      if (f.name === 'createdAt') return object.createdAt.toISOString();
      if (f.name === 'updatedAt') return object.updatedAt.toISOString();
      const v = object.values[f.name];
      return v instanceof Date ? v.toISOString() : v ?? null;
    }
    default:
      return null;
  }
}

function normalise(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return value ?? null;
}
