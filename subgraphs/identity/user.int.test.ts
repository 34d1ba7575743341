/**
 * Accounts and sessions under concurrency, on the real database (PostgreSQL in CI): a sign-in that overlaps a
 * password change, refreshes that race a revocation, reset tokens after a reset or change, and the lockout that
 * `changePassword` shares with sign-in. The lock-order cases hold a user's row lock by hand and wait until the
 * operation under test is blocked on it, so they need PostgreSQL (PGlite has one connection).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newId } from '../../platform/db/base.entity.ts';
import type { EntityManager, Orm } from '../../platform/db/orm.ts';
import { domainErrorFromDatabase, ErrorCode } from '../../platform/errors.ts';
import type { Actor } from '../../platform/graphql/context.ts';
import { createLogger } from '../../platform/logger.ts';
import { openTestDatabase, type TestDatabaseHandle } from '../../platform/testing/orm.ts';
import { testDatabaseServer } from '../../platform/testing/services.ts';
import { AccountService } from './account.service.ts';
import { hashPassword, newDummyPasswordHash } from './password.ts';
import { hashToken, SessionService } from './session.service.ts';
import { SigningKeys } from './signing-keys.ts';
import { identitySubgraph, type IdentitySettings } from './subgraph.ts';
import { TokenIssuer } from './token-issuer.ts';
import { PasswordResetToken, RefreshToken, SignInFailure, TokenRevocation, User } from './user.entity.ts';
import { UserRepository } from './user.repository.ts';
import { UserService } from './user.service.ts';

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a brand new passphrase';
const settings: IdentitySettings = {
  admin: {},
  tokens: { issuer: 'hms-identity', audience: 'hms-supergraph', accessTokenTtlSeconds: 900, refreshTokenTtlDays: 14 },
  production: false,
};
const clock = () => new Date();
const logger = createLogger({ name: 'identity-int-test', level: 'silent' });

let handle: TestDatabaseHandle;
let orm: Orm;
let tokens: TokenIssuer;
let keys: SigningKeys;
let dummyPasswordHash: string;
/** Cases that hold a lock while another transaction waits for it: PostgreSQL only. */
const itOnPostgres = testDatabaseServer() ? it : it.skip;

beforeAll(async () => {
  handle = await openTestDatabase();
  orm = await handle.orm(identitySubgraph(settings));
  keys = new SigningKeys(orm, clock, settings.tokens.accessTokenTtlSeconds);
  await keys.ensureActiveKey();
  tokens = new TokenIssuer(keys, settings.tokens, clock);
  dummyPasswordHash = await newDummyPasswordHash();
});
afterAll(async () => {
  await handle?.close();
});

/** The services of one request by `actor` (anonymous by default), on their own entity manager. */
function request(actor: Actor = { principal: null, correlationId: 'identity-int-test' }) {
  const em = orm.em.fork();
  const sessions = new SessionService({ em, actor, tokens, clock, refreshTokenTtlDays: 14 });
  return {
    users: new UserService({
      em,
      actor,
      sessions,
      clock,
      timeZone: 'UTC',
      logger,
      dummyPasswordHash,
      deliverSignUp: async () => {},
    }),
    accounts: new AccountService({ em, actor, sessions, keys, clock }),
  };
}

const adminActor: Actor = { principal: { userId: newId(), roles: ['ADMIN'] }, correlationId: 'admin' };
const asAdmin = () => request(adminActor);
const asUser = (user: User, sessionId?: string) =>
  request({
    principal: { userId: user.id, roles: [...user.roles], ...(sessionId ? { sessionId } : {}) },
    correlationId: 'user',
  });

let accounts = 0;
async function aUser(): Promise<User> {
  const em = orm.em.fork();
  const user = em.create(User, {
    email: `user${++accounts}.${newId()}@hospital.example`,
    passwordHash: await hashPassword(PASSWORD),
    roles: ['RECEPTION'],
    patientId: null,
    doctorId: null,
    disabledAt: null,
  });
  await em.flush();
  return user;
}

const signIn = (user: User, password = PASSWORD) => request().users.signIn({ email: user.email, password });

/** The code of the error `promise` rejects with. */
async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: { code?: string }) => error.code ?? 'no code',
  );
}

/**
 * Holds the lock on `user`'s row while `operation` runs until it blocks on that lock, then runs `meanwhile` in the
 * lock holder's transaction and commits it. Returns what `operation` settled with.
 */
async function whileLocked<T>(
  user: User,
  operation: () => Promise<T>,
  meanwhile: (em: EntityManager, locked: User) => Promise<void>,
): Promise<PromiseSettledResult<T>> {
  let settled!: Promise<PromiseSettledResult<T>>;
  await orm.em.fork().transactional(async (em) => {
    const locked = (await new UserRepository(em).lockUser(user.id))!;
    settled = Promise.allSettled([operation()]).then(([result]) => result!);
    await untilBlockedOnALock();
    await meanwhile(em, locked);
  });
  return settled;
}

