/**
 * What admins do with accounts (SPEC §2: ADMIN only, enforced by the schema's `@access`): list them, create staff
 * accounts, disable and enable them, link a staff account to its doctor profile, rotate the signing key.
 */
import type { EntityManager } from '../../platform/db/orm.ts';
import { BadUserInputError, NotFoundError } from '../../platform/errors.ts';
import { emitEvent } from '../../platform/events/outbox.ts';
import type { Actor } from '../../platform/graphql/context.ts';
import { pageRequest, toConnection, type Connection, type PageArgs } from '../../platform/graphql/pagination.ts';
import { z } from 'zod';
import { accountPayload, IDENTITY_TOPIC, IdentityEvent } from './identity.events.ts';
import { assertPasswordPolicy, hashPassword } from './password.ts';
import type { SessionService } from './session.service.ts';
import type { SigningKeys } from './signing-keys.ts';
import { User } from './user.entity.ts';
import type { CreateStaffUserInput } from './user.inputs.ts';
import { UserRepository } from './user.repository.ts';
import { staffRolesProblem } from './user.rules.ts';

/** Accounts are listed by email. */
const EMAIL_CURSOR = z.tuple([z.string()]);

export interface AccountServiceDependencies {
  em: EntityManager;
  actor: Actor;
  sessions: SessionService;
  keys: SigningKeys;
  clock: () => Date;
}

export class AccountService {
  readonly #em: EntityManager;
  readonly #actor: Actor;
  readonly #sessions: SessionService;
  readonly #keys: SigningKeys;
  readonly #clock: () => Date;

  constructor(deps: AccountServiceDependencies) {
    this.#em = deps.em;
    this.#actor = deps.actor;
    this.#sessions = deps.sessions;
    this.#keys = deps.keys;
    this.#clock = deps.clock;
  }

  user(id: string): Promise<User | null> {
    return new UserRepository(this.#em).findById(id);
  }

  async users(search: string | null | undefined, page: PageArgs): Promise<Connection<User>> {
    const request = pageRequest(page, EMAIL_CURSOR);
    const repository = new UserRepository(this.#em);
    const rows = await repository.page(search, request);
    return toConnection(
      rows,
      request,
      (user) => [user.email],
      () => repository.count(search),
    );
  }

  /**
   * Creates a staff account and emits `StaffUserCreated`.
   *
   * @throws BadUserInputError for a weak password, no or non-staff roles, a DOCTOR without (or a non-DOCTOR
   *   with) a doctor id, or an unknown doctor; CONFLICT (constraints) for a taken email or an already linked doctor.
   */
  async createStaffUser(input: CreateStaffUserInput): Promise<User> {
    const rolesProblem = staffRolesProblem(input.roles, input.doctorId);
    if (rolesProblem)
      throw new BadUserInputError(
        `input.${rolesProblem.field}: ${rolesProblem.message}`,
        `input.${rolesProblem.field}`,
      );
    assertPasswordPolicy(input.password, input.email, 'input.password');
    const passwordHash = await hashPassword(input.password);
    return this.#em.transactional(async (em) => {
      if (input.doctorId) await this.#assertDoctorExists(em, input.doctorId, 'input.doctorId');
      const user = em.create(User, {
        email: input.email,
        passwordHash,
        roles: [...new Set(input.roles)],
        patientId: null,
        doctorId: input.doctorId ?? null,
        disabledAt: null,
      });
      emitEvent(em, IDENTITY_TOPIC, this.#actor, {
        type: IdentityEvent.StaffUserCreated,
        aggregateId: user.id,
        payload: accountPayload(user),
      });
      return user;
    });
  }

  /**
   * Disables an account and ends every session of it (its refresh tokens at once, its access tokens as soon as
   * the gateways learn of it); emits `UserDisabled`. Disabling a disabled account changes nothing.
   *
   * @throws NotFoundError; BadUserInputError for the caller's own account.
   */
  async disable(id: string): Promise<User> {
    if (id === this.#actor.principal?.userId)
      throw new BadUserInputError('id: you cannot disable your own account', 'id');
    return this.#em.transactional(async (em) => {
      const user = await this.#lockedUserOrFail(em, id);
      if (user.disabledAt) return user;
      user.disabledAt = this.#clock();
      await this.#sessions.revokeUserSessions(em, user, 'USER_DISABLED', null);
      emitEvent(em, IDENTITY_TOPIC, this.#actor, {
        type: IdentityEvent.UserDisabled,
        aggregateId: user.id,
        payload: accountPayload(user),
      });
      return user;
    });
  }

  /** Enables a disabled account; emits `UserEnabled`. @throws NotFoundError */
  async enable(id: string): Promise<User> {
    return this.#em.transactional(async (em) => {
      const user = await this.#lockedUserOrFail(em, id);
      if (!user.disabledAt) return user;
      user.disabledAt = null;
      emitEvent(em, IDENTITY_TOPIC, this.#actor, {
        type: IdentityEvent.UserEnabled,
        aggregateId: user.id,
        payload: accountPayload(user),
      });
      return user;
    });
  }

  /**
   * Links a staff account to a doctor profile and adds the DOCTOR role; emits `DoctorLinked`. The account's next
   * access token (after a refresh or sign-in) carries the doctor id.
   *
   * @throws NotFoundError; BadUserInputError for a patient account or an unknown doctor; CONFLICT (constraint)
   *   when the doctor is linked to another account.
   */
  async linkDoctor(userId: string, doctorId: string): Promise<User> {
    return this.#em.transactional(async (em) => {
      const user = await this.#lockedUserOrFail(em, userId);
      if (user.roles.includes('PATIENT'))
        throw new BadUserInputError('userId: a patient account cannot act as a doctor', 'userId');
      await this.#assertDoctorExists(em, doctorId, 'doctorId');
      user.doctorId = doctorId;
      if (!user.roles.includes('DOCTOR')) user.roles = [...user.roles, 'DOCTOR'];
      emitEvent(em, IDENTITY_TOPIC, this.#actor, {
        type: IdentityEvent.DoctorLinked,
        aggregateId: user.id,
        payload: accountPayload(user),
      });
      return user;
    });
  }

  /** Starts signing with a new key (see `SigningKeys.rotate`). Returns its `kid`. */
  rotateSigningKey(): Promise<string> {
    return this.#keys.rotate();
  }

  /** The account, locked for the rest of the transaction (see `UserRepository.lockUser`). */
  async #lockedUserOrFail(em: EntityManager, id: string): Promise<User> {
    const user = await new UserRepository(em).lockUser(id);
    if (!user) throw new NotFoundError('User', id);
    return user;
  }

  async #assertDoctorExists(em: EntityManager, doctorId: string, field: string): Promise<void> {
    if (!(await new UserRepository(em).doctorExists(doctorId))) {
      throw new BadUserInputError(`${field}: no doctor ${doctorId}`, field);
    }
  }
}
