/**
 * Composition root of the gateway: `@apollo/gateway` on the committed supergraph (no introspection of the
 * subgraphs at run time), the access-token verifier, and the HTTP endpoints `/graphql`, `/health/live` and
 * `/health/ready`.
 */
import { randomUUID } from 'node:crypto';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { DomainError, ErrorCode, formatGraphQLError } from '../platform/errors.ts';
import { createApp, finishApp, listen, mountHealthRoutes, type Listening } from '../platform/http/server.ts';
import type { Logger } from '../platform/logger.ts';
import type { GatewayContext } from './context.ts';
import { CORRELATION_ID_HEADER, IDEMPOTENCY_KEY_HEADER, SubgraphDataSource } from './subgraph-data-source.ts';
import type { EventTransport } from '../platform/events/transport.ts';
import { createRevocationFeed } from './revocation-feed.ts';
import { createTokenVerifier } from './token-verifier.ts';

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
  /** Where identity's `TokensRevoked` events arrive. */
  transport: EventTransport;
  internalTokenSecret: string;
  logger: Logger;
  /** Allow schema introspection (development tools). */
  introspection: boolean;
}

export interface Gateway {
  start(host: string, port: number): Promise<Listening>;
  stop(): Promise<void>;
}

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
  let listening: Listening | undefined;
  let server: ApolloServer<GatewayContext> | undefined;
  let ready = false;

  return {
    async start(host, port) {
      await revocations.start();
      const gateway = new ApolloGateway({
        supergraphSdl: options.supergraphSdl,
        buildService: ({ name }) => {
          const url = options.subgraphUrls[name];
          if (!url) throw new Error(`no URL for subgraph ${name}`);
          return new SubgraphDataSource(url, options.internalTokenSecret);
        },
      });
      server = new ApolloServer<GatewayContext>({
        gateway,
        introspection: options.introspection,
        includeStacktraceInErrorResponses: false,
        // The process stops servers itself, in order (platform/process.ts).
        stopOnTerminationSignals: false,
        formatError: (formatted, error) => formatGatewayError(formatted, error, log),
        plugins: [ApolloServerPluginLandingPageDisabled()],
      });
      await server.start();
      ready = true;

      const app = createApp();
      // Not ready before the revocations are loaded: a token revoked earlier would still pass.
      mountHealthRoutes(app, { supergraph: async () => ready, revocations: async () => revocations.loaded });
      app.use(
        '/graphql',
        express.json({ limit: '1mb' }),
        expressMiddleware(server, {
          context: async ({ req, res }) => {
            const requested = req.header(CORRELATION_ID_HEADER);
            const correlationId = requested && CORRELATION_ID.test(requested) ? requested : randomUUID();
            const requestId = randomUUID();
            res.setHeader(CORRELATION_ID_HEADER, correlationId);
            const logger = log.child({ requestId, correlationId });
            try {
              const principal = await verifyToken(req.header('authorization'));
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
      listening = await listen(app, host, port);
      log.info({ url: `${listening.url}/graphql` }, 'gateway listening');
      return listening;
    },
    async stop() {
      ready = false;
      await listening?.close();
      await server?.stop();
      await revocations.stop();
      listening = undefined;
      server = undefined;
    },
  };
}