/** Waits until some transaction of this test database waits for a row lock. */
async function untilBlockedOnALock(timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await orm.em
      .fork()
      .execute<{ waiting: number }[]>(
        "select count(*)::int as waiting from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
      );
    if (row!.waiting > 0) return;
    if (Date.now() > deadline) throw new Error('nothing blocked on the lock in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Revokes every session of `user` in the unit of work `em`, as disabling the account does. */
async function revokeAll(em: EntityManager, user: User): Promise<void> {
  const sessions = new SessionService({ em, actor: adminActor, tokens, clock, refreshTokenTtlDays: 14 });
  await sessions.revokeUserSessions(em, user, 'USER_DISABLED', null);
}

const liveRefreshTokens = (user: User) => orm.em.fork().count(RefreshToken, { user: user.id, revokedAt: null });

describe('sign-in', () => {
  itOnPostgres('refuses a sign-in whose password was changed between its check and its lock', async () => {
    const user = await aUser();
    const outcome = await whileLocked(
      user,
      () => signIn(user),
      async (_em, locked) => {
        locked.passwordHash = await hashPassword(NEW_PASSWORD);
      },
    );
    expect(outcome.status).toBe('rejected');
    expect((outcome as PromiseRejectedResult).reason).toMatchObject({
      code: ErrorCode.UNAUTHENTICATED,
      message: 'The email or password is not correct.',
    });
    expect(await liveRefreshTokens(user)).toBe(0);
    expect(await orm.em.fork().count(SignInFailure, { user: user.id })).toBe(1);
    expect((await signIn(user, NEW_PASSWORD)).user.id).toBe(user.id);
  });

  itOnPostgres('refuses a sign-in to an account disabled between its check and its lock', async () => {
    const user = await aUser();
    const outcome = await whileLocked(
      user,
      () => signIn(user),
      async (_em, locked) => {
        locked.disabledAt = new Date();
      },
    );
    expect(outcome.status).toBe('rejected');
    expect(await liveRefreshTokens(user)).toBe(0);
  });

  it('answers an unknown email like a wrong password, recording a failure only for the account', async () => {
    const user = await aUser();
    const failures = () => orm.em.fork().count(SignInFailure, {});
    const before = await failures();
    const unknown = request().users.signIn({ email: 'nobody@hospital.example', password: PASSWORD });
    const wrong = signIn(user, 'not the password');
    const [unknownError, wrongError] = await Promise.all([unknown.catch((e: unknown) => e), wrong.catch((e) => e)]);
    expect(unknownError).toEqual(wrongError);
    expect(unknownError).toMatchObject({ code: ErrorCode.UNAUTHENTICATED });
    expect(await failures()).toBe(before + 1);
    expect(await orm.em.fork().count(SignInFailure, { user: user.id })).toBe(1);
  });
});

describe('refresh and revocation', () => {
  itOnPostgres('makes a refresh wait for the user lock a revocation holds, then refuses it', async () => {
    const user = await aUser();
    const session = await signIn(user);
    const outcome = await whileLocked(
      user,
      () => request().users.refresh(session.refreshToken),
      (em, locked) => revokeAll(em, locked),
    );
    expect(outcome.status).toBe('rejected');
    expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: ErrorCode.UNAUTHENTICATED });
    expect(await liveRefreshTokens(user)).toBe(0);
  });

  it('leaves no live refresh token when refreshes race the account being disabled', async () => {
    for (let round = 0; round < 3; round++) {
      const user = await aUser();
      const sessions = await Promise.all(Array.from({ length: 12 }, () => signIn(user)));
      const refreshes = sessions.map((session) => request().users.refresh(session.refreshToken));
      const disabled = asAdmin().accounts.disable(user.id);
      const outcomes = await Promise.allSettled([...refreshes, disabled]);
      expect(outcomes.at(-1)!.status).toBe('fulfilled');
      // Whatever order they ran in, the disabling revoked every token issued before it, and none came after.
      expect(await liveRefreshTokens(user)).toBe(0);
    }
  });

  it('leaves no live refresh token when refreshes race a password change', async () => {
    const user = await aUser();
    const first = await signIn(user);
    const others = await Promise.all(Array.from({ length: 10 }, () => signIn(user)));
    const sid = (await orm.em.fork().findOneOrFail(RefreshToken, { tokenHash: hashToken(first.refreshToken) }))
      .familyId;
    const outcomes = await Promise.allSettled([
      ...others.map((session) => request().users.refresh(session.refreshToken)),
      asUser(user, sid).users.changePassword(PASSWORD, NEW_PASSWORD),
    ]);
    expect(outcomes.at(-1)!.status).toBe('fulfilled');
    // Only the session that changed the password lives on.
    const live = await orm.em.fork().find(RefreshToken, { user: user.id, revokedAt: null });
    expect(live.map((token) => token.familyId)).toEqual([sid]);
  });

  it('still revokes the whole session when a used refresh token comes back', async () => {
    const user = await aUser();
    const session = await signIn(user);
    const next = await request().users.refresh(session.refreshToken);
    expect(await codeOf(request().users.refresh(session.refreshToken))).toBe(ErrorCode.UNAUTHENTICATED);
    expect(await codeOf(request().users.refresh(next.refreshToken))).toBe(ErrorCode.UNAUTHENTICATED);
    const revocation = await orm.em.fork().findOneOrFail(TokenRevocation, { userId: user.id });
    expect(revocation.reason).toBe('REFRESH_TOKEN_REUSE');
  });
});

