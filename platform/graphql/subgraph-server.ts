/**
 * Serves one subgraph over HTTP: `POST /graphql` (Apollo Server on a federation schema, access policy enforced,
 * errors formatted in one place), `/health/live`, `/health/ready` and `/metrics` (Prometheus; no token, see
 * `mountMetricsRoute`). Only requests that carry a valid internal token from the gateway reach GraphQL; anything
 * else gets 401 and no data. Each GraphQL request is counted and timed, and runs in a span that continues the
 * gateway's `traceparent`.
 */
import { randomUUID } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type Express } from 'express';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import {
  auditPlugin,
  ClinicalReadLog,
  recordClinicalReads,
  type AccessEventTransaction,
} from '../audit/clinical-reads.ts';
import { OperationLog, recordOperations } from '../audit/operations.ts';
import { enforceAccessPolicy } from '../auth/access-policy.ts';
import { internalOnly } from '../auth/internal-token.ts';
import { formatGraphQLError, type ConstraintError } from '../errors.ts';
import {
  createApp,
  finishApp,
  listen,
  mountHealthRoutes,
  mountMetricsRoute,
  type Listening,
  type ReadinessCheck,
} from '../http/server.ts';
import type { Logger } from '../logger.ts';
import { graphqlMetricsPlugin } from '../observability/graphql-metrics.ts';
import { metricsOf, scrape } from '../observability/metrics.ts';
import { activeTraceId, traceRequests } from '../observability/tracing.ts';
import type { RequestContext } from './context.ts';
import { errorLogPlugin, silentChildOf, type ErrorFormatter } from './error-log.ts';

export interface SubgraphServerOptions<Context extends RequestContext> {
  name: string;
  typeDefs: DocumentNode;
  /** The subgraph's resolver map (typed by its generated `Resolvers`). */
  resolvers: object;
  internalTokenSecret: string;
  logger: Logger;
  /** Database constraints that stand for domain rules, by constraint name. */
  constraints?: Record<string, ConstraintError>;
  /** Builds the per-request context from what every request has. */
  createContext: (base: RequestContext) => Context | Promise<Context>;
  readiness: Record<string, ReadinessCheck>;
  /** Writes the access events of a request that read clinical data (`@clinical` types), before it is answered. */
  accessEvents: AccessEventTransaction;
  /** Extra routes, mounted before `/graphql` (e.g. identity's JWKS). */
  routes?: (app: Express) => void;
}

export interface SubgraphServer {
  readonly schema: GraphQLSchema;
  /** Listens on `host:port` (port 0: any free port) and resolves with the bound address. */
  start(host: string, port: number): Promise<Listening>;
  stop(): Promise<void>;
}

/**
 * Builds the executable schema of a subgraph with its access policy enforced and its clinical reads recorded
 * (also used by tests and the policy check). Reads are noted inside the policy's guard: only allowed reads count.
 */
export function buildEnforcedSubgraphSchema(
  typeDefs: DocumentNode,
  resolvers: object,
  constraints: Record<string, ConstraintError> = {},
): GraphQLSchema {
  // Codegen's `Resolvers` and Apollo's `GraphQLResolverMap` describe the same object differently.
  const schema = buildSubgraphSchema({ typeDefs, resolvers: resolvers as GraphQLResolverMap<unknown> });
  // Inside out: reads are noted once the policy let them through; mutations and refusals around the policy.
  return recordOperations(enforceAccessPolicy(recordClinicalReads(schema)), constraints);
}

export function createSubgraphServer<Context extends RequestContext>(
  options: SubgraphServerOptions<Context>,
): SubgraphServer {
  const log = options.logger.child({ component: 'http' });
  const schema = buildEnforcedSubgraphSchema(options.typeDefs, options.resolvers, options.constraints ?? {});
  let listening: Listening | undefined;
  let apollo: ApolloServer<Context> | undefined;
  const format: ErrorFormatter = (formatted, error, logger) =>
    formatGraphQLError(formatted, error, { logger, constraints: options.constraints ?? {} });
  const silent = silentChildOf(log);

  return {
    schema,
    async start(host, port) {
      apollo = new ApolloServer<Context>({
        schema,
        includeStacktraceInErrorResponses: false,
        // The process stops servers itself, in order (platform/process.ts).
        stopOnTerminationSignals: false,
        // Unexpected errors are logged by `errorLogPlugin`, on the request's logger.
        formatError: (formatted, error) => format(formatted, error, silent),
        // Inline traces would tell any caller how long each resolver took; nothing here collects them.
        plugins: [
          ApolloServerPluginLandingPageDisabled(),
          ApolloServerPluginInlineTraceDisabled(),
          auditPlugin<Context>({ subgraph: options.name, transaction: options.accessEvents }),
          errorLogPlugin<Context>(format, log),
          graphqlMetricsPlugin<Context>(metricsOf(options.name)),
        ],
      });
      await apollo.start();

      const app = createApp();
      mountHealthRoutes(app, options.readiness);
      mountMetricsRoute(app, () => scrape(options.name), log);
      options.routes?.(app);
      app.use(
        '/graphql',
        express.json({ limit: '1mb' }),
        internalOnly(options.internalTokenSecret),
        traceRequests(options.name),
        expressMiddleware(apollo, {
          context: async ({ req, res }) => {
            const { principal, correlationId } = res.locals.claims as RequestContext;
            const requestId = req.header('x-request-id') ?? randomUUID();
            const traceId = activeTraceId();
            const logger = log.child(traceId ? { requestId, correlationId, traceId } : { requestId, correlationId });
            // Only the gateway reaches this point (internal token checked above); it forwards the client's key.
            const idempotencyKey = req.header('idempotency-key') ?? null;
            const clinicalReads = new ClinicalReadLog();
            const operations = new OperationLog();
            return options.createContext({
              principal,
              correlationId,
              requestId,
              idempotencyKey,
              logger,
              clinicalReads,
              operations,
            });
          },
        }),
      );
      finishApp(app, log);
      listening = await listen(app, host, port);
      log.info({ url: `${listening.url}/graphql`, subgraph: options.name }, 'subgraph listening');
      return listening;
    },
    async stop() {
      // Closing the HTTP server first lets requests in flight finish before Apollo stops.
      await listening?.close();
      await apollo?.stop();
      listening = undefined;
      apollo = undefined;
    },
  };
}
