/** Workspaces and their agents. */
import { DataSource } from 'typeorm';
import { AgentEntity, WorkspaceEntity } from '../db/entities';
import type { AgentRole } from '../db/entities/agent.entity';
import { badInput, forbidden, notFound } from '../core/errors';
import { inTransaction, isDuplicateKey } from '../db/unit-of-work';
import { hashToken, newToken } from './auth.service';
import type { RequestContext } from './context';

export interface CreatedWorkspace {
  readonly workspaceId: string;
  readonly agentId: string;
  readonly token: string;
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

export class WorkspaceService {
  constructor(private readonly ds: DataSource) {}

  /** Creates a workspace with its first ADMIN agent; the token is returned once. */
  async createWorkspace(input: { name: string; adminName?: string; adminEmail?: string }): Promise<CreatedWorkspace> {
    const name = checkText(input.name, 'name', 255);
    return inTransaction(this.ds, async ({ manager }) => {
      const ws = await manager.getRepository(WorkspaceEntity).save({ name, createdAt: new Date() });
      const token = newToken();
      const agent = await manager.getRepository(AgentEntity).save({
        workspaceId: ws.id,
        name: input.adminName ?? 'Admin',
        email: input.adminEmail ?? 'admin@example.com',
        role: 'ADMIN' as AgentRole,
        tokenHash: hashToken(token),
        createdAt: new Date(),
      });
      return { workspaceId: String(ws.id), agentId: String(agent.id), token };
    });
  }

  async workspace(ctx: RequestContext): Promise<WorkspaceEntity> {
    const ws = await this.ds.getRepository(WorkspaceEntity).findOneBy({ id: ctx.actor.workspaceId });
    if (!ws) throw notFound('workspace not found');
    return ws;
  }

  async me(ctx: RequestContext): Promise<AgentEntity> {
    const agent = await this.ds.getRepository(AgentEntity).findOneBy({ id: ctx.actor.agentId, workspaceId: ctx.actor.workspaceId });
    if (!agent) throw notFound('agent not found');
    return agent;
  }

  async agents(ctx: RequestContext): Promise<AgentEntity[]> {
    return this.ds.getRepository(AgentEntity).find({ where: { workspaceId: ctx.actor.workspaceId }, order: { id: 'ASC' } });
  }

  /** ADMIN only. Emails are unique per workspace. Returns the agent and its token (shown once). */
  async createAgent(ctx: RequestContext, input: { name: string; email: string; role?: AgentRole }): Promise<{ agent: AgentEntity; token: string }> {
    if (ctx.actor.role !== 'ADMIN') throw forbidden('only ADMIN agents may create agents');
    const name = checkText(input.name, 'input.name', 255);
    const email = input.email.trim();
    if (!EMAIL.test(email)) throw badInput('input.email', `'${email.slice(0, 100)}' is not an email address`);
    const token = newToken();
    try {
      const agent = await this.ds.getRepository(AgentEntity).save({
        workspaceId: ctx.actor.workspaceId,
        name,
        email,
        role: input.role ?? 'AGENT',
        tokenHash: hashToken(token),
        createdAt: new Date(),
      });
      return { agent, token };
    } catch (error) {
      if (isDuplicateKey(error)) throw badInput('input.email', `an agent with email ${email} already exists in this workspace`);
      throw error;
    }
  }
}

function checkText(value: string, path: string, max: number): string {
  const v = value.trim();
  if (v === '') throw badInput(path, 'must not be empty');
  if (v.length > max) throw badInput(path, `must be at most ${max} characters`);
  return v;
}
