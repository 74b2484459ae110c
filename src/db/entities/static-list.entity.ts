import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A hand-maintained set of objects of one type; members live in `list_members`. */
@Entity({ name: 'static_lists' })
export class StaticListEntity {
  @PrimaryGeneratedColumn({ type: 'bigint', unsigned: true })
  id!: string;

  @Column({ name: 'workspace_id', type: 'bigint', unsigned: true })
  workspaceId!: string;

  /** OBJECT_TYPE_CODE of the members' type. */
  @Column({ name: 'object_type', type: 'tinyint', unsigned: true })
  objectTypeCode!: number;

  @Column({ type: 'varchar', length: 255 })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
