/**
 * Prescriptions as doctors issue them and patients and doctors read them, on a real database (PostgreSQL when
 * configured), through the subgraph's own context factory, consumers and resolvers: who may prescribe in which
 * appointment (as this subgraph learnt it from `appointment-events`), the bounds of a prescription, who reads it by
 * every path (root field, `Patient.prescriptions`, `Appointment.prescriptions`, `_entities`), and the newest-first
 * pages of a patient's prescriptions.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Principal } from '../../platform/auth/principal.ts';
import { newId } from '../../platform/db/base.entity.ts';
import { Prescription } from './prescription.entity.ts';
import type { IssuePrescriptionInput } from './prescription.inputs.ts';
import { PrescriptionRepository } from './prescription.repository.ts';
import {
  anAppointment,
  appointmentEvent,
  codeOf,
  doctorUser,
  NOW,
  openPrescriptionsTestBed,
  outboxOf,
  patientUser,
  staffUser,
  type AppointmentFacts,
  type PrescriptionsTestBed,
} from './prescriptions.fixtures.ts';

let bed: PrescriptionsTestBed;

beforeAll(async () => {
  bed = await openPrescriptionsTestBed();
});
afterAll(async () => {
  await bed?.close();
});

const STATUS_EVENT: Record<string, string> = {
  PENDING: 'AppointmentBooked',
  CONFIRMED: 'AppointmentConfirmed',
  REJECTED: 'AppointmentRejected',
  CANCELLED: 'AppointmentCancelled',
  CHECKED_IN: 'AppointmentCheckedIn',
  COMPLETED: 'AppointmentCompleted',
  NO_SHOW: 'AppointmentMarkedNoShow',
};

/** An appointment booked, then moved to `status`, as this subgraph hears of it. */
async function anAppointmentIn(status: string, facts: Partial<AppointmentFacts> = {}): Promise<AppointmentFacts> {
  const appointment = anAppointment(facts);
  expect(await bed.deliver('appointment-events', appointmentEvent('AppointmentBooked', appointment, 'PENDING'))).toBe(
    'handled',
  );
  if (status !== 'PENDING') {
    const later = new Date(NOW.getTime() + 60_000);
    expect(
      await bed.deliver('appointment-events', appointmentEvent(STATUS_EVENT[status]!, appointment, status, later)),
    ).toBe('handled');
  }
  return appointment;
}

const prescriptionFor = (
  appointment: AppointmentFacts,
  overrides: Partial<IssuePrescriptionInput> = {},
): IssuePrescriptionInput => ({
  appointmentId: appointment.appointmentId,
  medicineId: null,
  medicationText: 'Amoxicillin 500 MG Oral Tablet',
  dose: { value: 500, unit: 'mg' },
  timesPerDay: 3,
  durationDays: 7,
  instructions: 'After meals',
  reason: { system: 'SNOMED_CT', code: '43878008', display: 'Streptococcal sore throat' },
  ...overrides,
});

const asDoctor = (appointment: AppointmentFacts) => bed.as(doctorUser(appointment.doctorId));
const prescriptionsOf = (patientId: string) => bed.orm.em.fork().find(Prescription, { patientId });

