/**
 * SPEC §2 as a table: every operation of the subgraphs that exist, tried by every role (and by an anonymous
 * caller). An allowed cell must work; a denied cell must answer FORBIDDEN (UNAUTHENTICATED when anonymous), return
 * no data, and change nothing.
 *
 * Decisions where SPEC §2 leaves room (see the closing note of the identity issue):
 * - "own" for a DOCTOR is the doctor profile linked to their account; for a PATIENT their patient record.
 * - RECEPTION may register and update any patient but not archive one (the table gives delete to ADMIN alone).
 * - Accounts (staff creation, disabling, linking, key rotation, listing) are ADMIN's, as the issue says.
 * - A patient pays their own bills online only; cash, card and insurance payments are recorded by staff.
 * - Audit log (SPEC §8): admins read all of it and check its chain; a patient reads only who accessed their own
 *   record (`myRecordAccessLog`, the patient of their token); nobody else reads any of it.
 * - Notifications: every signed-in caller reads and marks their own (their patient record's, doctor profile's or
 *   account's); someone else's is null by id and NOT_FOUND to mark, never FORBIDDEN (its existence stays hidden).
 *   Templates are ADMIN's.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { loadConfig } from '../../platform/config.ts';
import type { GraphClient, GraphResponse } from '../../platform/graphql/client.ts';
import { eventually, startTestGraph, subgraphOf, TEST_ADMIN, type TestGraph } from '../../platform/testing/graph.ts';
import type { OutgoingMessage } from '../../subgraphs/notifications/channels/delivery-channel.ts';
import { Notification, NotificationTemplate } from '../../subgraphs/notifications/notification.entity.ts';
import { notificationSettings, notificationsEnv } from '../../subgraphs/notifications/subgraph.ts';
import {
  aDepartment,
  aDoctor,
  aDoctorWithAccount,
  aPatient,
  aSignedUpPatient,
  aStaffMember,
  BOOK,
  slotAt,
  untilBillable,
  untilBookable,
  untilLinkable,
  untilPayable,
  type Department,
  type Doctor,
} from '../builders.ts';

type Role = 'ANONYMOUS' | 'PATIENT' | 'DOCTOR' | 'RECEPTION' | 'BILLING' | 'ADMIN';
const ROLES: Role[] = ['ANONYMOUS', 'PATIENT', 'DOCTOR', 'RECEPTION', 'BILLING', 'ADMIN'];
const SIGNED_IN: Role[] = ['PATIENT', 'DOCTOR', 'RECEPTION', 'BILLING', 'ADMIN'];

interface Attempt {
  response: GraphResponse;
  /** For a write: true when what the operation targets is as it was before (checked after a refusal). */
  unchanged?: () => Promise<boolean>;
}

interface Operation {
  area: string;
  name: string;
  allowed: Role[];
  run: (client: GraphClient) => Promise<Attempt>;
}

let graph: TestGraph;
let admin: GraphClient;
const clients = {} as Record<Role, GraphClient>;
let department: Department;
let doctor: Doctor;
let otherDoctor: Doctor;
let patientA: string;
let patientB: string;
let appointmentOfA: string;
let appointmentOfB: string;
let billOfA: string;
let billOfB: string;
let paymentOfA: string;
let checkedInOfA: string;
let prescriptionOfA: string;
let entryOfA: string;
let medicineId: string;
/** A notification of each signed-in caller's own (in-app for a patient and a doctor, a reset email for staff). */
const ownNotification = new Map<GraphClient, string>();
/** Emails the graph sent (to an in-memory channel): staff hear of password resets by email only. */
const emails: OutgoingMessage[] = [];
let nextSlot = 0;
/** The graph's clock, when an operation needs to be done after an appointment's start (a no-show). */
let fixedNow: Date | undefined;

/** A fresh slot: six a day (under the daily cap of 8), one day after another. */
const slot = () => slotAt(20 + Math.floor(nextSlot / 6), 9 + (nextSlot++ % 6));

async function book(patientId: string, withDoctor: Doctor = doctor): Promise<string> {
  const data = await admin.data<{ bookAppointment: { id: string } }>(BOOK, {
    input: { patientId, doctorId: withDoctor.id, departmentId: withDoctor.departmentId, startsAt: slot() },
  });
  return data.bookAppointment.id;
}

const read = async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> =>
  admin.data<T>(query, variables);
const patientField = async (id: string, field: string) =>
  (await read<{ patient: Record<string, unknown> }>(`query($id: ID!) { patient(id: $id) { ${field} } }`, { id }))
    .patient[field];

/** The notifications of `recipientId` (a patient, doctor or user id), read from the notifications subgraph. */
const notificationsOf = (recipientId: string) =>
  subgraphOf(graph, 'notifications')
    .runtime.orm.em.fork()
    .find(Notification, { recipientId }, { orderBy: { id: 'asc' } });

