/**
 * In-process services on a fresh test database, for integration tests that call the services
 * directly: `workspace(name)` creates a workspace and returns a request context acting in it.
 */
import { createLogger, Logger } from '../../src/logger';
import { createServices, Services } from '../../src/services';
import type { RequestContext } from '../../src/services/context';
import { createTestDatabase, TestDatabase } from './db';

export interface ServiceWorld {
  readonly db: TestDatabase;
  readonly services: Services;
  readonly logger: Logger;
  workspace(name: string): Promise<RequestContext>;
}

export async function serviceWorld(): Promise<ServiceWorld> {
  const db = await createTestDatabase();
  const logger = createLogger('silent');
  const services = createServices(db.dataSource, logger);
  return {
    db,
    services,
    logger,
    async workspace(name) {
      const ws = await services.workspaces.createWorkspace({ name });
      return { actor: (await services.auth.authenticate(ws.token))!, requestId: 't', logger };
    },
  };
}
