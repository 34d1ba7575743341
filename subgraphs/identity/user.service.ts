/**
 * What users do with their own account: sign up (patients), sign in, refresh, sign out, change or reset their
 * password. Sign-in answers the same for an unknown email, a wrong password, a disabled and a locked account, after
 * the same argon2 work and the same kind of transaction (an unknown email only skips recording the failure, so it
 * is answered marginally sooner). With 10 failures within the last 15 minutes an account refuses every sign-in;
 * the window slides and failures while locked count too (OWASP Authentication cheat sheet). A wrong current
 * password in `changePassword` counts as a failed sign-in.
 */
import type { EntityManager } from '../../platform/db/orm.ts';
import { newId } from '../../platform/db/base.entity.ts';
import { BadUserInputError, UnauthenticatedError } from '../../platform/errors.ts';
import type { EventEnvelope } from '../../platform/events/envelope.ts';
import { emitEvent } from '../../platform/events/outbox.ts';
import type { Actor } from '../../platform/graphql/context.ts';
import type { Logger } from '../../platform/logger.ts';
import { dateIn } from '../../platform/time.ts';
import {
  accountPayload,
  IDENTITY_TOPIC,
  IdentityEvent,
  type PasswordResetRequestedPayload,
  type UserSignedUpPayload,
} from './identity.events.ts';
import { assertPasswordPolicy, hashPassword, verifyPassword } from './password.ts';
import { hashToken, newOpaqueToken, type SessionService, type SessionTokens } from './session.service.ts';
import { PasswordResetToken, SignInFailure, User } from './user.entity.ts';
import type { SignInInput, SignUpInput } from './user.inputs.ts';
import { UserRepository } from './user.repository.ts';
import { isLockedOut, lockoutWindowStart, RESET_TOKEN_TTL_MINUTES } from './user.rules.ts';

/** What `signUp`, `signIn` and `refreshToken` return (GraphQL `AuthPayload`). */
export interface AuthPayload extends SessionTokens {
  tokenType: 'Bearer';
  user: User;
}

export interface UserServiceDependencies {
  em: EntityManager;
  actor: Actor;
  sessions: SessionService;
  clock: () => Date;
  timeZone: string;
  logger: Logger;
  /**
   * An argon2 hash of a random password, made at start-up (`newDummyPasswordHash`): what a sign-in with an
   * unknown email is verified against, so that it costs the same argon2 work as a wrong password.
   */
  dummyPasswordHash: string;
  /**
   * Hands `UserSignedUp` to the patients subgraph at once (besides the outbox), so that the new patient's record
   * exists before `signUp` returns. Best effort: the outbox delivers it anyway.
   */
  deliverSignUp: (envelope: EventEnvelope<UserSignedUpPayload>) => Promise<void>;
}

const INVALID_CREDENTIALS = 'The email or password is not correct.';
const WRONG_CURRENT_PASSWORD = 'The current password is not correct.';
const INVALID_RESET_TOKEN = 'The reset token is not valid or has expired.';

export class UserService {
  readonly #em: EntityManager;
  readonly #actor: Actor;
  readonly #sessions: SessionService;
  readonly #clock: () => Date;
  readonly #timeZone: string;
  readonly #log: Logger;
  readonly #dummyPasswordHash: string;
  readonly #deliverSignUp: UserServiceDependencies['deliverSignUp'];

  constructor(deps: UserServiceDependencies) {
    this.#em = deps.em;
    this.#actor = deps.actor;
    this.#sessions = deps.sessions;
    this.#clock = deps.clock;
    this.#timeZone = deps.timeZone;
    this.#log = deps.logger;
    this.#dummyPasswordHash = deps.dummyPasswordHash;
    this.#deliverSignUp = deps.deliverSignUp;
  }

