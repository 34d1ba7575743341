/**
 * Runs the gateway as its own process: `node gateway/main.ts` (see docker-compose.yml). It serves the committed
 * supergraph, verifies access tokens against identity's JWKS and revocations, forwards requests to the subgraphs,
 * and serves subscriptions over `graphql-ws` from the events it reads on Kafka.
 */
import { readFileSync } from 'node:fs';
import { configuredSubgraphUrls, loadConfig } from '../platform/config.ts';
import { createLogger } from '../platform/logger.ts';
import { startTracingFromEnv } from '../platform/observability/tracing.ts';
import { createTransport, runProcess } from '../platform/process.ts';
import { SUPERGRAPH_PATH } from '../schema/catalog.ts';
import { gatewayEnvSchema, gatewayProtection } from './config.ts';
import { playgroundEnabled } from './playground/playground.config.ts';

await runProcess(async () => {
  const env = loadConfig(gatewayEnvSchema, process.env);
  const logger = createLogger({
    name: 'gateway',
    level: env.LOG_LEVEL,
    pretty: env.NODE_ENV === 'development' && process.stdout.isTTY,
  });
  const protection = gatewayProtection(env);
  const tracing = startTracingFromEnv(env, 'hms-gateway');
  // Loaded once tracing is registered: `@apollo/gateway` binds its tracer when it loads.
  const { createGateway } = await import('./gateway.ts');
  const transport = createTransport(env, logger, 'gateway');
  if (transport.kind === 'in-process') {
    logger.warn(
      'KAFKA_BROKERS is not set: token revocations arrive only through the reload from identity, once a minute, ' +
        'and subscriptions receive no events',
    );
  }
  const gateway = createGateway({
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
    ...protection,
    playground: playgroundEnabled(env),
    subscriptionBacklog: env.HMS_SUBSCRIPTION_BACKLOG,
  });
  await transport.start();
  await gateway.start(env.HOST, env.PORT);
  return {
    logger,
    stop: async () => {
      await gateway.stop();
      await transport.stop();
      await tracing.shutdown();
    },
  };
});
