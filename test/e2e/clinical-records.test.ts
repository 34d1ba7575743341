/**
 * Clinical records through the gateway (SPEC §2, §5, §6): a doctor prescribes and writes record entries for the
 * patient of their checked-in appointment; the patient and that doctor read them; a doctor without a care
 * relationship, a receptionist, a billing clerk, an admin and another patient get `FORBIDDEN` on every clinical
 * field, through the gateway and through the `_entities` lookups subgraphs answer; and every clinical read raises
 * exactly one `PatientRecordAccessed` naming who, whose and what.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { INTERNAL_TOKEN_HEADER, signInternalToken } from '../../platform/auth/internal-token.ts';
import type { Principal } from '../../platform/auth/principal.ts';
import type { EventEnvelope } from '../../platform/events/envelope.ts';
import type { GraphClient, GraphResponse } from '../../platform/graphql/client.ts';
import { eventually, startTestGraph, type TestGraph } from '../../platform/testing/graph.ts';
import {
  aDepartment,
  aDoctorWithAccount,
  aSignedUpPatient,
  aStaffMember,
  BOOK,
  captureEvents,
  slotAt,
} from '../builders.ts';

interface Caller {
  name: string;
  client: GraphClient;
  principal: Principal;
}

let graph: TestGraph;
let patient: Caller & { patientId: string };
let careDoctor: Caller & { doctorId: string };
let outsiders: Caller[];
let appointmentId: string;
let prescriptionId: string;
let diagnosisId: string;
let correctionId: string;
let accessEvents: EventEnvelope[];

const ISSUE = `mutation($input: IssuePrescriptionInput!) {
  issuePrescription(input: $input) { id medicationText patient { id } doctor { id } appointment { id } }
}`;
const ADD_ENTRY = `mutation($input: AddMedicalRecordEntryInput!) {
  addMedicalRecordEntry(input: $input) { id kind current supersedes { id } }
}`;

/** Every read of clinical data the graph offers, with the ids it exposes when allowed. */
const CLINICAL_READS: { name: string; query: string; variables: () => Record<string, unknown> }[] = [
  {
    name: 'prescription(id)',
    query: 'query($id: ID!) { prescription(id: $id) { id medicationText dose { value unit } } }',
    variables: () => ({ id: prescriptionId }),
  },
  {
    name: 'medicalRecordEntry(id)',
    query: 'query($id: ID!) { medicalRecordEntry(id: $id) { id kind data code { system code } } }',
    variables: () => ({ id: diagnosisId }),
  },
  {
    name: 'Patient.prescriptions',
    query: 'query($id: ID!) { patient(id: $id) { id prescriptions { edges { node { id medicationText } } } } }',
    variables: () => ({ id: patient.patientId }),
  },
  {
    name: 'Patient.medicalRecords',
    query: `query($id: ID!) { patient(id: $id) { id medicalRecords(filter: { includeSuperseded: true }) {
      edges { node { id data } } } } }`,
    variables: () => ({ id: patient.patientId }),
  },
  {
    name: 'Appointment.prescriptions',
    query: 'query($id: ID!) { appointment(id: $id) { id prescriptions { id medicationText } } }',
    variables: () => ({ id: appointmentId }),
  },
  {
    name: 'MedicalRecordEntry.supersedes',
    query: 'query($id: ID!) { medicalRecordEntry(id: $id) { id supersedes { id data } } }',
    variables: () => ({ id: correctionId }),
  },
];

/** `_entities` lookups a subgraph answers for the gateway, and the id each one would expose. */
const ENTITY_LOOKUPS: { name: string; subgraph: string; query: string; variables: () => Record<string, unknown> }[] = [
  {
    name: 'Prescription',
    subgraph: 'prescriptions',
    query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Prescription { id medicationText } } }',
    variables: () => ({ r: [{ __typename: 'Prescription', id: prescriptionId }] }),
  },
  {
    name: 'MedicalRecordEntry',
    subgraph: 'prescriptions',
    query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on MedicalRecordEntry { id data } } }',
    variables: () => ({ r: [{ __typename: 'MedicalRecordEntry', id: diagnosisId }] }),
  },
  {
    name: 'Patient.prescriptions',
    subgraph: 'prescriptions',
    query: `query($r: [_Any!]!) { _entities(representations: $r) {
      ... on Patient { prescriptions { edges { node { id } } } } } }`,
    variables: () => ({ r: [{ __typename: 'Patient', id: patient.patientId }] }),
  },
  {
    name: 'Patient.medicalRecords',
    subgraph: 'prescriptions',
    query: `query($r: [_Any!]!) { _entities(representations: $r) {
      ... on Patient { medicalRecords { edges { node { id } } } } } }`,
    variables: () => ({ r: [{ __typename: 'Patient', id: patient.patientId }] }),
  },
  {
    name: 'Appointment.prescriptions',
    subgraph: 'prescriptions',
    query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Appointment { prescriptions { id } } } }',
    variables: () => ({ r: [{ __typename: 'Appointment', id: appointmentId }] }),
  },
];