describe('issuing a prescription', () => {
  it('records it for the patient of a checked-in appointment, by its doctor, and announces it without the medicine', async () => {
    const appointment = await anAppointmentIn('CHECKED_IN');
    const issued = await asDoctor(appointment).prescriptions.issue(prescriptionFor(appointment));
    const stored = await bed.orm.em.fork().findOneOrFail(Prescription, { id: issued.id });
    expect(stored).toMatchObject({
      patientId: appointment.patientId,
      doctorId: appointment.doctorId,
      appointmentId: appointment.appointmentId,
      medicine: null,
      medicationText: 'Amoxicillin 500 MG Oral Tablet',
      doseValue: 500,
      doseUnit: 'mg',
      timesPerDay: 3,
      durationDays: 7,
      instructions: 'After meals',
      reasonSystem: 'SNOMED_CT',
      reasonCode: '43878008',
      issuedAt: NOW,
      identifierSystem: null,
    });
    const events = await outboxOf(bed.orm, appointment.patientId, 'PrescriptionIssued');
    expect(events).toHaveLength(1);
    expect(events[0]!.payload).toEqual({
      prescriptionId: issued.id,
      patientId: appointment.patientId,
      doctorId: appointment.doctorId,
      appointmentId: appointment.appointmentId,
      medicineId: null,
      issuedAt: NOW.toISOString(),
      identifier: null,
    });
    expect(JSON.stringify(events[0])).not.toMatch(/Amoxicillin|After meals/);
  });

  it('is allowed after the appointment is completed', async () => {
    const appointment = await anAppointmentIn('COMPLETED');
    await expect(asDoctor(appointment).prescriptions.issue(prescriptionFor(appointment))).resolves.toMatchObject({
      patientId: appointment.patientId,
    });
  });

  it('keeps the name a catalogue medicine had when it was prescribed', async () => {
    const admin = bed.as(staffUser('ADMIN'));
    const medicine = await admin.medicines.create({
      name: 'Ibuprofen 200 MG Oral Tablet',
      strength: '200 MG',
      form: 'Oral Tablet',
      code: { system: 'RXNORM', code: `rx-${newId()}`, display: null },
    });
    const appointment = await anAppointmentIn('CHECKED_IN');
    const issued = await asDoctor(appointment).prescriptions.issue(
      prescriptionFor(appointment, { medicineId: medicine.id, medicationText: null }),
    );
    await admin.medicines.update(medicine.id, { name: 'Ibuprofen 200 MG Oral Capsule' });
    const read = await bed.execute(
      doctorUser(appointment.doctorId),
      'query($id: ID!) { prescription(id: $id) { medicationText medicine { id name } } }',
      { id: issued.id },
    );
    expect(read.errors).toEqual([]);
    expect(read.data?.prescription).toEqual({
      medicationText: 'Ibuprofen 200 MG Oral Tablet',
      medicine: { id: medicine.id, name: 'Ibuprofen 200 MG Oral Capsule' },
    });
  });

  it.each(['PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED', 'NO_SHOW'])(
    'is FORBIDDEN in a %s appointment, writing nothing',
    async (status) => {
      const appointment = await anAppointmentIn(status);
      expect(await codeOf(asDoctor(appointment).prescriptions.issue(prescriptionFor(appointment)))).toBe('FORBIDDEN');
      expect(await prescriptionsOf(appointment.patientId)).toEqual([]);
      expect(await outboxOf(bed.orm, appointment.patientId)).toEqual([]);
    },
  );

  it('is FORBIDDEN to another doctor, a doctor without a profile and every other role', async () => {
    const appointment = await anAppointmentIn('CHECKED_IN');
    const callers: Principal[] = [
      doctorUser(),
      { userId: newId(), roles: ['DOCTOR'] },
      staffUser('ADMIN'),
      staffUser('RECEPTION'),
      staffUser('BILLING'),
      patientUser(appointment.patientId),
    ];
    for (const caller of callers) {
      expect(await codeOf(bed.as(caller).prescriptions.issue(prescriptionFor(appointment)))).toBe('FORBIDDEN');
    }
    expect(await prescriptionsOf(appointment.patientId)).toEqual([]);
  });

  it('is NOT_FOUND for an appointment this subgraph has not heard of', async () => {
    const unknown = anAppointment();
    expect(await codeOf(asDoctor(unknown).prescriptions.issue(prescriptionFor(unknown)))).toBe('NOT_FOUND');
  });

  it('refuses an unknown or a withdrawn medicine on input.medicineId', async () => {
    const admin = bed.as(staffUser('ADMIN'));
    const withdrawn = await admin.medicines.create({ name: 'Withdrawn 1 MG', strength: null, form: null, code: null });
    await admin.medicines.update(withdrawn.id, { active: false });
    const appointment = await anAppointmentIn('CHECKED_IN');
    for (const medicineId of [withdrawn.id, newId()]) {
      await expect(
        asDoctor(appointment).prescriptions.issue(prescriptionFor(appointment, { medicineId, medicationText: null })),
      ).rejects.toMatchObject({ code: 'BAD_USER_INPUT', details: { field: 'input.medicineId' } });
    }
    expect(await prescriptionsOf(appointment.patientId)).toEqual([]);
  });

  it('refuses every value out of bounds with BAD_USER_INPUT naming it, writing nothing', async () => {
    const appointment = await anAppointmentIn('CHECKED_IN');
    const mutation = `mutation($input: IssuePrescriptionInput!) { issuePrescription(input: $input) { id } }`;
    const base = {
      appointmentId: appointment.appointmentId,
      medicationText: 'Paracetamol 500 MG Oral Tablet',
      dose: { value: 500, unit: 'mg' },
      timesPerDay: 3,
      durationDays: 5,
    };
    for (const [change, field] of [
      [{ dose: { value: 0, unit: 'mg' } }, 'input.dose.value'],
      [{ dose: { value: 100_001, unit: 'mg' } }, 'input.dose.value'],
      [{ dose: { value: 500, unit: '' } }, 'input.dose.unit'],
      [{ dose: { value: 500, unit: 'milligrams-per-dose!!' } }, 'input.dose.unit'],
      [{ timesPerDay: 0 }, 'input.timesPerDay'],
      [{ timesPerDay: 25 }, 'input.timesPerDay'],
      [{ durationDays: 0 }, 'input.durationDays'],
      [{ durationDays: 366 }, 'input.durationDays'],
      [{ instructions: 'x'.repeat(2001) }, 'input.instructions'],
      [{ medicationText: 'x'.repeat(501) }, 'input.medicationText'],
      [{ medicationText: null }, 'input.medicineId'],
      [{ medicineId: newId() }, 'input.medicationText'],
      [{ reason: { system: 'ICD_10', code: 'x'.repeat(65) } }, 'input.reason.code'],
    ] as const) {
      const answer = await bed.execute(doctorUser(appointment.doctorId), mutation, { input: { ...base, ...change } });
      expect({ change, errors: answer.errors.map(({ code, field: f }) => [code, f]) }).toEqual({
        change,
        errors: [['BAD_USER_INPUT', field]],
      });
    }
    expect(await prescriptionsOf(appointment.patientId)).toEqual([]);
  });

  it('follows the newest appointment event: an older one arriving late, or one delivered again, changes nothing', async () => {
    const appointment = await anAppointmentIn('CHECKED_IN');
    const older = appointmentEvent('AppointmentConfirmed', appointment, 'CONFIRMED', new Date(NOW.getTime() + 1_000));
    expect(await bed.deliver('appointment-events', older)).toBe('handled');
    expect(await bed.deliver('appointment-events', older)).toBe('duplicate');
    await expect(asDoctor(appointment).prescriptions.issue(prescriptionFor(appointment))).resolves.toBeDefined();
  });
});

