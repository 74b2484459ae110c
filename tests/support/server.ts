/**
 * A real server for e2e tests: a fresh database with the real migrations, the real services
 * and schema, listening on a free port, with a workspace and its admin token.
 */
import { createSchema } from '../../src/graphql/schema';
import { createLogger, Logger } from '../../src/logger';
import { ApiServer, startApiServer } from '../../src/server/app';
import { createServices, ServiceOptions, Services } from '../../src/services';
import { Live, startLive } from '../../src/live';
import { createTestDatabase, TestDatabase } from './db';
import { GqlClient } from './client';

export interface TestServer {
  readonly url: string;
  readonly wsUrl: string;
  /** Admin token of the first workspace. */
  readonly token: string;
  readonly workspaceId: string;
  readonly db: TestDatabase;
  readonly services: Services;
  readonly api: ApiServer;
  readonly live: Live;
  /** A client with the admin token. */
  readonly client: GqlClient;
  /** Creates another workspace; returns its admin client. */
  newWorkspace(name: string): Promise<{ workspaceId: string; token: string; client: GqlClient }>;
  close(): Promise<void>;
}

export async function startTestServer(options: { graphiql?: boolean; production?: boolean; redisUrl?: string | null; logger?: Logger; services?: ServiceOptions } = {}): Promise<TestServer> {
  const db = await createTestDatabase();
  const logger = options.logger ?? createLogger((process.env.TEST_LOG_LEVEL as 'info') ?? 'silent');
  const services = createServices(db.dataSource, logger, options.services);
  const live = startLive({ services, logger, redisUrl: options.redisUrl ?? null, realtime: { coalesceMs: 50 }, sweepMs: 200 });
  const api = await startApiServer({
    config: { port: 0, host: '127.0.0.1', production: options.production ?? false, graphiql: options.graphiql ?? true },
    services,
    schema: await createSchema(live.pubSub),
    logger,
    pubSub: live.pubSub,
    readinessChecks: [() => live.readiness()],
  });
  const url = api.url;
  const newWorkspace = async (name: string) => {
    const ws = await services.workspaces.createWorkspace({ name });
    return { workspaceId: ws.workspaceId, token: ws.token, client: new GqlClient(`${url}/graphql`, ws.token) };
  };
  const first = await newWorkspace('Test workspace');
  return {
    url,
    wsUrl: url.replace(/^http/, 'ws') + '/graphql',
    token: first.token,
    workspaceId: first.workspaceId,
    db,
    services,
    api,
    live,
    client: first.client,
    newWorkspace,
    async close() {
      await api.close();
      await live.stop();
      await db.drop();
    },
  };
}
