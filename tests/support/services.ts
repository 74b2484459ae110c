/**
 * In-process services on a fresh test database, for integration tests that call the services
 * directly: `workspace(name)` creates a workspace and returns a request context acting in it.
 */
import { RealtimeEvaluator } from '../../src/live/realtime-evaluator';
import { createLogger, Logger } from '../../src/logger';
import { createServices, ServiceOptions, Services } from '../../src/services';
import type { RequestContext } from '../../src/services/context';
import { createTestDatabase, TestDatabase } from './db';

export interface ServiceWorld {
  readonly db: TestDatabase;
  readonly services: Services;
  readonly logger: Logger;
  workspace(name: string): Promise<RequestContext>;
  /** Starts real-time evaluation of the services' writes (coalescing 10 ms); `close` stops it. */
  startRealtime(): RealtimeEvaluator;
  /** Stops real time (if started) and drops the database. */
  close(): Promise<void>;
}

export async function serviceWorld(options: ServiceOptions = {}): Promise<ServiceWorld> {
  const db = await createTestDatabase();
  const logger = createLogger('silent');
  const services = createServices(db.dataSource, logger, options);
  let realtime: RealtimeEvaluator | undefined;
  let detach: (() => void) | undefined;
  return {
    db,
    services,
    logger,
    async workspace(name) {
      const ws = await services.workspaces.createWorkspace({ name });
      return { actor: (await services.auth.authenticate(ws.token))!, requestId: 't', logger };
    },
    startRealtime() {
      realtime = new RealtimeEvaluator(db.dataSource, services.filters, services.segmentSyncs, logger, { coalesceMs: 10 });
      detach = realtime.attach(services.changes);
      return realtime;
    },
    async close() {
      detach?.();
      realtime?.stop();
      await db.drop();
    },
  };
}
