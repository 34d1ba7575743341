/**
 * Accounts and the keys that sign their access tokens. A user signs in with email and password (argon2id
 * hash); patients are linked to their `Patient`, doctors to their `Doctor` (SMART on FHIR `fhirUser`).
 */
import type { JsonWebKey } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { Role } from '../../platform/auth/principal.ts';
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
});
export type User = InferEntity<typeof User>;

/** An ES256 key pair that signs access tokens; its public half is published in the JWKS. */
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

export const identityEntities = [User, SigningKey];
