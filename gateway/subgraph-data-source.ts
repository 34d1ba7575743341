/**
 * How the gateway calls a subgraph: it vouches for the verified caller with an internal token (see
 * `platform/auth/internal-token.ts`) and passes on the correlation id, so that the subgraph knows who is asking
 * and every log line and event of the request can be tied together.
 */
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { INTERNAL_TOKEN_HEADER, signInternalToken } from '../platform/auth/internal-token.ts';
import type { GatewayContext } from './context.ts';

export const CORRELATION_ID_HEADER = 'x-correlation-id';

export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly #secret: string;

  constructor(url: string, secret: string) {
    super({ url });
    this.#secret = secret;
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    // Requests without a client (schema loading, health checks) go out as an anonymous caller.
    const principal = 'principal' in context ? context.principal : null;
    const correlationId = 'correlationId' in context ? context.correlationId : 'gateway';
    request.http?.headers.set(INTERNAL_TOKEN_HEADER, signInternalToken(this.#secret, { principal, correlationId }));
    request.http?.headers.set(CORRELATION_ID_HEADER, correlationId);
    if ('requestId' in context) request.http?.headers.set('x-request-id', context.requestId);
  }
}
