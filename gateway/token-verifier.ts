/**
 * Verifies the bearer access tokens clients send. ES256 only (no `alg: none`, no HMAC with a public key),
 * `iss`, `aud`, `exp` (required) and `nbf` checked, the signing key looked up by `kid` in identity's JWKS (cached,
 * with rate-limited refetches so that an unknown `kid` cannot hammer identity), and the token not revoked.
 */
import jwt from 'jsonwebtoken';
import jwksClient from 'jwks-rsa';
import { ACCESS_TOKEN_ALGORITHM, principalFromClaims } from '../platform/auth/access-token.ts';
import type { Principal } from '../platform/auth/principal.ts';
import { UnauthenticatedError } from '../platform/errors.ts';

export interface TokenVerifierOptions {
  /** Identity's JWKS, e.g. `http://identity:4001/.well-known/jwks.json`. */
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** True when a token of `principal` issued at `issuedAtSeconds` was revoked early (sign-out, disabled user…). */
  isRevoked: (principal: Principal, issuedAtSeconds: number) => boolean;
}

export type TokenVerifier = (authorization: string | undefined) => Promise<Principal | null>;

/**
 * Creates a verifier of `Authorization` header values.
 *
 * @returns a function resolving to the principal of a valid `Bearer` token, or null when there is no header.
 * @throws UnauthenticatedError for a malformed header or a token that fails any check.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const client = jwksClient({
    jwksUri: options.jwksUrl,
    cache: true,
    cacheMaxAge: 10 * 60_000,
    rateLimit: true,
    jwksRequestsPerMinute: 10,
    timeout: 5_000,
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
      if (!kid || decoded.header.alg !== ACCESS_TOKEN_ALGORITHM) throw new Error('unexpected token header');
      const key = await client.getSigningKey(kid);
      payload = jwt.verify(token, key.getPublicKey(), {
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
    return principal;
  };
}
