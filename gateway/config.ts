/** The gateway process's environment. */
import { z } from 'zod';
import { baseEnv, kafkaEnv, schemas, subgraphUrlEnv, tokenEnv } from '../platform/config.ts';

const booleanFlag = z.enum(['true', 'false']).transform((value) => value === 'true');

/** Variables the gateway shares with the embedded process. */
export const gatewayCommonEnv = {
  HOST: z.string().default('0.0.0.0'),
  PORT: schemas.port.default(4000),
  ...tokenEnv,
  /** Schema introspection on the public endpoint; default: on except in production. */
  HMS_GATEWAY_INTROSPECTION: booleanFlag.optional(),
  /**
   * The GraphiQL playground at `/playground` (`playground/`); default: on wherever introspection is, which it needs
   * (`true` with introspection off is refused: `playground/playground.config.ts`).
   */
  HMS_GATEWAY_PLAYGROUND: booleanFlag.optional(),
  /**
   * Events one subscription may have waiting (a client that does not read, or reads slowly) before it is ended, so
   * that it cannot hold memory or the others up.
   */
  HMS_SUBSCRIPTION_BACKLOG: z.coerce.number().int().min(1).max(100_000).default(256),
};

export const gatewayEnvSchema = z.object({
  ...baseEnv,
  ...gatewayCommonEnv,
  ...subgraphUrlEnv,
  ...kafkaEnv,
  /** Required here (the embedded process may generate one outside production). */
  HMS_INTERNAL_TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters'),
  /** Identity's JWKS. */
  HMS_JWKS_URL: z.string().url().default('http://identity:4001/.well-known/jwks.json'),
  /** Identity's recent token revocations. */
  HMS_REVOCATIONS_URL: z.string().url().default('http://identity:4001/internal/revocations'),
});
export type GatewayEnv = z.infer<typeof gatewayEnvSchema>;
