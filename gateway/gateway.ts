/**
 * Composition root of the gateway: `@apollo/gateway` on the committed supergraph (no introspection of the
 * subgraphs at run time) behind the client schema (`client-schema-gateway.ts`), the access-token verifier, the
 * HTTP endpoints `/graphql`, `/health/live` and `/health/ready`, and the `graphql-ws` endpoint on `/graphql` whose
 * subscriptions are fed by the realtime topics (`realtime/`).
 */
import { createHash, randomUUID } from 'node:crypto';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError, parse, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { enforceAccessPolicy } from '../platform/auth/access-policy.ts';
import { DomainError, ErrorCode, formatGraphQLError } from '../platform/errors.ts';
import type { RequestContext } from '../platform/graphql/context.ts';
import { errorLogPlugin, silentChildOf } from '../platform/graphql/error-log.ts';
import {
  createApp,
  finishApp,
  listen,
  mountHealthRoutes,
  mountMetricsRoute,
  type Listening,
} from '../platform/http/server.ts';
import type { Logger } from '../platform/logger.ts';
import { graphqlMetricsPlugin } from '../platform/observability/graphql-metrics.ts';
import { metricsOf, scrape } from '../platform/observability/metrics.ts';
import { activeTraceId, traceRequests } from '../platform/observability/tracing.ts';
import type { GatewayContext } from './context.ts';
import { CORRELATION_ID_HEADER, IDEMPOTENCY_KEY_HEADER, SubgraphDataSource } from './subgraph-data-source.ts';
import type { EventTransport } from '../platform/events/transport.ts';
import { createRevocationFeed } from './revocation-feed.ts';
import { createTokenVerifier } from './token-verifier.ts';
import { ClientSchemaGateway } from './client-schema-gateway.ts';
import { EventHub } from './realtime/event-hub.ts';
import { createRealtimeFeed, type RealtimeEvent } from './realtime/realtime-feed.ts';
import { attachResolvers } from './realtime/attach-resolvers.ts';
import {
  attachSubscriptionServer,
  type GatewayRequest,
  type RunOperation,
  type SubscriptionServer,
} from './realtime/subscription-server.ts';
import { subscriptionResolvers } from './realtime/subscriptions.ts';
import { createQuerySafety, DEFAULT_QUERY_LIMITS, type QueryLimits } from './query-safety.ts';
import { createRateLimiter, type RateLimits } from './rate-limit.ts';
import { QUERY_NOT_IN_SAFELIST, trustedDocumentsOnly } from './trusted-documents.ts';
import { mountPlayground } from './playground/playground.route.ts';

export interface GatewayOptions {
  /** The composed supergraph SDL (`schema/supergraph.graphql`). */
  supergraphSdl: string;
  /** Where each subgraph answers, by name: every subgraph of the supergraph. */
  subgraphUrls: Record<string, string>;
  /**
   * How access tokens are checked: identity's JWKS and revocations, and the claims they must carry.
   * `accessTokenTtlSeconds` only bounds revocations that do not say how long they matter (`retainUntil`).
   */
  tokens: { jwksUrl: string; revocationsUrl: string; issuer: string; audience: string; accessTokenTtlSeconds: number };
  /** Where identity's `TokensRevoked` events and the realtime topics of the subscriptions arrive. */
  transport: EventTransport;
  internalTokenSecret: string;
  logger: Logger;
  /**
   * Allow schema introspection (development tools). When it is off, error messages do not suggest field or type
   * names either (Apollo Server's `hideSchemaDetailsFromClientErrors`): the schema stays private.
   */
  introspection: boolean;
  /** Limits every document must keep (default `DEFAULT_QUERY_LIMITS`, see `query-safety.ts`). */
  limits?: QueryLimits;
  /** Request budgets per caller (default 3,000 a minute per user, 600 per anonymous address; `rate-limit.ts`). */
  rateLimits?: RateLimits;
  /** Proxies whose `X-Forwarded-For` names the client's address (default 0: the connection's address). */
  trustedProxies?: number;
  /** When given, only these operations run (by SHA-256 id; `trusted-documents.ts`). */
  trustedDocuments?: ReadonlyMap<string, string>;
  /** Events a subscription may have waiting before it is ended as too slow (default 256). */
  subscriptionBacklog?: number;
  /**
   * Serve the GraphiQL playground at `/playground` (and redirect browsers from `/graphql` to it), with sign-in and
   * example operations; needs `introspection` (see `playground/playground.config.ts`). Default false.
   */
  playground?: boolean;
}

/** The options that protect the gateway, as `gatewayProtection` reads them from the environment. */
export type GatewayProtection = Pick<
  GatewayOptions,
  'introspection' | 'limits' | 'rateLimits' | 'trustedProxies' | 'trustedDocuments'
