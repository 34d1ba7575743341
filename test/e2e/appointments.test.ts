/**
 * Booking through the gateway and reading it back across subgraphs: the federated query of the foundation
 * issue (patients → appointments → doctor → department), the slot rules and the database's guarantee that
 * one doctor slot and one patient time hold at most one active appointment, also under concurrency.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { GraphClient } from '../../platform/graphql/client.ts';
import { startTestGraph, type TestGraph } from '../../platform/testing/graph.ts';
import {
  aDepartment,
  aDoctor,
  aPatient,
  aSignedUpPatient,
  BOOK,
  bookablePatients,
  slotAt,
  untilBookable,
  type Department,
  type Doctor,
} from '../builders.ts';

let graph: TestGraph;
let admin: GraphClient;
let cardiology: Department;
let surgery: Department;
let doctor: Doctor;
let otherDoctor: Doctor;

beforeAll(async () => {
  graph = await startTestGraph();
  admin = await graph.admin();
  cardiology = await aDepartment(admin, { name: 'Cardiology', code: 'CARD' });
  surgery = await aDepartment(admin, { name: 'Surgery', code: 'SURG' });
  doctor = await aDoctor(admin, cardiology.id, { givenName: 'Helen', familyName: 'Taussig' });
  otherDoctor = await aDoctor(admin, surgery.id, { givenName: 'Charles', familyName: 'Drew' });
  await untilBookable(graph, { doctorIds: [doctor.id, otherDoctor.id] });
});
afterAll(async () => {
  await graph?.stop();
});

const bookablePatient = async (overrides: Record<string, unknown> = {}) =>
  (await bookablePatients(graph, admin, 1, overrides))[0]!;

const book = (client: GraphClient, input: Record<string, unknown>) => client.request(BOOK, { input });

describe('booking', () => {
  it('books a slot as PENDING, one slot long, and refuses the same doctor slot again', async () => {
    const [first, second] = [await bookablePatient(), await bookablePatient()];
    const startsAt = slotAt(7, 10);
    const booked = await admin.data<{ bookAppointment: { status: string; startsAt: string; endsAt: string } }>(BOOK, {
      input: { patientId: first.id, doctorId: doctor.id, departmentId: cardiology.id, startsAt },
    });
    expect(booked.bookAppointment).toMatchObject({ status: 'PENDING', startsAt });
    expect(Date.parse(booked.bookAppointment.endsAt) - Date.parse(startsAt)).toBe(30 * 60_000);

    const taken = await book(admin, {
      patientId: second.id,
      doctorId: doctor.id,
      departmentId: cardiology.id,
      startsAt,
    });
    expect(taken.errors?.[0]?.extensions?.code).toBe('SLOT_UNAVAILABLE');
  });

  it('refuses a second appointment of one patient at the same time with another doctor', async () => {
    const patient = await bookablePatient();
    const startsAt = slotAt(7, 11);
    await admin.data(BOOK, {
      input: { patientId: patient.id, doctorId: doctor.id, departmentId: cardiology.id, startsAt },
    });
    const double = await book(admin, {
      patientId: patient.id,
      doctorId: otherDoctor.id,
      departmentId: surgery.id,
      startsAt,
    });
    expect(double.errors?.[0]?.extensions?.code).toBe('PATIENT_DOUBLE_BOOKED');
  });

  it('refuses a slot that does not start on the hour or half hour', async () => {
    const patient = await bookablePatient();
    const response = await book(admin, {
      patientId: patient.id,
      doctorId: doctor.id,
      departmentId: cardiology.id,
      startsAt: slotAt(7, 12, 15),
    });
    expect(response.errors?.[0]?.extensions?.code).toBe('INVALID_SLOT');
  });

  it("refuses a department that is not the doctor's", async () => {
    const patient = await bookablePatient();
    const response = await book(admin, {
      patientId: patient.id,
      doctorId: doctor.id,
      departmentId: surgery.id,
      startsAt: slotAt(7, 13),
    });
    expect(response.errors?.[0]?.extensions?.code).toBe('DEPARTMENT_MISMATCH');
  });

  it('refuses unknown patients and doctors as bad input', async () => {
    const patient = await bookablePatient();
    const unknown = '0192f000-0000-7000-8000-000000000000';
    const noDoctor = await book(admin, {
      patientId: patient.id,
      doctorId: unknown,
      departmentId: cardiology.id,
      startsAt: slotAt(7, 14),
    });
    expect(noDoctor.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.doctorId' });
    const noPatient = await book(admin, {
      patientId: unknown,
      doctorId: doctor.id,
      departmentId: cardiology.id,
      startsAt: slotAt(7, 14),
    });
    expect(noPatient.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.patientId' });
  });

  it('frees the slot when the appointment is cancelled, and refuses to cancel twice', async () => {
    const [first, second] = [await bookablePatient(), await bookablePatient()];
    const startsAt = slotAt(8, 9, 30);
    const booked = await admin.data<{ bookAppointment: { id: string } }>(BOOK, {
      input: { patientId: first.id, doctorId: doctor.id, departmentId: cardiology.id, startsAt },
    });
    const cancel =
      'mutation($id: ID!) { cancelAppointment(id: $id, reason: "Feeling better") { status cancelledAt cancellationReason } }';
    const cancelled = await admin.data<{ cancelAppointment: { status: string; cancellationReason: string } }>(cancel, {
      id: booked.bookAppointment.id,
    });
    expect(cancelled.cancelAppointment).toMatchObject({ status: 'CANCELLED', cancellationReason: 'Feeling better' });
    expect((await admin.request(cancel, { id: booked.bookAppointment.id })).errors?.[0]?.extensions?.code).toBe(
      'INVALID_STATUS_TRANSITION',
    );
    const rebooked = await book(admin, {
      patientId: second.id,
      doctorId: doctor.id,
      departmentId: cardiology.id,
      startsAt,
    });
    expect(rebooked.errors).toBeUndefined();
  });

  it('lets exactly one of many concurrent bookings of one doctor slot succeed', async () => {
    const patients = await Promise.all(Array.from({ length: 12 }, () => aPatient(admin)));
    await untilBookable(graph, { patientIds: patients.map((patient) => patient.id) });
    const startsAt = slotAt(9, 15);
    const responses = await Promise.all(
      patients.map((patient) =>
        book(admin, { patientId: patient.id, doctorId: doctor.id, departmentId: cardiology.id, startsAt }),
      ),
    );
    const codes = responses.map((response) => response.errors?.[0]?.extensions?.code ?? 'OK');
    expect(codes.filter((code) => code === 'OK')).toHaveLength(1);
    expect(codes.filter((code) => code !== 'OK').every((code) => code === 'SLOT_UNAVAILABLE')).toBe(true);
  });
});

describe('what patients may do', () => {
  async function signedUpPatient(): Promise<{ client: GraphClient; patientId: string }> {
    const patient = await aSignedUpPatient(graph);
    await untilBookable(graph, { patientIds: [patient.patientId] });
    return patient;
  }

  it('book for themselves but not for someone else, and see only their own appointments', async () => {
    const alice = await signedUpPatient();
    const bob = await signedUpPatient();
    const own = await book(alice.client, {
      patientId: alice.patientId,
      doctorId: doctor.id,
      departmentId: cardiology.id,
      startsAt: slotAt(10, 9),
    });
    expect(own.errors).toBeUndefined();
    const forBob = await book(alice.client, {
      patientId: bob.patientId,
      doctorId: doctor.id,
      departmentId: cardiology.id,
      startsAt: slotAt(10, 10),
    });
    expect(forBob.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const bobsRecord = await alice.client.request('query($id: ID!) { patient(id: $id) { id givenName } }', {
      id: bob.patientId,
    });
    expect(bobsRecord.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(bobsRecord.data?.patient ?? null).toBeNull();

    const list = await alice.client.data<{ appointments: { edges: { node: { patient: { id: string } } }[] } }>(
      '{ appointments { edges { node { patient { id } } } } }',
    );
    expect(list.appointments.edges.map((edge) => edge.node.patient.id)).toEqual([alice.patientId]);
    const asked = await alice.client.request(
      'query($id: ID!) { appointments(filter: { patientId: $id }) { totalCount } }',
      { id: bob.patientId },
    );
    expect(asked.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('may not register patients or create doctors', async () => {
    const patient = await signedUpPatient();
    const response = await patient.client.request(
      'mutation { registerPatient(input: { givenName: "X", familyName: "Y", birthDate: "2000-01-01" }) { id } }',
    );
    expect(response.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('the federated graph', () => {
  /** Books `patientId` with the cardiologist at each of `slots`, one after another. */
  async function bookWithHelen(patientId: string, slots: string[]): Promise<void> {
    for (const startsAt of slots) {
      await admin.data(BOOK, { input: { patientId, doctorId: doctor.id, departmentId: cardiology.id, startsAt } });
    }
  }

  it('returns patients with their appointments, and each appointment with its doctor and department', async () => {
    const patient = await bookablePatient({ givenName: 'Federico', familyName: 'Query' });
    await bookWithHelen(patient.id, [slotAt(11, 9), slotAt(12, 16)]);
    const data = await admin.data<{
      patients: {
        edges: {
          node: {
            id: string;
            mrn: string;
            appointments: {
              totalCount: number;
              edges: {
                node: {
                  status: string;
                  doctor: { displayName: string; department: { name: string } };
                  department: { code: string };
                };
              }[];
            };
          };
        }[];
      };
    }>(`{
      patients(search: "Federico") {
        edges { node { id mrn appointments { totalCount edges { node {
          status doctor { displayName department { name } } department { code }
        } } } } }
      }
    }`);
    const [edge] = data.patients.edges;
    expect(edge?.node.id).toBe(patient.id);
    expect(edge?.node.appointments.totalCount).toBe(2);
    expect(edge?.node.appointments.edges.map((appointment) => appointment.node)).toEqual([
      {
        status: 'PENDING',
        doctor: { displayName: 'Dr. Helen Taussig', department: { name: 'Cardiology' } },
        department: { code: 'CARD' },
      },
      {
        status: 'PENDING',
        doctor: { displayName: 'Dr. Helen Taussig', department: { name: 'Cardiology' } },
        department: { code: 'CARD' },
      },
    ]);
  });

  it("lists a doctor's appointments within a time window", async () => {
    const patient = await bookablePatient();
    await bookWithHelen(patient.id, [slotAt(13, 9), slotAt(14, 10)]);
    const data = await admin.data<{ doctor: { appointments: { edges: { node: { startsAt: string } }[] } } }>(
      'query($id: ID!, $from: DateTime, $to: DateTime) { doctor(id: $id) { appointments(from: $from, to: $to) { edges { node { startsAt } } } } }',
      { id: doctor.id, from: slotAt(13, 0), to: slotAt(14, 0) },
    );
    expect(data.doctor.appointments.edges.map((edge) => edge.node.startsAt)).toEqual([slotAt(13, 9)]);
  });
});