/** Sends `query` to a subgraph as the gateway would forward it for `principal`. */
async function subgraphRequest(
  subgraph: string,
  principal: Principal,
  query: string,
  variables: Record<string, unknown>,
): Promise<GraphResponse> {
  const response = await fetch(graph.subgraphUrls[subgraph]!, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [INTERNAL_TOKEN_HEADER]: signInternalToken(graph.internalTokenSecret, {
        principal,
        correlationId: `entities-${randomUUID()}`,
      }),
    },
    body: JSON.stringify({ query, variables }),
  });
  return { ...((await response.json()) as object), status: response.status };
}

const codesOf = (response: GraphResponse) => (response.errors ?? []).map((error) => error.extensions?.code);

/** The ids a response discloses: none of the clinical ones may appear in a refused read. */
const disclosed = (response: GraphResponse) => JSON.stringify(response.data ?? null);

/** The access events raised by the request that carried `correlationId`. */
const accessEventsOf = (correlationId: string) => accessEvents.filter((event) => event.correlationId === correlationId);

/** Runs `query` with a correlation id of its own and waits for its access events to settle. */
async function readAndCollect(caller: Caller, query: string, variables: Record<string, unknown>, expected: number) {
  const correlationId = `clinical-${randomUUID()}`;
  const response = await caller.client.request(query, variables, { 'x-correlation-id': correlationId });
  expect(response.errors).toBeUndefined();
  await eventually(async () => accessEventsOf(correlationId).length >= expected);
  // Anything more than expected would arrive in the same relay rounds; give them time to show.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return accessEventsOf(correlationId);
}

