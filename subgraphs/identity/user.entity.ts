/**
 * Accounts and the keys that sign their access tokens. A user signs in with email and password (argon2id
 * hash); patients are linked to their `Patient`, doctors to their `Doctor` (SMART on FHIR `fhirUser`).
 */
import type { JsonWebKey } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { Role } from '../../platform/auth/principal.ts';
import type { RevocationReason } from '../../platform/auth/revocations.ts';
import { BaseEntity } from '../../platform/db/base.entity.ts';

export const User = defineEntity({
  name: 'User',
  tableName: 'user_account',
  extends: BaseEntity,
  properties: {
    /** Lower-cased; unique. */
    email: p.string().length(254).unique('user_account_email_key'),
    /** argon2id PHC string. */
    passwordHash: p.string().length(255).hidden(),
    roles: p.array<Role>(),
    patientId: p.uuid().nullable().unique('user_account_patient_id_key'),
    doctorId: p.uuid().nullable().unique('user_account_doctor_id_key'),
    disabledAt: p.datetime().nullable(),
    version: p.integer().version(),
  },
  indexes: [
    // `users(search)`: part of an email, `like '%…%'` (pg_trgm); the list's order is the unique email index.
    {
      name: 'user_account_email_trgm_idx',
      expression: `create index "user_account_email_trgm_idx" on "identity"."user_account" using gin ("email" gin_trgm_ops)`,
    },
  ],
});
export type User = InferEntity<typeof User>;

/**
 * An ES256 key pair that signs access tokens; its public half is published in the JWKS. `algorithm` is written
 * (always ES256) but not read: the column is kept rather than dropped by a migration of its own.
 */
export const SigningKey = defineEntity({
  name: 'SigningKey',
  tableName: 'signing_key',
  properties: {
    /** RFC 7638 JWK thumbprint of the public key. */
    kid: p.string().length(64).primary(),
    algorithm: p.string().length(10),
    publicJwk: p.json<JsonWebKey>(),
    /** PKCS#8 PEM. */
    privateKeyPem: p.text().hidden(),
    createdAt: p.datetime(),
    /** Set when a newer key took over signing; the key keeps verifying until its last token expires. */
    retiredAt: p.datetime().nullable(),
  },
});
export type SigningKey = InferEntity<typeof SigningKey>;

/**
 * A refresh token. Tokens of one sign-in form a family (a session): each refresh uses one up and issues the next.
 * Only a SHA-256 hash of the token is stored.
 */
export const RefreshToken = defineEntity({
  name: 'RefreshToken',
  tableName: 'refresh_token',
  extends: BaseEntity,
  properties: {
    user: () => p.manyToOne(User).index('refresh_token_user_idx'),
    /** The session: the id of the family's first token's sign-in, carried as `sid` in access tokens. */
    familyId: p.uuid().index('refresh_token_family_idx'),
    tokenHash: p.string().length(64).unique('refresh_token_hash_key'),
    expiresAt: p.datetime(),
    /** When it was exchanged for the next one; presenting it again is reuse. */
    usedAt: p.datetime().nullable(),
    /** When its family was revoked (sign-out, reuse, password change, disabled account). */
    revokedAt: p.datetime().nullable(),
  },
});
export type RefreshToken = InferEntity<typeof RefreshToken>;

/** A failed sign-in of an existing account, for the lockout window. */
export const SignInFailure = defineEntity({
  name: 'SignInFailure',
  tableName: 'sign_in_failure',
  extends: BaseEntity,
  properties: {
    user: () => p.manyToOne(User),
    failedAt: p.datetime(),
  },
  indexes: [{ name: 'sign_in_failure_user_time_idx', properties: ['user', 'failedAt'] }],
});
export type SignInFailure = InferEntity<typeof SignInFailure>;

/** A single-use password reset token; only its SHA-256 hash is stored. */
export const PasswordResetToken = defineEntity({
  name: 'PasswordResetToken',
  tableName: 'password_reset_token',
  extends: BaseEntity,
  properties: {
    user: () => p.manyToOne(User).index('password_reset_token_user_idx'),
    tokenHash: p.string().length(64).unique('password_reset_token_hash_key'),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
  },
});
export type PasswordResetToken = InferEntity<typeof PasswordResetToken>;

/** Doctors that exist, copied from `doctor-events`, so that accounts are linked only to real doctor profiles. */
export const KnownDoctor = defineEntity({
  name: 'KnownDoctor',
  tableName: 'known_doctor',
  properties: {
    doctorId: p.uuid().primary(),
  },
});
export type KnownDoctor = InferEntity<typeof KnownDoctor>;

/** An early end of access tokens (see `platform/auth/revocations.ts`), kept for gateways that start later. */
export const TokenRevocation = defineEntity({
  name: 'TokenRevocation',
  tableName: 'token_revocation',
  extends: BaseEntity,
  properties: {
    userId: p.uuid(),
    sessionId: p.uuid().nullable(),
    exceptSessionId: p.uuid().nullable(),
    revokedAt: p.datetime().index('token_revocation_revoked_at_idx'),
    reason: p.string().length(40).$type<RevocationReason>(),
  },
});
export type TokenRevocation = InferEntity<typeof TokenRevocation>;

export const identityEntities = [
  User,
  SigningKey,
  RefreshToken,
  SignInFailure,
  PasswordResetToken,
  KnownDoctor,
  TokenRevocation,
];