  /**
   * Creates a patient account, reserves the id of its `Patient` record, emits `UserSignedUp` (from which
   * `patients` creates the record, delivered to it directly as well) and signs the new user in.
   *
   * @throws BadUserInputError for a weak password or a birth date in the future.
   * @throws ConflictError (the unique constraint on the email, see `subgraph.ts`) when an account with this email
   *   exists.
   */
  async signUp(input: SignUpInput): Promise<AuthPayload> {
    assertPasswordPolicy(input.password, input.email, 'input.password');
    if (input.birthDate > dateIn(this.#timeZone, this.#clock())) {
      throw new BadUserInputError('input.birthDate: must not be in the future', 'input.birthDate');
    }
    const passwordHash = await hashPassword(input.password);
    const { user, tokens, envelope } = await this.#em.transactional(async (em) => {
      const created = em.create(User, {
        email: input.email,
        passwordHash,
        roles: ['PATIENT'],
        patientId: newId(),
        doctorId: null,
        disabledAt: null,
      });
      const payload: UserSignedUpPayload = {
        userId: created.id,
        patientId: created.patientId!,
        email: created.email,
        givenName: input.givenName,
        familyName: input.familyName,
        birthDate: input.birthDate,
        phone: input.phone ?? null,
      };
      const signedUp = emitEvent(em, IDENTITY_TOPIC, this.#asUser(created), {
        type: IdentityEvent.UserSignedUp,
        aggregateId: created.id,
        payload,
      });
      return { user: created, tokens: await this.#sessions.start(em, created), envelope: signedUp };
    });
    await this.#deliverSignUp(envelope).catch((error: unknown) => {
      this.#log.warn({ err: error }, 'direct delivery of UserSignedUp failed; the outbox will deliver it');
    });
    return this.#payload(user, tokens);
  }

  /**
   * Signs in with email and password.
   *
   * @throws UnauthenticatedError with one message for unknown emails, wrong passwords, disabled and locked
   *   accounts, and a password changed or reset while the sign-in was checking the old one.
   */
  async signIn(input: SignInInput): Promise<AuthPayload> {
    const found = await new UserRepository(this.#em).findByEmail(input.email);
    // One argon2 verification, outside any transaction, whether the account exists or not.
    const verifiedHash = found?.passwordHash ?? this.#dummyPasswordHash;
    const valid = await verifyPassword(verifiedHash, input.password);

    const session = await this.#em.transactional(async (em) => {
      // An unknown email takes the same steps on an id that matches no account.
      const userId = found?.id ?? newId();
      const user = await new UserRepository(em).lockUser(userId);
      if (!(await this.#passwordAccepted(em, userId, user, verifiedHash, valid)) || !user) return null;
      return { user, tokens: await this.#sessions.start(em, user) };
    });
    if (!session) throw new UnauthenticatedError(INVALID_CREDENTIALS);
    return this.#payload(session.user, session.tokens);
  }

  /** Rotates a refresh token (see `SessionService.refresh`). */
  async refresh(token: string): Promise<AuthPayload> {
    const { user, tokens } = await this.#sessions.refresh(token);
    return this.#payload(user, tokens);
  }

  /** Ends the caller's session. */
  async signOut(): Promise<boolean> {
    await this.#sessions.signOut();
    return true;
  }

  /** The signed-in user. @throws UnauthenticatedError when their account no longer exists. */
  async me(): Promise<User> {
    const userId = this.#actor.principal?.userId;
    const user = userId ? await new UserRepository(this.#em).findById(userId) : null;
    if (!user) throw new UnauthenticatedError();
    return user;
  }

  /**
   * Changes the caller's password, ends their other sessions and uses up their open reset tokens. A wrong current
   * password counts as a failed sign-in, and a locked or disabled account is refused like a wrong password: this is
   * no way around the sign-in lockout.
   *
   * @throws BadUserInputError for a weak new password (checked first: it tells nothing about the current one);
   *   UnauthenticatedError for a wrong current password, a locked or a disabled account.
   */
  async changePassword(currentPassword: string, newPassword: string): Promise<boolean> {
    const user = await this.me();
    assertPasswordPolicy(newPassword, user.email, 'input.newPassword');
    const verifiedHash = user.passwordHash;
    // Both argon2 runs whatever the outcome, so that the time taken tells nothing about the current password.
    const [valid, passwordHash] = await Promise.all([
      verifyPassword(verifiedHash, currentPassword),
      hashPassword(newPassword),
    ]);
    const changed = await this.#em.transactional(async (em) => {
      const repository = new UserRepository(em);
      const locked = await repository.lockUser(user.id);
      if (!(await this.#passwordAccepted(em, user.id, locked, verifiedHash, valid)) || !locked) return false;
      const now = this.#clock();
      locked.passwordHash = passwordHash;
      await repository.useOpenResetTokens(locked, now);
      await this.#sessions.revokeUserSessions(em, locked, 'PASSWORD_CHANGED', this.#actor.principal?.sessionId ?? null);
      emitEvent(em, IDENTITY_TOPIC, this.#actor, {
        type: IdentityEvent.PasswordChanged,
        aggregateId: locked.id,
        payload: accountPayload(locked),
      });
      return true;
    });
    // A refusal is committed (the failure counted) before the caller is told no.
    if (!changed) throw new UnauthenticatedError(WRONG_CURRENT_PASSWORD);
    return true;
  }

  /**
   * Issues a single-use reset token (30 minutes) for the account with `email`, if there is an active one, and
   * emits `PasswordResetRequested` for the notifications subgraph to deliver. Returns true either way.
   */
  async requestPasswordReset(email: string): Promise<boolean> {
    await this.#em.transactional(async (em) => {
      const user = await new UserRepository(em).findByEmail(email);
      if (!user || user.disabledAt) return;
      const resetToken = newOpaqueToken();
      const expiresAt = new Date(this.#clock().getTime() + RESET_TOKEN_TTL_MINUTES * 60_000);
      em.create(PasswordResetToken, { user, tokenHash: hashToken(resetToken), expiresAt, usedAt: null });
      const payload: PasswordResetRequestedPayload = {
        userId: user.id,
        email: user.email,
        resetToken,
        expiresAt: expiresAt.toISOString(),
      };
      emitEvent(em, IDENTITY_TOPIC, this.#asUser(user), {
        type: IdentityEvent.PasswordResetRequested,
        aggregateId: user.id,
        payload,
      });
    });
    return true;
  }

  /**
   * Sets a new password with a reset token, uses up that token and every other open one of the account, and ends
   * every session of the account.
   *
   * @throws UnauthenticatedError for an unknown, used or expired token; BadUserInputError for a weak password.
   */
  async resetPassword(token: string, newPassword: string): Promise<boolean> {
    const tokenHash = hashToken(token);
    const found = await new UserRepository(this.#em).findResetToken(tokenHash);
    if (!found || found.usedAt || found.expiresAt <= this.#clock()) throw new UnauthenticatedError(INVALID_RESET_TOKEN);
    assertPasswordPolicy(newPassword, found.user.email, 'input.newPassword');
    const passwordHash = await hashPassword(newPassword);
    await this.#em.transactional(async (em) => {
      const repository = new UserRepository(em);
      // The user's lock first (as for every write of theirs), then the token's, re-read: of two concurrent resets
      // with one token, only the first may use it.
      const user = await repository.lockUser(found.user.id);
      const reset = await repository.lockResetToken(tokenHash);
      const now = this.#clock();
      if (!user || !reset || reset.usedAt || reset.expiresAt <= now)
        throw new UnauthenticatedError(INVALID_RESET_TOKEN);
      user.passwordHash = passwordHash;
      await repository.useOpenResetTokens(user, now);
      await repository.clearFailures(user);
      await this.#sessions.revokeUserSessions(em, user, 'PASSWORD_RESET', null);
      emitEvent(em, IDENTITY_TOPIC, this.#asUser(user), {
        type: IdentityEvent.PasswordChanged,
        aggregateId: user.id,
        payload: accountPayload(user),
      });
    });
    return true;
  }

  /**
   * The lockout and failure count of sign-in, for a password verified (`valid`) against `verifiedHash` outside the
   * transaction; `user` is the account locked in `em` (null for an unknown email, whose `userId` matches nothing).
   * Counts a failure when the password was wrong, or when the account's hash is no longer the one verified (a
   * password change or reset won the race). True when the password may be accepted: it matched the current hash,
   * and the account is neither locked out nor disabled; the failures are then cleared.
   */
  async #passwordAccepted(
    em: EntityManager,
    userId: string,
    user: User | null,
    verifiedHash: string,
    valid: boolean,
  ): Promise<boolean> {
    const repository = new UserRepository(em);
    const now = this.#clock();
    const lockedOut = isLockedOut(await repository.countFailuresSince(userId, lockoutWindowStart(now)));
    if (!user) return false;
    const matched = valid && user.passwordHash === verifiedHash;
    if (!matched) em.create(SignInFailure, { user, failedAt: now });
    if (!matched || lockedOut || user.disabledAt) return false;
    await repository.clearFailures(user);
    return true;
  }

  #payload(user: User, tokens: SessionTokens): AuthPayload {
    return { ...tokens, tokenType: 'Bearer', user };
  }

  /** The actor of events about `user` raised by an anonymous request (sign-up, reset): the user themself. */
  #asUser(user: User): Actor {
    return { ...this.#actor, principal: { userId: user.id, roles: [...user.roles] } };
  }
}

