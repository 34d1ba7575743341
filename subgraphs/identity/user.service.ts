/**
 * What users do with their own account: sign up (patients), sign in, refresh, sign out, change or reset their
 * password. Sign-in answers the same, and takes as long, for an unknown email, a wrong password, a disabled and a
 * locked account; after 10 failures in 15 minutes an account refuses every sign-in until the window has passed
 * (OWASP Authentication cheat sheet).
 */
import type { EntityManager } from '../../platform/db/orm.ts';
import { newId } from '../../platform/db/base.entity.ts';
import { BadUserInputError, ConflictError, UnauthenticatedError } from '../../platform/errors.ts';
import type { EventEnvelope } from '../../platform/events/envelope.ts';
import { emitEvent } from '../../platform/events/outbox.ts';
import type { Actor } from '../../platform/graphql/context.ts';
import type { Logger } from '../../platform/logger.ts';
import { dateIn } from '../../platform/time.ts';
import {
  IDENTITY_TOPIC,
  IdentityEvent,
  type AccountPayload,
  type PasswordResetRequestedPayload,
  type UserSignedUpPayload,
} from './identity.events.ts';
import { dummyPasswordHash, hashPassword, passwordProblem, verifyPassword } from './password.ts';
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
   * Hands `UserSignedUp` to the patients subgraph at once (besides the outbox), so that the new patient's record
   * exists before `signUp` returns. Best effort: the outbox delivers it anyway.
   */
  deliverSignUp: (envelope: EventEnvelope<UserSignedUpPayload>) => Promise<void>;
}

const INVALID_CREDENTIALS = 'The email or password is not correct.';
const INVALID_RESET_TOKEN = 'The reset token is not valid or has expired.';

export const accountPayload = (user: User): AccountPayload => ({
  userId: user.id,
  roles: [...user.roles],
  doctorId: user.doctorId ?? null,
});

export class UserService {
  readonly #em: EntityManager;
  readonly #actor: Actor;
  readonly #sessions: SessionService;
  readonly #clock: () => Date;
  readonly #timeZone: string;
  readonly #log: Logger;
  readonly #deliverSignUp: UserServiceDependencies['deliverSignUp'];

  constructor(deps: UserServiceDependencies) {
    this.#em = deps.em;
    this.#actor = deps.actor;
    this.#sessions = deps.sessions;
    this.#clock = deps.clock;
    this.#timeZone = deps.timeZone;
    this.#log = deps.logger;
    this.#deliverSignUp = deps.deliverSignUp;
  }

  /**
   * Creates a patient account, reserves the id of its `Patient` record, emits `UserSignedUp` (from which
   * `patients` creates the record, delivered to it directly as well) and signs the new user in.
   *
   * @throws BadUserInputError for a weak password or a birth date in the future.
   * @throws ConflictError when an account with this email exists.
   */
  async signUp(input: SignUpInput): Promise<AuthPayload> {
    this.#assertPassword(input.password, input.email, 'input.password');
    if (input.birthDate > dateIn(this.#timeZone, this.#clock())) {
      throw new BadUserInputError('input.birthDate: must not be in the future', 'input.birthDate');
    }
    const passwordHash = await hashPassword(input.password);
    const { user, tokens, envelope } = await this.#em.transactional(async (em) => {
      if (await new UserRepository(em).findByEmail(input.email)) {
        throw new ConflictError('An account with this email already exists.');
      }
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
   *   accounts.
   */
  async signIn(input: SignInInput): Promise<AuthPayload> {
    const found = await new UserRepository(this.#em).findByEmail(input.email);
    // Always one argon2 verification, outside any transaction: the same cost whether the account exists or not.
    const valid = await verifyPassword(found?.passwordHash ?? (await dummyPasswordHash()), input.password);
    if (!found) throw new UnauthenticatedError(INVALID_CREDENTIALS);

    const session = await this.#em.transactional(async (em) => {
      const repository = new UserRepository(em);
      // The row lock makes concurrent attempts on one account count their failures one after the other.
      const user = (await repository.lockForSignIn(found.id))!;
      const now = this.#clock();
      const lockedOut = isLockedOut(await repository.countFailuresSince(user, lockoutWindowStart(now)));
      if (!valid) em.create(SignInFailure, { user, failedAt: now });
      if (!valid || lockedOut || user.disabledAt) return null;
      await repository.clearFailures(user);
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
   * Changes the caller's password and ends their other sessions.
   *
   * @throws UnauthenticatedError for a wrong current password; BadUserInputError for a weak new one.
   */
  async changePassword(currentPassword: string, newPassword: string): Promise<boolean> {
    const user = await this.me();
    if (!(await verifyPassword(user.passwordHash, currentPassword))) {
      throw new UnauthenticatedError('The current password is not correct.');
    }
    this.#assertPassword(newPassword, user.email, 'input.newPassword');
    const passwordHash = await hashPassword(newPassword);
    await this.#em.transactional(async (em) => {
      const locked = (await new UserRepository(em).lockForSignIn(user.id))!;
      locked.passwordHash = passwordHash;
      await this.#sessions.revokeUserSessions(em, locked, 'PASSWORD_CHANGED', this.#actor.principal?.sessionId ?? null);
      emitEvent(em, IDENTITY_TOPIC, this.#actor, {
        type: IdentityEvent.PasswordChanged,
        aggregateId: locked.id,
        payload: accountPayload(locked),
      });
    });
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
   * Sets a new password with a reset token, uses the token up, and ends every session of the account.
   *
   * @throws UnauthenticatedError for an unknown, used or expired token; BadUserInputError for a weak password.
   */
  async resetPassword(token: string, newPassword: string): Promise<boolean> {
    const tokenHash = hashToken(token);
    const found = await new UserRepository(this.#em).findResetToken(tokenHash);
    if (!found || found.usedAt || found.expiresAt <= this.#clock()) throw new UnauthenticatedError(INVALID_RESET_TOKEN);
    this.#assertPassword(newPassword, found.user.email, 'input.newPassword');
    const passwordHash = await hashPassword(newPassword);
    await this.#em.transactional(async (em) => {
      const repository = new UserRepository(em);
      // Re-read under a lock: of two concurrent resets with one token, only the first may use it.
      const reset = await repository.lockResetToken(tokenHash);
      if (!reset || reset.usedAt || reset.expiresAt <= this.#clock())
        throw new UnauthenticatedError(INVALID_RESET_TOKEN);
      reset.usedAt = this.#clock();
      const user = reset.user;
      user.passwordHash = passwordHash;
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

  #payload(user: User, tokens: SessionTokens): AuthPayload {
    return { ...tokens, tokenType: 'Bearer', user };
  }

  /** The actor of events about `user` raised by an anonymous request (sign-up, reset): the user themself. */
  #asUser(user: User): Actor {
    return { ...this.#actor, principal: { userId: user.id, roles: [...user.roles] } };
  }

  #assertPassword(password: string, email: string, field: string): void {
    const problem = passwordProblem(password, email);
    if (problem) throw new BadUserInputError(`${field}: ${problem}`, field);
  }
}

/**
 * Creates the first admin at start-up when there is no admin yet. With no credentials configured, outside
 * production, an admin `admin@hms.local` with a generated password is created and the password printed once.
 *
 * @throws Error in production when no admin exists and none is configured.
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
  const problem = passwordProblem(password!, email!);
  if (problem) throw new Error(`HMS_ADMIN_PASSWORD ${problem}`);
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