beforeAll(async () => {
  graph = await startTestGraph({
    clock: () => fixedNow ?? new Date(),
    notifications: {
      ...notificationSettings(loadConfig(z.object(notificationsEnv), {})),
      email: {
        channel: 'EMAIL',
        send: async (message) => {
          emails.push(message);
          return { providerMessageId: message.notificationId };
        },
      },
    },
  });
  admin = await graph.admin();
  department = await aDepartment(admin);
  const surgery = await aDepartment(admin);
  const linkedDoctor = await aDoctorWithAccount(graph, admin, department.id);
  doctor = linkedDoctor;
  otherDoctor = await aDoctor(admin, surgery.id);
  const a = await aSignedUpPatient(graph);
  const b = await aSignedUpPatient(graph);
  patientA = a.patientId;
  patientB = b.patientId;
  clients.ANONYMOUS = graph.client;
  clients.PATIENT = a.client;
  clients.DOCTOR = linkedDoctor.client;
  const reception = await aStaffMember(admin, ['RECEPTION']);
  const billing = await aStaffMember(admin, ['BILLING']);
  clients.RECEPTION = reception.client;
  clients.BILLING = billing.client;
  clients.ADMIN = admin;
  await untilBookable(graph, { doctorIds: [doctor.id, otherDoctor.id], patientIds: [patientA, patientB] });
  appointmentOfA = await book(patientA);
  appointmentOfB = await book(patientB, otherDoctor);
  await untilBillable(graph, { patientIds: [patientA, patientB] });
  [billOfA, billOfB] = [await aBill(patientA), await aBill(patientB)];
  paymentOfA = await payAs(clients.PATIENT, await aBill(patientA));
  // The doctor may read patient A once patients has learnt of their appointment.
  await eventually(
    async () =>
      (
        (await clients.DOCTOR.request('query($id: ID!) { patient(id: $id) { id } }', { id: patientA })).data as {
          patient: { id: string } | null;
        }
      )?.patient?.id === patientA,
  );
  // Clinical records: a checked-in appointment of A with the doctor, a prescription and a record entry of it.
  checkedInOfA = await book(patientA);
  await clients.DOCTOR.data('mutation($id: ID!) { acceptAppointment(id: $id) { id } }', { id: checkedInOfA });
  await admin.data('mutation($id: ID!) { checkInAppointment(id: $id) { id } }', { id: checkedInOfA });
  prescriptionOfA = await eventually(
    async () =>
      (await clients.DOCTOR.request<{ issuePrescription: { id: string } }>(ISSUE, prescriptionInput())).data
        ?.issuePrescription.id,
  );
  entryOfA = (
    await clients.DOCTOR.data<{ addMedicalRecordEntry: { id: string } }>(ADD_ENTRY, {
      input: { patientId: patientA, kind: 'VITALS', data: { heartRateBpm: 72 } },
    })
  ).addMedicalRecordEntry.id;
  medicineId = (
    await admin.data<{ createMedicine: { id: string } }>(
      'mutation($input: CreateMedicineInput!) { createMedicine(input: $input) { id } }',
      { input: { name: `Matrixcillin ${randomUUID()}`, strength: '250 MG', form: 'Oral Capsule' } },
    )
  ).createMedicine.id;
  // Notifications: A and the doctor were told of A's bookings in-app; staff ask for a password reset by email.
  const adminId = (await admin.data<{ me: { id: string } }>('{ me { id } }')).me.id;
  for (const staff of [reception, billing, { email: TEST_ADMIN.email }]) {
    await graph.client.data('mutation($email: String!) { requestPasswordReset(email: $email) }', {
      email: staff.email,
    });
  }
  for (const [role, recipientId] of [
    ['PATIENT', patientA],
    ['DOCTOR', doctor.id],
    ['RECEPTION', reception.userId],
    ['BILLING', billing.userId],
    ['ADMIN', adminId],
  ] as const) {
    ownNotification.set(clients[role], await eventually(async () => (await notificationsOf(recipientId))[0]?.id));
  }
});
afterAll(async () => {
  await graph?.stop();
});

const ISSUE = 'mutation($input: IssuePrescriptionInput!) { issuePrescription(input: $input) { id } }';
const ADD_ENTRY = 'mutation($input: AddMedicalRecordEntryInput!) { addMedicalRecordEntry(input: $input) { id } }';
const prescriptionInput = () => ({
  input: {
    appointmentId: checkedInOfA,
    medicationText: 'Ibuprofen 200 MG Oral Tablet',
    dose: { value: 200, unit: 'mg' },
    timesPerDay: 3,
    durationDays: 5,
  },
});

/** Totals of patient A's clinical records, read as their doctor (admins may not read them). */
const clinicalTotal = async (field: 'prescriptions' | 'medicalRecords') =>
  (
    await clients.DOCTOR.data<{ patient: Record<string, { totalCount: number }> }>(
      `query($id: ID!) { patient(id: $id) { ${field} { totalCount } } }`,
      { id: patientA },
    )
  ).patient[field]!.totalCount;

/** An import batch of one row for patient A with a fresh identifier. */
const importRow = () => ({
  identifier: { system: 'https://hms.test/authorization-matrix', value: randomUUID() },
  patientId: patientA,
  doctorId: doctor.id,
  issuedAt: '2020-01-01T00:00:00Z',
});

const PAY = 'mutation($input: PayBillInput!) { payBill(input: $input) { id status } }';

/** A new bill of 10.50 (10.00 + tax) for `patientId`, issued by the admin and payable (payments knows it). */
async function aBill(patientId: string): Promise<string> {
  const data = await admin.data<{ createBill: { id: string } }>(
    'mutation($input: CreateBillInput!) { createBill(input: $input) { id } }',
    { input: { patientId, lineItems: [{ description: 'Blood panel', unitPrice: 1_000 }] } },
  );
  await untilPayable(graph, data.createBill.id);
  return data.createBill.id;
}

const billField = async (id: string, field: string) =>
  (await read<{ bill: Record<string, unknown> }>(`query($id: ID!) { bill(id: $id) { ${field} } }`, { id })).bill[
    field.split(' ')[0]!
  ];

