/**
 * Composition root of the identity subgraph: accounts, sessions, access tokens, the JWKS that the gateway
 * verifies them with (`GET /.well-known/jwks.json`) and the recent token revocations a starting gateway loads
 * (`GET /internal/revocations`).
 */
import { gql } from 'graphql-tag';
import { z } from 'zod';
import { readSdl } from '../../schema/catalog.ts';
import { internalOnly } from '../../platform/auth/internal-token.ts';
import { tokenEnv } from '../../platform/config.ts';
import { ErrorCode } from '../../platform/errors.ts';
import { deliverDirectly } from '../../platform/events/direct-delivery.ts';
import type { EventHandler } from '../../platform/events/consumer.ts';
import {
  defineSubgraph,
  type ConsumerSpec,
  type SubgraphDependencies,
  type SubgraphDefinition,
} from '../../platform/subgraph.ts';
import { AccountService } from './account.service.ts';
import type { Context } from './context.ts';
import { IDENTITY_TOPIC } from './identity.events.ts';
import { migrations } from './migrations/index.ts';
import { newDummyPasswordHash } from './password.ts';
import { resolvers } from './resolvers/index.ts';
import { SessionService, toRevocation } from './session.service.ts';
import { SigningKeys } from './signing-keys.ts';
import { TokenIssuer, type TokenSettings } from './token-issuer.ts';
import { identityEntities, KnownDoctor } from './user.entity.ts';
import { UserRepository } from './user.repository.ts';
import { REFRESH_TOKEN_TTL_DAYS, revocationRetentionMs } from './user.rules.ts';
import { bootstrapAdmin, UserService } from './user.service.ts';

/** Identity's own environment variables (beyond every subgraph's). */
export const identityEnv = {
  /** The first admin, created at start-up when no admin exists. */
  HMS_ADMIN_EMAIL: z.string().email().optional(),
  HMS_ADMIN_PASSWORD: z.string().optional(),
  ...tokenEnv,
  /** Refresh token lifetime in days. */
  HMS_REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(90).default(REFRESH_TOKEN_TTL_DAYS),
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
      refreshTokenTtlDays: env.HMS_REFRESH_TOKEN_TTL_DAYS,
    },
    production,
  };
}

/** Path where identity publishes its public keys. */
export const JWKS_PATH = '/.well-known/jwks.json';
/** Path where a gateway loads the revocations that may still cover valid access tokens. */
export const REVOCATIONS_PATH = '/internal/revocations';

const rememberDoctor: EventHandler = async (em, event) => {
  const doctorId = z.object({ doctorId: z.string().uuid() }).parse(event.payload).doctorId;
  if (!(await em.findOne(KnownDoctor, { doctorId }))) em.create(KnownDoctor, { doctorId });
};

export function identitySubgraph(settings: IdentitySettings): SubgraphDefinition<Context> {
  let keys: SigningKeys | undefined;
  let tokens: TokenIssuer | undefined;
  let dummyPasswordHash: string | undefined;
  return {
    name: 'identity',
    entities: identityEntities,
    migrations,
    typeDefs: gql(readSdl('identity')),
    resolvers,
    constraints: {
      user_account_email_key: { code: ErrorCode.CONFLICT, message: 'An account with this email already exists.' },
      user_account_doctor_id_key: {
        code: ErrorCode.CONFLICT,
        message: 'This doctor is already linked to another account.',
      },
    },
    onStart: async ({ orm, deps }) => {
      keys = new SigningKeys(orm, deps.clock, settings.tokens.accessTokenTtlSeconds);
      await keys.ensureActiveKey();
      tokens = new TokenIssuer(keys, settings.tokens, deps.clock);
      // Made now rather than on the first sign-in with an unknown email, which would otherwise take twice as long.
      dummyPasswordHash = await newDummyPasswordHash();
      await bootstrapAdmin(orm.em.fork(), { ...settings.admin, production: settings.production }, deps.logger);
    },
    routes: (app, { orm, deps }) => {
      app.get(JWKS_PATH, async (_req, res, next) => {
        try {
          res.set('cache-control', 'public, max-age=60').json(await keys!.jwks());
        } catch (error) {
          next(error);
        }
      });
      app.get(REVOCATIONS_PATH, internalOnly(deps.internalTokenSecret), async (_req, res, next) => {
        try {
          const ttlSeconds = settings.tokens.accessTokenTtlSeconds;
          // Those still retained (see `toRevocation`): made within the retention before now.
          const since = new Date(deps.clock().getTime() - revocationRetentionMs(ttlSeconds));
          const revocations = await new UserRepository(orm.em.fork()).revocationsSince(since);
          res.json({ revocations: revocations.map((revocation) => toRevocation(revocation, ttlSeconds)) });
        } catch (error) {
          next(error);
        }
      });
    },
    createContext: (base, { orm, deps }) => {
      const em = orm.em.fork();
      const sessions = new SessionService({
        em,
        actor: base,
        tokens: tokens!,
        clock: deps.clock,
        refreshTokenTtlDays: settings.tokens.refreshTokenTtlDays,
      });
      return {
        ...base,
        em,
        users: new UserService({
          em,
          actor: base,
          sessions,
          clock: deps.clock,
          timeZone: deps.hospital.timeZone,
          logger: base.logger,
          dummyPasswordHash: dummyPasswordHash!,
          deliverSignUp: (envelope) =>
            deliverDirectly(
              { peerUrl: deps.peerUrl, secret: deps.internalTokenSecret },
              'patients',
              IDENTITY_TOPIC,
              envelope,
            ),
        }),
        accounts: new AccountService({ em, actor: base, sessions, keys: keys!, clock: deps.clock }),
      };
    },
    consumers: (): ConsumerSpec[] => [
      { name: 'identity.doctor-directory', topics: ['doctor-events'], handlers: { DoctorCreated: rememberDoctor } },
    ],
  };
}

/** The identity subgraph, ready to start. */
export const createIdentitySubgraph = (deps: SubgraphDependencies, settings: IdentitySettings) =>
  defineSubgraph(identitySubgraph(settings), deps);