>;

export interface Gateway {
  start(host: string, port: number): Promise<Listening>;
  stop(): Promise<void>;
  /** Open `graphql-ws` connections and live subscriptions (for tests and metrics). */
  readonly realtime: { connections: number; subscriptions: number };
}

/** Largest request body (HTTP 413, `PAYLOAD_TOO_LARGE`, beyond it). */
const MAX_BODY = '1mb';

/** A correlation id a client may pass: up to 128 characters from a conservative set. */
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The gateway's error policy: errors from subgraphs were already made safe there and keep their code and
 * message; the gateway's own request errors pass; anything else is logged and masked.
 */
export function formatGatewayError(
  formatted: GraphQLFormattedError,
  error: unknown,
  logger: Logger,
): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  const fromSubgraph = typeof formatted.extensions?.serviceName === 'string';
  if (fromSubgraph && typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
    // Subgraphs already made their errors safe; keep their details (e.g. `field`) but not routing internals.
    const {
      serviceName: _service,
      exception: _exception,
      stacktrace: _stack,
      ...extensions
    } = formatted.extensions ?? {};
    return {
      message: formatted.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { ...extensions, code },
    };
  }
  return formatGraphQLError(formatted, error, { logger });
}

/**
 * One line per request on the request's own logger (tagged with its request and correlation ids, which tie it to
 * the subgraphs' and consumers' lines): the operation, how long it took and how many errors it answered with.
 */
function requestLogPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const startedAt = performance.now();
      return {
        async willSendResponse({ operationName, errors }) {
          contextValue.logger.debug(
            { operationName: operationName ?? null, errors: errors?.length ?? 0, ms: performance.now() - startedAt },
            'request answered',
          );
        },
      };
    },
  };
}

