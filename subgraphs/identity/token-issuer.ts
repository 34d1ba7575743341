/** Signs access tokens for users with the active signing key (claims: `platform/auth/access-token.ts`). */
import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { ACCESS_TOKEN_ALGORITHM, claimsOf } from '../../platform/auth/access-token.ts';
import type { SigningKeys } from './signing-keys.ts';
import type { User } from './user.entity.ts';

export interface TokenSettings {
  /** `iss` of every token. */
  issuer: string;
  /** `aud` of every token: the audience the gateway checks. */
  audience: string;
  /** Lifetime of an access token, in seconds. */
  accessTokenTtlSeconds: number;
  /** Lifetime of a refresh token, in days. */
  refreshTokenTtlDays: number;
}

export interface IssuedToken {
  accessToken: string;
  expiresAt: Date;
}

export class TokenIssuer {
  readonly #keys: SigningKeys;
  readonly #settings: TokenSettings;
  readonly #clock: () => Date;

  constructor(keys: SigningKeys, settings: TokenSettings, clock: () => Date) {
    this.#keys = keys;
    this.#settings = settings;
    this.#clock = clock;
  }

  /** Lifetime of the access tokens it issues, in seconds. */
  get accessTokenTtlSeconds(): number {
    return this.#settings.accessTokenTtlSeconds;
  }

  /** An access token for `user` in session `sessionId`, valid for the configured lifetime from now. */
  async issue(user: User, sessionId: string): Promise<IssuedToken> {
    const key = await this.#keys.active();
    const now = Math.floor(this.#clock().getTime() / 1000);
    const exp = now + this.#settings.accessTokenTtlSeconds;
    const claims = claimsOf({
      userId: user.id,
      roles: user.roles,
      ...(user.patientId ? { patientId: user.patientId } : {}),
      ...(user.doctorId ? { doctorId: user.doctorId } : {}),
      sessionId,
    });
    const accessToken = jwt.sign({ ...claims, iat: now, exp }, key.privateKey, {
      algorithm: ACCESS_TOKEN_ALGORITHM,
      keyid: key.kid,
      issuer: this.#settings.issuer,
      audience: this.#settings.audience,
      jwtid: randomUUID(),
    });
    return { accessToken, expiresAt: new Date(exp * 1000) };
  }
}