/**
 * Creates the first admin at start-up when there is no admin yet. With no credentials configured, outside
 * production, an admin `admin@hms.local` with a generated password is created and the password printed once.
 *
 * @throws Error in production when no admin exists and none is configured; BadUserInputError
 *   (`HMS_ADMIN_PASSWORD: …`) when the configured password breaks the policy.
 */
export async function bootstrapAdmin(
  em: EntityManager,
  admin: { email?: string | undefined; password?: string | undefined; production: boolean },
  log: Logger,
): Promise<void> {
  const repository = new UserRepository(em);
  if (await repository.anyAdminExists()) return;
  if (admin.email && (await repository.findByEmail(admin.email.toLowerCase()))) {
    throw new Error(`HMS_ADMIN_EMAIL ${admin.email} belongs to an account that is not an admin`);
  }
  let { email, password } = admin;
  const generated = !email || !password;
  if (generated) {
    if (admin.production) throw new Error('No admin exists: set HMS_ADMIN_EMAIL and HMS_ADMIN_PASSWORD to create one.');
    email ??= 'admin@hms.local';
    password ??= Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString('base64url');
  }
  assertPasswordPolicy(password!, email!, 'HMS_ADMIN_PASSWORD');
  em.create(User, {
    email: email!.toLowerCase(),
    passwordHash: await hashPassword(password!),
    roles: ['ADMIN'],
    patientId: null,
    doctorId: null,
    disabledAt: null,
  });
  await em.flush();
  if (generated) {
    // Printed once, on the console only (never to the structured log).
    console.warn(
      `\n  First admin created: ${email} / ${password}\n  Set HMS_ADMIN_EMAIL and HMS_ADMIN_PASSWORD to choose your own.\n`,
    );
  } else {
    log.info('first admin created from HMS_ADMIN_EMAIL');
  }
}
