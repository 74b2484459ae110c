import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { FieldType } from '../../core/object-types';

/** The declared (or inferred) type of one custom attribute key of one object type. */
@Entity({ name: 'attribute_definitions' })
export class AttributeDefinitionEntity {
  @PrimaryColumn({ name: 'workspace_id', type: 'bigint', unsigned: true })
  workspaceId!: string;

  @PrimaryColumn({ name: 'object_type', type: 'tinyint', unsigned: true })
  objectTypeCode!: number;

  @PrimaryColumn({ name: 'attr_key', type: 'varchar', length: 64 })
  key!: string;

  @Column({ type: 'enum', enum: ['STRING', 'NUMBER', 'BOOLEAN', 'DATE'] })
  type!: FieldType;

  @Column({ type: 'varchar', length: 255, nullable: true })
  label!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
