/**
 * Verifies the bearer access tokens clients send. ES256 only (no `alg: none`, no HMAC with a public key),
 * `iss`, `aud`, `exp` (required) and `nbf` checked, the signing key looked up by `kid` in identity's JWKS (held
 * parsed by `kid`; a `kid` not shaped like identity's is refused without a lookup, and re-reads for unknown ones
 * are rate-limited, see `signing-key-cache.ts`), and the token not revoked.
 */
import jwt from 'jsonwebtoken';
import jwksClient from 'jwks-rsa';
import { ACCESS_TOKEN_ALGORITHM, ACCESS_TOKEN_KID, principalFromClaims } from '../platform/auth/access-token.ts';
import type { Principal } from '../platform/auth/principal.ts';
import { UnauthenticatedError } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import { createSigningKeyCache } from './signing-key-cache.ts';

export interface TokenVerifierOptions {
  /** Identity's JWKS, e.g. `http://identity:4001/.well-known/jwks.json`. */
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** True when a token of `principal` issued at `issuedAtSeconds` was revoked early (sign-out, disabled user…). */
  isRevoked: (principal: Principal, issuedAtSeconds: number) => boolean;
  logger: Logger;
}

/**
 * After a JWKS re-read that did not find the `kid` asked for, unknown `kid`s are refused for this long (ms): at
 * most 10 such re-reads a minute. A key rotated in meanwhile is accepted at the end of it.
 */
const UNKNOWN_KID_COOLDOWN_MS = 6_000;
/** Published keys are re-read in the background this often (a retired key leaves the JWKS). */
const KEYS_MAX_AGE_MS = 10 * 60_000;

/** A token that passed every check: who it stands for, and its `iat` and `exp` (seconds since the epoch). */
export interface VerifiedToken {
  principal: Principal;
  issuedAt: number;
  expiresAt: number;
}

export type TokenVerifier = (authorization: string | undefined) => Promise<VerifiedToken | null>;

/**
 * Creates a verifier of `Authorization` header values (`Bearer <token>`; also what a `graphql-ws` client sends in
 * its `connection_init` payload).
 *
 * @returns a function resolving to the verified token, or null when there is no header.
 * @throws UnauthenticatedError for a malformed header or a token that fails any check.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  // Caching and rate limiting are the key cache's; the client only reads and checks the JWKS.
  const client = jwksClient({ jwksUri: options.jwksUrl, cache: false, rateLimit: false, timeout: 5_000 });
  const keys = createSigningKeyCache({
    fetchKeys: async () =>
      (await client.getSigningKeys())
        .filter((key) => key.alg === ACCESS_TOKEN_ALGORITHM)
        .map((key) => ({ kid: key.kid, publicKeyPem: key.getPublicKey() })),
    missCooldownMs: UNKNOWN_KID_COOLDOWN_MS,
    maxAgeMs: KEYS_MAX_AGE_MS,
    logger: options.logger,
  });

  return async (authorization) => {
    if (!authorization) return null;
    const match = /^Bearer ([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*)$/.exec(authorization);
    if (!match) throw new UnauthenticatedError('The Authorization header must be `Bearer <access token>`.');
    const token = match[1]!;
    let payload: unknown;
    try {
      const decoded = jwt.decode(token, { complete: true });
      const kid = decoded?.header.kid;
      if (!kid || !ACCESS_TOKEN_KID.test(kid) || decoded.header.alg !== ACCESS_TOKEN_ALGORITHM)
        throw new Error('unexpected token header');
      const key = await keys.key(kid);
      if (!key) throw new Error('unknown kid');
      payload = jwt.verify(token, key, {
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        issuer: options.issuer,
        audience: options.audience,
      });
    } catch {
      throw new UnauthenticatedError('The access token is not valid or has expired.');
    }
    const claims = payload as { exp?: unknown; iat?: unknown } | null;
    if (typeof claims?.exp !== 'number' || typeof claims.iat !== 'number') {
      throw new UnauthenticatedError('The access token is not valid or has expired.');
    }
    const principal = principalFromClaims(payload);
    if (!principal) throw new UnauthenticatedError('The access token is not valid or has expired.');
    if (options.isRevoked(principal, claims.iat))
      throw new UnauthenticatedError('The access token has been revoked; sign in again.');
    return { principal, issuedAt: claims.iat, expiresAt: claims.exp };
  };
}
