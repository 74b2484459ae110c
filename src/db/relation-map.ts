/**
 * Maps ids of objects at the end of a relation chain back to the objects at its start: the
 * users whose company changed, the companies whose users changed, and so on, along the catalog's
 * joins, one step at a time from the end of the chain.
 */
import { CATALOG, RelationDef } from '../core/catalog';
import type { ObjectType } from '../core/object-types';
import type { QueryFn } from './read-snapshot';

/** Ids of `rootType` objects related through `chain` to any of `ids` (objects of the chain's target). */
export async function mapBack(q: QueryFn, workspaceId: string, rootType: ObjectType, chain: readonly RelationDef[], ids: readonly string[]): Promise<string[]> {
  let current = [...ids];
  // Walk from the end: step i goes from the source type of chain[i] to its target.
  for (let i = chain.length - 1; i >= 0 && current.length > 0; i--) {
    const sourceType = i === 0 ? rootType : chain[i - 1].target;
    const rel = chain[i];
    const marks = current.map(() => '?').join(', ');
    const rows = rel.join.kind === 'own'
      ? ((await q(`SELECT id AS id FROM ${CATALOG[sourceType].table} WHERE workspace_id = ? AND ${rel.join.column} IN (${marks})`, [workspaceId, ...current])) as Array<{ id: string }>)
      : ((await q(`SELECT DISTINCT ${rel.join.column} AS id FROM ${CATALOG[rel.target].table} WHERE workspace_id = ? AND id IN (${marks}) AND ${rel.join.column} IS NOT NULL`, [workspaceId, ...current])) as Array<{ id: string }>);
    current = [...new Set(rows.map((r) => String(r.id)))];
  }
  return current;
}
