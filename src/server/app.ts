/**
 * The HTTP side: Express 5 with Apollo Server 5 at /graphql, graphql-ws on the same path and
 * port, GraphiQL, and the health endpoints. `startApiServer` returns a handle whose `close`
 * drains requests, closes sockets with 1001 (going away) and stops Apollo.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError, GraphQLSchema, Kind } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { PubSub } from 'type-graphql';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { Services } from '../services';
import { bearerToken } from '../services/auth.service';
import type { Actor, RequestContext } from '../services/context';
import { createLoaders, GraphQLContext, OperationReads } from '../graphql/context';
import { createFormatError } from '../graphql/errors';
import { defaultGraphiqlAssetsDir, graphiqlRouter } from './graphiql';
import { healthRouter } from './health';
import { Metrics } from './metrics';
import { limitRules, tokenLimitError, validateWithLimits } from '../graphql/limits';

export const GRAPHQL_PATH = '/graphql';

const unauthenticatedError = () =>
  new GraphQLError('a valid bearer token is required', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });

export interface ApiServerOptions {
  readonly config: Pick<Config, 'port' | 'host' | 'production' | 'graphiql'>;
  readonly services: Services;
  readonly schema: GraphQLSchema;
  readonly logger: Logger;
  readonly pubSub: PubSub;
  /** Extra readiness checks (e.g. Redis) besides the database. */
  readonly readinessChecks?: ReadonlyArray<() => Promise<string | null>>;
}

export interface ApiServer {
  /** http://host:port of the listening server. */
  readonly url: string;
  readonly httpServer: http.Server;
  close(): Promise<void>;
}

function requestContext(actor: Actor | null, logger: Logger, requestId: string): RequestContext | null {
  return actor ? { actor, requestId, logger: logger.child({ requestId, workspaceId: actor.workspaceId, agentId: actor.agentId }) } : null;
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const { services, schema, logger, config } = opts;
  const app = express();
  app.disable('x-powered-by');
  const metrics = new Metrics(services.dataSource);
  metrics.observeSyncs(services.segmentSyncs);
  const httpServer = http.createServer(app);

  const wsServer = new WebSocketServer({ server: httpServer, path: GRAPHQL_PATH, maxPayload: 1024 * 1024 });
  const wsCleanup = useServer<Record<string, unknown>, { actor?: Actor }>(
    {
      schema,
      connectionInitWaitTimeout: 5_000,
      validate: validateWithLimits,
      onSubscribe: (_ctx, _id, payload) => {
        const tooLong = tokenLimitError(payload.query);
        return tooLong ? [tooLong] : undefined;
      },
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const token = bearerToken(params.Authorization ?? params.authorization);
        const actor = await services.auth.authenticate(token);
        if (!actor) return false; // graphql-ws closes with 4403 Forbidden
        ctx.extra.actor = actor;
        return true;
      },
      context: (ctx): GraphQLContext => {
        const request = requestContext(ctx.extra.actor ?? null, logger, crypto.randomUUID());
        return { services, request, loaders: createLoaders(services, request), reads: new OperationReads(services), pubSub: opts.pubSub };
      },
    },
    wsServer,
  );

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: config.graphiql || !config.production,
    includeStacktraceInErrorResponses: false,
    validationRules: limitRules(),
    allowBatchedHttpRequests: false,
    formatError: createFormatError(logger, config.production),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      metrics.apolloPlugin(),
      { async serverWillStart() { return { async drainServer() { await wsCleanup.dispose(); } }; } },
      {
        // A query reads from one consistent snapshot (see read-snapshot.ts), released with the response.
        async requestDidStart() {
          return {
            async didResolveOperation({ operation, contextValue }) {
              // Every root field needs an agent (resolvers check too); introspection alone does not.
              const onlyIntrospection = operation?.selectionSet.selections.every((s) => s.kind === Kind.FIELD && s.name.value.startsWith('__'));
              if (!contextValue.request && !onlyIntrospection) throw unauthenticatedError();
              if (operation?.operation === 'query') contextValue.reads.useSnapshot();
            },
            async willSendResponse({ contextValue }) {
              await contextValue.reads.release();
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  app.use(healthRouter(services.dataSource, opts.readinessChecks ?? []));
  app.use(metrics.router());
  app.use(graphiqlRouter({ enabled: config.graphiql, graphqlPath: GRAPHQL_PATH, assetsDir: defaultGraphiqlAssetsDir() }));
  app.use(
    GRAPHQL_PATH,
    express.json({ limit: '10mb' }),
    (req, res, next) => {
      // The token limit needs the raw text, before Apollo parses it (graphql-ws checks it in onSubscribe).
      const query = (req.body as { query?: unknown } | undefined)?.query ?? req.query?.query;
      const tooLong = typeof query === 'string' ? tokenLimitError(query) : null;
      if (!tooLong) return next();
      res.status(400).json({ errors: [{ message: tooLong.message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
    },
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const requestId = (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].slice(0, 100)) || crypto.randomUUID();
        res.setHeader('x-request-id', requestId);
        const actor = await services.auth.authenticate(bearerToken(req.headers.authorization));
        const request = requestContext(actor, logger, requestId);
        return { services, request, loaders: createLoaders(services, request), reads: new OperationReads(services), pubSub: opts.pubSub };
      },
    }),
  );

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  const address = httpServer.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${host}:${address.port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    httpServer,
    close() {
      closing ??= (async () => {
        for (const client of wsServer.clients) client.close(1001, 'Server shutting down');
        await apollo.stop();
        await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      })();
      return closing;
    },
  };
}
