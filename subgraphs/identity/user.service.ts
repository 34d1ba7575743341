/**
 * Accounts: self sign-up of patients, sign-in, the current user, and the first admin. Sign-in answers the
 * same for an unknown email and a wrong password, and takes as long (SPEC §2; OWASP authentication guidance).
 */
import type { EntityManager } from '../../platform/db/orm.ts';
import { BadUserInputError, ConflictError, UnauthenticatedError } from '../../platform/errors.ts';
import { newId } from '../../platform/db/base.entity.ts';
import { emitEvent } from '../../platform/events/outbox.ts';
import type { Actor } from '../../platform/graphql/context.ts';
import { dateIn } from '../../platform/time.ts';
import type { Logger } from '../../platform/logger.ts';
import { IDENTITY_TOPIC, IdentityEvent, type UserSignedUpPayload } from './identity.events.ts';
import { dummyPasswordHash, hashPassword, passwordProblem, verifyPassword } from './password.ts';
import type { IssuedToken, TokenIssuer } from './token-issuer.ts';
import { User } from './user.entity.ts';
import type { SignInInput, SignUpInput } from './user.inputs.ts';
import { UserRepository } from './user.repository.ts';

/** What `signUp` and `signIn` return (GraphQL `AuthPayload`). */
export interface AuthPayload extends IssuedToken {
  tokenType: 'Bearer';
  user: User;
}

export interface UserServiceDependencies {
  em: EntityManager;
  actor: Actor;
  tokens: TokenIssuer;
  clock: () => Date;
  timeZone: string;
}

const INVALID_CREDENTIALS = 'The email or password is not correct.';

export class UserService {
  readonly #em: EntityManager;
  readonly #actor: Actor;
  readonly #tokens: TokenIssuer;
  readonly #clock: () => Date;
  readonly #timeZone: string;

  constructor(deps: UserServiceDependencies) {
    this.#em = deps.em;
    this.#actor = deps.actor;
    this.#tokens = deps.tokens;
    this.#clock = deps.clock;
    this.#timeZone = deps.timeZone;
  }

  /**
   * Creates a patient account, reserves the id of its `Patient` record, emits `UserSignedUp` (from which
   * `patients` creates the record) and signs the new user in.
   *
   * @throws BadUserInputError for a weak password or a birth date in the future.
   * @throws ConflictError when an account with this email exists.
   */
  async signUp(input: SignUpInput): Promise<AuthPayload> {
    const weak = passwordProblem(input.password, input.email);
    if (weak) throw new BadUserInputError(`input.password: ${weak}`, 'input.password');
    if (input.birthDate > dateIn(this.#timeZone, this.#clock())) {
      throw new BadUserInputError('input.birthDate: must not be in the future', 'input.birthDate');
    }
    const passwordHash = await hashPassword(input.password);
    const user = await this.#em.transactional(async (em) => {
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
      emitEvent(
        em,
        IDENTITY_TOPIC,
        { ...this.#actor, principal: { userId: created.id, roles: ['PATIENT'] } },
        {
          type: IdentityEvent.UserSignedUp,
          aggregateId: created.id,
          payload,
        },
      );
      return created;
    });
    return this.#payload(user);
  }

  /**
   * Signs in with email and password.
   *
   * @throws UnauthenticatedError with one message for unknown emails, wrong passwords and disabled accounts.
   */
  async signIn(input: SignInInput): Promise<AuthPayload> {
    const user = await new UserRepository(this.#em).findByEmail(input.email);
    // Verify against a dummy hash when there is no user, so both failures take an argon2 verification.
    const valid = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), input.password);
    if (!user || !valid || user.disabledAt) throw new UnauthenticatedError(INVALID_CREDENTIALS);
    return this.#payload(user);
  }

  /** The signed-in user. @throws UnauthenticatedError when their account no longer exists. */
  async me(): Promise<User> {
    const userId = this.#actor.principal?.userId;
    const user = userId ? await new UserRepository(this.#em).findById(userId) : null;
    if (!user) throw new UnauthenticatedError();
    return user;
  }

  #payload(user: User): AuthPayload {
    return { ...this.#tokens.issue(user), tokenType: 'Bearer', user };
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
