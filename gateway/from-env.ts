/**
 * The gateway as its own process configures it: every option from the parsed environment (`gateway/config.ts`).
 * Shared by `gateway/main.ts` and the benchmark's gateway process, so that what is measured is what runs. Import it
 * only once tracing is registered: `@apollo/gateway` binds its tracer when it loads.
 */
import { readFileSync } from 'node:fs';
import { configuredSubgraphUrls } from '../platform/config.ts';
import type { EventTransport } from '../platform/events/transport.ts';
import type { Logger } from '../platform/logger.ts';
import { SUPERGRAPH_PATH } from '../schema/catalog.ts';
import { gatewayProtection, type GatewayEnv } from './config.ts';
import { createGateway, type Gateway } from './gateway.ts';
import { playgroundEnabled } from './playground/playground.config.ts';

/** @throws ConfigError for protection settings that do not hold together (see `gatewayProtection`, `playgroundEnabled`). */
export function gatewayFromEnv(env: GatewayEnv, logger: Logger, transport: EventTransport): Gateway {
  return createGateway({
    supergraphSdl: readFileSync(SUPERGRAPH_PATH, 'utf8'),
    // From the parsed environment (defaults applied), not `process.env` again: the helper picks the
    // `SUBGRAPH_<NAME>_URL` variables out of its string values.
    subgraphUrls: configuredSubgraphUrls(
      Object.fromEntries(
        Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
      ),
    ),
    tokens: {
      jwksUrl: env.HMS_JWKS_URL,
      revocationsUrl: env.HMS_REVOCATIONS_URL,
      issuer: env.HMS_JWT_ISSUER,
      audience: env.HMS_JWT_AUDIENCE,
      accessTokenTtlSeconds: env.HMS_ACCESS_TOKEN_TTL_SECONDS,
    },
    transport,
    internalTokenSecret: env.HMS_INTERNAL_TOKEN_SECRET,
    logger,
    ...gatewayProtection(env),
    playground: playgroundEnabled(env),
    subscriptionBacklog: env.HMS_SUBSCRIPTION_BACKLOG,
  });
}
