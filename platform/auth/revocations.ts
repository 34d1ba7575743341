/**
 * Access tokens are short-lived and checked without asking identity, so revoking one early (sign-out, a reused
 * refresh token, a password change, a disabled account) works through a revocation list the gateway keeps:
 * identity publishes `TokensRevoked` on `identity-events` and serves the recent ones on `/internal/revocations`
 * for a gateway that starts later. An entry only matters until every token it covers has expired.
 */
import { z } from 'zod';
import type { Principal } from './principal.ts';

/** Why tokens were revoked early. */
export const REVOCATION_REASONS = [
  'SIGN_OUT',
  'REFRESH_TOKEN_REUSE',
  'PASSWORD_CHANGED',
  'PASSWORD_RESET',
  'USER_DISABLED',
] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

/**
 * One early revocation: the payload of identity's `TokensRevoked` event and an entry of `/internal/revocations`.
 * The one definition of that contract, for identity (which writes it) and the gateway (which reads it).
 */
export const revocationSchema = z.object({
  userId: z.string().uuid(),
  /** Set: every token of this session. Unset: every session of the user started at or before `revokedAt`. */
  sessionId: z.string().uuid().nullable(),
  /** With a user-wide revocation, the session that stays (the one that changed the password). */
  exceptSessionId: z.string().uuid().nullable(),
  revokedAt: z.iso.datetime({ offset: true }),
  reason: z.enum(REVOCATION_REASONS),
  /**
   * Until when the entry matters (every token it covers has expired by then), decided by identity, which knows
   * the token lifetime. Absent from events written before identity sent it.
   */
  retainUntil: z.iso.datetime({ offset: true }).optional(),
});
export type Revocation = z.infer<typeof revocationSchema>;

/** The creation time (ms) encoded in a UUIDv7 (RFC 9562 §5.7): its first 48 bits. Session ids are UUIDv7. */
export function uuidV7Time(id: string): number {
  return Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
}

interface UserEntry {
  revokedAt: number;
  exceptSessionId: string | null;
  retainUntil: number;
}

export class RevocationList {
  /** How long an entry without `retainUntil` is kept after `revokedAt`, in milliseconds. */
  readonly #fallbackRetentionMs: number;
  /** Session id → until when its revocation is kept (ms). */
  readonly #sessions = new Map<string, number>();
  /** User id → that user's user-wide revocations, at most one per (`revokedAt`, `exceptSessionId`). */
  readonly #users = new Map<string, UserEntry[]>();

  /**
   * @param fallbackRetentionMs how long to keep an entry that does not say (`retainUntil`): the access-token
   *   lifetime plus a margin, in milliseconds.
   */
  constructor(fallbackRetentionMs: number) {
    this.#fallbackRetentionMs = fallbackRetentionMs;
  }

  /**
   * Adds a revocation. Adding one that is already in the list changes nothing (the snapshot from identity is
   * reloaded every minute and repeats what events already brought).
   */
  add(revocation: Revocation): void {
    const revokedAt = Date.parse(revocation.revokedAt);
    const retainUntil = revocation.retainUntil
      ? Date.parse(revocation.retainUntil)
      : revokedAt + this.#fallbackRetentionMs;
    if (revocation.sessionId) {
      this.#sessions.set(revocation.sessionId, Math.max(retainUntil, this.#sessions.get(revocation.sessionId) ?? 0));
      return;
    }
    const entries = this.#users.get(revocation.userId) ?? [];
    const same = entries.find(
      (entry) => entry.revokedAt === revokedAt && entry.exceptSessionId === revocation.exceptSessionId,
    );
    if (same) {
      same.retainUntil = Math.max(same.retainUntil, retainUntil);
      return;
    }
    entries.push({ revokedAt, exceptSessionId: revocation.exceptSessionId, retainUntil });
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

  /** Forgets entries past their retention: every token they covered has expired. */
  prune(now = Date.now()): void {
    for (const [sessionId, retainUntil] of this.#sessions) if (retainUntil < now) this.#sessions.delete(sessionId);
    for (const [userId, entries] of this.#users) {
      const kept = entries.filter((entry) => entry.retainUntil >= now);
      if (kept.length > 0) this.#users.set(userId, kept);
      else this.#users.delete(userId);
    }
  }

  /** How many entries the list holds: revoked sessions plus user-wide revocations. */
  get size(): number {
    let count = this.#sessions.size;
    for (const entries of this.#users.values()) count += entries.length;
    return count;
  }
}
