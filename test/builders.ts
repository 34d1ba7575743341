/**
 * Builders of test data through the public API (as a client would create it), with sensible defaults that a
 * test overrides where it matters.
 */
import { randomUUID } from 'node:crypto';
import type { GraphClient } from '../platform/graphql/client.ts';
import { eventually, subgraphOf } from '../platform/testing/graph.ts';
import type { Graph } from '../embedded/graph.ts';
import { DoctorReplica, PatientReplica } from '../subgraphs/appointments/appointment.entity.ts';
import { AppointmentReplica, PatientReplica as BillingPatientReplica } from '../subgraphs/billing/bill.entity.ts';
import { KnownDoctor } from '../subgraphs/identity/user.entity.ts';
import { BillLedger } from '../subgraphs/payments/payment.entity.ts';
import type { EventEnvelope } from '../platform/events/envelope.ts';

const unique = () => randomUUID().slice(0, 8);

export interface Department {
  id: string;
  name: string;
  code: string;
}

export async function aDepartment(
  admin: GraphClient,
  overrides: Partial<{ name: string; code: string }> = {},
): Promise<Department> {
  const suffix = unique()
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '');
  const data = await admin.data<{ createDepartment: Department }>(
    'mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { id name code } }',
    { input: { name: `Department ${suffix}`, code: `D${suffix.slice(0, 6)}`, ...overrides } },
  );
  return data.createDepartment;
}

export interface Doctor {
  id: string;
  departmentId: string;
}

export async function aDoctor(
  admin: GraphClient,
  departmentId: string,
  overrides: Record<string, unknown> = {},
): Promise<Doctor> {
  const data = await admin.data<{ createDoctor: { id: string } }>(
    'mutation($input: CreateDoctorInput!) { createDoctor(input: $input) { id } }',
    {
      input: {
        givenName: 'Grace',
        familyName: `Hopper-${unique()}`,
        departmentId,
        specialization: 'General Practice',
        consultationFeeAmount: 8_000,
        ...overrides,
      },
    },
  );
  return { id: data.createDoctor.id, departmentId };
}

export async function aPatient(
  admin: GraphClient,
  overrides: Record<string, unknown> = {},
): Promise<{ id: string; mrn: string }> {
  const data = await admin.data<{ registerPatient: { id: string; mrn: string } }>(
    'mutation($input: RegisterPatientInput!) { registerPatient(input: $input) { id mrn } }',
    {
      input: {
        givenName: 'Ada',
        familyName: `Lovelace-${unique()}`,
        birthDate: '1990-12-10',
        sex: 'FEMALE',
        ...overrides,
      },
    },
  );
  return data.registerPatient;
}

/**
 * Waits until the appointments subgraph's read model knows the doctors and patients (it learns of them from
 * events, so a booking right after creating them could otherwise come too early).
 */
export async function untilBookable(graph: Graph, ids: { doctorIds?: string[]; patientIds?: string[] }): Promise<void> {
  const appointments = subgraphOf(graph, 'appointments');
  await eventually(async () => {
    const em = appointments.runtime.orm.em.fork();
    const doctors = await em.count(DoctorReplica, { doctorId: { $in: ids.doctorIds ?? [] } });
    const patients = await em.count(PatientReplica, { patientId: { $in: ids.patientIds ?? [] } });
    return doctors === (ids.doctorIds?.length ?? 0) && patients === (ids.patientIds?.length ?? 0);
  });
}

/**
 * Waits until billing's copies know the patients and appointments (it learns of them from events), so that a manual
 * bill for them is accepted.
 */
export async function untilBillable(
  graph: Graph,
  ids: { patientIds?: string[]; appointmentIds?: string[] },
): Promise<void> {
  const billing = subgraphOf(graph, 'billing');
  await eventually(async () => {
    const em = billing.runtime.orm.em.fork();
    const patients = await em.count(BillingPatientReplica, { patientId: { $in: ids.patientIds ?? [] } });
    const appointments = await em.count(AppointmentReplica, { appointmentId: { $in: ids.appointmentIds ?? [] } });
    return patients === (ids.patientIds?.length ?? 0) && appointments === (ids.appointmentIds?.length ?? 0);
  });
}

/** Waits until payments knows a bill (it opens the bill's ledger from `BillIssued`), so that it can be paid. */
export async function untilPayable(graph: Graph, billId: string): Promise<void> {
  const payments = subgraphOf(graph, 'payments');
  await eventually(async () => (await payments.runtime.orm.em.fork().count(BillLedger, { billId })) === 1);
}

