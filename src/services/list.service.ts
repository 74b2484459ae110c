/** Static lists: hand-maintained sets of objects of one type. */
import { DataSource } from 'typeorm';
import { StaticListEntity } from '../db/entities';
import { badInput, notFound } from '../core/errors';
import { OBJECT_TYPE_CODE, OBJECT_TYPES, ObjectType } from '../core/object-types';
import { checkText } from '../core/values';
import { isWellFormedId } from '../db/object-store';
import { inTransaction, UnitOfWork } from '../db/unit-of-work';
import type { ChangeFeed } from './change-feed';
import type { RequestContext } from './context';
import { marks } from '../db/sql-helpers';
import { existingIds } from './tag.service';

export interface StaticList {
  readonly id: string;
  readonly objectType: ObjectType;
  readonly name: string;
  readonly description: string | null;
  readonly size: number;
  readonly createdAt: Date;
}

export class ListService {
  constructor(private readonly ds: DataSource, private readonly changes: ChangeFeed) {}

  async create(ctx: RequestContext, input: { objectType: ObjectType; name: string; description?: string | null }): Promise<StaticList> {
    const name = checkText(input.name.trim(), 'input.name', 255);
    if (name === '') throw badInput('input.name', 'must not be empty');
    const description = input.description == null ? null : checkText(input.description, 'input.description', 10_000);
    const saved = await this.ds.getRepository(StaticListEntity).save({
      workspaceId: ctx.actor.workspaceId, objectTypeCode: OBJECT_TYPE_CODE[input.objectType], name, description, createdAt: new Date(),
    });
    return { id: String(saved.id), objectType: input.objectType, name, description, size: 0, createdAt: saved.createdAt };
  }

  async add(ctx: RequestContext, listId: string, ids: readonly string[]): Promise<StaticList> {
    return this.change(ctx, listId, ids, async (uow, list, objectIds) => {
      const now = new Date();
      await uow.query(`INSERT IGNORE INTO list_members (list_id, object_id, added_at) VALUES ${objectIds.map(() => '(?, ?, ?)').join(', ')}`,
        objectIds.flatMap((id) => [list.id, id, now]));
    });
  }

  async remove(ctx: RequestContext, listId: string, ids: readonly string[]): Promise<StaticList> {
    return this.change(ctx, listId, ids, async (uow, list, objectIds) => {
      await uow.query(`DELETE FROM list_members WHERE list_id = ? AND object_id IN (${marks(objectIds)})`, [list.id, ...objectIds]);
    });
  }

  async delete(ctx: RequestContext, listId: string): Promise<boolean> {
    return inTransaction(this.ds, async (uow) => {
      const list = await this.lock(uow, ctx, listId);
      const users = (await uow.query(
        "SELECT s.id, s.name FROM segment_dependencies d JOIN segments s ON s.id = d.segment_id WHERE d.kind = 'LIST' AND d.target_id = ?",
        [list.id],
      )) as Array<{ id: string; name: string }>;
      if (users.length) {
        throw badInput('id', `list ${list.id} is used by ${users.map((u) => `segment '${u.name}' (id ${u.id})`).join(', ')}; change or delete those first`);
      }
      const members = (await uow.query('SELECT object_id FROM list_members WHERE list_id = ?', [list.id])) as Array<{ object_id: string }>;
      await uow.query('DELETE FROM static_lists WHERE id = ?', [list.id]);
      uow.afterCommit(() => this.changes.publish({ workspaceId: ctx.actor.workspaceId, objectType: list.objectType, ids: members.map((m) => String(m.object_id)), cause: 'list' }));
      return true;
    });
  }

  async list(ctx: RequestContext, type?: ObjectType | null): Promise<StaticList[]> {
    const params: unknown[] = [ctx.actor.workspaceId];
    let where = 'l.workspace_id = ?';
    if (type) { where += ' AND l.object_type = ?'; params.push(OBJECT_TYPE_CODE[type]); }
    const rows = (await this.ds.query(
      `SELECT l.*, (SELECT COUNT(*) FROM list_members m WHERE m.list_id = l.id) AS size FROM static_lists l WHERE ${where} ORDER BY l.id`,
      params,
    )) as Array<Record<string, unknown>>;
    return rows.map(toList);
  }

  /** List ids of the workspace with their object types (for filter validation). */
  async typesById(workspaceId: string): Promise<Map<string, ObjectType>> {
    const rows = (await this.ds.query('SELECT id, object_type FROM static_lists WHERE workspace_id = ?', [workspaceId])) as Array<{ id: string; object_type: number }>;
    return new Map(rows.map((r) => [String(r.id), codeToType(r.object_type)]));
  }

  private async change(ctx: RequestContext, listId: string, ids: readonly string[], apply: (uow: UnitOfWork, list: StaticList, objectIds: string[]) => Promise<void>): Promise<StaticList> {
    const ws = ctx.actor.workspaceId;
    return inTransaction(this.ds, async (uow) => {
      const list = await this.lock(uow, ctx, listId);
      const objectIds = await existingIds(uow, ws, list.objectType, ids);
      await apply(uow, list, objectIds);
      const [{ n }] = (await uow.query('SELECT COUNT(*) AS n FROM list_members WHERE list_id = ?', [list.id])) as Array<{ n: string }>;
      uow.afterCommit(() => this.changes.publish({ workspaceId: ws, objectType: list.objectType, ids: objectIds, cause: 'list' }));
      return { ...list, size: Number(n) };
    });
  }

  private async lock(uow: UnitOfWork, ctx: RequestContext, listId: string): Promise<StaticList> {
    const rows = isWellFormedId(listId)
      ? ((await uow.query('SELECT l.*, 0 AS size FROM static_lists l WHERE l.id = ? AND l.workspace_id = ? FOR UPDATE', [listId, ctx.actor.workspaceId])) as Array<Record<string, unknown>>)
      : [];
    if (rows.length === 0) throw notFound(`no list with id ${listId.slice(0, 40)}`);
    return toList(rows[0]);
  }
}

function toList(r: Record<string, unknown>): StaticList {
  return {
    id: String(r.id),
    objectType: codeToType(Number(r.object_type)),
    name: r.name as string,
    description: (r.description as string | null) ?? null,
    size: Number(r.size ?? 0),
    createdAt: r.created_at as Date,
  };
}

export function codeToType(code: number): ObjectType {
  const type = OBJECT_TYPES.find((t) => OBJECT_TYPE_CODE[t] === Number(code));
  if (!type) throw new Error(`unknown object type code ${code}`);
  return type;
}
