/**
 * Audit coverage by construction (SPEC §8): every mutation of the supergraph and every field that reads clinical data
 * leaves its entry in the audit log, found through `auditEvents` by the correlation id of the request that caused
 * it. The mutations and the clinical fields are enumerated from the schema, so a new one fails this test until it is
 * covered: each mutation is tried with arguments generated from its signature, by an anonymous caller and by a fresh
 * patient (refusals, failures and successes alike must be recorded, with the outcome the caller saw), and each
 * clinical field is read by someone who may read it or by someone refused at that very field.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  Kind,
  parse,
  type GraphQLInputType,
  type GraphQLObjectType,
  type ObjectTypeDefinitionNode,
} from 'graphql';
import { API_SCHEMA_PATH } from '../../gateway/api-schema.ts';
import type { GraphClient, GraphResponse } from '../../platform/graphql/client.ts';
import { eventually, startTestGraph, type TestGraph } from '../../platform/testing/graph.ts';
import { SUPERGRAPH_PATH } from '../../schema/catalog.ts';
import {
  aDepartment,
  aDoctorWithAccount,
  aSignedUpPatient,
  aStaffMember,
  BOOK,
  slotAt,
  untilBillable,
} from '../builders.ts';

const api = buildSchema(readFileSync(API_SCHEMA_PATH, 'utf8'));

/** The types marked `@clinical` in the composed supergraph. */
const CLINICAL_TYPES = new Set(
  parse(readFileSync(SUPERGRAPH_PATH, 'utf8'))
    .definitions.filter(
      (definition): definition is ObjectTypeDefinitionNode =>
        definition.kind === Kind.OBJECT_TYPE_DEFINITION &&
        (definition.directives ?? []).some((directive) => directive.name.value === 'clinical'),
    )
    .map((definition) => definition.name.value),
);

/** The clinical type a field returns: itself, or the node of a connection of it. */
function clinicalTypeOf(type: ReturnType<typeof getNamedType>): string | undefined {
  if (!isObjectType(type)) return undefined;
  if (CLINICAL_TYPES.has(type.name)) return type.name;
  const edges = type.getFields().edges;
  const edge = edges ? getNamedType(edges.type) : undefined;
  const node = edge && isObjectType(edge) ? edge.getFields().node : undefined;
  const nodeType = node ? getNamedType(node.type) : undefined;
  return nodeType && CLINICAL_TYPES.has(nodeType.name) ? nodeType.name : undefined;
}

/** Every `Type.field` of the client schema that returns clinical data. */
const CLINICAL_FIELDS = Object.values(api.getTypeMap())
  .filter((type): type is GraphQLObjectType => isObjectType(type) && !type.name.startsWith('__'))
  .filter((type) => type !== api.getMutationType() && type !== api.getSubscriptionType())
  .flatMap((type) =>
    Object.values(type.getFields())
      .filter((field) => clinicalTypeOf(getNamedType(field.type)))
      .map((field) => `${type.name}.${field.name}`),
  )
  .sort();

const MUTATIONS = Object.values(api.getMutationType()!.getFields());

/** A value of `type` that coerces (the operation may still refuse it: that is recorded too). */
function placeholder(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return placeholder(type.ofType);
  if (isListType(type)) return [placeholder(type.ofType)];
  if (isEnumType(type)) return type.getValues()[0]!.value;
  if (isInputObjectType(type)) {
    return Object.fromEntries(
      Object.values(type.getFields())
        .filter((field) => isNonNullType(field.type) && field.defaultValue === undefined)
        .map((field) => [field.name, placeholder(field.type)]),
    );
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'ID':
        return randomUUID();
      case 'Int':
      case 'Float':
        return 1;
      case 'Boolean':
        return true;
      case 'DateTime':
        return '2030-01-07T10:00:00Z';
      case 'Date':
        return '2030-01-07';
      case 'JSON':
        return {};
      default:
        return 'coverage';
    }
  }
  throw new Error(`no placeholder for ${String(type)}`);
}

