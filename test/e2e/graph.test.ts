/**
 * The graph as a client and an operator meet it over HTTP: health checks, sign-up and sign-in, subgraph
 * isolation, and bad input refused with the right code and nothing written.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { signInternalToken } from '../../platform/auth/internal-token.ts';
import { GraphClient } from '../../platform/graphql/client.ts';
import { eventually, startTestGraph, subgraphOf, type TestGraph } from '../../platform/testing/graph.ts';
import { aDepartment, aPatient } from '../builders.ts';

let graph: TestGraph;
let admin: GraphClient;

beforeAll(async () => {
  graph = await startTestGraph();
  admin = await graph.admin();
});
afterAll(async () => {
  await graph?.stop();
});

const gatewayBase = () => graph.url.replace(/\/graphql$/, '');

describe('health checks', () => {
  it('report the gateway live and ready', async () => {
    expect((await fetch(`${gatewayBase()}/health/live`)).status).toBe(200);
    const ready = await fetch(`${gatewayBase()}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { supergraph: true } });
  });

  it('report each subgraph ready with its database, migrations and events', async () => {
    for (const url of Object.values(graph.subgraphUrls)) {
      const response = await fetch(url.replace(/\/graphql$/, '/health/ready'));
      expect(await response.json()).toEqual({
        status: 'ready',
        checks: { database: true, migrations: true, events: true },
      });
    }
  });
});

describe('subgraph isolation', () => {
  const query = JSON.stringify({ query: '{ patients { totalCount edges { node { id givenName } } } }' });

  it('refuses a direct call to a subgraph that bypasses the gateway, returning no data', async () => {
    const response = await fetch(graph.subgraphUrls.patients!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: query,
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { data?: unknown; errors: { extensions: { code: string } }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
  });

  it('refuses an internal token signed with another secret', async () => {
    const forged = signInternalToken('not-the-gateway-secret-but-long-enough', {
      principal: { userId: '0192f000-0000-7000-8000-000000000001', roles: ['ADMIN'] },
      correlationId: 'forged',
    });
    const response = await fetch(graph.subgraphUrls.patients!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hms-internal-token': forged },
      body: query,
    });
    expect(response.status).toBe(401);
  });
});

describe('accounts', () => {
  it('signs up a patient whose record appears under the id in their token', async () => {
    const email = `ada.${Date.now()}@example.org`;
    const signUp = await graph.client.data<{
      signUp: { accessToken: string; tokenType: string; user: { roles: string[]; patientId: string } };
    }>(`mutation($input: SignUpInput!) { signUp(input: $input) { accessToken tokenType user { roles patientId } } }`, {
      input: {
        email,
        password: 'a long enough passphrase',
        givenName: 'Ada',
        familyName: 'Byron',
        birthDate: '1990-12-10',
      },
    });
    expect(signUp.signUp.tokenType).toBe('Bearer');
    expect(signUp.signUp.user.roles).toEqual(['PATIENT']);
    const patient = graph.client.withToken(signUp.signUp.accessToken);
    const me = await patient.data<{ me: { email: string; patientId: string } }>('{ me { email patientId } }');
    expect(me.me).toEqual({ email, patientId: signUp.signUp.user.patientId });

    const record = await eventually(async () => {
      const data = await patient.data<{
        patient: { id: string; givenName: string; email: string; mrn: string } | null;
      }>('query($id: ID!) { patient(id: $id) { id givenName email mrn } }', { id: signUp.signUp.user.patientId });
      return data.patient ?? undefined;
    });
    expect(record).toMatchObject({ id: signUp.signUp.user.patientId, givenName: 'Ada', email });
    expect(record.mrn).toMatch(/^\d{8}$/);
  });

  it('answers an unknown email and a wrong password alike', async () => {
    const signIn = (email: string, password: string) =>
      graph.client.request('mutation($input: SignInInput!) { signIn(input: $input) { accessToken } }', {
        input: { email, password },
      });
    const unknown = await signIn('nobody@example.org', 'whatever it is');
    const wrong = await signIn('admin@hms.test', 'not the password');
    expect(unknown.errors?.[0]).toMatchObject({
      message: wrong.errors?.[0]?.message,
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect(wrong.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a weak password and a duplicate email with their codes', async () => {
    const input = {
      email: 'dup@example.org',
      password: 'too short',
      givenName: 'A',
      familyName: 'B',
      birthDate: '1990-01-01',
    };
    const weak = await graph.client.request(
      'mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }',
      { input },
    );
    expect(weak.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.password' });
    const ok = { ...input, password: 'long enough for the policy' };
    await graph.client.data('mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }', { input: ok });
    const again = await graph.client.request(
      'mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }',
      {
        input: { ...ok, email: 'DUP@example.org' },
      },
    );
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('refuses a forged or malformed bearer token with UNAUTHENTICATED', async () => {
    for (const token of ['garbage', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4Iiwicm9sZXMiOlsiQURNSU4iXX0.']) {
      const response = await graph.client.withToken(token).request('{ me { email } }');
      expect(response.status).toBe(401);
      expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(response.data ?? null).toBeNull();
    }
  });

  it('asks anonymous callers to sign in before writing', async () => {
    const response = await graph.client.request(
      'mutation { registerPatient(input: { givenName: "A", familyName: "B", birthDate: "1990-01-01" }) { id } }',
    );
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('bad input', () => {
  const totalPatients = async () =>
    (await admin.data<{ patients: { totalCount: number } }>('{ patients { totalCount } }')).patients.totalCount;
  const register = (input: Record<string, unknown>) =>
    admin.request('mutation($input: RegisterPatientInput!) { registerPatient(input: $input) { id } }', { input });
  const valid = { givenName: 'Mary', familyName: 'Seacole', birthDate: '1980-11-23' };

  it.each([
    ['a malformed email', { ...valid, email: 'not-an-email' }, 'input.email'],
    ['a birth date in the future', { ...valid, birthDate: '2999-01-01' }, 'input.birthDate'],
    ['an empty name', { ...valid, givenName: '   ' }, 'input.givenName'],
    ['a phone number that is not E.164', { ...valid, phone: '555-1234' }, 'input.phone'],
    ['a death before birth', { ...valid, deceasedDate: '1970-01-01' }, 'input.deceasedDate'],
  ])('refuses %s with BAD_USER_INPUT and writes nothing', async (_case, input, field) => {
    const before = await totalPatients();
    const response = await register(input);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(await totalPatients()).toBe(before);
  });

  it('refuses a missing required field and an impossible date with BAD_USER_INPUT', async () => {
    expect((await register({ givenName: 'Mary', birthDate: '1980-11-23' })).errors?.[0]?.extensions?.code).toBe(
      'BAD_USER_INPUT',
    );
    expect((await register({ ...valid, birthDate: '1980-02-30' })).errors?.[0]?.extensions?.code).toBe(
      'BAD_USER_INPUT',
    );
  });

  it('refuses an id that is not one, and answers NOT_FOUND for an unknown one', async () => {
    const malformed = await admin.request('mutation { deletePatient(id: "42") { id } }');
    expect(malformed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const unknown = await admin.request(
      'mutation { deletePatient(id: "0192f000-0000-7000-8000-000000000000") { id } }',
    );
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('refuses a doctor in an unknown department, creating nothing', async () => {
    const count = async () =>
      (await admin.data<{ doctors: { totalCount: number } }>('{ doctors { totalCount } }')).doctors.totalCount;
    const before = await count();
    const response = await admin.request(
      'mutation($input: CreateDoctorInput!) { createDoctor(input: $input) { id } }',
      {
        input: {
          givenName: 'A',
          familyName: 'B',
          departmentId: '0192f000-0000-7000-8000-000000000000',
          specialization: 'X',
          consultationFeeAmount: 100,
        },
      },
    );
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.departmentId' });
    expect(await count()).toBe(before);
  });

  it('refuses a negative fee and a duplicate department code', async () => {
    const department = await aDepartment(admin);
    const negative = await admin.request(
      'mutation($input: CreateDoctorInput!) { createDoctor(input: $input) { id } }',
      {
        input: {
          givenName: 'A',
          familyName: 'B',
          departmentId: department.id,
          specialization: 'X',
          consultationFeeAmount: -1,
        },
      },
    );
    expect(negative.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const duplicate = await admin.request(
      'mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { id } }',
      {
        input: { name: `${department.name} again`, code: department.code },
      },
    );
    expect(duplicate.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('never shows internals in an error', async () => {
    const response = await admin.request('{ patients(first: 1000) { totalCount } }');
    expect(response.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'first' });
    expect(JSON.stringify(response)).not.toMatch(/stack|node_modules|at .*\.ts/);
  });
});

describe('patients', () => {
  it('are found by name, MRN and email, and archived rather than erased', async () => {
    const patient = await aPatient(admin, {
      givenName: 'Florence',
      familyName: 'Nightingale',
      email: 'florence@example.org',
    });
    for (const search of ['nightin', patient.mrn, 'FLORENCE@example.org']) {
      const data = await admin.data<{ patients: { edges: { node: { id: string } }[] } }>(
        'query($search: String) { patients(search: $search) { edges { node { id } } } }',
        { search },
      );
      expect(data.patients.edges.map((edge) => edge.node.id)).toContain(patient.id);
    }
    const archived = await admin.data<{ deletePatient: { active: boolean; archivedAt: string } }>(
      'mutation($id: ID!) { deletePatient(id: $id) { active archivedAt } }',
      { id: patient.id },
    );
    expect(archived.deletePatient.active).toBe(false);
    const stillThere = await admin.data<{ patient: { id: string } | null }>(
      'query($id: ID!) { patient(id: $id) { id } }',
      { id: patient.id },
    );
    expect(stillThere.patient?.id).toBe(patient.id);
  });

  it('page through with cursors, every patient once', async () => {
    for (let index = 0; index < 5; index++) await aPatient(admin, { familyName: `Paged${index}` });
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const data: {
        patients: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
      } = await admin.data(
        'query($after: String) { patients(first: 2, after: $after, includeArchived: true) { edges { node { id } } pageInfo { hasNextPage endCursor } } }',
        { after },
      );
      seen.push(...data.patients.edges.map((edge) => edge.node.id));
      if (!data.patients.pageInfo.hasNextPage) break;
      after = data.patients.pageInfo.endCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    const total = await admin.data<{ patients: { totalCount: number } }>(
      '{ patients(includeArchived: true) { totalCount } }',
    );
    expect(seen).toHaveLength(total.patients.totalCount);
  });
});

describe('totalCount of all patients, from the tally the triggers keep', () => {
  /** The two totals as the graph answers them, and as counting the table does. */
  const totals = async () => {
    const answered = await admin.data<{ active: { totalCount: number }; all: { totalCount: number } }>(
      '{ active: patients { totalCount } all: patients(includeArchived: true) { totalCount } }',
    );
    const orm = subgraphOf(graph, 'patients').runtime.orm;
    const [row] = await orm.em
      .fork()
      .execute<{ active: string; all: string }[]>(
        'select count(*) filter (where archived_at is null) as active, count(*) as all from patients.patient',
      );
    return {
      answered: { active: answered.active.totalCount, all: answered.all.totalCount },
      counted: { active: Number(row!.active), all: Number(row!.all) },
    };
  };

  it('stays exact through concurrent registrations, archiving and a deletion', async () => {
    const before = await totals();
    expect(before.answered).toEqual(before.counted);
    const registered = await Promise.all(
      Array.from({ length: 40 }, (_, index) => aPatient(admin, { familyName: `Tally${index}` })),
    );
    await Promise.all(
      registered
        .slice(0, 10)
        .map((patient) => admin.data('mutation($id: ID!) { deletePatient(id: $id) { id } }', { id: patient.id })),
    );
    // Archiving twice changes nothing; a row removed by hand (an operator's fix) is counted out too.
    await admin.request('mutation($id: ID!) { deletePatient(id: $id) { id } }', { id: registered[0]!.id });
    const orm = subgraphOf(graph, 'patients').runtime.orm;
    await orm.em.fork().execute('delete from patients.patient_identifier where patient_id = ?', [registered[39]!.id]);
    await orm.em.fork().execute('delete from patients.patient where id = ?', [registered[39]!.id]);
    const after = await totals();
    expect(after.answered).toEqual(after.counted);
    expect(after.answered).toEqual({ active: before.answered.active + 29, all: before.answered.all + 39 });
  });
});

describe('requests that are not GraphQL', () => {
  it('answers a malformed body and an unknown path with JSON errors and no stack trace', async () => {
    const malformed = await fetch(graph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": ',
    });
    expect(malformed.status).toBe(400);
    const body = await malformed.text();
    expect(JSON.parse(body)).toEqual({
      errors: [{ message: 'The request is malformed.', extensions: { code: 'BAD_REQUEST' } }],
    });
    expect(body).not.toMatch(/SyntaxError|node_modules/);
    const unknown = await fetch(`${gatewayBase()}/admin`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ errors: [{ extensions: { code: 'NOT_FOUND' } }] });
  });

  it('refuses a cursor that this list did not return', async () => {
    const forged = Buffer.from(JSON.stringify(["x'; drop table patient; --"])).toString('base64url');
    const response = await admin.request('query($after: String) { patients(after: $after) { totalCount } }', {
      after: forged,
    });
    expect(response.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});
