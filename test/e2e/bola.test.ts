/**
 * Broken object-level authorization (OWASP API1): patient A tries to read or change what belongs to patient B
 * through every path — root fields, nested fields, and the `_entities` lookups subgraphs answer for one another —
 * and gets nothing of B's.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { INTERNAL_TOKEN_HEADER, signInternalToken } from '../../platform/auth/internal-token.ts';
import type { Principal } from '../../platform/auth/principal.ts';
import type { GraphClient, GraphResponse } from '../../platform/graphql/client.ts';
import { startTestGraph, type TestGraph } from '../../platform/testing/graph.ts';
import { aDepartment, aDoctor, aSignedUpPatient, BOOK, slotAt, untilBookable } from '../builders.ts';

let graph: TestGraph;
let alice: { client: GraphClient; patientId: string; userId: string };
let bob: { client: GraphClient; patientId: string; userId: string };
let bobsAppointment: { id: string; startsAt: string };
const BOBS_SECRETS = { familyName: 'Bobsecret', phone: '+14025550199' };
const responses: GraphResponse[] = [];

beforeAll(async () => {
  graph = await startTestGraph();
  const admin = await graph.admin();
  const department = await aDepartment(admin);
  const doctor = await aDoctor(admin, department.id);
  alice = await aSignedUpPatient(graph);
  bob = await aSignedUpPatient(graph);
  await bob.client.data(
    'mutation($id: ID!, $phone: String) { updatePatient(id: $id, input: { phone: $phone }) { id } }',
    {
      id: bob.patientId,
      phone: BOBS_SECRETS.phone,
    },
  );
  await admin.data(
    'mutation($id: ID!, $name: String) { updatePatient(id: $id, input: { familyName: $name }) { id } }',
    {
      id: bob.patientId,
      name: BOBS_SECRETS.familyName,
    },
  );
  await untilBookable(graph, { doctorIds: [doctor.id] });
  const startsAt = slotAt(9, 11);
  const booked = await bob.client.data<{ bookAppointment: { id: string } }>(BOOK, {
    input: { patientId: bob.patientId, doctorId: doctor.id, departmentId: department.id, startsAt },
  });
  bobsAppointment = { id: booked.bookAppointment.id, startsAt };
  await alice.client.data(BOOK, {
    input: { patientId: alice.patientId, doctorId: doctor.id, departmentId: department.id, startsAt: slotAt(9, 14) },
  });
});
afterAll(async () => {
  await graph?.stop();
});

/** Records a response for the final leak count and returns it. */
function seen(response: GraphResponse): GraphResponse {
  responses.push(response);
  return response;
}

async function asAlice(query: string, variables: Record<string, unknown> = {}): Promise<GraphResponse> {
  return seen(await alice.client.request(query, variables));
}

/** A request to a subgraph as the gateway would forward one of Alice's, including `_entities` lookups. */
async function subgraphAsAlice(
  subgraph: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<GraphResponse> {
  const principal: Principal = { userId: alice.userId, roles: ['PATIENT'], patientId: alice.patientId };
  const response = await fetch(graph.subgraphUrls[subgraph]!, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [INTERNAL_TOKEN_HEADER]: signInternalToken(graph.internalTokenSecret, { principal, correlationId: 'bola-test' }),
    },
    body: JSON.stringify({ query, variables }),
  });
  return seen({ ...((await response.json()) as object), status: response.status });
}

const forbidden = (response: GraphResponse) => response.errors?.[0]?.extensions?.code;

describe("patient A reaching for patient B's data", () => {
  it('is refused on every root field that names B', async () => {
    const attempts = [
      asAlice('query($id: ID!) { patient(id: $id) { id familyName phone } }', { id: bob.patientId }),
      asAlice('mutation($id: ID!) { updatePatient(id: $id, input: { phone: "+14025550100" }) { id } }', {
        id: bob.patientId,
      }),
      asAlice('mutation($id: ID!) { deletePatient(id: $id) { id } }', { id: bob.patientId }),
      asAlice('query($id: ID!) { appointment(id: $id) { id startsAt patient { id } } }', { id: bobsAppointment.id }),
      asAlice('query($id: ID) { appointments(filter: { patientId: $id }) { edges { node { id startsAt } } } }', {
        id: bob.patientId,
      }),
      asAlice('mutation($id: ID!) { cancelAppointment(id: $id) { id status } }', { id: bobsAppointment.id }),
      asAlice('query($v: [String!]!) { patientsByIdentifier(system: "any", values: $v) { id } }', { v: ['x'] }),
      asAlice('query($s: String) { patients(search: $s) { edges { node { id } } } }', { s: BOBS_SECRETS.familyName }),
    ];
    for (const response of await Promise.all(attempts)) expect(forbidden(response)).toBe('FORBIDDEN');
    const booking = await asAlice(BOOK, {
      input: {
        patientId: bob.patientId,
        doctorId: '0192f000-0000-7000-8000-000000000000',
        departmentId: '0192f000-0000-7000-8000-000000000000',
        startsAt: slotAt(9, 12),
      },
    });
    expect(forbidden(booking)).toBe('FORBIDDEN');
  });

  it('sees only their own objects in nested fields', async () => {
    const response = await asAlice('{ me { patientId } appointments { edges { node { id patient { id } } } } }');
    expect(response.errors).toBeUndefined();
    const patientIds = (
      response.data as { appointments: { edges: { node: { patient: { id: string } } }[] } }
    ).appointments.edges.map((edge) => edge.node.patient.id);
    expect(patientIds).toEqual([alice.patientId]);
  });

  it('is refused on _entities lookups for B in every subgraph that answers them', async () => {
    const lookups = [
      subgraphAsAlice(
        'patients',
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Patient { id familyName phone } } }',
        {
          r: [{ __typename: 'Patient', id: bob.patientId }],
        },
      ),
      subgraphAsAlice(
        'appointments',
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Appointment { id startsAt } } }',
        {
          r: [{ __typename: 'Appointment', id: bobsAppointment.id }],
        },
      ),
      subgraphAsAlice(
        'appointments',
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Patient { appointments { edges { node { id startsAt } } } } } }',
        { r: [{ __typename: 'Patient', id: bob.patientId }] },
      ),
    ];
    for (const response of await Promise.all(lookups)) {
      expect(response.status).toBe(200);
      expect(forbidden(response)).toBe('FORBIDDEN');
    }
  });

  it('leaks nothing of B in any answer', () => {
    const text = JSON.stringify(responses);
    const leaks = [
      BOBS_SECRETS.familyName,
      BOBS_SECRETS.phone,
      bobsAppointment.id,
      bobsAppointment.startsAt.slice(0, 19),
    ].filter((secret) => text.includes(secret));
    expect(responses.length).toBeGreaterThanOrEqual(12);
    expect(leaks).toEqual([]);
  });
});
