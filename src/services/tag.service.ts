/** Tags: free-form labels on objects, trimmed, compared as strings compare (case-insensitively). */
import { DataSource } from 'typeorm';
import { CATALOG } from '../core/catalog';
import { badInput } from '../core/errors';
import { OBJECT_TYPE_CODE, ObjectType } from '../core/object-types';
import { checkText } from '../core/values';
import { isWellFormedId } from '../db/object-store';
import { inTransaction, UnitOfWork } from '../db/unit-of-work';
import type { ChangeFeed } from './change-feed';
import type { RequestContext } from './context';
import { marks, unique } from '../db/sql-helpers';

export const MAX_TAG_IDS = 1000;
export const MAX_TAGS = 100;

export class TagService {
  constructor(private readonly ds: DataSource, private readonly changes: ChangeFeed) {}

  /** Adds each tag to each object; returns how many (object, tag) pairs were new. */
  async tag(ctx: RequestContext, type: ObjectType, ids: readonly string[], tags: readonly string[]): Promise<number> {
    const cleanTags = checkTags(tags);
    const ws = ctx.actor.workspaceId;
    return inTransaction(this.ds, async (uow) => {
      const objectIds = await existingIds(uow, ws, type, ids);
      const now = new Date();
      const params: unknown[] = [];
      for (const id of objectIds) for (const tag of cleanTags) params.push(ws, OBJECT_TYPE_CODE[type], id, tag, now);
      const result = (await uow.query(
        `INSERT IGNORE INTO object_tags (workspace_id, object_type, object_id, tag, created_at) VALUES ${Array.from({ length: params.length / 5 }, () => '(?, ?, ?, ?, ?)').join(', ')}`,
        params,
      )) as { affectedRows: number };
      uow.afterCommit(() => this.changes.publish({ workspaceId: ws, objectType: type, ids: objectIds, cause: 'tag' }));
      return result.affectedRows;
    });
  }

  /** Removes each tag from each object; returns how many (object, tag) pairs were removed. */
  async untag(ctx: RequestContext, type: ObjectType, ids: readonly string[], tags: readonly string[]): Promise<number> {
    const cleanTags = checkTags(tags);
    const ws = ctx.actor.workspaceId;
    return inTransaction(this.ds, async (uow) => {
      const objectIds = await existingIds(uow, ws, type, ids);
      const result = (await uow.query(
        `DELETE FROM object_tags WHERE workspace_id = ? AND object_type = ? AND object_id IN (${marks(objectIds)}) AND tag IN (${marks(cleanTags)})`,
        [ws, OBJECT_TYPE_CODE[type], ...objectIds, ...cleanTags],
      )) as { affectedRows: number };
      uow.afterCommit(() => this.changes.publish({ workspaceId: ws, objectType: type, ids: objectIds, cause: 'tag' }));
      return result.affectedRows;
    });
  }

  /** Distinct tags in use in the workspace, optionally of one object type, sorted. */
  async list(ctx: RequestContext, type?: ObjectType | null): Promise<string[]> {
    const params: unknown[] = [ctx.actor.workspaceId];
    let where = 'workspace_id = ?';
    if (type) { where += ' AND object_type = ?'; params.push(OBJECT_TYPE_CODE[type]); }
    const rows = (await this.ds.query(`SELECT DISTINCT tag FROM object_tags WHERE ${where} ORDER BY tag`, params)) as Array<{ tag: string }>;
    return rows.map((r) => r.tag);
  }
}

function checkTags(tags: readonly string[]): string[] {
  if (tags.length === 0) throw badInput('tags', 'give at least one tag');
  if (tags.length > MAX_TAGS) throw badInput('tags', `at most ${MAX_TAGS} tags per call`);
  return unique(
    tags.map((t, i) => {
      const tag = checkText(t.trim(), `tags.${i}`, 255);
      if (tag === '') throw badInput(`tags.${i}`, 'a tag must not be empty');
      return tag;
    }),
  );
}

/**
 * The ids, checked to be objects of `type` in the workspace (locked against a concurrent delete).
 * Any unknown id fails the whole call, named in the message; ids of other workspaces are unknown.
 */
export async function existingIds(uow: UnitOfWork, ws: string, type: ObjectType, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) throw badInput('ids', 'give at least one id');
  if (ids.length > MAX_TAG_IDS) throw badInput('ids', `at most ${MAX_TAG_IDS} ids per call`);
  const wanted = unique(ids);
  const bad = wanted.filter((id) => !isWellFormedId(id));
  const wellFormed = wanted.filter(isWellFormedId);
  const rows = wellFormed.length
    ? ((await uow.query(`SELECT id FROM ${CATALOG[type].table} WHERE workspace_id = ? AND id IN (${marks(wellFormed)}) LOCK IN SHARE MODE`, [ws, ...wellFormed])) as Array<{ id: string }>)
    : [];
  const found = new Set(rows.map((r) => String(r.id)));
  const missing = [...bad, ...wellFormed.filter((id) => !found.has(id))];
  if (missing.length) throw badInput('ids', `no ${type} with id ${missing.slice(0, 5).map((m) => m.slice(0, 40)).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
  return wellFormed;
}
