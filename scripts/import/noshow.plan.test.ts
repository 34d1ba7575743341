import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import type { CsvRecord } from './csv.ts';
import { NOSHOW_DOCTOR_SYSTEM } from './noshow.mapping.ts';
import { planNoShow, readNoShowPlan, type PlannedAppointment } from './noshow.plan.ts';

const FIXTURE = join(import.meta.dirname, '../../test/fixtures/noshow-slice/KaggleV2-May-2016.csv');

function record(row: number, overrides: Record<string, string>): CsvRecord {
  return {
    row,
    fields: {
      PatientId: '29872499824296',
      AppointmentID: String(5600000 + row),
      Gender: 'F',
      AppointmentDay: '2016-05-02T00:00:00Z',
      Age: '62',
      Neighbourhood: 'CENTRO',
      'No-show': 'No',
      ...overrides,
    },
  };
}

const planned = (value: { mapped: { ok: boolean } }): PlannedAppointment =>
  (value.mapped as { ok: true; value: PlannedAppointment }).value;

describe('readNoShowPlan', () => {
  it('plans the fixture: every row, its patients, health units and doctors', async () => {
    const plan = await readNoShowPlan(FIXTURE);
    expect(plan.appointments).toHaveLength(159);
    expect(plan.appointments.filter((row) => !row.mapped.ok)).toEqual([
      { row: 158, id: '5775010', mapped: { ok: false, reason: 'Age: must be a whole number from 0 to 120 ("-1")' } },
    ]);
    // 156 PatientIds; the one of the Age -1 row has no other row.
    expect(plan.patients).toHaveLength(155);
    expect(plan.departments).toHaveLength(37);
    expect(plan.doctors).toHaveLength(46);
    expect(plan.doctors.filter((doctor) => doctor.neighbourhood === 'CARATOÍRA').map((doctor) => doctor.key)).toEqual([
      'CARATOÍRA#1',
      'CARATOÍRA#2',
      'CARATOÍRA#3',
      'CARATOÍRA#4',
    ]);
    expect(plan.doctors[0]!.input).toEqual({
      givenName: 'Doctor',
      familyName: 'Andorinhas 1',
      specialization: 'Family Medicine',
      consultationFeeAmount: 5000,
      identifiers: [{ system: NOSHOW_DOCTOR_SYSTEM, value: 'ANDORINHAS#1' }],
    });
    expect([plan.firstDay, plan.lastDay]).toEqual(['2016-04-29', '2016-06-03']);
  });

  it('gives a row the same doctor and slot whatever the limit', async () => {
    const full = await readNoShowPlan(FIXTURE);
    const limited = await readNoShowPlan(FIXTURE, 40);
    expect(limited.appointments).toHaveLength(40);
    expect(limited.appointments.map(planned)).toEqual(full.appointments.slice(0, 40).map(planned));
    // Only what the first 40 rows need.
    expect(limited.patients.length).toBeLessThan(full.patients.length);
    expect(limited.doctors.every((doctor) => full.doctors.some((other) => other.key === doctor.key))).toBe(true);
  });
});

describe('planNoShow', () => {
  it('refuses the second row of an AppointmentID and keeps the first', async () => {
    const plan = await planNoShow([
      record(2, { AppointmentID: '5642903' }),
      record(3, { AppointmentID: '5642903', PatientId: '1' }),
    ]);
    expect(plan.appointments.map((row) => row.mapped.ok)).toEqual([true, false]);
    expect(plan.appointments[1]!.mapped).toEqual({ ok: false, reason: 'AppointmentID: same as row 2' });
    expect(plan.patients.map((patient) => patient.id)).toEqual(['29872499824296']);
  });

  it('registers a patient from their first row in the file', async () => {
    const plan = await planNoShow([
      record(2, { AppointmentDay: '2016-05-02T00:00:00Z', Age: '40' }),
      record(3, { AppointmentDay: '2016-05-20T00:00:00Z', Age: '41' }),
    ]);
    expect(plan.patients).toHaveLength(1);
    expect(plan.patients[0]).toMatchObject({ row: 2, mapped: { ok: true, value: { birthDate: '1975-07-01' } } });
  });
});
