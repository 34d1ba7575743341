/**
 * History imports of prescriptions and record entries, on a real database (PostgreSQL when configured): a batch is
 * checked whole before anything is written and then written all or none; a rerun adds nothing and raises nothing;
 * identical imports racing neither fail nor duplicate; and what was loaded is read back through the graph with its
 * source identifier.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newId } from '../../platform/db/base.entity.ts';
import type { ImportedMedicalRecordEntryInput } from './medical-record.inputs.ts';
import type { ImportedPrescriptionInput } from './prescription.inputs.ts';
import {
  codeOf,
  doctorUser,
  NOW,
  openPrescriptionsTestBed,
  outboxOf,
  patientEvent,
  patientUser,
  staffUser,
  type PrescriptionsTestBed,
} from './prescriptions.fixtures.ts';

let bed: PrescriptionsTestBed;

beforeAll(async () => {
  bed = await openPrescriptionsTestBed();
});
afterAll(async () => {
  await bed?.close();
});

const MEDICATION_SYSTEM = 'https://github.com/synthetichealth/synthea/medication';
const CONDITION_SYSTEM = 'https://github.com/synthetichealth/synthea/condition';
const admin = () => bed.as(staffUser('ADMIN'));

/** A patient this subgraph has heard of (registered through `patient-events`). */
async function aKnownPatient(): Promise<string> {
  const patientId = newId();
  expect(await bed.deliver('patient-events', patientEvent(patientId))).toBe('handled');
  return patientId;
}

const prescriptionRow = (
  patientId: string,
  value: string,
  overrides: Partial<ImportedPrescriptionInput> = {},
): ImportedPrescriptionInput => ({
  identifier: { system: MEDICATION_SYSTEM, value },
  patientId,
  doctorId: newId(),
  medicineId: null,
  medicationText: `Medication ${value}`,
  dose: null,
  timesPerDay: null,
  durationDays: null,
  instructions: null,
  reason: { system: 'SNOMED_CT', code: '10509002', display: 'Acute bronchitis (disorder)' },
  issuedAt: new Date('2019-06-01T10:00:00Z'),
  ...overrides,
});

const entryRow = (patientId: string, value: string, day = 5): ImportedMedicalRecordEntryInput => ({
  identifier: { system: CONDITION_SYSTEM, value },
  patientId,
  doctorId: newId(),
  kind: 'DIAGNOSIS',
  code: { system: 'SNOMED_CT', code: '444814009', display: 'Viral sinusitis (disorder)' },
  data: { clinicalStatus: 'resolved', abatementDate: '2019-06-20' },
  effectiveAt: new Date(Date.UTC(2019, 5, day)),
});