export function createGateway(options: GatewayOptions): Gateway {
  const log = options.logger.child({ component: 'gateway' });
  const revocations = createRevocationFeed({
    transport: options.transport,
    snapshotUrl: options.tokens.revocationsUrl,
    internalTokenSecret: options.internalTokenSecret,
    accessTokenTtlSeconds: options.tokens.accessTokenTtlSeconds,
    logger: log,
  });
  const verifyToken = createTokenVerifier({
    jwksUrl: options.tokens.jwksUrl,
    issuer: options.tokens.issuer,
    audience: options.tokens.audience,
    isRevoked: (principal, issuedAt) => revocations.list.isRevoked(principal, issuedAt),
    logger: log,
  });
  const silent = silentChildOf(log);
  const hub = new EventHub<RealtimeEvent>({ capacity: options.subscriptionBacklog ?? 256 });
  const realtimeFeed = createRealtimeFeed({ transport: options.transport, hub, logger: log });
  const safety = createQuerySafety(options.limits ?? DEFAULT_QUERY_LIMITS);
  const rateLimiter = createRateLimiter(options.rateLimits ?? { perUserPerMinute: 3_000, anonymousPerMinute: 600 });
  const trustedDocuments = options.trustedDocuments;
  /** Token and cost limits and the safelist, for operations sent over the WebSocket. */
  const screen = (request: GatewayRequest, schema: GraphQLSchema): GraphQLError | undefined => {
    const tooLarge = safety.checkTokens(request.query);
    if (tooLarge) return tooLarge;
    if (trustedDocuments && !trustedDocuments.has(createHash('sha256').update(request.query).digest('hex'))) {
      return new GraphQLError('This gateway runs only trusted documents.', {
        extensions: { code: QUERY_NOT_IN_SAFELIST },
      });
    }
    let document: DocumentNode;
    try {
      document = parse(request.query);
    } catch (error) {
      // Answered as over HTTP; graphql-ws itself would close the socket on a syntax error.
      return new GraphQLError(error instanceof GraphQLError ? error.message : 'The document does not parse.', {
        extensions: { code: 'GRAPHQL_PARSE_FAILED' },
      });
    }
    return safety.checkCost(schema, document, request.variables, request.operationName);
  };
  let listening: Listening | undefined;
  let server: ApolloServer<GatewayContext> | undefined;
  let subscriptions: SubscriptionServer | undefined;
  let subscriptionSchema: GraphQLSchema | undefined;
  let ready = false;

  /** Runs a request through the gateway with `context` (subscriptions resolve their payloads with it). */
  const runOperation: RunOperation = async (request, context: RequestContext) => {
    if (!server) throw new Error('the gateway is not running');
    const response = await server.executeOperation(request, { contextValue: context });
    if (response.body.kind !== 'single') throw new Error('incremental delivery is not supported here');
    const { data, errors } = response.body.singleResult;
    return { data: data ?? null, ...(errors ? { errors } : {}) };
  };

  return {
    get realtime() {
      return { connections: subscriptions?.connections ?? 0, subscriptions: hub.size };
    },
    async start(host, port) {
      await revocations.start();
      await realtimeFeed.start();
      const gateway = new ApolloGateway({
        supergraphSdl: options.supergraphSdl,
        buildService: ({ name }) => {
          const url = options.subgraphUrls[name];
          if (!url) throw new Error(`no URL for subgraph ${name}`);
          return new SubgraphDataSource(url, options.internalTokenSecret);
        },
      });
      server = new ApolloServer<GatewayContext>({
        gateway: new ClientSchemaGateway(gateway, (clientSchema) => {
          subscriptionSchema = enforceAccessPolicy(attachResolvers(clientSchema, subscriptionResolvers));
        }),
        introspection: options.introspection,
        hideSchemaDetailsFromClientErrors: !options.introspection,
        validationRules: safety.validationRules,
        // One operation per request: a JSON array of operations is refused (400).
        allowBatchedHttpRequests: false,
        includeStacktraceInErrorResponses: false,
        // The process stops servers itself, in order (platform/process.ts).
        stopOnTerminationSignals: false,
        // Unexpected errors are logged by `errorLogPlugin`, on the request's logger.
        formatError: (formatted, error) => formatGatewayError(formatted, error, silent),
        plugins: [
          ...safety.plugins,
          ApolloServerPluginLandingPageDisabled(),
          requestLogPlugin(),
          errorLogPlugin<GatewayContext>(formatGatewayError, log),
          graphqlMetricsPlugin<GatewayContext>(metricsOf('gateway')),
        ],
      });
      await server.start();
      ready = true;

      const app = createApp();
      // Anonymous budgets are keyed by the client's address, which only trusted proxies may tell.
      app.set('trust proxy', options.trustedProxies ?? 0);
      // Not ready before the revocations are loaded: a token revoked earlier would still pass.
      mountHealthRoutes(app, { supergraph: async () => ready, revocations: async () => revocations.loaded });
      mountMetricsRoute(app, () => scrape('gateway'), log);
      mountPlayground(app, { enabled: options.playground ?? false, graphqlPath: '/graphql', logger: log });
      app.use(
        '/graphql',
        express.json({ limit: MAX_BODY }),
        // After the body parser, which leaves the async context: the request's span stays active to the end.
        traceRequests('gateway'),
        safety.tokenLimit,
        ...(trustedDocuments ? [trustedDocumentsOnly(trustedDocuments)] : []),
        expressMiddleware(server, {
          context: async ({ req, res }) => {
            const requested = req.header(CORRELATION_ID_HEADER);
            const correlationId = requested && CORRELATION_ID.test(requested) ? requested : randomUUID();
            const requestId = randomUUID();
            res.setHeader(CORRELATION_ID_HEADER, correlationId);
            const traceId = activeTraceId();
            const logger = log.child(traceId ? { requestId, correlationId, traceId } : { requestId, correlationId });
            try {
              const principal = (await verifyToken(req.header('authorization')))?.principal ?? null;
              await rateLimiter.consume(principal, req.ip ?? req.socket.remoteAddress ?? 'unknown', (seconds) =>
                res.setHeader('retry-after', String(seconds)),
              );
              const idempotencyKey = req.header(IDEMPOTENCY_KEY_HEADER) ?? null;
              return { principal, correlationId, requestId, idempotencyKey, logger };
            } catch (error) {
              if (error instanceof DomainError) {
                throw new GraphQLError(error.message, { extensions: { code: error.code, http: { status: 401 } } });
              }
              throw error;
            }
          },
        }),
      );
      finishApp(app, log);
      if (!subscriptionSchema) throw new Error('the client schema was not loaded');
      listening = await listen(app, host, port, (httpServer) => {
        subscriptions = attachSubscriptionServer({
          httpServer,
          path: '/graphql',
          schema: () => subscriptionSchema!,
          hub,
          verifyToken,
          isRevoked: (principal, issuedAt) => revocations.list.isRevoked(principal, issuedAt),
          runOperation,
          // Unexpected errors are logged by `errorLogPlugin`, on the request's logger.
          formatError: (formatted, error) => formatGatewayError(formatted, error, silent),
          validationRules: safety.validationRules,
          screen,
          logger: log,
        });
      });
      log.info({ url: `${listening.url}/graphql` }, 'gateway listening');
      return listening;
    },
    async stop() {
      ready = false;
      // Subscribers first: their sockets would otherwise hold the HTTP server open until the grace period ends.
      hub.close();
      await subscriptions?.close();
      await listening?.close();
      await server?.stop();
      await realtimeFeed.stop();
      await revocations.stop();
      subscriptions = undefined;
      listening = undefined;
      server = undefined;
    },
  };
}
