/**
 * Runs the gateway as its own process: `node gateway/main.ts` (see docker-compose.yml). It serves the committed
 * supergraph, verifies access tokens against identity's JWKS and revocations, forwards requests to the subgraphs,
 * and serves subscriptions over `graphql-ws` from the events it reads on Kafka.
 */
import { loadConfig } from '../platform/config.ts';
import { createLogger } from '../platform/logger.ts';
import { startTracingFromEnv } from '../platform/observability/tracing.ts';
import { createTransport, runProcess } from '../platform/process.ts';
import { gatewayEnvSchema } from './config.ts';

await runProcess(async () => {
  const env = loadConfig(gatewayEnvSchema, process.env);
  const logger = createLogger({
    name: 'gateway',
    level: env.LOG_LEVEL,
    pretty: env.NODE_ENV === 'development' && process.stdout.isTTY,
  });
  const tracing = startTracingFromEnv(env, 'hms-gateway');
  // Loaded once tracing is registered: `@apollo/gateway` binds its tracer when it loads.
  const { gatewayFromEnv } = await import('./from-env.ts');
  const transport = createTransport(env, logger, 'gateway');
  if (transport.kind === 'in-process') {
    logger.warn(
      'KAFKA_BROKERS is not set: token revocations arrive only through the reload from identity, once a minute, ' +
        'and subscriptions receive no events',
    );
  }
  const gateway = gatewayFromEnv(env, logger, transport);
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
