/**
 * Runs the gateway as its own process: `node gateway/main.ts` (see docker-compose.yml). It serves the committed
 * supergraph, verifies access tokens against identity's JWKS and forwards requests to the subgraphs.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../platform/config.ts';
import { createLogger } from '../platform/logger.ts';
import { runProcess } from '../platform/process.ts';
import { SUPERGRAPH_PATH } from '../schema/catalog.ts';
import { configuredSubgraphUrls, gatewayEnvSchema } from './config.ts';
import { createGateway } from './gateway.ts';
import { createTokenVerifier } from './token-verifier.ts';

await runProcess(async () => {
  const env = loadConfig(gatewayEnvSchema, process.env);
  const logger = createLogger({
    name: 'gateway',
    level: env.LOG_LEVEL,
    pretty: env.NODE_ENV === 'development' && process.stdout.isTTY,
  });
  const gateway = createGateway({
    supergraphSdl: readFileSync(SUPERGRAPH_PATH, 'utf8'),
    subgraphUrls: configuredSubgraphUrls(env),
    verifyToken: createTokenVerifier({
      jwksUrl: env.HMS_JWKS_URL,
      issuer: env.HMS_JWT_ISSUER,
      audience: env.HMS_JWT_AUDIENCE,
    }),
    internalTokenSecret: env.HMS_INTERNAL_TOKEN_SECRET,
    logger,
    introspection: env.HMS_GATEWAY_INTROSPECTION ?? env.NODE_ENV !== 'production',
  });
  await gateway.start(env.HOST, env.PORT);
  return { logger, stop: () => gateway.stop() };
});