/** Pays all of a bill as `client` (online, as a patient would); returns the payment's id. */
async function payAs(client: GraphClient, billId: string, method = 'ONLINE'): Promise<string> {
  const data = await client.request<{ payBill: { id: string } }>(
    PAY,
    { input: { billId, amount: 1_050, method, paymentToken: 'tok_visa' } },
    { 'Idempotency-Key': randomUUID() },
  );
  if (!data.data) throw new Error(JSON.stringify(data.errors));
  return data.data.payBill.id;
}

/** Paying a bill; where refused, it has no payment. */
async function payAttempt(client: GraphClient, billId: string): Promise<Attempt> {
  const response = await client.request(
    PAY,
    { input: { billId, amount: 1_050, method: 'ONLINE', paymentToken: 'tok_visa' } },
    { 'Idempotency-Key': randomUUID() },
  );
  return {
    response,
    unchanged: async () => ((await billField(billId, 'payments { id }')) as unknown[]).length === 0,
  };
}

/** Setting `whose` working hours (Mondays to Fridays, 09:00–17:00); where refused, they stay as they were. */
async function availability(client: GraphClient, whose: Doctor): Promise<Attempt> {
  const hours = async () =>
    JSON.stringify(
      (
        await read<{ doctor: { availability: unknown } }>(
          'query($id: ID!) { doctor(id: $id) { availability { weeklyHours { weekday opens closes } } } }',
          { id: whose.id },
        )
      ).doctor.availability,
    );
  const before = await hours();
  const weeklyHours = [1, 2, 3, 4, 5].map((weekday) => ({
    weekday,
    opens: '09:00',
    closes: `${String(17 + (nextSlot++ % 2)).padStart(2, '0')}:00`,
  }));
  const response = await client.request(
    'mutation($id: ID!, $input: DoctorAvailabilityInput!) { setDoctorAvailability(doctorId: $id, input: $input) { id } }',
    { id: whose.id, input: { weeklyHours } },
  );
  return { response, unchanged: async () => (await hours()) === before };
}

/** Booking a slot with the doctor for `patient()`, refused without a new appointment where not allowed. */
function bookFor(name: string, patient: () => string, allowed: Role[]): Operation {
  return {
    area: 'Appointments',
    name,
    allowed,
    run: async (client) => {
      const count = async () =>
        (
          await read<{ appointments: { totalCount: number } }>(
            'query($id: ID) { appointments(filter: { patientId: $id }) { totalCount } }',
            { id: patient() },
          )
        ).appointments.totalCount;
      const before = await count();
      const response = await client.request(BOOK, {
        input: { patientId: patient(), doctorId: doctor.id, departmentId: department.id, startsAt: slot() },
      });
      return { response, unchanged: async () => (await count()) === before };
    },
  };
}

/** Cancelling a fresh appointment made by `appointment()`, left PENDING where not allowed. */
function cancelFor(name: string, appointment: () => Promise<string>, allowed: Role[]): Operation {
  return {
    area: 'Appointments',
    name,
    allowed,
    run: async (client) => {
      const id = await appointment();
      const response = await client.request('mutation($id: ID!) { cancelAppointment(id: $id) { status } }', { id });
      const status = async () =>
        (await read<{ appointment: { status: string } }>('query($id: ID!) { appointment(id: $id) { status } }', { id }))
          .appointment.status;
      return { response, unchanged: async () => (await status()) === 'PENDING' };
    },
  };
}

/** Moving a fresh appointment made by `appointment()`, left where it was where not allowed. */
function rescheduleFor(name: string, appointment: () => Promise<string>, allowed: Role[]): Operation {
  return {
    area: 'Appointments',
    name,
    allowed,
    run: async (client) => {
      const id = await appointment();
      const startsAt = async () =>
        (
          await read<{ appointment: { startsAt: string } }>('query($id: ID!) { appointment(id: $id) { startsAt } }', {
            id,
          })
        ).appointment.startsAt;
      const before = await startsAt();
      const response = await client.request(
        'mutation($id: ID!, $at: DateTime!) { rescheduleAppointment(id: $id, startsAt: $at) { id } }',
        {
          id,
          at: slot(),
        },
      );
      return { response, unchanged: async () => (await startsAt()) === before };
    },
  };
}

/**
 * A lifecycle step (`mutation`) on a fresh appointment of the doctor with patient A, brought first through
 * `before` by an admin; where not allowed the appointment keeps its status. A no-show is tried after the start.
 */
function transition(name: string, mutation: string, before: string[], to: string, allowed: Role[]): Operation {
  return {
    area: 'Appointments',
    name,
    allowed,
    run: async (client) => {
      const startsAt = slot();
      const booked = await admin.data<{ bookAppointment: { id: string } }>(BOOK, {
        input: { patientId: patientA, doctorId: doctor.id, departmentId: department.id, startsAt },
      });
      const id = booked.bookAppointment.id;
      for (const step of before) await admin.data(`mutation($id: ID!) { ${step}(id: $id) { id } }`, { id });
      const status = async () =>
        (await read<{ appointment: { status: string } }>('query($id: ID!) { appointment(id: $id) { status } }', { id }))
          .appointment.status;
      const previous = await status();
      if (mutation === 'markNoShow') fixedNow = new Date(Date.parse(startsAt) + 60_000);
      try {
        const response = await client.request(`mutation($id: ID!) { ${mutation}(id: $id) { status } }`, { id });
        if (!response.errors) expect(await status()).toBe(to);
        return { response, unchanged: async () => (await status()) === previous };
      } finally {
        fixedNow = undefined;
      }
    },
  };
}