beforeAll(async () => {
  graph = await startTestGraph();
  const admin = await graph.admin();
  accessEvents = await captureEvents(graph, 'access-events');
  const department = await aDepartment(admin);
  const doctorOfRecord = await aDoctorWithAccount(graph, admin, department.id);
  const unrelatedDoctor = await aDoctorWithAccount(graph, admin, department.id);
  const signedUp = await aSignedUpPatient(graph);
  const stranger = await aSignedUpPatient(graph);
  const reception = await aStaffMember(admin, ['RECEPTION']);
  const billing = await aStaffMember(admin, ['BILLING']);
  const adminMe = await admin.data<{ me: { id: string } }>('{ me { id } }');

  patient = {
    name: 'the patient',
    client: signedUp.client,
    principal: { userId: signedUp.userId, roles: ['PATIENT'], patientId: signedUp.patientId },
    patientId: signedUp.patientId,
  };
  careDoctor = {
    name: 'their doctor',
    client: doctorOfRecord.client,
    principal: { userId: randomUUID(), roles: ['DOCTOR'], doctorId: doctorOfRecord.id },
    doctorId: doctorOfRecord.id,
  };
  outsiders = [
    {
      name: 'a doctor without a care relationship',
      client: unrelatedDoctor.client,
      principal: { userId: randomUUID(), roles: ['DOCTOR'], doctorId: unrelatedDoctor.id },
    },
    { name: 'a receptionist', client: reception.client, principal: { userId: reception.userId, roles: ['RECEPTION'] } },
    { name: 'a billing clerk', client: billing.client, principal: { userId: billing.userId, roles: ['BILLING'] } },
    { name: 'an admin', client: admin, principal: { userId: adminMe.me.id, roles: ['ADMIN'] } },
    {
      name: 'another patient',
      client: stranger.client,
      principal: { userId: stranger.userId, roles: ['PATIENT'], patientId: stranger.patientId },
    },
  ];

  await eventually(async () => {
    const booked = await signedUp.client.request<{ bookAppointment: { id: string } }>(BOOK, {
      input: {
        patientId: signedUp.patientId,
        doctorId: doctorOfRecord.id,
        departmentId: department.id,
        startsAt: slotAt(3, 10),
      },
    });
    appointmentId = booked.data?.bookAppointment.id ?? '';
    return appointmentId !== '';
  });
  await doctorOfRecord.client.data('mutation($id: ID!) { acceptAppointment(id: $id) { id } }', { id: appointmentId });
  await reception.client.data('mutation($id: ID!) { checkInAppointment(id: $id) { id } }', { id: appointmentId });

  // The prescriptions subgraph learns of the check-in from `appointment-events`.
  const issued = await eventually(async () => {
    const response = await doctorOfRecord.client.request<{ issuePrescription: { id: string } }>(ISSUE, {
      input: {
        appointmentId,
        medicationText: 'Amoxicillin 500 MG Oral Tablet',
        dose: { value: 500, unit: 'mg' },
        timesPerDay: 3,
        durationDays: 7,
        instructions: 'After meals',
      },
    });
    return response.data?.issuePrescription;
  });
  prescriptionId = issued.id;
  const diagnosis = await doctorOfRecord.client.data<{ addMedicalRecordEntry: { id: string } }>(ADD_ENTRY, {
    input: {
      patientId: signedUp.patientId,
      appointmentId,
      kind: 'DIAGNOSIS',
      code: { system: 'ICD_10', code: 'J02.9', display: 'Acute pharyngitis, unspecified' },
      data: { clinicalStatus: 'active' },
    },
  });
  diagnosisId = diagnosis.addMedicalRecordEntry.id;
  const correction = await doctorOfRecord.client.data<{ addMedicalRecordEntry: { id: string } }>(ADD_ENTRY, {
    input: {
      patientId: signedUp.patientId,
      appointmentId,
      kind: 'DIAGNOSIS',
      code: { system: 'ICD_10', code: 'J03.90', display: 'Acute tonsillitis, unspecified' },
      data: { clinicalStatus: 'active', note: 'Corrected after examination of the tonsils.' },
      supersedesId: diagnosisId,
    },
  });
  correctionId = correction.addMedicalRecordEntry.id;
});

afterAll(async () => {
  await graph?.stop();
});

describe('writing clinical records', () => {
  it('records the prescription for the patient of the appointment, by its doctor', async () => {
    const read = await careDoctor.client.data<{
      prescription: { patient: { id: string }; doctor: { id: string }; appointment: { id: string } };
    }>('query($id: ID!) { prescription(id: $id) { patient { id } doctor { id } appointment { id } } }', {
      id: prescriptionId,
    });
    expect(read.prescription).toEqual({
      patient: { id: patient.patientId },
      doctor: { id: careDoctor.doctorId },
      appointment: { id: appointmentId },
    });
  });

  it('keeps a corrected entry readable and links it to its correction', async () => {
    const read = await patient.client.data<{
      patient: { medicalRecords: { edges: { node: { id: string; current: boolean } }[] } };
      original: { current: boolean; supersededBy: { id: string } };
    }>(
      `query($id: ID!, $entry: ID!) {
        patient(id: $id) { medicalRecords { edges { node { id current } } } }
        original: medicalRecordEntry(id: $entry) { current supersededBy { id } }
      }`,
      { id: patient.patientId, entry: diagnosisId },
    );
    expect(read.patient.medicalRecords.edges.map((edge) => edge.node)).toEqual([{ id: correctionId, current: true }]);
    expect(read.original).toEqual({ current: false, supersededBy: { id: correctionId } });
  });

  it('refuses a second correction of the same entry', async () => {
    const again = await careDoctor.client.request(ADD_ENTRY, {
      input: {
        patientId: patient.patientId,
        kind: 'DIAGNOSIS',
        code: { system: 'ICD_10', code: 'J02.0' },
        data: { clinicalStatus: 'active' },
        supersedesId: diagnosisId,
      },
    });
    expect(codesOf(again)).toEqual(['CONFLICT']);
  });

  it('refuses prescriptions and entries from anyone but the doctor of the appointment', async () => {
    for (const outsider of outsiders) {
      const prescription = await outsider.client.request(ISSUE, {
        input: {
          appointmentId,
          medicationText: 'Ibuprofen',
          dose: { value: 1, unit: 'g' },
          timesPerDay: 1,
          durationDays: 1,
        },
      });
      expect({ who: outsider.name, codes: codesOf(prescription) }).toEqual({
        who: outsider.name,
        codes: ['FORBIDDEN'],
      });
      const entry = await outsider.client.request(ADD_ENTRY, {
        input: { patientId: patient.patientId, kind: 'VITALS', data: { heartRateBpm: 70 } },
      });
      expect({ who: outsider.name, codes: codesOf(entry) }).toEqual({ who: outsider.name, codes: ['FORBIDDEN'] });
    }
  });

  it('refuses bad doses and durations with BAD_USER_INPUT', async () => {
    for (const change of [
      { dose: { value: 0, unit: 'mg' } },
      { dose: { value: 500, unit: '' } },
      { timesPerDay: 25 },
      { durationDays: 0 },
      { durationDays: 366 },
    ]) {
      const response = await careDoctor.client.request(ISSUE, {
        input: {
          appointmentId,
          medicationText: 'Paracetamol 500 MG Oral Tablet',
          dose: { value: 500, unit: 'mg' },
          timesPerDay: 3,
          durationDays: 5,
          ...change,
        },
      });
      expect({ change, codes: codesOf(response) }).toEqual({ change, codes: ['BAD_USER_INPUT'] });
    }
  });
});

