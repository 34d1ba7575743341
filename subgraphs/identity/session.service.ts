/**
 * Sessions: a sign-in starts a family of refresh tokens; each refresh uses one token up and issues the next
 * (rotation). A used token presented again means someone else holds a copy, so the whole family is revoked
 * (OAuth 2.0 Security BCP, refresh token rotation). Revoking tokens early is recorded and published as
 * `TokensRevoked`, which the gateway applies to access tokens that have not expired yet.
 *
 * Locking: whatever writes a user's refresh tokens (sign-in, refresh, every revocation) first locks the user's
 * row (`UserRepository.lockUser`), then any token row. Writers of one user's tokens so take turns, and a
 * revocation sees every token committed before it: none issued by a concurrent refresh escapes it.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '../../platform/db/orm.ts';
import { newId } from '../../platform/db/base.entity.ts';
import { UnauthenticatedError } from '../../platform/errors.ts';
import { emitEvent } from '../../platform/events/outbox.ts';
import type { Actor } from '../../platform/graphql/context.ts';
import type { Revocation, RevocationReason } from '../../platform/auth/revocations.ts';
import { IDENTITY_TOPIC, IdentityEvent } from './identity.events.ts';
import type { TokenIssuer } from './token-issuer.ts';
import { RefreshToken, TokenRevocation, type User } from './user.entity.ts';
import { UserRepository } from './user.repository.ts';
import { revocationRetentionMs } from './user.rules.ts';

/** Tokens of a session, as `AuthPayload` returns them. */
export interface SessionTokens {
  accessToken: string;
  expiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
}

const INVALID_REFRESH = 'The refresh token is not valid; sign in again.';

/** SHA-256 (hex) of an opaque token: what the database keeps instead of the token. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** A fresh opaque token: 256 random bits, base64url. */
export const newOpaqueToken = (): string => randomBytes(32).toString('base64url');

/**
 * A stored revocation as the gateway reads it (`TokensRevoked` payload, `/internal/revocations` entry), kept
 * until every access token it covers has expired (`accessTokenTtlSeconds`).
 */
export function toRevocation(revocation: TokenRevocation, accessTokenTtlSeconds: number): Revocation {
  return {
    userId: revocation.userId,
    sessionId: revocation.sessionId ?? null,
    exceptSessionId: revocation.exceptSessionId ?? null,
    revokedAt: revocation.revokedAt.toISOString(),
    reason: revocation.reason,
    retainUntil: new Date(revocation.revokedAt.getTime() + revocationRetentionMs(accessTokenTtlSeconds)).toISOString(),
  };
}

export interface SessionServiceDependencies {
  em: EntityManager;
  actor: Actor;
  tokens: TokenIssuer;
  clock: () => Date;
  refreshTokenTtlDays: number;
}

export class SessionService {
  readonly #em: EntityManager;
  readonly #actor: Actor;
  readonly #tokens: TokenIssuer;
  readonly #clock: () => Date;
  readonly #refreshTtlMs: number;

  constructor(deps: SessionServiceDependencies) {
    this.#em = deps.em;
    this.#actor = deps.actor;
    this.#tokens = deps.tokens;
    this.#clock = deps.clock;
    this.#refreshTtlMs = deps.refreshTokenTtlDays * 24 * 3_600_000;
  }

  /**
   * Starts a session for `user` in the unit of work `em`: a new refresh-token family and an access token. The
   * caller holds the lock on the user's row, or created the user.
   */
  async start(em: EntityManager, user: User): Promise<SessionTokens> {
    return this.#issue(em, user, newId());
  }

  /**
   * Rotates a refresh token.
   *
   * @throws UnauthenticatedError for an unknown, expired or revoked token, a disabled account, or a reused token
   *   (whose whole session is then revoked).
   */
  async refresh(rawToken: string): Promise<{ tokens: SessionTokens; user: User }> {
    const tokenHash = hashToken(rawToken);
    const outcome = await this.#em.transactional(async (em) => {
      const repository = new UserRepository(em);
      // Read without a lock to learn whose token it is; lock the user, then the token, then decide on what the
      // token is now: a revocation that won the user's lock meanwhile has revoked it.
      const found = await repository.findRefreshToken(tokenHash);
      const user = found ? await repository.lockUser(found.user.id) : null;
      const token = user ? await repository.lockRefreshToken(tokenHash) : null;
      if (!user || !token || token.revokedAt || token.expiresAt <= this.#clock() || user.disabledAt) return null;
      if (token.usedAt) {
        await this.#revoke(em, {
          user,
          sessionId: token.familyId,
          exceptSessionId: null,
          reason: 'REFRESH_TOKEN_REUSE',
        });
        return 'reused' as const;
      }
      token.usedAt = this.#clock();
      return { tokens: await this.#issue(em, user, token.familyId), user };
    });
    // A reuse is committed (the session revoked) before the caller is told no.
    if (!outcome || outcome === 'reused') throw new UnauthenticatedError(INVALID_REFRESH);
    return outcome;
  }

  /** Ends the caller's session: its refresh tokens and access tokens stop working. */
  async signOut(): Promise<void> {
    const principal = this.#actor.principal;
    if (!principal?.sessionId) return;
    await this.#em.transactional(async (em) => {
      const user = await new UserRepository(em).lockUser(principal.userId);
      if (user)
        await this.#revoke(em, { user, sessionId: principal.sessionId!, exceptSessionId: null, reason: 'SIGN_OUT' });
    });
  }

  /**
   * Ends every session of `user` started so far, except `exceptSessionId`, inside the caller's unit of work. The
   * caller must hold the lock on the user's row (`UserRepository.lockUser`), taken before touching any of their
   * tokens.
   */
  async revokeUserSessions(
    em: EntityManager,
    user: User,
    reason: RevocationReason,
    exceptSessionId: string | null,
  ): Promise<void> {
    await this.#revoke(em, { user, sessionId: null, exceptSessionId, reason });
  }

  async #issue(em: EntityManager, user: User, familyId: string): Promise<SessionTokens> {
    const refreshToken = newOpaqueToken();
    const refreshTokenExpiresAt = new Date(this.#clock().getTime() + this.#refreshTtlMs);
    em.create(RefreshToken, {
      user,
      familyId,
      tokenHash: hashToken(refreshToken),
      expiresAt: refreshTokenExpiresAt,
      usedAt: null,
      revokedAt: null,
    });
    const access = await this.#tokens.issue(user, familyId);
    return { ...access, refreshToken, refreshTokenExpiresAt };
  }

  /** Revokes refresh tokens, records the revocation and publishes it. The caller holds the user's row lock. */
  async #revoke(
    em: EntityManager,
    revocation: { user: User; sessionId: string | null; exceptSessionId: string | null; reason: RevocationReason },
  ): Promise<void> {
    const now = this.#clock();
    const repository = new UserRepository(em);
    if (revocation.sessionId) await repository.revokeFamily(revocation.sessionId, now);
    else await repository.revokeUserFamilies(revocation.user, now, revocation.exceptSessionId);
    const recorded = em.create(TokenRevocation, {
      userId: revocation.user.id,
      sessionId: revocation.sessionId,
      exceptSessionId: revocation.exceptSessionId,
      revokedAt: now,
      reason: revocation.reason,
    });
    emitEvent(em, IDENTITY_TOPIC, this.#actor, {
      type: IdentityEvent.TokensRevoked,
      aggregateId: revocation.user.id,
      payload: toRevocation(recorded, this.#tokens.accessTokenTtlSeconds),
    });
  }
}
