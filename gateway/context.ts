/** The gateway's per-request context: who is calling, and the ids that tie the request's hops together. */
import type { RequestContext } from '../platform/graphql/context.ts';

export type GatewayContext = RequestContext;