describe('reading prescriptions', () => {
  let appointment: AppointmentFacts;
  let prescriptionIds: string[];
  /** A doctor whose only appointment with the patient was cancelled long ago: still one of their doctors. */
  let formerDoctor: string;

  beforeAll(async () => {
    appointment = await anAppointmentIn('CHECKED_IN');
    formerDoctor = (await anAppointmentIn('CANCELLED', { patientId: appointment.patientId })).doctorId;
    prescriptionIds = [];
    for (const medicationText of ['First', 'Second']) {
      prescriptionIds.push(
        (await asDoctor(appointment).prescriptions.issue(prescriptionFor(appointment, { medicationText }))).id,
      );
    }
  });

  const reads = () => [
    {
      path: 'prescription(id)',
      query: 'query($id: ID!) { prescription(id: $id) { id patient { id } } }',
      variables: { id: prescriptionIds[0] },
    },
    {
      path: '_entities Prescription',
      query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Prescription { id medicationText } } }',
      variables: { r: prescriptionIds.map((id) => ({ __typename: 'Prescription', id })) },
    },
    {
      path: 'Patient.prescriptions',
      query: `query($r: [_Any!]!) { _entities(representations: $r) {
        ... on Patient { prescriptions { totalCount edges { node { id } } } } } }`,
      variables: { r: [{ __typename: 'Patient', id: appointment.patientId }] },
    },
    {
      path: 'Appointment.prescriptions',
      query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Appointment { prescriptions { id } } } }',
      variables: { r: [{ __typename: 'Appointment', id: appointment.appointmentId }] },
    },
  ];

  it('lets the patient, the doctor of the appointment and a former doctor of the patient read them by every path', async () => {
    for (const caller of [
      patientUser(appointment.patientId),
      doctorUser(appointment.doctorId),
      doctorUser(formerDoctor),
    ]) {
      for (const read of reads()) {
        const answer = await bed.execute(caller, read.query, read.variables);
        expect({ path: read.path, errors: answer.errors }).toEqual({ path: read.path, errors: [] });
        for (const id of prescriptionIds) {
          if (read.path !== 'prescription(id)' || id === prescriptionIds[0]) {
            expect(JSON.stringify(answer.data)).toContain(id);
          }
        }
      }
    }
  });

  it('refuses everyone else with FORBIDDEN by every path, disclosing nothing', async () => {
    const outsiders: Principal[] = [
      doctorUser(),
      { userId: newId(), roles: ['DOCTOR'] },
      staffUser('RECEPTION'),
      staffUser('BILLING'),
      staffUser('ADMIN'),
      patientUser(newId()),
    ];
    for (const caller of outsiders) {
      for (const read of reads()) {
        const answer = await bed.execute(caller, read.query, read.variables);
        expect({ who: caller.roles, path: read.path, codes: answer.errors.map((error) => error.code) }).toEqual({
          who: caller.roles,
          path: read.path,
          codes: expect.arrayContaining(['FORBIDDEN']),
        });
        for (const id of prescriptionIds) expect(JSON.stringify(answer.data ?? null)).not.toContain(id);
      }
    }
  });

  it('refuses an admin in the service too, whatever the schema lets through', async () => {
    const admin = bed.as(staffUser('ADMIN', 'DOCTOR'));
    expect(await codeOf(admin.prescriptions.listOfPatient(appointment.patientId, {}))).toBe('FORBIDDEN');
  });

  it('refuses an outsider the prescriptions of an appointment that has none, and gives its doctor none', async () => {
    const empty = await anAppointmentIn('CONFIRMED');
    const query =
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Appointment { prescriptions { id } } } }';
    const variables = { r: [{ __typename: 'Appointment', id: empty.appointmentId }] };
    expect((await bed.execute(doctorUser(), query, variables)).errors.map((error) => error.code)).toEqual([
      'FORBIDDEN',
    ]);
    const own = await bed.execute(doctorUser(empty.doctorId), query, variables);
    expect(own).toEqual({ data: { _entities: [{ prescriptions: [] }] }, errors: [] });
  });

  it('checks the care relationships of a whole batch of references with one query', async () => {
    const spy = jest.spyOn(PrescriptionRepository.prototype, 'careRelationships');
    try {
      const other = await anAppointmentIn('CHECKED_IN', { doctorId: appointment.doctorId });
      const third = (await asDoctor(other).prescriptions.issue(prescriptionFor(other))).id;
      spy.mockClear();
      const answer = await bed.execute(
        doctorUser(appointment.doctorId),
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Prescription { id } } }',
        { r: [...prescriptionIds, third].map((id) => ({ __typename: 'Prescription', id })) },
      );
      expect(answer.errors).toEqual([]);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });
});

describe("a patient's prescriptions", () => {
  it('come newest first in pages, with a total, and refuse a cursor of another list', async () => {
    const appointment = await anAppointmentIn('CHECKED_IN');
    const issued: string[] = [];
    for (let minute = 0; minute < 5; minute++) {
      bed.setNow(new Date(NOW.getTime() + minute * 60_000));
      issued.push((await asDoctor(appointment).prescriptions.issue(prescriptionFor(appointment))).id);
    }
    bed.setNow(NOW);
    const patient = bed.as(patientUser(appointment.patientId));
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await patient.prescriptions.listOfPatient(appointment.patientId, { first: 2, after });
      seen.push(...page.edges.map((edge) => edge.node.id));
      expect(await page.totalCount()).toBe(5);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual([...issued].reverse());
    expect(
      await codeOf(patient.prescriptions.listOfPatient(appointment.patientId, { after: 'bm90LWEtY3Vyc29y' })),
    ).toBe('BAD_USER_INPUT');
    expect(await codeOf(patient.prescriptions.listOfPatient(appointment.patientId, { first: 101 }))).toBe(
      'BAD_USER_INPUT',
    );
  });
});
