/** Custom attribute definitions: declared by `defineAttribute`, or inferred from a first value. */
import { DataSource } from 'typeorm';
import { AttributeDefinitionEntity } from '../db/entities';
import { badInput } from '../core/errors';
import { FieldType, OBJECT_TYPE_CODE, ObjectType } from '../core/object-types';
import { checkAttributeKey, checkText } from '../core/values';
import type { UnitOfWork } from '../db/unit-of-work';
import type { RequestContext } from './context';

export interface AttributeDefinition {
  readonly objectType: ObjectType;
  readonly key: string;
  readonly type: FieldType;
  readonly label: string | null;
}

export class AttributeService {
  constructor(private readonly ds: DataSource) {}

  async list(ctx: RequestContext, objectType: ObjectType): Promise<AttributeDefinition[]> {
    const rows = await this.ds.getRepository(AttributeDefinitionEntity).find({
      where: { workspaceId: ctx.actor.workspaceId, objectTypeCode: OBJECT_TYPE_CODE[objectType] },
      order: { key: 'ASC' },
    });
    return rows.map((r) => ({ objectType, key: r.key, type: r.type, label: r.label }));
  }

  /** Key → type of one object type's custom attributes. */
  async typesOf(workspaceId: string, objectType: ObjectType, uow?: UnitOfWork): Promise<Map<string, FieldType>> {
    const q = uow ? uow.query.bind(uow) : this.ds.query.bind(this.ds);
    const rows = (await q('SELECT attr_key AS k, type AS t FROM attribute_definitions WHERE workspace_id = ? AND object_type = ?', [
      workspaceId,
      OBJECT_TYPE_CODE[objectType],
    ])) as Array<{ k: string; t: FieldType }>;
    return new Map(rows.map((r) => [r.k, r.t]));
  }

  /**
   * Declares a key. Re-declaring with the same type updates the label; with another type it is
   * BAD_USER_INPUT (stored values would no longer match their type).
   */
  async define(ctx: RequestContext, input: { objectType: ObjectType; key: string; type: FieldType; label?: string | null }): Promise<AttributeDefinition> {
    const key = checkAttributeKey(input.key, 'input.key');
    const label = input.label == null ? null : checkText(input.label, 'input.label', 255);
    const repo = this.ds.getRepository(AttributeDefinitionEntity);
    const code = OBJECT_TYPE_CODE[input.objectType];
    await this.ds.query(
      'INSERT IGNORE INTO attribute_definitions (workspace_id, object_type, attr_key, type, label, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      [ctx.actor.workspaceId, code, key, input.type, label, new Date()],
    );
    const row = await repo.findOneByOrFail({ workspaceId: ctx.actor.workspaceId, objectTypeCode: code, key });
    if (row.type !== input.type) {
      throw badInput('input.type', `attributes.${key} of ${input.objectType} is already declared as ${row.type}`);
    }
    if (label !== row.label && input.label !== undefined) {
      await repo.update({ workspaceId: ctx.actor.workspaceId, objectTypeCode: code, key }, { label });
    }
    return { objectType: input.objectType, key, type: row.type, label: input.label !== undefined ? label : row.label };
  }

  /**
   * Records keys first seen in a write, inside the writer's transaction. A concurrent writer may
   * have declared the same key first: the stored type wins, and a value of another type fails.
   * @returns the stored types of `inferred`'s keys.
   */
  async declareInferred(uow: UnitOfWork, workspaceId: string, objectType: ObjectType, inferred: Map<string, FieldType>): Promise<Map<string, FieldType>> {
    if (inferred.size === 0) return new Map();
    const code = OBJECT_TYPE_CODE[objectType];
    const now = new Date();
    const values: unknown[] = [];
    for (const [key, type] of inferred) values.push(workspaceId, code, key, type, null, now);
    await uow.query(
      `INSERT IGNORE INTO attribute_definitions (workspace_id, object_type, attr_key, type, label, created_at) VALUES ${[...inferred]
        .map(() => '(?, ?, ?, ?, ?, ?)')
        .join(', ')}`,
      values,
    );
    return this.typesOf(workspaceId, objectType, uow);
  }
}
