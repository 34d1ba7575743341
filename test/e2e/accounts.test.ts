/**
 * Accounts and sessions through the gateway: sign-up usable at once, refresh-token rotation and reuse detection,
 * sign-out, password reset and change, lockout after 10 failures (also as aliases in one document), staff
 * accounts, disabling, linking a doctor, and signing-key rotation.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { GraphClient } from '../../platform/graphql/client.ts';
import { eventually, startTestGraph, TEST_ADMIN, type TestGraph } from '../../platform/testing/graph.ts';
import {
  aDepartment,
  aDoctor,
  aSignedUpPatient,
  aStaffMember,
  BOOK,
  captureEvents,
  PASSWORD,
  slotAt,
  untilBookable,
  untilLinkable,
} from '../builders.ts';

let graph: TestGraph;
let admin: GraphClient;

beforeAll(async () => {
  graph = await startTestGraph();
  admin = await graph.admin();
});
afterAll(async () => {
  await graph?.stop();
});

const AUTH = 'accessToken refreshToken expiresAt refreshTokenExpiresAt user { id email roles patientId doctorId }';
const REFRESH = `mutation($token: String!) { refreshToken(token: $token) { ${AUTH} } }`;
const SIGN_IN = `mutation($input: SignInInput!) { signIn(input: $input) { ${AUTH} } }`;

interface Auth {
  accessToken: string;
  refreshToken: string;
  expiresAt: string;
  user: { id: string; doctorId: string | null; roles: string[] };
}

const signIn = async (email: string, password: string) =>
  (await graph.client.data<{ signIn: Auth }>(SIGN_IN, { input: { email, password } })).signIn;
const refresh = (token: string) => graph.client.request<{ refreshToken: Auth }>(REFRESH, { token });
const me = (token: string) => graph.client.withToken(token).request<{ me: { id: string } }>('{ me { id } }');

describe('sign-up', () => {
  it('gives a patient a token that works on their own record at once: read, update and book', async () => {
    const department = await aDepartment(admin);
    const doctor = await aDoctor(admin, department.id);
    await untilBookable(graph, { doctorIds: [doctor.id] });
    const patient = await aSignedUpPatient(graph);

    const read = await patient.client.data<{ patient: { id: string } | null }>(
      'query($id: ID!) { patient(id: $id) { id } }',
      {
        id: patient.patientId,
      },
    );
    expect(read.patient?.id).toBe(patient.patientId);
    const updated = await patient.client.data<{ updatePatient: { phone: string } }>(
      'mutation($id: ID!) { updatePatient(id: $id, input: { phone: "+14025550123" }) { phone } }',
      { id: patient.patientId },
    );
    expect(updated.updatePatient.phone).toBe('+14025550123');
    const booked = await patient.client.request(BOOK, {
      input: { patientId: patient.patientId, doctorId: doctor.id, departmentId: department.id, startsAt: slotAt(6, 9) },
    });
    expect(booked.errors).toBeUndefined();
  });
});

describe('sessions', () => {
  it('rotate refresh tokens: each works once and yields a new pair', async () => {
    const patient = await aSignedUpPatient(graph);
    const first = await refresh(patient.refreshToken);
    expect(first.errors).toBeUndefined();
    const next = first.data!.refreshToken;
    expect(next.refreshToken).not.toBe(patient.refreshToken);
    expect((await me(next.accessToken)).data?.me.id).toBe(patient.userId);
    expect((await refresh(next.refreshToken)).errors).toBeUndefined();
  });

  it('revoke the whole session when a used refresh token comes back, access tokens included', async () => {
    const patient = await aSignedUpPatient(graph);
    const stolen = patient.refreshToken;
    const legitimate = (await refresh(stolen)).data!.refreshToken;

    const replay = await refresh(stolen);
    expect(replay.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // The whole family is gone: the legitimate holder's newer refresh token and access token too.
    expect((await refresh(legitimate.refreshToken)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await eventually(
      async () => (await me(legitimate.accessToken)).errors?.[0]?.extensions?.code === 'UNAUTHENTICATED',
    );
  });

  it('end at sign-out for that session only', async () => {
    const staff = await aStaffMember(admin, ['RECEPTION']);
    const other = await signIn(staff.email, PASSWORD);
    const signedOut = await staff.client.data<{ signOut: boolean }>('mutation { signOut }');
    expect(signedOut.signOut).toBe(true);
    await eventually(
      async () => (await staff.client.request('{ me { id } }')).errors?.[0]?.extensions?.code === 'UNAUTHENTICATED',
    );
    expect((await me(other.accessToken)).data?.me.id).toBe(staff.userId);
  });

  it('last 15 minutes for access tokens', async () => {
    const auth = await signIn(TEST_ADMIN.email, TEST_ADMIN.password);
    const lifetime = Date.parse(auth.expiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(14 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(15 * 60_000);
  });
});

describe('passwords', () => {
  it('reset with a single-use token sent as an event, ending every session', async () => {
    const patient = await aSignedUpPatient(graph);
    const events = await captureEvents(graph, 'identity-events');
    const requested = await graph.client.data<{ requestPasswordReset: boolean }>(
      'mutation($email: String!) { requestPasswordReset(email: $email) }',
      {
        email: patient.email.toUpperCase(),
      },
    );
    expect(requested.requestPasswordReset).toBe(true);
    const event = await eventually(async () =>
      events.find(
        (candidate) => candidate.type === 'PasswordResetRequested' && candidate.aggregateId === patient.userId,
      ),
    );
    const token = (event.payload as { resetToken: string }).resetToken;

    const reset = 'mutation($input: ResetPasswordInput!) { resetPassword(input: $input) }';
    const weak = await graph.client.request(reset, { input: { token, newPassword: 'short' } });
    expect(weak.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.newPassword' });
    expect(
      (
        await graph.client.data<{ resetPassword: boolean }>(reset, {
          input: { token, newPassword: 'a brand new passphrase' },
        })
      ).resetPassword,
    ).toBe(true);
    const again = await graph.client.request(reset, { input: { token, newPassword: 'another new passphrase' } });
    expect(again.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    await eventually(
      async () => (await patient.client.request('{ me { id } }')).errors?.[0]?.extensions?.code === 'UNAUTHENTICATED',
    );
    expect((await refresh(patient.refreshToken)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await signIn(patient.email, 'a brand new passphrase')).user.id).toBe(patient.userId);
  });

  it('answer a reset request for an unknown email exactly like one for a known email', async () => {
    const response = await graph.client.request('mutation { requestPasswordReset(email: "nobody@example.org") }');
    expect(response).toEqual({ data: { requestPasswordReset: true }, status: 200 });
  });

  it('change with the current password, keeping this session and ending the others', async () => {
    const staff = await aStaffMember(admin, ['BILLING']);
    const elsewhere = await signIn(staff.email, PASSWORD);
    const change = 'mutation($input: ChangePasswordInput!) { changePassword(input: $input) }';
    const wrong = await staff.client.request(change, {
      input: { currentPassword: 'not it at all', newPassword: 'a changed passphrase' },
    });
    expect(wrong.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await staff.client.data(change, { input: { currentPassword: PASSWORD, newPassword: 'a changed passphrase' } });
    await eventually(async () => (await me(elsewhere.accessToken)).errors?.[0]?.extensions?.code === 'UNAUTHENTICATED');
    expect((await staff.client.data<{ me: { id: string } }>('{ me { id } }')).me.id).toBe(staff.userId);
    expect((await signIn(staff.email, 'a changed passphrase')).user.id).toBe(staff.userId);
  });
});

describe('brute force', () => {
  it('locks an account after 10 failures in 15 minutes, even against the right password', async () => {
    const staff = await aStaffMember(admin, ['RECEPTION']);
    for (let attempt = 0; attempt < 10; attempt++) {
      const failed = await graph.client.request(SIGN_IN, {
        input: { email: staff.email, password: `wrong guess ${attempt}` },
      });
      expect(failed.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    const right = await graph.client.request(SIGN_IN, { input: { email: staff.email, password: PASSWORD } });
    expect(right.errors?.[0]).toMatchObject({
      message: 'The email or password is not correct.',
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  it('counts attempts sent as aliases in one document, which cannot try more than one password', async () => {
    const staff = await aStaffMember(admin, ['RECEPTION']);
    const aliases = Array.from(
      { length: 12 },
      (_, index) => `a${index}: signIn(input: { email: $email, password: "guess number ${index}" }) { accessToken }`,
    );
    const document = `mutation($email: String!) { ${aliases.join('\n')} }`;
    for (let round = 0; round < 10; round++) {
      // Mutation fields run one after the other; the first failure nulls the non-null result and ends the rest.
      const response = await graph.client.request(document, { email: staff.email });
      expect(response.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    }
    const right = await graph.client.request(SIGN_IN, { input: { email: staff.email, password: PASSWORD } });
    expect(right.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('answers an unknown email and a wrong password with the same error, in similar time', async () => {
    const staff = await aStaffMember(admin, ['RECEPTION']);
    const time = async (email: string) => {
      const started = performance.now();
      const response = await graph.client.request(SIGN_IN, { input: { email, password: 'definitely not it' } });
      return { ms: performance.now() - started, error: response.errors?.[0] };
    };
    const unknown: number[] = [];
    const wrong: number[] = [];
    // 9 rounds: enough for a steady median on a busy machine, one short of the lockout's 10 failures.
    for (let round = 0; round < 9; round++) {
      const a = await time(`nobody.${round}@example.org`);
      const b = await time(staff.email);
      expect(a.error).toBeDefined();
      expect(a.error).toEqual(b.error);
      unknown.push(a.ms);
      wrong.push(b.ms);
    }
    const median = (values: number[]) => [...values].sort((x, y) => x - y)[4]!;
    // Both pay one argon2 verification (tens of ms); a shortcut for unknown emails would be many times faster.
    expect(median(unknown)).toBeGreaterThan(median(wrong) / 3);
  });
});

describe('staff accounts', () => {
  it('are created by admins with staff roles only', async () => {
    const create = 'mutation($input: CreateStaffUserInput!) { createStaffUser(input: $input) { id } }';
    const patientRole = await admin.request(create, {
      input: { email: 'x@hospital.example', password: PASSWORD, roles: ['PATIENT'] },
    });
    expect(patientRole.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.roles' });
    const doctorWithoutProfile = await admin.request(create, {
      input: { email: 'y@hospital.example', password: PASSWORD, roles: ['DOCTOR'] },
    });
    expect(doctorWithoutProfile.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.doctorId',
    });
    const receptionist = await aStaffMember(admin, ['RECEPTION']);
    const byReception = await receptionist.client.request(create, {
      input: { email: 'z@hospital.example', password: PASSWORD, roles: ['ADMIN'] },
    });
    expect(byReception.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('refuse bad input with BAD_USER_INPUT and create nothing', async () => {
    const count = async () =>
      (await admin.data<{ users: { totalCount: number } }>('{ users { totalCount } }')).users.totalCount;
    const before = await count();
    const create = 'mutation($input: CreateStaffUserInput!) { createStaffUser(input: $input) { id } }';
    const cases = [
      { email: 'not-an-email', password: PASSWORD, roles: ['BILLING'] },
      { email: `${'x'.repeat(250)}@hospital.example`, password: PASSWORD, roles: ['BILLING'] },
      { email: 'weak@hospital.example', password: 'short', roles: ['BILLING'] },
      { email: 'same@hospital.example', password: 'same@hospital.example', roles: ['BILLING'] },
      { email: 'role@hospital.example', password: PASSWORD, roles: ['SUPERUSER'] },
      { email: 'long@hospital.example', password: 'x'.repeat(129), roles: ['BILLING'] },
    ];
    for (const input of cases) {
      const response = await admin.request(create, { input });
      expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    expect(await count()).toBe(before);
  });

  it('stop working at once when disabled, and work again when enabled', async () => {
    const staff = await aStaffMember(admin, ['BILLING']);
    await admin.data('mutation($id: ID!) { disableUser(id: $id) { active } }', { id: staff.userId });
    await eventually(
      async () => (await staff.client.request('{ me { id } }')).errors?.[0]?.extensions?.code === 'UNAUTHENTICATED',
    );
    const locked = await graph.client.request(SIGN_IN, { input: { email: staff.email, password: PASSWORD } });
    expect(locked.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await admin.data('mutation($id: ID!) { enableUser(id: $id) { active } }', { id: staff.userId });
    const back = await signIn(staff.email, PASSWORD);
    expect((await me(back.accessToken)).data?.me.id).toBe(staff.userId);
  });

  it('link to a doctor profile, whose id the next token carries', async () => {
    const department = await aDepartment(admin);
    const doctor = await aDoctor(admin, department.id);
    await untilLinkable(graph, doctor.id);
    const staff = await aStaffMember(admin, ['RECEPTION']);
    const linked = await admin.data<{ linkDoctor: { roles: string[]; doctorId: string } }>(
      'mutation($user: ID!, $doctor: ID!) { linkDoctor(userId: $user, doctorId: $doctor) { roles doctorId } }',
      { user: staff.userId, doctor: doctor.id },
    );
    expect(linked.linkDoctor).toEqual({ roles: ['RECEPTION', 'DOCTOR'], doctorId: doctor.id });
    const auth = await signIn(staff.email, PASSWORD);
    expect(auth.user.doctorId).toBe(doctor.id);
    const claims = JSON.parse(Buffer.from(auth.accessToken.split('.')[1]!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(claims).toMatchObject({ sub: staff.userId, doctor_id: doctor.id, fhirUser: `Practitioner/${doctor.id}` });
    const unknown = await admin.request(
      'mutation($user: ID!) { linkDoctor(userId: $user, doctorId: "0192f000-0000-7000-8000-000000000000") { id } }',
      {
        user: staff.userId,
      },
    );
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'doctorId' });
  });
});

describe('signing keys', () => {
  it('rotate: new tokens carry the new kid, tokens signed before stay valid until they expire', async () => {
    const before = await signIn(TEST_ADMIN.email, TEST_ADMIN.password);
    const kidOf = (token: string) =>
      (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
    const rotated = await admin.data<{ rotateSigningKey: string }>('mutation { rotateSigningKey }');
    const after = await signIn(TEST_ADMIN.email, TEST_ADMIN.password);
    expect(kidOf(after.accessToken)).toBe(rotated.rotateSigningKey);
    expect(kidOf(after.accessToken)).not.toBe(kidOf(before.accessToken));
    expect((await me(before.accessToken)).data?.me.id).toBe(before.user.id);
    expect((await me(after.accessToken)).data?.me.id).toBe(after.user.id);

    const jwks = (await (
      await fetch(graph.subgraphUrls.identity!.replace(/\/graphql$/, '/.well-known/jwks.json'))
    ).json()) as {
      keys: { kid: string; alg: string; kty: string; d?: string }[];
    };
    expect(jwks.keys.map((key) => key.kid)).toEqual(
      expect.arrayContaining([kidOf(before.accessToken), rotated.rotateSigningKey]),
    );
    expect(jwks.keys.every((key) => key.alg === 'ES256' && key.kty === 'EC' && key.d === undefined)).toBe(true);
  });
});