/** Registers patients (through `admin`) and waits until they can be booked. */
export async function bookablePatients(
  graph: Graph,
  admin: GraphClient,
  count: number,
  overrides: Record<string, unknown> = {},
): Promise<{ id: string; mrn: string }[]> {
  const patients = await Promise.all(Array.from({ length: count }, () => aPatient(admin, overrides)));
  await untilBookable(graph, { patientIds: patients.map((patient) => patient.id) });
  return patients;
}

/** A new doctor with a staff account linked to them (a DOCTOR client), ready to be booked. */
export async function aDoctorWithAccount(
  graph: Graph,
  admin: GraphClient,
  departmentId: string,
  overrides: Record<string, unknown> = {},
): Promise<Doctor & { client: GraphClient }> {
  const doctor = await aDoctor(admin, departmentId, overrides);
  await untilLinkable(graph, doctor.id);
  await untilBookable(graph, { doctorIds: [doctor.id] });
  return { ...doctor, client: (await aStaffMember(admin, ['DOCTOR'], doctor.id)).client };
}

export const BOOK = `mutation($input: BookAppointmentInput!) {
  bookAppointment(input: $input) { id status startsAt endsAt patient { id } doctor { id } department { id } }
}`;

/** "Today" for `slotAt`, fixed when the tests load, so that a run across midnight UTC keeps its days. */
const TODAY = new Date();

/**
 * A slot start on the `workday`-th working day (Monday to Friday) after today, at `hour:minute` UTC: far enough
 * ahead for the lead time, and on a day the default working hours cover.
 */
export function slotAt(workday: number, hour: number, minute = 0): string {
  const date = new Date(TODAY);
  date.setUTCHours(hour, minute, 0, 0);
  for (let found = 0; found < workday;) {
    date.setUTCDate(date.getUTCDate() + 1);
    const weekday = date.getUTCDay();
    if (weekday !== 0 && weekday !== 6) found++;
  }
  return date.toISOString();
}

export const PASSWORD = 'a passphrase for tests';

/** Signs up a patient; returns a client with their token and their ids. */
export async function aSignedUpPatient(
  graph: Graph & { client: GraphClient },
): Promise<{ client: GraphClient; patientId: string; userId: string; email: string; refreshToken: string }> {
  const email = `patient.${unique()}@example.org`;
  const data = await graph.client.data<{
    signUp: { accessToken: string; refreshToken: string; user: { id: string; patientId: string } };
  }>('mutation($input: SignUpInput!) { signUp(input: $input) { accessToken refreshToken user { id patientId } } }', {
    input: { email, password: PASSWORD, givenName: 'Pat', familyName: `Ient-${unique()}`, birthDate: '1985-05-05' },
  });
  return {
    client: graph.client.withToken(data.signUp.accessToken),
    patientId: data.signUp.user.patientId,
    userId: data.signUp.user.id,
    email,
    refreshToken: data.signUp.refreshToken,
  };
}

/** Creates a staff account with `roles` (a DOCTOR needs `doctorId`) and signs it in. */
export async function aStaffMember(
  admin: GraphClient,
  roles: string[],
  doctorId?: string,
): Promise<{ client: GraphClient; userId: string; email: string }> {
  const email = `staff.${unique()}@hospital.example`;
  const created = await admin.data<{ createStaffUser: { id: string } }>(
    'mutation($input: CreateStaffUserInput!) { createStaffUser(input: $input) { id } }',
    { input: { email, password: PASSWORD, roles, ...(doctorId ? { doctorId } : {}) } },
  );
  return {
    client: await admin.withToken(undefined).signIn(email, PASSWORD),
    userId: created.createStaffUser.id,
    email,
  };
}

/** Waits until identity knows a doctor (it learns of doctors from `doctor-events`), so an account can be linked. */
export async function untilLinkable(graph: Graph, doctorId: string): Promise<void> {
  const identity = subgraphOf(graph, 'identity');
  await eventually(async () => (await identity.runtime.orm.em.fork().count(KnownDoctor, { doctorId })) === 1);
}

/**
 * Records the events of `topic` (in the test's own consumer group, from the topic's first message: each test graph
 * has topics of its own, and joining at "latest" could miss an event published while the group forms).
 */
export async function captureEvents(graph: Graph, topic: string): Promise<EventEnvelope[]> {
  const seen: EventEnvelope[] = [];
  await graph.transport.subscribe({
    groupId: `test-capture-${unique()}`,
    topics: [topic],
    fromBeginning: true,
    handle: async (_topic, value) => {
      seen.push(value as EventEnvelope);
    },
  });
  return seen;
}
