/** Tokens: 256 random bits, shown once, stored only as a SHA-256 hash. */
import crypto from 'node:crypto';
import { DataSource } from 'typeorm';
import { AgentEntity } from '../db/entities';
import type { Actor } from './context';

export function newToken(): string {
  return `seg_${crypto.randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Parses `Bearer <token>` (case-insensitive scheme); null when absent or malformed. */
export function bearerToken(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const m = /^\s*Bearer\s+(\S{1,512})\s*$/i.exec(header);
  return m ? m[1] : null;
}

export class AuthService {
  constructor(private readonly ds: DataSource) {}

  /** The actor a token belongs to, or null for an unknown token. */
  async authenticate(token: string | null): Promise<Actor | null> {
    if (!token) return null;
    const agent = await this.ds.getRepository(AgentEntity).findOne({ where: { tokenHash: hashToken(token) } });
    return agent ? { agentId: agent.id, workspaceId: agent.workspaceId, role: agent.role } : null;
  }
}
