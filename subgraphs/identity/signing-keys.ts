/**
 * The ES256 keys that sign access tokens. Keys live in the identity database so that every identity replica
 * signs with the same key; their public halves are published as a JWKS (RFC 7517) at
 * `/.well-known/jwks.json`, from which the gateway verifies tokens by `kid`.
 */
import { createHash, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import type { Orm } from '../../platform/db/orm.ts';
import { SigningKey } from './user.entity.ts';

export const TOKEN_ALGORITHM = 'ES256';

/** A public key as published in the JWKS. */
export interface PublicJwk extends JsonWebKey {
  kid: string;
  alg: typeof TOKEN_ALGORITHM;
  use: 'sig';
}

/** RFC 7638 thumbprint of an EC public key: SHA-256 over its required members in lexical order. */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

/** Generates a P-256 key pair. */
export function generateSigningKey(now: Date): SigningKey {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const kid = jwkThumbprint(jwk);
  return {
    kid,
    algorithm: TOKEN_ALGORITHM,
    publicJwk: { ...jwk, kid, alg: TOKEN_ALGORITHM, use: 'sig' },
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    createdAt: now,
    retiredAt: null,
  };
}

export class SigningKeys {
  readonly #orm: Orm;
  readonly #clock: () => Date;
  #active: SigningKey | undefined;

  constructor(orm: Orm, clock: () => Date) {
    this.#orm = orm;
    this.#clock = clock;
  }

  /** Loads the newest unretired key, creating one when there is none. Call at start-up. */
  async ensureActiveKey(): Promise<SigningKey> {
    const em = this.#orm.em.fork();
    const [newest] = await em.find(SigningKey, { retiredAt: null }, { orderBy: { createdAt: 'desc' }, limit: 1 });
    if (newest) {
      this.#active = newest;
      return newest;
    }
    const key = em.create(SigningKey, generateSigningKey(this.#clock()));
    await em.flush();
    this.#active = key;
    return key;
  }

  /** The key to sign with now. */
  active(): SigningKey {
    if (!this.#active) throw new Error('signing keys are not loaded: call ensureActiveKey() first');
    return this.#active;
  }

  /** The JWKS document: every key that may still have valid tokens. */
  async jwks(): Promise<{ keys: PublicJwk[] }> {
    const keys = await this.#orm.em.fork().find(SigningKey, {}, { orderBy: { createdAt: 'desc' } });
    return { keys: keys.map((key) => key.publicJwk as PublicJwk) };
  }
}
