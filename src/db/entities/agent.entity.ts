import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type AgentRole = 'ADMIN' | 'AGENT';

/** A person (or integration) acting in one workspace; authenticated by the hash of its token. */
@Entity({ name: 'agents' })
export class AgentEntity {
  @PrimaryGeneratedColumn({ type: 'bigint', unsigned: true })
  id!: string;

  @Column({ name: 'workspace_id', type: 'bigint', unsigned: true })
  workspaceId!: string;

  @Column({ type: 'varchar', length: 255 })
  name!: string;

  @Column({ type: 'varchar', length: 320 })
  email!: string;

  @Column({ type: 'enum', enum: ['ADMIN', 'AGENT'] })
  role!: AgentRole;

  /** SHA-256 of the token, hex: the token itself is never stored. */
  @Column({ name: 'token_hash', type: 'char', length: 64, select: false })
  tokenHash!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