const OPERATIONS: Operation[] = [
  {
    area: 'Patient profile',
    name: "read the patient's own record (a patient of the doctor)",
    allowed: SIGNED_IN,
    run: async (client) => ({
      response: await client.request('query($id: ID!) { patient(id: $id) { id familyName } }', { id: patientA }),
    }),
  },
  {
    area: 'Patient profile',
    name: 'read a record of another patient, not a patient of the doctor',
    allowed: ['RECEPTION', 'BILLING', 'ADMIN'],
    run: async (client) => ({
      response: await client.request('query($id: ID!) { patient(id: $id) { id familyName } }', { id: patientB }),
    }),
  },
  {
    area: 'Patient profile',
    name: 'list patients',
    allowed: ['DOCTOR', 'RECEPTION', 'BILLING', 'ADMIN'],
    run: async (client) => ({ response: await client.request('{ patients { totalCount edges { node { id } } } }') }),
  },
  {
    area: 'Patient profile',
    name: 'register a patient',
    allowed: ['RECEPTION', 'ADMIN'],
    run: async (client) => {
      const count = async () =>
        (await read<{ patients: { totalCount: number } }>('{ patients(includeArchived: true) { totalCount } }'))
          .patients.totalCount;
      const before = await count();
      const response = await client.request(
        'mutation { registerPatient(input: { givenName: "New", familyName: "Patient", birthDate: "2001-01-01" }) { id } }',
      );
      return { response, unchanged: async () => (await count()) === before };
    },
  },
  {
    area: 'Patient profile',
    name: "update the patient's own contact data",
    allowed: ['PATIENT', 'RECEPTION', 'ADMIN'],
    run: async (client) => {
      const before = await patientField(patientA, 'phone');
      const phone = `+1402555${String(1000 + nextSlot++).slice(-4)}`;
      const response = await client.request(
        'mutation($id: ID!, $phone: String) { updatePatient(id: $id, input: { phone: $phone }) { phone } }',
        {
          id: patientA,
          phone,
        },
      );
      return { response, unchanged: async () => (await patientField(patientA, 'phone')) === before };
    },
  },
  {
    area: 'Patient profile',
    name: "update another patient's record",
    allowed: ['RECEPTION', 'ADMIN'],
    run: async (client) => {
      const before = await patientField(patientB, 'familyName');
      const response = await client.request(
        'mutation($id: ID!, $name: String) { updatePatient(id: $id, input: { familyName: $name }) { familyName } }',
        {
          id: patientB,
          name: `Renamed ${nextSlot++}`,
        },
      );
      return { response, unchanged: async () => (await patientField(patientB, 'familyName')) === before };
    },
  },
  {
    area: 'Patient profile',
    name: 'archive a patient',
    allowed: ['ADMIN'],
    run: async (client) => {
      const target = await aPatient(admin);
      const response = await client.request('mutation($id: ID!) { deletePatient(id: $id) { active } }', {
        id: target.id,
      });
      return { response, unchanged: async () => (await patientField(target.id, 'active')) === true };
    },
  },
  {
    area: 'Doctors, departments',
    name: 'read doctors and departments',
    allowed: SIGNED_IN,
    run: async (client) => ({ response: await client.request('{ doctors { totalCount } departments { id name } }') }),
  },
  {
    area: 'Doctors, departments',
    name: 'create a department',
    allowed: ['ADMIN'],
    run: async (client) => {
      const count = async () => (await read<{ departments: unknown[] }>('{ departments { id } }')).departments.length;
      const before = await count();
      const code = `M${String(nextSlot++).padStart(4, '0')}`;
      const response = await client.request(
        'mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { id } }',
        {
          input: { name: `Matrix ${code}`, code },
        },
      );
      return { response, unchanged: async () => (await count()) === before };
    },
  },
  {
    area: 'Doctors, departments',
    name: 'create a doctor',
    allowed: ['ADMIN'],
    run: async (client) => {
      const count = async () =>
        (await read<{ doctors: { totalCount: number } }>('{ doctors { totalCount } }')).doctors.totalCount;
      const before = await count();
      const response = await client.request(
        'mutation($input: CreateDoctorInput!) { createDoctor(input: $input) { id } }',
        {
          input: {
            givenName: 'M',
            familyName: 'Atrix',
            departmentId: department.id,
            specialization: 'Matrix',
            consultationFeeAmount: 1,
          },
        },
      );
      return { response, unchanged: async () => (await count()) === before };
    },
  },
  {
    area: 'Doctors, departments',
    name: 'update a doctor',
    allowed: ['ADMIN'],
    run: async (client) => {
      const specialization = async () =>
        (
          await read<{ doctor: { specialization: string } }>('query($id: ID!) { doctor(id: $id) { specialization } }', {
            id: otherDoctor.id,
          })
        ).doctor.specialization;
      const before = await specialization();
      const response = await client.request(
        'mutation($id: ID!, $s: String) { updateDoctor(id: $id, input: { specialization: $s }) { id } }',
        {
          id: otherDoctor.id,
          s: `Specialty ${nextSlot++}`,
        },
      );
      return { response, unchanged: async () => (await specialization()) === before };
    },
  },
  {
    area: 'Doctors, departments',
    name: "set the doctor's own working hours",
    allowed: ['DOCTOR', 'ADMIN'],
    run: async (client) => availability(client, doctor),
  },
  {
    area: 'Doctors, departments',
    name: "set another doctor's working hours",
    allowed: ['ADMIN'],
    run: async (client) => availability(client, otherDoctor),
  },
  {
    area: 'Appointments',
    name: "list a doctor's free slots",
    allowed: SIGNED_IN,
    run: async (client) => ({
      response: await client.request(
        'query($id: ID!, $date: Date!) { doctor(id: $id) { availableSlots(date: $date) } }',
        {
          id: doctor.id,
          date: slotAt(40, 0).slice(0, 10),
        },
      ),
    }),
  },
  {
    area: 'Appointments',
    name: 'import a past appointment',
    allowed: ['ADMIN'],
    run: async (client) => {
      const value = `matrix-${nextSlot++}`;
      const count = async () =>
        (
          await read<{ appointments: { totalCount: number } }>(
            'query($id: ID) { appointments(filter: { patientId: $id, status: [COMPLETED] }) { totalCount } }',
            { id: patientA },
          )
        ).appointments.totalCount;
      const before = await count();
      const response = await client.request(
        'mutation($input: ImportAppointmentInput!) { importAppointment(input: $input) { id } }',
        {
          input: {
            patientId: patientA,
            doctorId: doctor.id,
            departmentId: department.id,
            startsAt: '2016-05-02T10:00:00.000Z',
            status: 'COMPLETED',
            identifier: { system: 'urn:test:matrix', value },
          },
        },
      );
      return { response, unchanged: async () => (await count()) === before };
    },
  },
  bookFor('book for the patient themself', () => patientA, ['PATIENT', 'RECEPTION', 'ADMIN']),
  bookFor('book for another patient', () => patientB, ['RECEPTION', 'ADMIN']),
  cancelFor("cancel the patient's own appointment", () => book(patientA), ['PATIENT', 'RECEPTION', 'ADMIN']),
  cancelFor("cancel another patient's appointment", () => book(patientB, otherDoctor), ['RECEPTION', 'ADMIN']),
  rescheduleFor("reschedule the patient's own appointment", () => book(patientA), ['PATIENT', 'RECEPTION', 'ADMIN']),
  rescheduleFor("reschedule another patient's appointment", () => book(patientB, otherDoctor), ['RECEPTION', 'ADMIN']),
  transition('accept an appointment of the doctor', 'acceptAppointment', [], 'CONFIRMED', ['DOCTOR', 'ADMIN']),
  transition('reject an appointment of the doctor', 'rejectAppointment', [], 'REJECTED', ['DOCTOR', 'ADMIN']),
  transition('check in an appointment of the doctor', 'checkInAppointment', ['acceptAppointment'], 'CHECKED_IN', [
    'DOCTOR',
    'RECEPTION',
    'ADMIN',
  ]),
  transition(
    'complete an appointment of the doctor',
    'completeAppointment',
    ['acceptAppointment', 'checkInAppointment'],
    'COMPLETED',
    ['DOCTOR', 'ADMIN'],
  ),
  transition('mark a no-show on an appointment of the doctor', 'markNoShow', ['acceptAppointment'], 'NO_SHOW', [
    'DOCTOR',
    'RECEPTION',
    'ADMIN',
  ]),
  {
    area: 'Appointments',
    name: "read the patient's own appointment with the doctor",
    allowed: SIGNED_IN,
    run: async (client) => ({
      response: await client.request('query($id: ID!) { appointment(id: $id) { id status } }', { id: appointmentOfA }),
    }),
  },
  {
    area: 'Appointments',
    name: "read another patient's appointment with another doctor",
    allowed: ['RECEPTION', 'BILLING', 'ADMIN'],
    run: async (client) => ({
      response: await client.request('query($id: ID!) { appointment(id: $id) { id status } }', { id: appointmentOfB }),
    }),
  },
  {
    area: 'Appointments',
    name: 'list appointments (each sees what is theirs to see)',
    allowed: SIGNED_IN,
    run: async (client) => ({ response: await client.request('{ appointments { totalCount } }') }),
  },
  {
    area: 'Bills',
    name: "read a bill of the patient's own",
    allowed: ['PATIENT', 'BILLING', 'ADMIN'],
    run: async (client) => ({
      response: await client.request('query($id: ID!) { bill(id: $id) { id total { amount } } }', { id: billOfA }),
    }),
  },
  {
    area: 'Bills',
    name: 'read a bill of another patient',
    allowed: ['BILLING', 'ADMIN'],
    run: async (client) => ({
      response: await client.request('query($id: ID!) { bill(id: $id) { id total { amount } } }', { id: billOfB }),
    }),
  },
  {
    area: 'Bills',
    name: 'list bills (billing history)',
    allowed: ['PATIENT', 'BILLING', 'ADMIN'],
    run: async (client) => ({ response: await client.request('{ bills { totalCount edges { node { id } } } }') }),
  },
  {
    area: 'Bills',
    name: 'create a manual bill',
    allowed: ['BILLING', 'ADMIN'],
    run: async (client) => {
      const count = async () =>
        (
          await read<{ bills: { totalCount: number } }>(
            'query($id: ID!) { bills(filter: { patientId: $id }) { totalCount } }',
            { id: patientB },
          )
        ).bills.totalCount;
      const before = await count();
      const response = await client.request('mutation($input: CreateBillInput!) { createBill(input: $input) { id } }', {
        input: { patientId: patientB, lineItems: [{ description: 'Dressing', unitPrice: 1_500 }] },
      });
      return { response, unchanged: async () => (await count()) === before };
    },
  },
  {
    area: 'Bills',
    name: 'void a bill',
    allowed: ['BILLING', 'ADMIN'],
    run: async (client) => {
      const id = await aBill(patientB);
      const response = await client.request('mutation($id: ID!) { voidBill(id: $id) { status } }', { id });
      return { response, unchanged: async () => (await billField(id, 'status')) === 'ISSUED' };
    },
  },
  {
    area: 'Bills',
    name: 'submit an insurance claim',
    allowed: ['BILLING', 'ADMIN'],
    run: async (client) => {
      const id = await aBill(patientB);
      const response = await client.request(
        'mutation($input: SubmitInsuranceClaimInput!) { submitInsuranceClaim(input: $input) { status } }',
        { input: { billId: id, payer: 'Acme Health', policyNumber: 'AH-1' } },
      );
      return { response, unchanged: async () => (await billField(id, 'insuranceClaim { id }')) === null };
    },
  },
  {
    area: 'Bills',
    name: 'decide an insurance claim',
    allowed: ['BILLING', 'ADMIN'],
    run: async (client) => {
      const id = await aBill(patientB);
      const claim = await admin.data<{ submitInsuranceClaim: { id: string } }>(
        'mutation($input: SubmitInsuranceClaimInput!) { submitInsuranceClaim(input: $input) { id } }',
        { input: { billId: id, payer: 'Acme Health', policyNumber: 'AH-2' } },
      );
      const response = await client.request(
        'mutation($input: DecideInsuranceClaimInput!) { decideInsuranceClaim(input: $input) { status } }',
        { input: { claimId: claim.submitInsuranceClaim.id, decision: 'DENIED', reason: 'Not covered' } },
      );
      return {
        response,
        unchanged: async () =>
          ((await billField(id, 'insuranceClaim { status }')) as { status: string }).status === 'SUBMITTED',
      };
    },
  },
  {
    area: 'Payments',
    name: "pay the patient's own bill",
    allowed: ['PATIENT', 'BILLING', 'ADMIN'],
    run: async (client) => payAttempt(client, await aBill(patientA)),
  },
  {
    area: 'Payments',
    name: "pay another patient's bill",
    allowed: ['BILLING', 'ADMIN'],
    run: async (client) => payAttempt(client, await aBill(patientB)),
  },
  {
    area: 'Payments',
    name: "read a payment of the patient's own bill",
    allowed: ['PATIENT', 'BILLING', 'ADMIN'],
    run: async (client) => ({
      response: await client.request('query($id: ID!) { payment(id: $id) { id status } }', { id: paymentOfA }),
    }),
  },
  {
    area: 'Payments',
    name: 'refund a payment',
    allowed: ['BILLING', 'ADMIN'],
    run: async (client) => {
      const billId = await aBill(patientA);
      const payment = await payAs(admin, billId, 'CASH');
      const response = await client.request(
        'mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { status } }',
        { input: { paymentId: payment } },
        { 'Idempotency-Key': randomUUID() },
      );
      return {
        response,
        unchanged: async () =>
          (
            await read<{ payment: { status: string } }>('query($id: ID!) { payment(id: $id) { status } }', {
              id: payment,
            })
          ).payment.status === 'SUCCEEDED',
      };
    },
  },
  {
    area: 'Accounts',
    name: 'read their own account',
    allowed: SIGNED_IN,
    run: async (client) => ({ response: await client.request('{ me { id roles } }') }),
  },
  {
    area: 'Accounts',
    name: 'list accounts',
    allowed: ['ADMIN'],
    run: async (client) => ({ response: await client.request('{ users { totalCount } }') }),
  },
  {
    area: 'Accounts',
    name: 'create a staff account',
    allowed: ['ADMIN'],
    run: async (client) => {
      const count = async () =>
        (await read<{ users: { totalCount: number } }>('{ users { totalCount } }')).users.totalCount;
      const before = await count();
      const response = await client.request(
        'mutation($input: CreateStaffUserInput!) { createStaffUser(input: $input) { id } }',
        {
          input: {
            email: `matrix.${nextSlot++}@hospital.example`,
            password: 'a long enough password',
            roles: ['BILLING'],
          },
        },
      );
      return { response, unchanged: async () => (await count()) === before };
    },
  },
  {
    area: 'Accounts',
    name: 'disable an account',
    allowed: ['ADMIN'],
    run: async (client) => {
      const target = await aStaffMember(admin, ['RECEPTION']);
      const response = await client.request('mutation($id: ID!) { disableUser(id: $id) { active } }', {
        id: target.userId,
      });
      return {
        response,
        unchanged: async () =>
          (
            await read<{ user: { active: boolean } }>('query($id: ID!) { user(id: $id) { active } }', {
              id: target.userId,
            })
          ).user.active,
      };
    },
  },
  {
    area: 'Accounts',
    name: 'link an account to a doctor profile',
    allowed: ['ADMIN'],
    run: async (client) => {
      const target = await aStaffMember(admin, ['RECEPTION']);
      const profile = await aDoctor(admin, department.id);
      await untilLinkable(graph, profile.id);
      const response = await client.request(
        'mutation($user: ID!, $doctor: ID!) { linkDoctor(userId: $user, doctorId: $doctor) { id } }',
        {
          user: target.userId,
          doctor: profile.id,
        },
      );
      return {
        response,
        unchanged: async () =>
          (
            await read<{ user: { doctorId: string | null } }>('query($id: ID!) { user(id: $id) { doctorId } }', {
              id: target.userId,
            })
          ).user.doctorId === null,
      };
    },
  },
  {
    area: 'Clinical records',
    name: 'issue a prescription in a checked-in appointment',
    allowed: ['DOCTOR'],
    run: async (client) => {
      const before = await clinicalTotal('prescriptions');
      const response = await client.request(ISSUE, prescriptionInput());
      return { response, unchanged: async () => (await clinicalTotal('prescriptions')) === before };
    },
  },
  {
    area: 'Clinical records',
    name: 'add a medical record entry for a patient of the doctor',
    allowed: ['DOCTOR'],
    run: async (client) => {
      const before = await clinicalTotal('medicalRecords');
      const response = await client.request(ADD_ENTRY, {
        input: { patientId: patientA, kind: 'VITALS', data: { temperatureCelsius: 37.2 } },
      });
      return { response, unchanged: async () => (await clinicalTotal('medicalRecords')) === before };
    },
  },
  {
    area: 'Clinical records',
    name: "read a prescription of the patient's own (a patient of the doctor)",
    allowed: ['PATIENT', 'DOCTOR'],
    run: async (client) => ({
      response: await client.request('query($id: ID!) { prescription(id: $id) { id medicationText } }', {
        id: prescriptionOfA,
      }),
    }),
  },
  {
    area: 'Clinical records',
    name: "read a medical record entry of the patient's own",
    allowed: ['PATIENT', 'DOCTOR'],
    run: async (client) => ({
      response: await client.request('query($id: ID!) { medicalRecordEntry(id: $id) { id data } }', { id: entryOfA }),
    }),
  },
  {
    area: 'Clinical records',
    name: "read the patient's own prescriptions and medical record",
    allowed: ['PATIENT', 'DOCTOR'],
    run: async (client) => ({
      response: await client.request(
        'query($id: ID!) { patient(id: $id) { prescriptions { totalCount } medicalRecords { totalCount } } }',
        { id: patientA },
      ),
    }),
  },
  {
    area: 'Clinical records',
    name: "read the prescriptions of the patient's own appointment",
    allowed: ['PATIENT', 'DOCTOR'],
    run: async (client) => ({
      response: await client.request('query($id: ID!) { appointment(id: $id) { prescriptions { id } } }', {
        id: checkedInOfA,
      }),
    }),
  },
  {
    area: 'Clinical records',
    name: 'import prescriptions from another system',
    allowed: ['ADMIN'],
    run: async (client) => {
      const before = await clinicalTotal('prescriptions');
      const response = await client.request(
        'mutation($input: ImportPrescriptionsInput!) { importPrescriptions(input: $input) { created } }',
        { input: { prescriptions: [{ ...importRow(), medicationText: 'Aspirin 81 MG Oral Tablet' }] } },
      );
      return { response, unchanged: async () => (await clinicalTotal('prescriptions')) === before };
    },
  },
  {
    area: 'Clinical records',
    name: 'import medical record entries from another system',
    allowed: ['ADMIN'],
    run: async (client) => {
      const before = await clinicalTotal('medicalRecords');
      const { issuedAt, ...row } = importRow();
      const response = await client.request(
        'mutation($input: ImportMedicalRecordEntriesInput!) { importMedicalRecordEntries(input: $input) { created } }',
        {
          input: {
            entries: [{ ...row, effectiveAt: issuedAt, kind: 'ENCOUNTER_NOTE', data: { note: 'Imported visit' } }],
          },
        },
      );
      return { response, unchanged: async () => (await clinicalTotal('medicalRecords')) === before };
    },
  },
  {
    area: 'Medicine catalogue',
    name: 'list medicines',
    allowed: SIGNED_IN,
    run: async (client) => ({
      response: await client.request('{ medicines { totalCount edges { node { id name } } } }'),
    }),
  },
  {
    area: 'Medicine catalogue',
    name: 'find medicines by code',
    allowed: ['ADMIN'],
    run: async (client) => ({
      response: await client.request('{ medicinesByCode(system: RXNORM, codes: ["308192"]) { id } }'),
    }),
  },
  {
    area: 'Medicine catalogue',
    name: 'create a medicine',
    allowed: ['ADMIN'],
    run: async (client) => {
      const name = `Newmedicine ${randomUUID()}`;
      const count = async () =>
        (
          await read<{ medicines: { totalCount: number } }>(
            'query($s: String) { medicines(search: $s) { totalCount } }',
            {
              s: name,
            },
          )
        ).medicines.totalCount;
      const response = await client.request(
        'mutation($input: CreateMedicineInput!) { createMedicine(input: $input) { id } }',
        { input: { name } },
      );
      return { response, unchanged: async () => (await count()) === 0 };
    },
  },
  {
    area: 'Medicine catalogue',
    name: 'update a medicine',
    allowed: ['ADMIN'],
    run: async (client) => {
      const nameOf = async () =>
        (
          await read<{ medicine: { form: string } }>('query($id: ID!) { medicine(id: $id) { form } }', {
            id: medicineId,
          })
        ).medicine.form;
      const before = await nameOf();
      const response = await client.request(
        'mutation($id: ID!, $input: UpdateMedicineInput!) { updateMedicine(id: $id, input: $input) { id } }',
        { id: medicineId, input: { form: `Form ${randomUUID().slice(0, 8)}` } },
      );
      return { response, unchanged: async () => (await nameOf()) === before };
    },
  },
  {
    area: 'Notifications',
    name: "read one's own notification feed",
    allowed: SIGNED_IN,
    run: async (client) => ({
      response: await client.request('{ myNotifications(first: 5) { totalCount edges { node { id message } } } }'),
    }),
  },
  {
    area: 'Notifications',
    name: "read one's own notification",
    allowed: SIGNED_IN,
    run: async (client) => ({
      response: await client.request('query($id: ID!) { notification(id: $id) { id eventType message } }', {
        id: ownNotification.get(client) ?? randomUUID(),
      }),
    }),
  },
  {
    area: 'Notifications',
    name: "mark one's own notification read",
    allowed: SIGNED_IN,
    run: async (client) => {
      const id = ownNotification.get(client) ?? randomUUID();
      const readAt = async () =>
        (await subgraphOf(graph, 'notifications').runtime.orm.em.fork().findOne(Notification, { id }))?.readAt ?? null;
      const response = await client.request('mutation($id: ID!) { markNotificationRead(id: $id) { id readAt } }', {
        id,
      });
      return { response, unchanged: async () => (await readAt()) === null };
    },
  },
  {
    area: 'Notification templates',
    name: 'list notification templates',
    allowed: ['ADMIN'],
    run: async (client) => ({
      response: await client.request('{ notificationTemplates(eventType: BILL_ISSUED) { channel body variables } }'),
    }),
  },
  {
    area: 'Notification templates',
    name: 'edit a notification template',
    allowed: ['ADMIN'],
    run: async (client) => {
      const key = { eventType: 'BILL_ISSUED' as const, channel: 'IN_APP' as const, audience: 'PATIENT' as const };
      const bodyOf = async () =>
        (await subgraphOf(graph, 'notifications').runtime.orm.em.fork().findOneOrFail(NotificationTemplate, key)).body;
      const before = await bodyOf();
      const response = await client.request(
        'mutation($input: UpdateNotificationTemplateInput!) { updateNotificationTemplate(input: $input) { body } }',
        { input: { ...key, body: `Bill {{billNumber}} of {{amount}} (${randomUUID().slice(0, 8)}).` } },
      );
      return { response, unchanged: async () => (await bodyOf()) === before };
    },
  },
  {
    area: 'Accounts',
    name: 'rotate the signing key',
    allowed: ['ADMIN'],
    run: async (client) => {
      const kids = async () =>
        (
          (await (
            await fetch(graph.subgraphUrls.identity!.replace(/\/graphql$/, '/.well-known/jwks.json'))
          ).json()) as { keys: { kid: string }[] }
        ).keys
          .map((key) => key.kid)
          .join();
      const before = await kids();
      const response = await client.request('mutation { rotateSigningKey }');
      return { response, unchanged: async () => (await kids()) === before };
    },
  },
  {
    area: 'Audit log',
    name: 'read the audit log',
    allowed: ['ADMIN'],
    run: async (client) => ({
      response: await client.request(
        '{ auditEvents(first: 5) { totalCount edges { node { id action resourceType actor { userId } } } } }',
      ),
    }),
  },
  {
    area: 'Audit log',
    name: "read who accessed one's own patient record",
    allowed: ['PATIENT'],
    run: async (client) => ({
      response: await client.request(
        '{ myRecordAccessLog(first: 5) { totalCount edges { node { actor { userId roles } resourceType outcome } } } }',
      ),
    }),
  },
  {
    area: 'Audit log',
    name: 'check the audit chain',
    allowed: ['ADMIN'],
    run: async (client) => ({ response: await client.request('{ auditChainStatus { valid length checkedAt } }') }),
  },
];