describe('reading clinical records', () => {
  it.each(CLINICAL_READS.map((read) => [read.name, read] as const))(
    '%s: the patient and their doctor read it',
    async (_name, read) => {
      for (const caller of [patient, careDoctor]) {
        const response = await caller.client.request(read.query, read.variables());
        expect({ who: caller.name, errors: response.errors }).toEqual({ who: caller.name, errors: undefined });
        expect(disclosed(response)).toMatch(/"id":"/);
      }
    },
  );

  it.each(CLINICAL_READS.map((read) => [read.name, read] as const))(
    '%s: everyone else gets FORBIDDEN',
    async (_name, read) => {
      for (const outsider of outsiders) {
        const response = await outsider.client.request(read.query, read.variables());
        expect({ who: outsider.name, codes: codesOf(response) }).toEqual({ who: outsider.name, codes: ['FORBIDDEN'] });
        for (const id of [prescriptionId, diagnosisId, correctionId]) expect(disclosed(response)).not.toContain(id);
      }
    },
  );

  it('shows a patient profile only to staff readers, the patient and their doctors', async () => {
    const query = 'query($id: ID!) { patient(id: $id) { id familyName } }';
    for (const caller of [patient, careDoctor, ...outsiders.slice(1, 4)]) {
      const response = await caller.client.request(query, { id: patient.patientId });
      expect({ who: caller.name, errors: response.errors }).toEqual({ who: caller.name, errors: undefined });
    }
    for (const outsider of [outsiders[0]!, outsiders[4]!]) {
      const response = await outsider.client.request(query, { id: patient.patientId });
      expect({ who: outsider.name, codes: codesOf(response) }).toEqual({ who: outsider.name, codes: ['FORBIDDEN'] });
    }
  });

  it.each(ENTITY_LOOKUPS.map((lookup) => [lookup.name, lookup] as const))(
    '_entities %s: refused to everyone else, answered for the patient and their doctor',
    async (_name, lookup) => {
      for (const outsider of outsiders) {
        const response = await subgraphRequest(lookup.subgraph, outsider.principal, lookup.query, lookup.variables());
        expect({ who: outsider.name, codes: codesOf(response) }).toEqual({ who: outsider.name, codes: ['FORBIDDEN'] });
        for (const id of [prescriptionId, diagnosisId, correctionId]) expect(disclosed(response)).not.toContain(id);
      }
      for (const caller of [patient, careDoctor]) {
        const response = await subgraphRequest(lookup.subgraph, caller.principal, lookup.query, lookup.variables());
        expect({ who: caller.name, errors: response.errors }).toEqual({ who: caller.name, errors: undefined });
      }
    },
  );

  it('_entities Patient on the patients subgraph: refused to a doctor without a care relationship and another patient', async () => {
    const query = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Patient { id familyName } } }';
    const variables = { r: [{ __typename: 'Patient', id: patient.patientId }] };
    for (const outsider of [outsiders[0]!, outsiders[4]!]) {
      const response = await subgraphRequest('patients', outsider.principal, query, variables);
      expect({ who: outsider.name, codes: codesOf(response) }).toEqual({ who: outsider.name, codes: ['FORBIDDEN'] });
    }
  });
});

