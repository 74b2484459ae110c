/** Which server thread runs a connection, for `KILL QUERY` / `KILL CONNECTION` from another one. */
import type { QueryRunner } from 'typeorm';

/** The server's id of the runner's connection (for KILL), or null before it is connected. */
export function threadIdOf(runner: QueryRunner): number | null {
  const id = Number((runner as unknown as { databaseConnection?: { threadId?: unknown } }).databaseConnection?.threadId);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}