const CELLS = OPERATIONS.flatMap((operation) =>
  ROLES.map((role) => [operation.area, operation.name, role, operation.allowed.includes(role)] as const),
);

describe(`SPEC §2 (${OPERATIONS.length} operations × ${ROLES.length} callers = ${CELLS.length} cells)`, () => {
  it.each(CELLS)('%s: %s — %s — allowed: %s', async (_area, name, role, allowed) => {
    const operation = OPERATIONS.find((candidate) => candidate.name === name)!;
    const { response, unchanged } = await operation.run(clients[role]);
    if (allowed) {
      expect(response.errors).toBeUndefined();
      // An allowed call answers with data (a null here would be a silent refusal) and, for a write, changes it.
      const data = (response.data ?? {}) as Record<string, unknown>;
      expect(Object.keys(data).length).toBeGreaterThan(0);
      expect(Object.values(data).every((value) => value !== null && value !== undefined)).toBe(true);
      if (unchanged) expect(await unchanged()).toBe(false);
      return;
    }
    expect(response.errors?.[0]?.extensions?.code).toBe(role === 'ANONYMOUS' ? 'UNAUTHENTICATED' : 'FORBIDDEN');
    const data = (response.data ?? {}) as Record<string, unknown>;
    expect(Object.values(data).every((value) => value === null)).toBe(true);
    if (unchanged) expect(await unchanged()).toBe(true);
  });

  it("never shows another's notification: null by id, NOT_FOUND to mark, and left as it was", async () => {
    const ofA = ownNotification.get(clients.PATIENT)!;
    const readAt = async () => (await notificationsOf(patientA)).find((row) => row.id === ofA)?.readAt ?? null;
    const before = await readAt();
    for (const role of ['DOCTOR', 'RECEPTION', 'BILLING', 'ADMIN'] as const) {
      const read = await clients[role].request('query($id: ID!) { notification(id: $id) { id message } }', { id: ofA });
      expect(read.errors).toBeUndefined();
      expect(read.data).toEqual({ notification: null });
      const mark = await clients[role].request('mutation($id: ID!) { markNotificationRead(id: $id) { id } }', {
        id: ofA,
      });
      expect(mark.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(mark.data ?? null).toBeNull();
    }
    expect(await readAt()).toEqual(before);
  });

  it('lets a doctor list exactly the patients they have or had an appointment with', async () => {
    const stranger = await aPatient(admin);
    const data = await clients.DOCTOR.data<{ patients: { edges: { node: { id: string } }[] } }>(
      '{ patients(first: 100) { edges { node { id } } } }',
    );
    const ids = data.patients.edges.map((edge) => edge.node.id);
    expect(ids).toContain(patientA);
    expect(ids).not.toContain(stranger.id);
    const all = await read<{ patients: { totalCount: number } }>('{ patients { totalCount } }');
    expect(ids.length).toBeLessThan(all.patients.totalCount);
  });
});