/** The document and variables of mutation `field`, with generated arguments. */
function mutationCall(field: (typeof MUTATIONS)[number]): { query: string; variables: Record<string, unknown> } {
  const definitions = field.args.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
  const args = field.args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const selection = isObjectType(getNamedType(field.type)) ? ' { __typename }' : '';
  return {
    query: `mutation Coverage${definitions ? `(${definitions})` : ''} { ${field.name}${args ? `(${args})` : ''}${selection} }`,
    variables: Object.fromEntries(field.args.map((arg) => [arg.name, placeholder(arg.type)])),
  };
}

interface AuditEntry {
  eventType: string;
  action: string;
  outcome: string;
  resourceType: string | null;
  details: { field?: string; errorCode?: string | null } | null;
}

let graph: TestGraph;
let admin: GraphClient;

/** Sends `query` with a correlation id of its own and returns the response and that id. */
async function traced(client: GraphClient, query: string, variables: Record<string, unknown> = {}) {
  const correlationId = `coverage-${randomUUID()}`;
  const response = await client.request(query, variables, {
    'x-correlation-id': correlationId,
    'idempotency-key': randomUUID(),
  });
  return { response, correlationId };
}

/** The audit entries of one request, once `predicate` finds what it waits for (or after 15 s: then it fails). */
async function entriesOf(correlationId: string, predicate: (entries: AuditEntry[]) => boolean): Promise<AuditEntry[]> {
  let last: AuditEntry[] = [];
  try {
    return await eventually(async () => {
      const data = await admin.data<{ auditEvents: { edges: { node: AuditEntry }[] } }>(
        `query($filter: AuditEventFilter) { auditEvents(filter: $filter, first: 100) {
          edges { node { eventType action outcome resourceType details } } } }`,
        { filter: { correlationId } },
      );
      last = data.auditEvents.edges.map((edge) => edge.node);
      return predicate(last) ? last : undefined;
    });
  } catch {
    return last;
  }
}

/** The outcome the caller saw: what the audit entry must say. */
function outcomeSeen(response: GraphResponse): string {
  const code = response.errors?.[0]?.extensions?.code;
  if (!code) return 'SUCCESS';
  return code === 'FORBIDDEN' || code === 'UNAUTHENTICATED' ? 'DENIED' : 'FAILED';
}

beforeAll(async () => {
  graph = await startTestGraph();
  admin = await graph.admin();
});
afterAll(async () => {
  await graph?.stop();
});

describe('every mutation of the supergraph leaves an audit entry with its outcome', () => {
  it('enumerates the mutations of the client schema', () => {
    expect(MUTATIONS.length).toBeGreaterThan(40);
  });

  it.each(MUTATIONS.map((field) => [field.name, field] as const))('%s', async (name, field) => {
    const { query, variables } = mutationCall(field);
    // A fresh patient each time: a mutation may end the caller's session (signOut, changePassword).
    const patient = await aSignedUpPatient(graph);
    for (const [who, client] of [
      ['anonymous', graph.client],
      ['a patient', patient.client],
    ] as const) {
      const { response, correlationId } = await traced(client, query, variables);
      // A request the gateway refuses outright (no subgraph ran) is not a mutation that was attempted.
      expect({ who, status: response.status }).toEqual({ who, status: 200 });
      const outcome = outcomeSeen(response);
      const entries = await entriesOf(correlationId, (found) =>
        found.some((entry) => entry.eventType === 'OperationPerformed' && entry.details?.field === name),
      );
      const entry = entries.find((candidate) => candidate.eventType === 'OperationPerformed');
      expect({ who, name, entry }).toEqual({
        who,
        name,
        entry: expect.objectContaining({
          action: 'EXECUTE',
          outcome,
          details: expect.objectContaining({ field: name }),
        }),
      });
    }
  });
});