describe('passwords', () => {
  async function resetTokens(user: User, count: number): Promise<string[]> {
    const em = orm.em.fork();
    const raw = Array.from({ length: count }, () => `reset-${newId()}`);
    for (const token of raw) {
      em.create(PasswordResetToken, {
        user: user.id,
        tokenHash: hashToken(token),
        expiresAt: new Date(Date.now() + 30 * 60_000),
        usedAt: null,
      });
    }
    await em.flush();
    return raw;
  }

  it('use up every open reset token of the account on a reset', async () => {
    const user = await aUser();
    const [first, second] = await resetTokens(user, 2);
    expect(await request().users.resetPassword(first!, NEW_PASSWORD)).toBe(true);
    expect(await codeOf(request().users.resetPassword(second!, 'yet another passphrase'))).toBe(
      ErrorCode.UNAUTHENTICATED,
    );
    expect((await signIn(user, NEW_PASSWORD)).user.id).toBe(user.id);
  });

  it('use up every open reset token of the account on a change', async () => {
    const user = await aUser();
    const [open] = await resetTokens(user, 1);
    expect(await asUser(user).users.changePassword(PASSWORD, NEW_PASSWORD)).toBe(true);
    expect(await codeOf(request().users.resetPassword(open!, 'yet another passphrase'))).toBe(
      ErrorCode.UNAUTHENTICATED,
    );
  });

  it('count a wrong current password as a failed sign-in, and refuse the right one once locked out', async () => {
    const user = await aUser();
    for (let attempt = 0; attempt < 10; attempt++) {
      const wrong = asUser(user).users.changePassword(`wrong guess ${attempt}`, NEW_PASSWORD);
      await expect(wrong).rejects.toMatchObject({
        code: ErrorCode.UNAUTHENTICATED,
        message: 'The current password is not correct.',
      });
    }
    const right = asUser(user).users.changePassword(PASSWORD, NEW_PASSWORD);
    await expect(right).rejects.toMatchObject({
      code: ErrorCode.UNAUTHENTICATED,
      message: 'The current password is not correct.',
    });
    expect(await codeOf(signIn(user))).toBe(ErrorCode.UNAUTHENTICATED);
    const stored = await orm.em.fork().findOneOrFail(User, { id: user.id });
    expect(stored.passwordHash).toBe(user.passwordHash);
  });

  it('refuse a weak new password before looking at the current one', async () => {
    const user = await aUser();
    await expect(asUser(user).users.changePassword('wrong guess', 'short')).rejects.toMatchObject({
      code: ErrorCode.BAD_USER_INPUT,
    });
    expect(await orm.em.fork().count(SignInFailure, { user: user.id })).toBe(0);
  });
});

describe('sign-up', () => {
  it('answers a taken email with CONFLICT through the unique constraint', async () => {
    const input = {
      email: `taken.${newId()}@example.org`,
      password: PASSWORD,
      givenName: 'Ada',
      familyName: 'Lovelace',
      birthDate: '1990-01-01',
    };
    await request().users.signUp(input);
    const error = await request()
      .users.signUp(input)
      .then(
        () => undefined,
        (rejected: unknown) => rejected,
      );
    expect(domainErrorFromDatabase(error, identitySubgraph(settings).constraints!)).toMatchObject({
      code: ErrorCode.CONFLICT,
      message: 'An account with this email already exists.',
    });
    expect(await orm.em.fork().count(User, { email: input.email })).toBe(1);
  });
});

describe('signing keys', () => {
  it('serve the JWKS from memory, and anew after a rotation in this process', async () => {
    const before = await keys.jwks();
    expect(await keys.jwks()).toBe(before);
    const kid = await keys.rotate();
    const after = await keys.jwks();
    expect(after.keys.map((key) => key.kid)).toEqual([kid, ...before.keys.map((key) => key.kid)]);
    expect((await keys.active()).kid).toBe(kid);
  });
});
