/**
 * How the gateway calls a subgraph: it vouches for the verified caller with an internal token (see
 * `platform/auth/internal-token.ts`) and passes on the correlation id, so that the subgraph knows who is asking
 * and every log line and event of the request can be tied together. The W3C trace context of the fetch (the
 * `gateway.fetch` span of `@apollo/gateway`) goes along as `traceparent` / `tracestate`.
 */
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import { INTERNAL_TOKEN_HEADER, signInternalToken } from '../platform/auth/internal-token.ts';
import { injectTraceContext } from '../platform/observability/tracing.ts';
import type { GatewayContext } from './context.ts';

export const CORRELATION_ID_HEADER = 'x-correlation-id';
/** The client's idempotency key (IETF draft `Idempotency-Key` header), passed on unchanged (SPEC §4). */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/**
 * Node's own fetch (undici): keep-alive connections pooled per subgraph, and less work per request than the
 * default `make-fetch-happen`, whose HTTP-cache machinery the gateway never uses (subgraph responses are not cached).
 */
type Fetcher = RemoteGraphQLDataSource['fetcher'];
const nativeFetcher: Fetcher = (url, init) =>
  fetch(url, init as RequestInit) as unknown as Promise<Awaited<ReturnType<Fetcher>>>;

/** The internal token of one client request, signed once for all its subgraph fetches (it names the request). */
const tokensOfRequest = new WeakMap<object, string>();

export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly #secret: string;

  constructor(url: string, secret: string) {
    super({ url, fetcher: nativeFetcher, honorSubgraphCacheControlHeader: false });
    this.#secret = secret;
  }

  /** The internal token for `context`'s caller: signed once per client request, fresh for anything else. */
  #tokenFor(context: GraphQLDataSourceProcessOptions<GatewayContext>['context']): string {
    const principal = 'principal' in context ? context.principal : null;
    const correlationId = 'correlationId' in context ? context.correlationId : 'gateway';
    if (!('requestId' in context)) return signInternalToken(this.#secret, { principal, correlationId });
    let token = tokensOfRequest.get(context);
    if (token === undefined) {
      token = signInternalToken(this.#secret, { principal, correlationId });
      tokensOfRequest.set(context, token);
    }
    return token;
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    // Requests without a client (schema loading, health checks) go out as an anonymous caller.
    const correlationId = 'correlationId' in context ? context.correlationId : 'gateway';
    request.http?.headers.set(INTERNAL_TOKEN_HEADER, this.#tokenFor(context));
    request.http?.headers.set(CORRELATION_ID_HEADER, correlationId);
    if ('requestId' in context) request.http?.headers.set('x-request-id', context.requestId);
    if ('idempotencyKey' in context && context.idempotencyKey !== null) {
      request.http?.headers.set(IDEMPOTENCY_KEY_HEADER, context.idempotencyKey);
    }
    const trace: Record<string, string> = {};
    injectTraceContext(trace);
    for (const [name, value] of Object.entries(trace)) request.http?.headers.set(name, value);
  }

  /**
   * A subgraph answers a request whose variables it cannot coerce (e.g. `Date` "1980-02-30", which only the
   * subgraph's scalar knows is wrong) with HTTP 400 and a GraphQL error. That is the client's mistake, not a
   * failure: pass it on with its code instead of reporting the subgraph as broken.
   */
  override async errorFromResponse(
    response: Parameters<RemoteGraphQLDataSource['errorFromResponse']>[0],
  ): Promise<GraphQLError> {
    if (response.status === 400) {
      const body = (await response
        .clone()
        .json()
        .catch(() => null)) as { errors?: { message?: string; extensions?: { code?: string } }[] } | null;
      const first = body?.errors?.[0];
      if (first?.extensions?.code === 'BAD_USER_INPUT' && typeof first.message === 'string') {
        return new GraphQLError(first.message, { extensions: { code: 'BAD_USER_INPUT', serviceName: this.url } });
      }
    }
    return super.errorFromResponse(response);
  }
}
