/**
 * Composition root of the identity subgraph: accounts, sign-in, access tokens and the JWKS that the gateway
 * verifies them with (`GET /.well-known/jwks.json`).
 */
import { gql } from 'graphql-tag';
import { z } from 'zod';
import { readSdl } from '../../schema/catalog.ts';
import { ErrorCode } from '../../platform/errors.ts';
import { defineSubgraph, type SubgraphDependencies, type SubgraphDefinition } from '../../platform/subgraph.ts';
import type { Context } from './context.ts';
import { migrations } from './migrations/index.ts';
import { resolvers } from './resolvers/index.ts';
import { SigningKeys } from './signing-keys.ts';
import { TokenIssuer, type TokenSettings } from './token-issuer.ts';
import { identityEntities } from './user.entity.ts';
import { bootstrapAdmin, UserService } from './user.service.ts';

/** Identity's own environment variables (beyond every subgraph's). */
export const identityEnv = {
  /** The first admin, created at start-up when no admin exists. */
  HMS_ADMIN_EMAIL: z.string().email().optional(),
  HMS_ADMIN_PASSWORD: z.string().optional(),
  /** `iss` of access tokens; the gateway must expect the same. */
  HMS_JWT_ISSUER: z.string().default('hms-identity'),
  /** `aud` of access tokens; the gateway must expect the same. */
  HMS_JWT_AUDIENCE: z.string().default('hms-supergraph'),
  /** Access token lifetime in seconds (15 minutes). */
  HMS_ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(900),
};

export interface IdentitySettings {
  admin: { email?: string | undefined; password?: string | undefined };
  tokens: TokenSettings;
  production: boolean;
}

/** Parsed identity settings from its environment variables. */
export function identitySettings(env: z.infer<z.ZodObject<typeof identityEnv>>, production: boolean): IdentitySettings {
  return {
    admin: { email: env.HMS_ADMIN_EMAIL, password: env.HMS_ADMIN_PASSWORD },
    tokens: {
      issuer: env.HMS_JWT_ISSUER,
      audience: env.HMS_JWT_AUDIENCE,
      accessTokenTtlSeconds: env.HMS_ACCESS_TOKEN_TTL_SECONDS,
    },
    production,
  };
}

/** Path where identity publishes its public keys. */
export const JWKS_PATH = '/.well-known/jwks.json';

export function identitySubgraph(settings: IdentitySettings): SubgraphDefinition<Context> {
  let keys: SigningKeys | undefined;
  let tokens: TokenIssuer | undefined;
  return {
    name: 'identity',
    entities: identityEntities,
    migrations,
    typeDefs: gql(readSdl('identity')),
    resolvers,
    constraints: {
      user_account_email_key: { code: ErrorCode.CONFLICT, message: 'An account with this email already exists.' },
    },
    onStart: async ({ orm, deps }) => {
      keys = new SigningKeys(orm, deps.clock);
      await keys.ensureActiveKey();
      tokens = new TokenIssuer(keys, settings.tokens, deps.clock);
      await bootstrapAdmin(orm.em.fork(), { ...settings.admin, production: settings.production }, deps.logger);
    },
    routes: (app) => {
      app.get(JWKS_PATH, async (_req, res, next) => {
        try {
          res.set('cache-control', 'public, max-age=300').json(await keys!.jwks());
        } catch (error) {
          next(error);
        }
      });
    },
    createContext: (base, { orm, deps }) => {
      const em = orm.em.fork();
      return {
        ...base,
        em,
        users: new UserService({
          em,
          actor: base,
          tokens: tokens!,
          clock: deps.clock,
          timeZone: deps.hospital.timeZone,
        }),
      };
    },
  };
}

/** The identity subgraph, ready to start. */
export const createIdentitySubgraph = (deps: SubgraphDependencies, settings: IdentitySettings) =>
  defineSubgraph(identitySubgraph(settings), deps);
