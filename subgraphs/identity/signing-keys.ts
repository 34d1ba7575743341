/**
 * The ES256 keys that sign access tokens. Keys live in the identity database so that every identity replica
 * signs with the same key; their public halves are published as a JWKS (RFC 7517) at `/.well-known/jwks.json`,
 * from which the gateway verifies tokens by `kid`.
 *
 * Rotation: a new key takes over signing and the previous one is retired, but stays in the JWKS for as long as a
 * token it signed can still be valid (the access-token lifetime, plus a margin for clock skew). A replica
 * re-reads the active key every minute, so every replica follows a rotation made by another.
 */
import { createHash, createPrivateKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { RequiredEntityData } from '@mikro-orm/core';
import { ACCESS_TOKEN_ALGORITHM } from '../../platform/auth/access-token.ts';
import type { Orm } from '../../platform/db/orm.ts';
import { SigningKey } from './user.entity.ts';

/** A public key as published in the JWKS. */
export interface PublicJwk extends JsonWebKey {
  kid: string;
  alg: typeof ACCESS_TOKEN_ALGORITHM;
  use: 'sig';
}

/** The key to sign with: its `kid` and its private key, parsed once. */
export interface ActiveSigningKey {
  kid: string;
  privateKey: KeyObject;
}

/** How long a retired key stays published beyond the access-token lifetime, for clock skew between processes. */
const PUBLICATION_MARGIN_MS = 5 * 60_000;
/** How often a replica re-reads which key is active. */
const REFRESH_MS = 60_000;

/** RFC 7638 thumbprint of an EC public key: SHA-256 over its required members in lexical order. */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

/** Generates a P-256 key pair, ready to be stored. */
export function generateSigningKey(now: Date): RequiredEntityData<SigningKey> {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const kid = jwkThumbprint(jwk);
  return {
    kid,
    algorithm: ACCESS_TOKEN_ALGORITHM,
    publicJwk: { ...jwk, kid, alg: ACCESS_TOKEN_ALGORITHM, use: 'sig' },
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    createdAt: now,
    retiredAt: null,
  };
}

export class SigningKeys {
  readonly #orm: Orm;
  readonly #clock: () => Date;
  /** Lifetime of access tokens, in milliseconds: how long a retired key must stay published. */
  readonly #tokenLifetimeMs: number;
  #active: ActiveSigningKey | undefined;
  #loadedAt = 0;
  /** The JWKS document as last read, with the active key (both re-read at most once a minute). */
  #jwks: Promise<{ keys: PublicJwk[] }> | undefined;
  #jwksLoadedAt = 0;

  constructor(orm: Orm, clock: () => Date, tokenLifetimeSeconds: number) {
    this.#orm = orm;
    this.#clock = clock;
    this.#tokenLifetimeMs = tokenLifetimeSeconds * 1000;
  }

  /** Loads the newest unretired key, creating one when there is none. Call at start-up. */
  async ensureActiveKey(): Promise<ActiveSigningKey> {
    const em = this.#orm.em.fork();
    const [newest] = await em.find(SigningKey, { retiredAt: null }, { orderBy: { createdAt: 'desc' }, limit: 1 });
    const key = newest ?? em.create(SigningKey, generateSigningKey(this.#clock()));
    if (!newest) await em.flush();
    return this.#use(key);
  }

  /** The key to sign with now (re-read from the database at most once a minute). */
  async active(): Promise<ActiveSigningKey> {
    if (!this.#active || Date.now() - this.#loadedAt > REFRESH_MS) return this.ensureActiveKey();
    return this.#active;
  }

  /** Creates a new key, retires every other, and starts signing with the new one. Returns its `kid`. */
  async rotate(): Promise<string> {
    const now = this.#clock();
    const key = await this.#orm.em.fork().transactional(async (em) => {
      await em.nativeUpdate(SigningKey, { retiredAt: null }, { retiredAt: now });
      return em.create(SigningKey, generateSigningKey(now));
    });
    return this.#use(key).kid;
  }

  /**
   * The JWKS document: the active key and every retired key that may still have valid tokens. Read from the
   * database at most once a minute (it is served to anyone), and at once after a rotation by this replica.
   */
  jwks(): Promise<{ keys: PublicJwk[] }> {
    if (!this.#jwks || Date.now() - this.#jwksLoadedAt > REFRESH_MS) {
      this.#jwksLoadedAt = Date.now();
      const loading = this.#readJwks();
      // A failed read is not kept: the next request tries again.
      loading.catch(() => {
        if (this.#jwks === loading) this.#jwks = undefined;
      });
      this.#jwks = loading;
    }
    return this.#jwks;
  }

  async #readJwks(): Promise<{ keys: PublicJwk[] }> {
    const publishedSince = new Date(this.#clock().getTime() - this.#tokenLifetimeMs - PUBLICATION_MARGIN_MS);
    const keys = await this.#orm.em
      .fork()
      .find(
        SigningKey,
        { $or: [{ retiredAt: null }, { retiredAt: { $gt: publishedSince } }] },
        { orderBy: { createdAt: 'desc' } },
      );
    return { keys: keys.map((key) => key.publicJwk as PublicJwk) };
  }

  /** Signs with `key` from now on; a key newly seen (here or by another replica) also refreshes the JWKS. */
  #use(key: SigningKey): ActiveSigningKey {
    if (this.#active?.kid !== key.kid) {
      this.#active = { kid: key.kid, privateKey: createPrivateKey(key.privateKeyPem) };
      this.#jwks = undefined;
    }
    this.#loadedAt = Date.now();
    return this.#active;
  }
}
