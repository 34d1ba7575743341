/** The gateway process's environment. */
import { z } from 'zod';
import { baseEnv, kafkaEnv, schemas, subgraphUrlEnv, tokenEnv } from '../platform/config.ts';
import type { GatewayProtection } from './gateway.ts';
import { DEFAULT_QUERY_LIMITS } from './query-safety.ts';
import { readTrustedDocuments } from './trusted-documents.ts';

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
  /** Query limits (`query-safety.ts`): tokens per document, depth, aliases, directives, cost in objects. */
  HMS_GATEWAY_MAX_TOKENS: z.coerce.number().int().min(100).max(1_000_000).default(DEFAULT_QUERY_LIMITS.maxTokens),
  HMS_GATEWAY_MAX_DEPTH: z.coerce.number().int().min(2).max(100).default(DEFAULT_QUERY_LIMITS.maxDepth),
  HMS_GATEWAY_MAX_ALIASES: z.coerce.number().int().min(0).max(10_000).default(DEFAULT_QUERY_LIMITS.maxAliases),
  HMS_GATEWAY_MAX_DIRECTIVES: z.coerce.number().int().min(0).max(10_000).default(DEFAULT_QUERY_LIMITS.maxDirectives),
  HMS_GATEWAY_MAX_COST: z.coerce.number().int().min(100).max(100_000_000).default(DEFAULT_QUERY_LIMITS.maxCost),
  /** Requests per rolling minute per signed-in user and per anonymous client address (`rate-limit.ts`); 0: off. */
  HMS_GATEWAY_RATE_LIMIT_PER_USER: z.coerce.number().int().min(0).default(3_000),
  HMS_GATEWAY_RATE_LIMIT_ANONYMOUS: z.coerce.number().int().min(0).default(600),
  /**
   * Proxies in front of the gateway (an ingress, a load balancer) whose `X-Forwarded-For` is trusted to name the
   * client's address, which keys anonymous rate limits. 0: the connection's own address.
   */
  HMS_GATEWAY_TRUSTED_PROXIES: z.coerce.number().int().min(0).max(10).default(0),
  /** A trusted documents manifest (`trusted-documents.ts`): when set, only the operations it lists run. */
  HMS_GATEWAY_TRUSTED_DOCUMENTS: z.string().min(1).optional(),
};

/** The gateway options that protect it, from the environment (shared by `main.ts` and the embedded process). */
export function gatewayProtection(
  env: { NODE_ENV: string } & {
    [
      K in
        | 'HMS_GATEWAY_MAX_TOKENS'
        | 'HMS_GATEWAY_MAX_DEPTH'
        | 'HMS_GATEWAY_MAX_ALIASES'
        | 'HMS_GATEWAY_MAX_DIRECTIVES'
        | 'HMS_GATEWAY_MAX_COST'
        | 'HMS_GATEWAY_RATE_LIMIT_PER_USER'
        | 'HMS_GATEWAY_RATE_LIMIT_ANONYMOUS'
        | 'HMS_GATEWAY_TRUSTED_PROXIES'
    ]: number;
  } & { HMS_GATEWAY_INTROSPECTION?: boolean | undefined; HMS_GATEWAY_TRUSTED_DOCUMENTS?: string | undefined },
): GatewayProtection {
  const production = env.NODE_ENV === 'production';
  return {
    introspection: env.HMS_GATEWAY_INTROSPECTION ?? !production,
    limits: {
      maxTokens: env.HMS_GATEWAY_MAX_TOKENS,
      maxDepth: env.HMS_GATEWAY_MAX_DEPTH,
      maxAliases: env.HMS_GATEWAY_MAX_ALIASES,
      maxDirectives: env.HMS_GATEWAY_MAX_DIRECTIVES,
      maxCost: env.HMS_GATEWAY_MAX_COST,
    },
    rateLimits: {
      perUserPerMinute: env.HMS_GATEWAY_RATE_LIMIT_PER_USER,
      anonymousPerMinute: env.HMS_GATEWAY_RATE_LIMIT_ANONYMOUS,
    },
    trustedProxies: env.HMS_GATEWAY_TRUSTED_PROXIES,
    ...(env.HMS_GATEWAY_TRUSTED_DOCUMENTS
      ? { trustedDocuments: readTrustedDocuments(env.HMS_GATEWAY_TRUSTED_DOCUMENTS) }
      : {}),
  };
}

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
