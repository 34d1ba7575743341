/**
 * The gateway's `graphql-ws` endpoint (the `graphql-transport-ws` protocol), on the gateway's own HTTP server and
 * path (`ws://<gateway>/graphql`): subscriptions of `schema/gateway.graphql`, and queries and mutations too (they run
 * through the gateway exactly as over HTTP).
 *
 * - **Authentication** in `connection_init`: `{ "authorization": "Bearer <token>" }` (or `{ "token": "<token>" }`),
 *   verified like an HTTP request's. No token, or one that fails any check: the socket is closed with 4403.
 * - **Expiry**: the socket is closed with 4401 when the token expires; a revoked token closes it with 4403 at the
 *   next event that would have been sent.
 * - **Fairness**: each subscription drains its own queue (`EventHub`), so a slow client only slows itself; a
 *   connection may hold at most `maxSubscriptionsPerConnection` subscriptions.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import {
  GraphQLError,
  print,
  specifiedRules,
  subscribe,
  validate,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { CloseCode, type Context as WsContext } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Principal } from '../../platform/auth/principal.ts';
import type { RequestContext } from '../../platform/graphql/context.ts';
import type { Logger } from '../../platform/logger.ts';
import type { TokenVerifier, VerifiedToken } from '../token-verifier.ts';
import { responseKeyResolver, type LookupExecutor } from './entity-lookup.ts';
import type { EventHub } from './event-hub.ts';
import type { RealtimeEvent } from './realtime-feed.ts';
import type { SubscriptionContext } from './subscriptions.ts';

/** A GraphQL request as the gateway runs it over HTTP. */
export interface GatewayRequest {
  query: string;
  variables?: Record<string, unknown> | undefined;
  operationName?: string | undefined;
}

/** Runs a request through the gateway (Apollo Server's `executeOperation`) with `context` as its context. */
export type RunOperation = (
  request: GatewayRequest,
  context: RequestContext,
) => Promise<{ data?: Record<string, unknown> | null; errors?: readonly GraphQLFormattedError[] }>;

export interface SubscriptionServerOptions {
  httpServer: Server;
  /** The gateway's GraphQL path, `/graphql`. */
  path: string;
  /** The client schema with the subscription resolvers attached and the access policy enforced (the latest load). */
  schema: () => GraphQLSchema;
  hub: EventHub<RealtimeEvent>;
  verifyToken: TokenVerifier;
  /** True when `principal`'s token issued at `issuedAt` (seconds) was revoked early. */
  isRevoked: (principal: Principal, issuedAt: number) => boolean;
  runOperation: RunOperation;
  /** Makes a formatted error safe for clients (the gateway's error policy). */
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  logger: Logger;
  /** Default 50. */
  maxSubscriptionsPerConnection?: number;
  /** Largest message a client may send, in bytes (default 64 KiB). */
  maxMessageBytes?: number;
  /** Validation rules beyond the specification's (the gateway's query limits). */
  validationRules?: readonly ValidationRule[];
  /**
   * Screens an operation before it is parsed for execution (the gateway's token and cost limits, its trusted
   * documents): an error refuses it, and nothing runs.
   */
  screen?: (request: GatewayRequest, schema: GraphQLSchema) => GraphQLError | undefined;
}

export interface SubscriptionServer {
  /** Open connections. */
  readonly connections: number;
  /** Closes every connection (1001 "going away") and stops accepting new ones. */
  close(): Promise<void>;
}

/** What the endpoint keeps per connection. */
interface Connection extends Record<PropertyKey, unknown> {
  socket: WebSocket;
  token?: VerifiedToken;
  expiry?: NodeJS.Timeout;
}

/** The token a `connection_init` payload carries, as an `Authorization` header value. */
export function authorizationOf(params: Record<string, unknown> | undefined): string | undefined {
  const header = params?.authorization ?? params?.Authorization;
  if (typeof header === 'string') return header;
  if (typeof params?.token === 'string') return `Bearer ${params.token}`;
  return undefined;
}

