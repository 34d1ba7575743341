/**
 * Medical records as doctors write and correct them, on a real database (PostgreSQL when configured), through the
 * subgraph's own context factory, consumers and resolvers: who may write for which patient, the content each kind
 * holds, and corrections that never touch the entry they correct (of two racing for one entry, exactly one wins).
 * Reading records: `medical-record-reads.int.test.ts`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Principal } from '../../platform/auth/principal.ts';
import { newId } from '../../platform/db/base.entity.ts';
import { MedicalRecordEntry } from './medical-record.entity.ts';
import type { AddMedicalRecordEntryInput } from './medical-record.inputs.ts';
import {
  aBookedAppointment,
  anAppointment,
  appointmentEvent,
  codeOf,
  diagnosisInput,
  doctorUser,
  NOW,
  openPrescriptionsTestBed,
  outboxOf,
  patientUser,
  staffUser,
  vitalsInput,
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

const aBooked = (facts: Partial<AppointmentFacts> = {}) => aBookedAppointment(bed, facts);
const asDoctor = (appointment: AppointmentFacts) => bed.as(doctorUser(appointment.doctorId));
const entriesOf = (patientId: string) =>
  bed.orm.em.fork().find(MedicalRecordEntry, { patientId }, { orderBy: { recordedAt: 'asc', id: 'asc' } });

describe('writing an entry', () => {
  it('records it in the appointment, by its doctor, effective now, and announces it without its content', async () => {
    const appointment = await aBooked();
    const entry = await asDoctor(appointment).records.add(
      vitalsInput(appointment.patientId, { appointmentId: appointment.appointmentId }),
    );
    const [stored] = await entriesOf(appointment.patientId);
    expect(stored).toMatchObject({
      id: entry.id,
      appointmentId: appointment.appointmentId,
      authorId: appointment.doctorId,
      kind: 'VITALS',
      codeSystem: null,
      data: { heartRateBpm: 72, systolicMmHg: 120, diastolicMmHg: 80 },
      effectiveAt: NOW,
      recordedAt: NOW,
      supersedesId: null,
    });
    const events = await outboxOf(bed.orm, appointment.patientId, 'MedicalRecordEntryAdded');
    expect(events.map((event) => event.payload)).toEqual([
      {
        entryId: entry.id,
        patientId: appointment.patientId,
        kind: 'VITALS',
        authorId: appointment.doctorId,
        appointmentId: appointment.appointmentId,
        supersedesId: null,
        effectiveAt: NOW.toISOString(),
        recordedAt: NOW.toISOString(),
        identifier: null,
      },
    ]);
  });

  it('lets a doctor who has or had an appointment with the patient write without naming one, effective in the past', async () => {
    const appointment = await aBooked();
    const onset = new Date('2026-02-20T08:00:00Z');
    const entry = await asDoctor(appointment).records.add(
      diagnosisInput(appointment.patientId, 'J02.9', { effectiveAt: onset }),
    );
    expect(entry).toMatchObject({ appointmentId: null, effectiveAt: onset, recordedAt: NOW });
  });

  it('learns of a care relationship from an imported past appointment too', async () => {
    const appointment = anAppointment();
    await bed.deliver('appointment-events', appointmentEvent('AppointmentImported', appointment, 'COMPLETED'));
    await expect(asDoctor(appointment).records.add(vitalsInput(appointment.patientId))).resolves.toBeDefined();
  });

  it('is FORBIDDEN without a care relationship, in another doctor’s appointment or one of another patient, and to non-doctors', async () => {
    const appointment = await aBooked();
    const otherPatients = await aBooked({ doctorId: appointment.doctorId });
    const cases: [Principal, AddMedicalRecordEntryInput][] = [
      [doctorUser(), vitalsInput(appointment.patientId)],
      [doctorUser(), vitalsInput(appointment.patientId, { appointmentId: appointment.appointmentId })],
      [
        doctorUser(appointment.doctorId),
        vitalsInput(appointment.patientId, { appointmentId: otherPatients.appointmentId }),
      ],
      [{ userId: newId(), roles: ['DOCTOR'] }, vitalsInput(appointment.patientId)],
      [staffUser('ADMIN'), vitalsInput(appointment.patientId)],
      [staffUser('RECEPTION'), vitalsInput(appointment.patientId)],
      [patientUser(appointment.patientId), vitalsInput(appointment.patientId)],
    ];
    for (const [caller, input] of cases) {
      expect(await codeOf(bed.as(caller).records.add(input))).toBe('FORBIDDEN');
    }
    expect(await entriesOf(appointment.patientId)).toEqual([]);
  });

  it('is NOT_FOUND in an appointment this subgraph has not heard of', async () => {
    const appointment = await aBooked();
    expect(
      await codeOf(asDoctor(appointment).records.add(vitalsInput(appointment.patientId, { appointmentId: newId() }))),
    ).toBe('NOT_FOUND');
  });

  it('refuses an effectiveAt in the future, and data or a code that do not fit the kind', async () => {
    const appointment = await aBooked();
    await expect(
      asDoctor(appointment).records.add(
        vitalsInput(appointment.patientId, { effectiveAt: new Date(NOW.getTime() + 1_000) }),
      ),
    ).rejects.toMatchObject({ code: 'BAD_USER_INPUT', details: { field: 'input.effectiveAt' } });
    const mutation = 'mutation($input: AddMedicalRecordEntryInput!) { addMedicalRecordEntry(input: $input) { id } }';
    for (const [input, field] of [
      [{ kind: 'VITALS', data: { heartRateBpm: 400 } }, 'input.data.heartRateBpm'],
      [{ kind: 'VITALS', data: {} }, 'input.data'],
      [{ kind: 'VITALS', data: { heartRateBpm: 60 }, code: { system: 'LOINC', code: '8867-4' } }, 'input.code'],
      [{ kind: 'DIAGNOSIS', data: { clinicalStatus: 'active' } }, 'input.code'],
      [{ kind: 'ALLERGY', data: { substance: 'Penicillin' }, code: { system: 'RXNORM', code: '7980' } }, 'input.code'],
      [{ kind: 'LAB_RESULT', data: { value: 1, flag: 'H' } }, 'input.data'],
      [{ kind: 'ENCOUNTER_NOTE', data: { note: '' } }, 'input.data.note'],
    ] as const) {
      const answer = await bed.execute(doctorUser(appointment.doctorId), mutation, {
        input: { patientId: appointment.patientId, ...input },
      });
      expect({ input, errors: answer.errors.map((error) => [error.code, error.field]) }).toEqual({
        input,
        errors: [['BAD_USER_INPUT', field]],
      });
    }
    expect(await entriesOf(appointment.patientId)).toEqual([]);
  });
});

describe('correcting an entry', () => {
  it('adds a new entry that supersedes the old one, which stays as it was and readable', async () => {
    const appointment = await aBooked();
    const doctor = asDoctor(appointment);
    const first = await doctor.records.add(diagnosisInput(appointment.patientId, 'J02.9'));
    const before = await bed.orm.em.fork().findOneOrFail(MedicalRecordEntry, { id: first.id });
    bed.setNow(new Date(NOW.getTime() + 60_000));
    const second = await doctor.records.add(
      diagnosisInput(appointment.patientId, 'J03.90', { supersedesId: first.id }),
    );
    const third = await doctor.records.add(
      diagnosisInput(appointment.patientId, 'J03.91', {
        supersedesId: second.id,
        data: { clinicalStatus: 'resolved' },
      }),
    );
    bed.setNow(NOW);

    const after = await bed.orm.em.fork().findOneOrFail(MedicalRecordEntry, { id: first.id });
    expect(after).toEqual(before);
    const answer = await bed.execute(
      patientUser(appointment.patientId),
      `query($first: ID!, $second: ID!, $third: ID!) {
        first: medicalRecordEntry(id: $first) { current supersedes { id } supersededBy { id } code { code } }
        second: medicalRecordEntry(id: $second) { current supersedes { id } supersededBy { id } }
        third: medicalRecordEntry(id: $third) { current supersedes { id current } supersededBy { id } data }
      }`,
      { first: first.id, second: second.id, third: third.id },
    );
    expect(answer.errors).toEqual([]);
    expect(answer.data).toEqual({
      first: { current: false, supersedes: null, supersededBy: { id: second.id }, code: { code: 'J02.9' } },
      second: { current: false, supersedes: { id: first.id }, supersededBy: { id: third.id } },
      third: {
        current: true,
        supersedes: { id: second.id, current: false },
        supersededBy: null,
        data: { clinicalStatus: 'resolved' },
      },
    });
    const events = await outboxOf(bed.orm, appointment.patientId, 'MedicalRecordEntryAdded');
    expect(events.map((event) => event.payload.supersedesId)).toEqual([null, first.id, second.id]);
  });

  it('refuses an unknown entry (NOT_FOUND), another kind or patient (BAD_USER_INPUT) and a corrected one (CONFLICT)', async () => {
    const appointment = await aBooked();
    const elsewhere = await aBooked({ doctorId: appointment.doctorId });
    const doctor = asDoctor(appointment);
    const entry = await doctor.records.add(diagnosisInput(appointment.patientId, 'I10'));
    const theirs = await doctor.records.add(diagnosisInput(elsewhere.patientId, 'I10'));
    await doctor.records.add(diagnosisInput(appointment.patientId, 'I11.9', { supersedesId: entry.id }));
    const patientId = appointment.patientId;
    expect(await codeOf(doctor.records.add(diagnosisInput(patientId, 'I10', { supersedesId: newId() })))).toBe(
      'NOT_FOUND',
    );
    await expect(doctor.records.add(vitalsInput(patientId, { supersedesId: entry.id }))).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { field: 'input.supersedesId' },
    });
    await expect(
      doctor.records.add(diagnosisInput(patientId, 'I10', { supersedesId: theirs.id })),
    ).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { field: 'input.supersedesId' },
    });
    expect(await codeOf(doctor.records.add(diagnosisInput(patientId, 'I12.9', { supersedesId: entry.id })))).toBe(
      'CONFLICT',
    );
    expect(await entriesOf(patientId)).toHaveLength(2);
  });

  it('lets exactly one of many corrections racing for the same entry commit', async () => {
    const appointment = await aBooked();
    const original = await asDoctor(appointment).records.add(diagnosisInput(appointment.patientId, 'E11.9'));
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        codeOf(
          asDoctor(appointment).records.add(
            diagnosisInput(appointment.patientId, `E11.${index}`, { supersedesId: original.id }),
          ),
        ),
      ),
    );
    expect(outcomes.filter((outcome) => outcome === 'OK')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome !== 'OK')).toEqual(Array(7).fill('CONFLICT'));
    const corrections = await bed.orm.em.fork().find(MedicalRecordEntry, { supersedesId: original.id });
    expect(corrections).toHaveLength(1);
    const events = await outboxOf(bed.orm, appointment.patientId, 'MedicalRecordEntryAdded');
    expect(events.filter((event) => event.payload.supersedesId === original.id)).toHaveLength(1);

    // The database decides, not the service's look-ahead: a second correction written past it is refused too.
    const em = bed.orm.em.fork();
    em.create(MedicalRecordEntry, {
      ...diagnosisInput(appointment.patientId, 'E11.8', { supersedesId: original.id }),
      codeSystem: 'ICD_10',
      code: 'E11.8',
      codeDisplay: null,
      authorId: appointment.doctorId,
      effectiveAt: NOW,
      recordedAt: NOW,
      identifierSystem: null,
      identifierValue: null,
    });
    expect(await codeOf(em.flush())).toBe('CONFLICT');
  });
});