describe('every read of clinical data leaves an audit entry', () => {
  let patient: Awaited<ReturnType<typeof aSignedUpPatient>>;
  let reception: GraphClient;
  let billing: GraphClient;
  let appointmentId: string;
  let prescriptionId: string;
  let diagnosisId: string;
  let correctionId: string;
  let billId: string;

  beforeAll(async () => {
    const department = await aDepartment(admin);
    const doctor = await aDoctorWithAccount(graph, admin, department.id);
    patient = await aSignedUpPatient(graph);
    reception = (await aStaffMember(admin, ['RECEPTION'])).client;
    billing = (await aStaffMember(admin, ['BILLING'])).client;
    appointmentId = await eventually(async () => {
      const booked = await patient.client.request<{ bookAppointment: { id: string } }>(BOOK, {
        input: {
          patientId: patient.patientId,
          doctorId: doctor.id,
          departmentId: department.id,
          startsAt: slotAt(3, 11),
        },
      });
      return booked.data?.bookAppointment.id;
    });
    await doctor.client.data('mutation($id: ID!) { acceptAppointment(id: $id) { id } }', { id: appointmentId });
    await reception.data('mutation($id: ID!) { checkInAppointment(id: $id) { id } }', { id: appointmentId });
    prescriptionId = await eventually(async () => {
      const issued = await doctor.client.request<{ issuePrescription: { id: string } }>(
        'mutation($input: IssuePrescriptionInput!) { issuePrescription(input: $input) { id } }',
        {
          input: {
            appointmentId,
            medicationText: 'Amoxicillin 500 MG Oral Tablet',
            dose: { value: 500, unit: 'mg' },
            timesPerDay: 3,
            durationDays: 7,
          },
        },
      );
      return issued.data?.issuePrescription.id;
    });
    const ADD_ENTRY = 'mutation($input: AddMedicalRecordEntryInput!) { addMedicalRecordEntry(input: $input) { id } }';
    const entry = (input: Record<string, unknown>) =>
      doctor.client
        .data<{ addMedicalRecordEntry: { id: string } }>(ADD_ENTRY, {
          input: {
            patientId: patient.patientId,
            appointmentId,
            kind: 'DIAGNOSIS',
            code: { system: 'ICD_10', code: 'J02.9' },
            data: { clinicalStatus: 'active' },
            ...input,
          },
        })
        .then((data) => data.addMedicalRecordEntry.id);
    diagnosisId = await entry({});
    correctionId = await entry({ code: { system: 'ICD_10', code: 'J03.90' }, supersedesId: diagnosisId });
    await untilBillable(graph, { patientIds: [patient.patientId] });
    billId = (
      await billing.data<{ createBill: { id: string } }>(
        'mutation($input: CreateBillInput!) { createBill(input: $input) { id } }',
        {
          input: {
            patientId: patient.patientId,
            lineItems: [{ description: 'Throat swab', quantity: 1, unitPrice: 1_500 }],
          },
        },
      )
    ).createBill.id;
  });

  /**
   * How each clinical field is exercised: by whom, and whether the entry is a read of a type or a refusal there. A
   * reference that asks only for the patient's id reads nothing of the record (the gateway never asks the patients
   * subgraph, and the id was in the referring object already), so the reads ask for a field of the record.
   */
  const EXERCISES: Record<
    string,
    { caller: () => GraphClient; query: () => [string, Record<string, unknown>]; expect: 'READ' | 'DENIED' }
  > = {
    'Query.patient': {
      caller: () => patient.client,
      query: () => ['query($id: ID!) { patient(id: $id) { id } }', { id: patient.patientId }],
      expect: 'READ',
    },
    'Query.patients': {
      caller: () => admin,
      query: () => ['{ patients(first: 1) { edges { node { id } } } }', {}],
      expect: 'READ',
    },
    'PatientEdge.node': {
      caller: () => reception,
      query: () => ['{ patients(first: 1) { edges { node { id } } } }', {}],
      expect: 'READ',
    },
    'Query.patientsByIdentifier': {
      caller: () => patient.client,
      query: () => ['{ patientsByIdentifier(system: "urn:x", values: ["1"]) { id } }', {}],
      expect: 'DENIED',
    },
    'Query.prescription': {
      caller: () => reception,
      query: () => ['query($id: ID!) { prescription(id: $id) { id } }', { id: prescriptionId }],
      expect: 'DENIED',
    },
    'Query.medicalRecordEntry': {
      caller: () => patient.client,
      query: () => ['query($id: ID!) { medicalRecordEntry(id: $id) { id } }', { id: diagnosisId }],
      expect: 'READ',
    },
    'Appointment.patient': {
      caller: () => reception,
      query: () => ['query($id: ID!) { appointment(id: $id) { patient { id familyName } } }', { id: appointmentId }],
      expect: 'READ',
    },
    'Appointment.prescriptions': {
      caller: () => reception,
      query: () => ['query($id: ID!) { appointment(id: $id) { id prescriptions { id } } }', { id: appointmentId }],
      expect: 'DENIED',
    },
    'Bill.patient': {
      caller: () => billing,
      query: () => ['query($id: ID!) { bill(id: $id) { patient { id familyName } } }', { id: billId }],
      expect: 'READ',
    },
    'Patient.prescriptions': {
      caller: () => admin,
      query: () => ['query($id: ID!) { patient(id: $id) { prescriptions { totalCount } } }', { id: patient.patientId }],
      expect: 'DENIED',
    },
    'Patient.medicalRecords': {
      caller: () => billing,
      query: () => [
        'query($id: ID!) { patient(id: $id) { medicalRecords { totalCount } } }',
        { id: patient.patientId },
      ],
      expect: 'DENIED',
    },
    'PrescriptionEdge.node': {
      caller: () => patient.client,
      query: () => [
        'query($id: ID!) { patient(id: $id) { prescriptions { edges { node { id } } } } }',
        { id: patient.patientId },
      ],
      expect: 'READ',
    },
    'MedicalRecordEntryEdge.node': {
      caller: () => patient.client,
      query: () => [
        'query($id: ID!) { patient(id: $id) { medicalRecords { edges { node { id } } } } }',
        { id: patient.patientId },
      ],
      expect: 'READ',
    },
    'Prescription.patient': {
      caller: () => patient.client,
      query: () => ['query($id: ID!) { prescription(id: $id) { patient { id familyName } } }', { id: prescriptionId }],
      expect: 'READ',
    },
    'MedicalRecordEntry.patient': {
      caller: () => patient.client,
      query: () => [
        'query($id: ID!) { medicalRecordEntry(id: $id) { patient { id familyName } } }',
        { id: diagnosisId },
      ],
      expect: 'READ',
    },
    'MedicalRecordEntry.supersedes': {
      caller: () => patient.client,
      query: () => ['query($id: ID!) { medicalRecordEntry(id: $id) { supersedes { id } } }', { id: correctionId }],
      expect: 'READ',
    },
    'MedicalRecordEntry.supersededBy': {
      caller: () => patient.client,
      query: () => ['query($id: ID!) { medicalRecordEntry(id: $id) { supersededBy { id } } }', { id: diagnosisId }],
      expect: 'READ',
    },
  };

  it('has an exercise for every clinical field of the schema', () => {
    expect(CLINICAL_TYPES).toEqual(new Set(['MedicalRecordEntry', 'Patient', 'Prescription']));
    expect(Object.keys(EXERCISES).sort()).toEqual(CLINICAL_FIELDS);
  });

  it.each(CLINICAL_FIELDS.map((field) => [field]))('%s', async (field) => {
    const exercise = EXERCISES[field];
    if (!exercise) throw new Error(`no exercise for ${field}: add one`);
    const [query, variables] = exercise.query();
    const { response, correlationId } = await traced(exercise.caller(), query, variables);
    const type = field.endsWith('.node')
      ? field.split('Edge.')[0]!
      : clinicalTypeOf(getNamedType(fieldOf(field).type))!;
    const matches = (entry: AuditEntry) =>
      entry.eventType === 'PatientRecordAccessed' &&
      entry.action === 'READ' &&
      (exercise.expect === 'READ'
        ? entry.outcome === 'SUCCESS' && entry.resourceType === type
        : entry.outcome === 'DENIED' && entry.details?.field === field);
    if (exercise.expect === 'READ') expect(response.errors).toBeUndefined();
    else expect(response.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const entries = await entriesOf(correlationId, (found) => found.some(matches));
    expect({ field, recorded: entries.some(matches), entries }).toEqual(
      expect.objectContaining({ field, recorded: true }),
    );
  });
});

function fieldOf(path: string) {
  const [typeName, fieldName] = path.split('.') as [string, string];
  return (api.getType(typeName) as GraphQLObjectType).getFields()[fieldName]!;
}
