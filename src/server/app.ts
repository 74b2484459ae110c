/**
 * The HTTP side: Express 5 with Apollo Server 5 at /graphql, graphql-ws on the same path and
 * port, GraphiQL, and the health endpoints. Every request gets an id (see request-id.ts).
 * `startApiServer` returns a handle whose `close` stops accepting connections, closes WebSockets
 * with 1001 (going away), lets requests in flight finish for a few seconds, and stops Apollo.
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
import { createFormatError, logMaskedErrors, unavailableError } from '../graphql/errors';
import { isDatabaseUnavailable } from '../db/connection-errors';
import { defaultGraphiqlAssetsDir, graphiqlRouter } from './graphiql';
import { healthRouter } from './health';
import { Metrics } from './metrics';
import { limitRules, tokenLimitError, validateWithLimits, variablesDepthError } from '../graphql/limits';
import { requestIds, requestScope } from './request-id';
import { sharedSubscribe } from '../graphql/shared-subscribe';

export const GRAPHQL_PATH = '/graphql';
/** On close: how long HTTP requests in flight may take to finish, and WebSockets to answer 1001. */
const DRAIN_GRACE_MS = 3_000;
const WS_CLOSE_GRACE_MS = 1_000;

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

/** `log` already carries the request id. */
function requestContext(actor: Actor | null, log: Logger, requestId: string): RequestContext | null {
  return actor ? { actor, requestId, logger: log.child({ workspaceId: actor.workspaceId, agentId: actor.agentId }) } : null;
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const { services, schema, logger, config } = opts;
  const formatError = createFormatError(config.production);
  const app = express();
  app.disable('x-powered-by');
  app.use(requestIds(logger));
  // Responses not yet written when close() begins say `Connection: close`: keep-alive clients
  // then do not reuse a socket that the drain is about to close.
  const unanswered = new Set<express.Response>();
  let draining = false;
  app.use((_req, res, next) => {
    if (draining) res.setHeader('connection', 'close');
    unanswered.add(res);
    res.once('close', () => unanswered.delete(res));
    next();
  });
  const metrics = new Metrics(services.dataSource);
  metrics.observeSyncs(services.segmentSyncs);
  metrics.observeTimeSweeps(services.segmentTimes);
  const httpServer = http.createServer(app);

  const wsServer = new WebSocketServer({ server: httpServer, path: GRAPHQL_PATH, maxPayload: 1024 * 1024 });
  const wsCleanup = useServer<Record<string, unknown>, { actor?: Actor }>(
    {
      schema,
      isProd: config.production,
      connectionInitWaitTimeout: 5_000,
      validate: validateWithLimits,
      subscribe: sharedSubscribe, // one execution per event and selection, shared by subscribers
      onSubscribe: (_ctx, _id, payload) => {
        const refused = tokenLimitError(payload.query) ?? variablesDepthError(payload.variables);
        return refused ? [refused] : undefined;
      },
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const token = bearerToken(params.Authorization ?? params.authorization);
        let actor: Actor | null;
        try {
          actor = await services.auth.authenticate(token);
        } catch (error) {
          if (!isDatabaseUnavailable(error)) throw error;
          logger.warn({ err: error }, 'database unavailable: WebSocket connection refused');
          ctx.extra.socket.close(1013, 'Try again later'); // graphql-ws's 4403 below finds it closing
          return false;
        }
        if (!actor) return false; // graphql-ws closes with 4403 Forbidden
        ctx.extra.actor = actor;
        return true;
      },
      context: (ctx): GraphQLContext => {
        const requestId = crypto.randomUUID();
        const log = logger.child({ requestId });
        const request = requestContext(ctx.extra.actor ?? null, log, requestId);
        return { services, request, loaders: createLoaders(services, request), reads: new OperationReads(services), pubSub: opts.pubSub, log };
      },
      // The same error masking as over HTTP. Errors before execution are the client's (validation, limits).
      onError: (_ctx, _id, _payload, errors) =>
        errors.map((e) => formatError({ ...e.toJSON(), extensions: { code: 'GRAPHQL_VALIDATION_FAILED', ...e.extensions } }, e)),
      onNext: (_ctx, _id, _payload, args, result) => {
        if (!result.errors?.length) return undefined;
        // An error without a path, not caused by a thrown error, is graphql-js refusing the request
        // itself (variables that do not coerce): the client's, BAD_USER_INPUT as Apollo says over HTTP.
        const refusal = (e: GraphQLError) => !e.path && (!e.originalError || e.originalError instanceof GraphQLError);
        const errors = result.errors.map((e) => (refusal(e) ? new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'BAD_USER_INPUT', ...e.extensions } }) : e));
        logMaskedErrors((args.contextValue as GraphQLContext).log, errors);
        return { ...result, errors: errors.map((e) => formatError(e.toJSON(), e)) };
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
    formatError,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: DRAIN_GRACE_MS }),
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
            // What formatError masks is logged here, where the request's logger (and id) is known.
            async didEncounterErrors({ contextValue, errors }) {
              logMaskedErrors(contextValue.log, errors);
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
      // The token limit needs the raw text, before Apollo parses it, and the variable depth
      // limit comes before GraphQL coerces them (graphql-ws checks both in onSubscribe).
      const body = req.body as { query?: unknown; variables?: unknown } | undefined;
      const query = body?.query ?? req.query?.query;
      const refused = (typeof query === 'string' ? tokenLimitError(query) : null) ?? variablesDepthError(body?.variables ?? req.query?.variables);
      if (!refused) return next();
      res.status(400).json({ errors: [{ message: refused.message, extensions: { code: refused.extensions.code } }] });
    },
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const { requestId, log } = requestScope(req, logger);
        let actor: Actor | null;
        try {
          actor = await services.auth.authenticate(bearerToken(req.headers.authorization));
        } catch (error) {
          if (!isDatabaseUnavailable(error)) throw error;
          log.warn({ err: error }, 'database unavailable: request refused');
          throw unavailableError(error);
        }
        const request = requestContext(actor, log, requestId);
        return { services, request, loaders: createLoaders(services, request), reads: new OperationReads(services), pubSub: opts.pubSub, log };
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
        draining = true;
        for (const res of unanswered) if (!res.headersSent) res.setHeader('connection', 'close');
        // Subscribers first: 1001 Going Away. A client that does not answer the closing handshake
        // in time is cut, so that it cannot hold the shutdown (ws would wait 30 s for it).
        for (const client of wsServer.clients) client.close(1001, 'Server shutting down');
        const cut = setTimeout(() => { for (const client of wsServer.clients) client.terminate(); }, WS_CLOSE_GRACE_MS);
        try {
          // Stops accepting connections, waits up to DRAIN_GRACE_MS for requests in flight, closes
          // the rest (keep-alive ones included), and disposes graphql-ws.
          await apollo.stop();
          await new Promise<void>((resolve) => wsServer.close(() => resolve()));
        } finally {
          clearTimeout(cut);
        }
      })();
      return closing;
    },
  };
}
