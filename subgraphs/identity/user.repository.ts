/** Queries of the identity subgraph, named by intent. */
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '../../platform/db/orm.ts';
import { escapeLike } from '../../platform/db/sql.ts';
import type { PageRequest } from '../../platform/graphql/pagination.ts';
import { KnownDoctor, PasswordResetToken, RefreshToken, SignInFailure, TokenRevocation, User } from './user.entity.ts';

export class UserRepository {
  readonly #em: EntityManager;

  constructor(em: EntityManager) {
    this.#em = em;
  }

  findById(id: string): Promise<User | null> {
    return this.#em.findOne(User, { id });
  }

  /** `email` must already be lower-cased. */
  findByEmail(email: string): Promise<User | null> {
    return this.#em.findOne(User, { email });
  }

  /**
   * The account, read afresh and locked for the rest of the transaction. Taken before writing anything of the
   * account's (password, failures, refresh and reset tokens), and before locking any of those rows: concurrent
   * sign-ins then count failures in turn, and a revocation cannot miss a token a concurrent refresh issues.
   */
  lockUser(id: string): Promise<User | null> {
    return this.#em.findOne(User, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  }

  async anyAdminExists(): Promise<boolean> {
    return (await this.#em.count(User, { roles: { $contains: ['ADMIN'] } })) > 0;
  }

  /** One page of accounts by email, reading `limit + 1` rows. */
  page(search: string | null | undefined, page: PageRequest): Promise<User[]> {
    const after = page.after ? { email: { $gt: String(page.after[0]) } } : {};
    return this.#em.find(
      User,
      { $and: [this.#search(search), after] },
      { orderBy: { email: 'asc' }, limit: page.limit + 1 },
    );
  }

  count(search: string | null | undefined): Promise<number> {
    return this.#em.count(User, this.#search(search));
  }

  countFailuresSince(userId: string, since: Date): Promise<number> {
    return this.#em.count(SignInFailure, { user: userId, failedAt: { $gte: since } });
  }

  clearFailures(user: User): Promise<number> {
    return this.#em.nativeDelete(SignInFailure, { user });
  }

  /** The refresh token, unlocked: to learn whose it is before locking the user. */
  findRefreshToken(tokenHash: string): Promise<RefreshToken | null> {
    return this.#em.findOne(RefreshToken, { tokenHash });
  }

  /**
   * The refresh token, read afresh and locked for the rest of the transaction (so that it is exchanged once).
   * Lock its user first (`lockUser`).
   */
  lockRefreshToken(tokenHash: string): Promise<RefreshToken | null> {
    return this.#em.findOne(RefreshToken, { tokenHash }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  }

  /** Revokes every live refresh token of a session. Lock its user first (`lockUser`). */
  revokeFamily(familyId: string, at: Date): Promise<number> {
    return this.#em.nativeUpdate(RefreshToken, { familyId, revokedAt: null }, { revokedAt: at });
  }

  /** Revokes every live refresh token of a user, except those of `exceptFamilyId`. Lock the user first. */
  revokeUserFamilies(user: User, at: Date, exceptFamilyId: string | null): Promise<number> {
    const except = exceptFamilyId ? { familyId: { $ne: exceptFamilyId } } : {};
    return this.#em.nativeUpdate(RefreshToken, { user, revokedAt: null, ...except }, { revokedAt: at });
  }

  findResetToken(tokenHash: string): Promise<PasswordResetToken | null> {
    return this.#em.findOne(PasswordResetToken, { tokenHash }, { populate: ['user'] });
  }

  /**
   * The reset token, read afresh and locked for the rest of the transaction (so that it is used once). Lock its
   * user first (`lockUser`).
   */
  lockResetToken(tokenHash: string): Promise<PasswordResetToken | null> {
    return this.#em.findOne(PasswordResetToken, { tokenHash }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  }

  /** Uses up every reset token of `user` that is unused and unexpired at `at`. Lock the user first. */
  useOpenResetTokens(user: User, at: Date): Promise<number> {
    return this.#em.nativeUpdate(PasswordResetToken, { user, usedAt: null, expiresAt: { $gt: at } }, { usedAt: at });
  }

  doctorExists(doctorId: string): Promise<boolean> {
    return this.#em.count(KnownDoctor, { doctorId }).then((count) => count > 0);
  }

  /** Revocations made after `since`, oldest first. */
  revocationsSince(since: Date): Promise<TokenRevocation[]> {
    return this.#em.find(TokenRevocation, { revokedAt: { $gt: since } }, { orderBy: { revokedAt: 'asc' } });
  }

  #search(search: string | null | undefined): object {
    return search ? { email: { $like: `%${escapeLike(search.toLowerCase())}%` } } : {};
  }
}
