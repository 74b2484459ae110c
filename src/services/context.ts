/** What every use case receives first: who acts, in which workspace, for which request. */
import type { Logger } from '../logger';
import type { AgentRole } from '../db/entities/agent.entity';

export interface Actor {
  readonly agentId: string;
  readonly workspaceId: string;
  readonly role: AgentRole;
}

export interface RequestContext {
  readonly actor: Actor;
  readonly requestId: string;
  readonly logger: Logger;
}
