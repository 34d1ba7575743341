/**
 * Access tokens are short-lived and checked without asking identity, so revoking one early (sign-out, a reused
 * refresh token, a password change, a disabled account) works through a revocation list the gateway keeps:
 * identity publishes `TokensRevoked` on `identity-events` and serves the recent ones on `/internal/revocations`
 * for a gateway that starts later. An entry only matters until every token it covers has expired.
 */
import { z } from 'zod';
import type { Principal } from './principal.ts';

export const tokenRevocationSchema = z.object({
  userId: z.string().uuid(),
  /** Set: every token of this session. Unset: every session of the user started at or before `revokedAt`. */
  sessionId: z.string().uuid().nullable(),
  /** With a user-wide revocation, the session that stays (the one that changed the password). */
  exceptSessionId: z.string().uuid().nullable(),
  revokedAt: z.iso.datetime({ offset: true }),
  reason: z.string(),
});
export type TokenRevocation = z.infer<typeof tokenRevocationSchema>;

/** The creation time (ms) encoded in a UUIDv7 (RFC 9562 §5.7): its first 48 bits. Session ids are UUIDv7. */
export function uuidV7Time(id: string): number {
  return Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
}

export class RevocationList {
  /** How long an entry is kept: the access-token lifetime plus a margin, in milliseconds. */
  readonly #retentionMs: number;
  readonly #sessions = new Map<string, number>();
  readonly #users = new Map<string, { revokedAt: number; exceptSessionId: string | null }[]>();

  constructor(retentionMs: number) {
    this.#retentionMs = retentionMs;
  }

  add(revocation: TokenRevocation): void {
    const revokedAt = Date.parse(revocation.revokedAt);
    if (revocation.sessionId) {
      this.#sessions.set(revocation.sessionId, revokedAt);
      return;
    }
    const entries = this.#users.get(revocation.userId) ?? [];
    entries.push({ revokedAt, exceptSessionId: revocation.exceptSessionId });
    this.#users.set(revocation.userId, entries);
  }

  /**
   * True when the token of `principal`, issued at `issuedAtSeconds` (`iat`), is revoked. A user-wide revocation
   * covers sessions started at or before it (session ids are UUIDv7, so they carry their start time); a token
   * without a session is judged by its `iat`.
   */
  isRevoked(principal: Pick<Principal, 'userId' | 'sessionId'>, issuedAtSeconds: number): boolean {
    if (principal.sessionId && this.#sessions.has(principal.sessionId)) return true;
    const entries = this.#users.get(principal.userId);
    if (!entries) return false;
    const startedAt = principal.sessionId ? uuidV7Time(principal.sessionId) : issuedAtSeconds * 1000;
    return entries.some((entry) => startedAt <= entry.revokedAt && entry.exceptSessionId !== principal.sessionId);
  }

  /** Forgets entries older than the retention: every token they covered has expired. */
  prune(now = Date.now()): void {
    const horizon = now - this.#retentionMs;
    for (const [sessionId, revokedAt] of this.#sessions) if (revokedAt < horizon) this.#sessions.delete(sessionId);
    for (const [userId, entries] of this.#users) {
      const kept = entries.filter((entry) => entry.revokedAt >= horizon);
      if (kept.length > 0) this.#users.set(userId, kept);
      else this.#users.delete(userId);
    }
  }

  get size(): number {
    return this.#sessions.size + this.#users.size;
  }
}
