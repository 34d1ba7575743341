/** The gateway process's environment. */
import { z } from 'zod';
import { baseEnv, internalAuthEnv, schemas } from '../platform/config.ts';
import { SUBGRAPHS } from '../schema/catalog.ts';

const booleanFlag = z.enum(['true', 'false']).transform((value) => value === 'true');

/** Variables the gateway shares with the embedded process. */
export const gatewayCommonEnv = {
  HOST: z.string().default('0.0.0.0'),
  PORT: schemas.port.default(4000),
  /** `iss` and `aud` that access tokens must carry (identity's `HMS_JWT_ISSUER` / `HMS_JWT_AUDIENCE`). */
  HMS_JWT_ISSUER: z.string().default('hms-identity'),
  HMS_JWT_AUDIENCE: z.string().default('hms-supergraph'),
  /** Schema introspection on the public endpoint; default: on except in production. */
  HMS_GATEWAY_INTROSPECTION: booleanFlag.optional(),
};

/** `SUBGRAPH_<NAME>_URL` for every subgraph: where the gateway reaches it (default: the supergraph's URL). */
const subgraphUrlEnv = Object.fromEntries(
  SUBGRAPHS.map(({ name }) => [`SUBGRAPH_${name.toUpperCase()}_URL`, z.string().url().optional()]),
);

export const gatewayEnvSchema = z.object({
  ...baseEnv,
  ...internalAuthEnv,
  ...gatewayCommonEnv,
  ...subgraphUrlEnv,
  HMS_INTERNAL_TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters'),
  /** Identity's JWKS. */
  HMS_JWKS_URL: z.string().url().default('http://identity:4001/.well-known/jwks.json'),
});
export type GatewayEnv = z.infer<typeof gatewayEnvSchema>;

/** The subgraph URLs configured through `SUBGRAPH_<NAME>_URL`. */
export function configuredSubgraphUrls(env: Record<string, unknown>): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const { name } of SUBGRAPHS) {
    const url = env[`SUBGRAPH_${name.toUpperCase()}_URL`];
    if (typeof url === 'string') urls[name] = url;
  }
  return urls;
}