describe('access events', () => {
  it('raises exactly one PatientRecordAccessed per clinical read, naming who, whose and what', async () => {
    const cases: { read: string; expected: { resourceType: string; resourceIds: string[] }[] }[] = [
      { read: 'prescription(id)', expected: [{ resourceType: 'Prescription', resourceIds: [prescriptionId] }] },
      {
        read: 'medicalRecordEntry(id)',
        expected: [{ resourceType: 'MedicalRecordEntry', resourceIds: [diagnosisId] }],
      },
      {
        read: 'Patient.prescriptions',
        expected: [
          { resourceType: 'Patient', resourceIds: [patient.patientId] },
          { resourceType: 'Prescription', resourceIds: [prescriptionId] },
        ],
      },
      {
        read: 'Patient.medicalRecords',
        expected: [
          { resourceType: 'Patient', resourceIds: [patient.patientId] },
          { resourceType: 'MedicalRecordEntry', resourceIds: [diagnosisId, correctionId].sort() },
        ],
      },
      {
        read: 'MedicalRecordEntry.supersedes',
        expected: [{ resourceType: 'MedicalRecordEntry', resourceIds: [diagnosisId, correctionId].sort() }],
      },
    ];
    for (const caller of [careDoctor, patient]) {
      for (const { read, expected } of cases) {
        const operation = CLINICAL_READS.find((candidate) => candidate.name === read)!;
        const events = await readAndCollect(caller, operation.query, operation.variables(), expected.length);
        const described = events
          .map((event) => ({
            type: event.type,
            aggregateId: event.aggregateId,
            actorRoles: event.actor.roles,
            patientId: event.payload.patientId,
            resourceType: event.payload.resourceType,
            resourceIds: event.payload.resourceIds,
            action: event.payload.action,
          }))
          .sort((a, b) => String(a.resourceType).localeCompare(String(b.resourceType)));
        expect({ read, who: caller.name, events: described }).toEqual({
          read,
          who: caller.name,
          events: [...expected]
            .sort((a, b) => a.resourceType.localeCompare(b.resourceType))
            .map((what) => ({
              type: 'PatientRecordAccessed',
              aggregateId: patient.patientId,
              actorRoles: caller.principal.roles,
              patientId: patient.patientId,
              ...what,
              action: 'READ',
            })),
        });
        for (const event of events) expect(event.actor.userId).toEqual(expect.any(String));
      }
    }
    // Who: the patient's own reads carry the patient's user id.
    const mine = accessEvents.filter((event) => event.actor.roles.includes('PATIENT'));
    expect(mine.length).toBeGreaterThan(0);
    expect(new Set(mine.map((event) => event.actor.userId))).toContain(patient.principal.userId);
  });

  it('records a read of the patient profile by a receptionist as one event', async () => {
    const receptionist = outsiders[1]!;
    const events = await readAndCollect(
      receptionist,
      'query($id: ID!) { patient(id: $id) { familyName birthDate } }',
      { id: patient.patientId },
      1,
    );
    expect(events.map((event) => [event.actor.userId, event.payload.resourceType, event.payload.resourceIds])).toEqual([
      [receptionist.principal.userId, 'Patient', [patient.patientId]],
    ]);
  });

  it('records a refused read as DENIED, disclosing nothing of the record', async () => {
    const correlationId = `refused-${randomUUID()}`;
    const outsider = outsiders[0]!;
    const response = await outsider.client.request(
      'query($id: ID!) { prescription(id: $id) { id } }',
      { id: prescriptionId },
      { 'x-correlation-id': correlationId },
    );
    expect(codesOf(response)).toEqual(['FORBIDDEN']);
    await eventually(async () => accessEventsOf(correlationId).length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const events = accessEventsOf(correlationId);
    expect(events.map((event) => ({ type: event.type, roles: event.actor.roles, payload: event.payload }))).toEqual([
      {
        type: 'PatientRecordAccessed',
        roles: outsider.principal.roles,
        payload: expect.objectContaining({
          action: 'READ',
          outcome: 'DENIED',
          resourceType: 'Prescription',
          resourceIds: [],
          field: 'Query.prescription',
          errorCode: 'FORBIDDEN',
          // The request named the prescription, not the patient: a refused read tells the log nothing more.
          patientId: null,
        }),
      },
    ]);
  });
});