describe('importing prescriptions', () => {
  it('loads each row once: a rerun reports every row as existing and writes and raises nothing', async () => {
    const patientId = await aKnownPatient();
    const medicine = await admin().medicines.create({
      name: 'Acetaminophen 325 MG Oral Tablet',
      strength: null,
      form: null,
      code: { system: 'RXNORM', code: '313782', display: null },
    });
    const rows = [
      prescriptionRow(patientId, 'm-1'),
      prescriptionRow(patientId, 'm-2', { medicineId: medicine.id, medicationText: null }),
      prescriptionRow(patientId, 'm-3', { dose: { value: 1, unit: '{tablet}' }, timesPerDay: 2, durationDays: 10 }),
    ];
    const first = await admin().imports.importPrescriptions({ prescriptions: rows });
    expect(first.created).toBe(3);
    expect(first.existing).toBe(0);
    expect(first.items.map((item) => [item.identifier.value, item.created])).toEqual([
      ['m-1', true],
      ['m-2', true],
      ['m-3', true],
    ]);
    const countAfterFirst = await bed.count('prescription');
    const events = await outboxOf(bed.orm, patientId, 'PrescriptionImported');
    expect(events.map((event) => event.payload.prescriptionId).sort()).toEqual(
      first.items.map((item) => item.id).sort(),
    );
    expect(events[1]!.payload).toMatchObject({ medicineId: medicine.id, appointmentId: null });

    const again = await admin().imports.importPrescriptions({ prescriptions: [...rows].reverse() });
    expect(again).toEqual({
      created: 0,
      existing: 3,
      items: [...first.items].reverse().map((item) => ({ ...item, created: false })),
    });
    expect(await bed.count('prescription')).toBe(countAfterFirst);
    expect(await outboxOf(bed.orm, patientId, 'PrescriptionImported')).toHaveLength(3);

    // A batch mixing old and new rows creates only the new ones, reported in input order.
    const mixed = await admin().imports.importPrescriptions({
      prescriptions: [prescriptionRow(patientId, 'm-4'), rows[0]!],
    });
    expect(mixed.items.map((item) => [item.identifier.value, item.created])).toEqual([
      ['m-4', true],
      ['m-1', false],
    ]);
    expect(mixed.items[1]!.id).toBe(first.items[0]!.id);
  });

  it('keeps the prescriber, the time and the source identifier, readable by the patient', async () => {
    const patientId = await aKnownPatient();
    const row = prescriptionRow(patientId, `read-${newId()}`);
    const [item] = (await admin().imports.importPrescriptions({ prescriptions: [row] })).items;
    const answer = await bed.execute(
      patientUser(patientId),
      `query($id: ID!) { prescription(id: $id) {
        doctor { id } appointment { id } medicationText dose { value } timesPerDay durationDays issuedAt
        reason { system code display } identifiers { system value }
      } }`,
      { id: item!.id },
    );
    expect(answer.errors).toEqual([]);
    expect(answer.data?.prescription).toEqual({
      doctor: { id: row.doctorId },
      appointment: null,
      medicationText: row.medicationText,
      dose: null,
      timesPerDay: null,
      durationDays: null,
      // The DateTime scalar serializes to a Date here; the HTTP layer writes it as ISO 8601.
      issuedAt: new Date('2019-06-01T10:00:00.000Z'),
      reason: { system: 'SNOMED_CT', code: '10509002', display: 'Acute bronchitis (disorder)' },
      identifiers: [row.identifier],
    });
    // Imports make no care relationship: the source's doctor does not read the record here.
    const byPrescriber = await bed.execute(
      doctorUser(row.doctorId),
      'query($id: ID!) { prescription(id: $id) { id } }',
      {
        id: item!.id,
      },
    );
    expect(byPrescriber.errors.map((error) => error.code)).toEqual(['FORBIDDEN']);
  });

  it('writes nothing when any row is refused, and names the row', async () => {
    const patientId = await aKnownPatient();
    const before = await bed.count('prescription');
    const rows = (bad: Partial<ImportedPrescriptionInput>) =>
      Array.from({ length: 5 }, (_, index) => prescriptionRow(patientId, `bad-${newId()}`, index === 3 ? bad : {}));
    for (const [bad, field] of [
      [{ patientId: newId() }, 'input.prescriptions[3].patientId'],
      [{ medicineId: newId(), medicationText: null }, 'input.prescriptions[3].medicineId'],
      [{ issuedAt: new Date(NOW.getTime() + 1) }, 'input.prescriptions[3].issuedAt'],
    ] as const) {
      await expect(admin().imports.importPrescriptions({ prescriptions: rows(bad) })).rejects.toMatchObject({
        code: 'BAD_USER_INPUT',
        details: { field },
      });
    }
    expect(await bed.count('prescription')).toBe(before);
    expect(await outboxOf(bed.orm, patientId)).toEqual([]);
  });

  it('refuses rows out of bounds or repeated through the schema, naming the row', async () => {
    const patientId = await aKnownPatient();
    const mutation = `mutation($input: ImportPrescriptionsInput!) { importPrescriptions(input: $input) { created } }`;
    const row = (value: string, extra: Record<string, unknown> = {}) => ({
      identifier: { system: MEDICATION_SYSTEM, value },
      patientId,
      doctorId: newId(),
      medicationText: 'Naproxen sodium 220 MG Oral Tablet',
      issuedAt: '2019-01-01T00:00:00Z',
      ...extra,
    });
    for (const [prescriptions, field] of [
      [[row('a'), row('b', { durationDays: 366 })], 'input.prescriptions[1].durationDays'],
      [[row('a'), row('b', { dose: { value: 0, unit: 'mg' } })], 'input.prescriptions[1].dose.value'],
      [[row('a'), row('a')], 'input.prescriptions[1].identifier'],
      [[], 'input.prescriptions'],
      [Array.from({ length: 101 }, (_, index) => row(String(index))), 'input.prescriptions'],
    ] as const) {
      const answer = await bed.execute(staffUser('ADMIN'), mutation, { input: { prescriptions } });
      expect(answer.errors.map((error) => [error.code, error.field])).toEqual([['BAD_USER_INPUT', field]]);
    }
  });

  it('is for admins only', async () => {
    const patientId = await aKnownPatient();
    for (const caller of [doctorUser(), staffUser('RECEPTION'), staffUser('BILLING'), patientUser(patientId)]) {
      expect(
        await codeOf(bed.as(caller).imports.importPrescriptions({ prescriptions: [prescriptionRow(patientId, 'x')] })),
      ).toBe('FORBIDDEN');
    }
  });

  it('neither fails nor duplicates when the same batch is imported many times at once', async () => {
    const patientId = await aKnownPatient();
    const before = await bed.count('prescription');
    const rows = Array.from({ length: 20 }, (_, index) => prescriptionRow(patientId, `race-${index}-${newId()}`));
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, run) =>
        admin().imports.importPrescriptions({ prescriptions: run % 2 ? [...rows].reverse() : rows }),
      ),
    );
    expect(await bed.count('prescription')).toBe(before + 20);
    expect(results.reduce((sum, result) => sum + result.created, 0)).toBe(20);
    const idsOf = (result: (typeof results)[number]) =>
      new Map(result.items.map((item) => [item.identifier.value, item.id]));
    for (const result of results) expect(idsOf(result)).toEqual(idsOf(results[0]!));
    expect(await outboxOf(bed.orm, patientId, 'PrescriptionImported')).toHaveLength(20);
  });
});