/** Attaches the endpoint to `httpServer`; it shares the port with HTTP and answers only upgrades on `path`. */
export function attachSubscriptionServer(options: SubscriptionServerOptions): SubscriptionServer {
  const log = options.logger.child({ component: 'subscriptions' });
  const maxSubscriptions = options.maxSubscriptionsPerConnection ?? 50;
  const wss = new WebSocketServer({
    server: options.httpServer,
    path: options.path,
    maxPayload: options.maxMessageBytes ?? 64 * 1024,
  });

  const format = (error: unknown): GraphQLFormattedError =>
    error instanceof GraphQLError ? options.formatError(error.toJSON(), error) : (error as GraphQLFormattedError);

  /** Runs a query through the gateway as `context`'s caller, with a request id of its own. */
  const lookUpAs =
    (context: RequestContext): LookupExecutor =>
    (query) =>
      options.runOperation(
        { query: print(query.document), variables: query.variables },
        { ...context, requestId: randomUUID() },
      );

  const server = useServer<Record<string, unknown>, Connection>(
    {
      schema: () => options.schema(),
      // Coded as over HTTP (Apollo Server's GRAPHQL_VALIDATION_FAILED), so that the error policy shows them.
      validate: (schema, document) =>
        validate(schema, document, [...specifiedRules, ...(options.validationRules ?? [])]).map((error) =>
          error.extensions.code || error.originalError
            ? error
            : new GraphQLError(error.message, {
                nodes: error.nodes ?? null,
                extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED' },
              }),
        ),
      onConnect: async (ctx: WsContext<Record<string, unknown>, Connection>) => {
        let token: VerifiedToken | null;
        try {
          token = await options.verifyToken(authorizationOf(ctx.connectionParams));
        } catch {
          token = null;
        }
        const remainingMs = token ? token.expiresAt * 1000 - Date.now() : 0;
        if (!token || remainingMs <= 0) {
          log.info('subscription connection refused: no valid access token');
          return false;
        }
        ctx.extra.token = token;
        ctx.extra.expiry = setTimeout(
          () => ctx.extra.socket.close(CloseCode.Unauthorized, 'Unauthorized: the access token has expired'),
          remainingMs,
        );
        ctx.extra.expiry.unref();
        return true;
      },
      onClose: (ctx) => {
        if (ctx.extra.expiry) clearTimeout(ctx.extra.expiry);
      },
      onSubscribe: (ctx, _id, payload) => {
        const refused = options.screen?.(
          {
            query: payload.query,
            variables: payload.variables ?? undefined,
            operationName: payload.operationName ?? undefined,
          },
          options.schema(),
        );
        if (refused) return [refused];
        // `ctx.subscriptions` already holds the new one.
        if (Object.keys(ctx.subscriptions).length > maxSubscriptions) {
          return [
            new GraphQLError(`A connection may hold at most ${maxSubscriptions} subscriptions.`, {
              extensions: { code: 'BAD_REQUEST' },
            }),
          ];
        }
        return undefined;
      },
      context: (ctx, _id, payload): SubscriptionContext => {
        const token = ctx.extra.token!;
        const correlationId = randomUUID();
        const requestId = randomUUID();
        const base: RequestContext = {
          principal: token.principal,
          correlationId,
          requestId,
          idempotencyKey: null,
          logger: log.child({ requestId, correlationId, operationName: payload.operationName ?? undefined }),
        };
        return {
          ...base,
          hub: options.hub,
          lookUp: lookUpAs(base),
          pendingErrors: [],
          stillAuthorized: () => {
            if (!options.isRevoked(token.principal, token.issuedAt)) return true;
            ctx.extra.socket.close(CloseCode.Forbidden, 'Forbidden: the access token has been revoked');
            return false;
          },
        };
      },
      // Queries and mutations over the socket run through the gateway, as the connection's caller.
      execute: (args: ExecutionArgs) => {
        const context = args.contextValue as SubscriptionContext;
        return options.runOperation(
          {
            query: print(args.document),
            variables: (args.variableValues ?? undefined) as Record<string, unknown> | undefined,
            operationName: args.operationName ?? undefined,
          },
          context,
        ) as Promise<ExecutionResult>;
      },
      subscribe: (args: ExecutionArgs) => subscribe({ ...args, fieldResolver: responseKeyResolver }),
      onNext: (_ctx, _id, _payload, args, result) => {
        const context = args.contextValue as SubscriptionContext;
        const pending = context.pendingErrors.splice(0);
        const errors = [...(result.errors ?? []).map(format), ...pending];
        return { ...(result.data !== undefined ? { data: result.data } : {}), ...(errors.length ? { errors } : {}) };
      },
      onError: (_ctx, _id, _payload, errors) => errors.map(format),
    },
    wss,
  );

  return {
    get connections() {
      return wss.clients.size;
    },
    close: async () => {
      await server.dispose();
    },
  };
}
