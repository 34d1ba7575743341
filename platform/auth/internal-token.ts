/**
 * Gateway → subgraph trust. The gateway verifies the user's access token, then forwards the resulting
 * principal to each subgraph in a short-lived internal token signed with a secret only the gateway and the
 * subgraphs share (`HMS_INTERNAL_TOKEN_SECRET`). Subgraphs accept no request without a valid one, so a direct
 * call that bypasses the gateway is refused (SPEC §2: "A subgraph accepts requests only from the gateway").
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import type { RequestHandler } from 'express';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { principalSchema, type Principal } from './principal.ts';

/** HTTP header that carries the internal token. */
export const INTERNAL_TOKEN_HEADER = 'x-hms-internal-token';

const ISSUER = 'hms-gateway';
const AUDIENCE = 'hms-subgraph';
const ALGORITHM = 'HS256';
/** Lifetime of an internal token, in seconds: one gateway → subgraph hop. */
const TTL_SECONDS = 60;

const claimsSchema = z.object({
  principal: principalSchema.nullable(),
  correlationId: z.string().min(1).max(128),
});

/** What the gateway vouches for on one forwarded request. */
export interface InternalClaims {
  principal: Principal | null;
  correlationId: string;
}

/**
 * The secret as a key object, built once per secret. Given a string, jsonwebtoken first tries (and fails) to parse
 * it as a private key on every call, which costs more than the HMAC itself; every forwarded request signs one
 * token and every subgraph request verifies one. A process knows one or two secrets; the bound is a safety net.
 */
const secretKeys = new Map<string, KeyObject>();
function secretKey(secret: string): KeyObject {
  let key = secretKeys.get(secret);
  if (!key) {
    if (secretKeys.size >= 16) secretKeys.clear();
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    secretKeys.set(secret, key);
  }
  return key;
}

/** Signs the claims of one forwarded request (HS256, 60 s, `iss` hms-gateway, `aud` hms-subgraph). */
export function signInternalToken(secret: string, claims: InternalClaims): string {
  return jwt.sign(claims, secretKey(secret), {
    algorithm: ALGORITHM,
    expiresIn: TTL_SECONDS,
    issuer: ISSUER,
    audience: AUDIENCE,
  });
}

/**
 * Verifies an internal token: algorithm pinned to HS256, issuer, audience and expiry checked.
 *
 * @returns the claims, or `null` when the token is missing, forged, expired or malformed.
 */
export function verifyInternalToken(secret: string, token: string | undefined): InternalClaims | null {
  if (!token) return null;
  try {
    const payload = jwt.verify(token, secretKey(secret), {
      algorithms: [ALGORITHM],
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    const parsed = claimsSchema.safeParse(payload);
    return parsed.success
      ? { principal: parsed.data.principal ?? null, correlationId: parsed.data.correlationId }
      : null;
  } catch {
    return null;
  }
}

/**
 * Express middleware for endpoints only the gateway and the subgraphs may call (`/graphql` of a subgraph,
 * `/internal/*`): refuses a request without a valid internal token with 401 and no data, and leaves the claims in
 * `res.locals.claims`.
 */
export function internalOnly(secret: string): RequestHandler {
  return (req, res, next) => {
    const claims = verifyInternalToken(secret, req.header(INTERNAL_TOKEN_HEADER));
    if (!claims) {
      res.status(401).json({
        errors: [
          { message: 'Subgraphs accept requests only from the gateway.', extensions: { code: 'UNAUTHENTICATED' } },
        ],
      });
      return;
    }
    res.locals.claims = claims;
    next();
  };
}