describe('importing medical record entries', () => {
  it('loads each row once, raising MedicalRecordEntryImported for new rows only, readable in the record', async () => {
    const patientId = await aKnownPatient();
    // Newest effective first in the record: c-1 (June 9th), then c-2 (June 5th).
    const rows = [entryRow(patientId, 'c-1', 9), entryRow(patientId, 'c-2', 5)];
    const first = await admin().imports.importMedicalRecordEntries({ entries: rows });
    expect(first.created).toBe(2);
    const again = await admin().imports.importMedicalRecordEntries({ entries: rows });
    expect(again).toMatchObject({ created: 0, existing: 2 });
    expect(again.items.map((item) => item.id)).toEqual(first.items.map((item) => item.id));
    expect(await bed.count('medical_record_entry')).toBeGreaterThanOrEqual(2);
    const events = await outboxOf(bed.orm, patientId, 'MedicalRecordEntryImported');
    expect(events.map((event) => event.payload)).toEqual(
      first.items.map((item, index) =>
        expect.objectContaining({
          entryId: item.id,
          patientId,
          kind: 'DIAGNOSIS',
          authorId: rows[index]!.doctorId,
          identifier: rows[index]!.identifier,
        }),
      ),
    );
    expect(JSON.stringify(events)).not.toMatch(/sinusitis|resolved/);

    const answer = await bed.execute(
      patientUser(patientId),
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Patient {
        medicalRecords { totalCount edges { node { kind data author { id } identifiers { system value } } } }
      } } }`,
      { r: [{ __typename: 'Patient', id: patientId }] },
    );
    expect(answer.errors).toEqual([]);
    expect(answer.data?._entities).toEqual([
      {
        medicalRecords: {
          totalCount: 2,
          edges: rows.map((row) => ({
            node: { kind: 'DIAGNOSIS', data: row.data, author: { id: row.doctorId }, identifiers: [row.identifier] },
          })),
        },
      },
    ]);
  });

  it('writes nothing when one row names an unknown patient or a future time', async () => {
    const patientId = await aKnownPatient();
    const before = await bed.count('medical_record_entry');
    const unknown = [entryRow(patientId, `u-${newId()}`), { ...entryRow(newId(), `u-${newId()}`) }];
    await expect(admin().imports.importMedicalRecordEntries({ entries: unknown })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { field: 'input.entries[1].patientId' },
    });
    const future = [{ ...entryRow(patientId, `f-${newId()}`), effectiveAt: new Date(NOW.getTime() + 60_000) }];
    await expect(admin().imports.importMedicalRecordEntries({ entries: future })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { field: 'input.entries[0].effectiveAt' },
    });
    expect(await bed.count('medical_record_entry')).toBe(before);
  });

  it('checks data and code against the kind, naming the row', async () => {
    const patientId = await aKnownPatient();
    const answer = await bed.execute(
      staffUser('ADMIN'),
      `mutation($input: ImportMedicalRecordEntriesInput!) { importMedicalRecordEntries(input: $input) { created } }`,
      {
        input: {
          entries: [
            { ...entryRow(patientId, 'k-1'), effectiveAt: '2019-01-01T00:00:00Z' },
            { ...entryRow(patientId, 'k-2'), effectiveAt: '2019-01-01T00:00:00Z', kind: 'VITALS' },
          ],
        },
      },
    );
    expect(answer.errors.map((error) => [error.code, error.field])).toEqual([
      ['BAD_USER_INPUT', 'input.entries[1].code'],
    ]);
  });
});
