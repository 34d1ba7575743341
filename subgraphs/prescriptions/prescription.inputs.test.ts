import { describe, expect, it } from '@jest/globals';
import { parseInput } from '../../platform/validation.ts';
import {
  addMedicalRecordEntryInput,
  importMedicalRecordEntriesInput,
  medicalRecordFilterInput,
} from './medical-record.inputs.ts';
import {
  fieldPath,
  importPrescriptionsInput,
  issuePrescriptionInput,
  medicineCodeLookupInput,
  parseBatchInput,
  updateMedicineInput,
} from './prescription.inputs.ts';

const ID = '0190c5a0-0000-7000-8000-000000000001';
const PATIENT = '0190c5a0-0000-7000-8000-000000000002';

const prescription = (overrides: Record<string, unknown> = {}) => ({
  appointmentId: ID,
  medicationText: 'Amoxicillin 500 MG Oral Tablet',
  dose: { value: 500, unit: 'mg' },
  timesPerDay: 3,
  durationDays: 7,
  ...overrides,
});

/** The field a parse refuses, or 'ok'. */
function refusedField(parse: () => unknown): string {
  try {
    parse();
    return 'ok';
  } catch (error) {
    return (error as { code: string; details: { field: string } }).code === 'BAD_USER_INPUT'
      ? (error as { details: { field: string } }).details.field
      : 'other error';
  }
}

describe('issuePrescription input', () => {
  it.each([
    ['a dose of 0.001 mg', { dose: { value: 0.001, unit: 'mg' } }],
    ['a dose of 100,000', { dose: { value: 100_000, unit: 'mg' } }],
    ['a 20-character unit', { dose: { value: 1, unit: 'x'.repeat(20) } }],
    ['1 and 24 times a day', { timesPerDay: 24 }],
    ['365 days', { durationDays: 365 }],
    ['one day', { durationDays: 1, timesPerDay: 1 }],
    ['2,000 characters of instructions', { instructions: 'x'.repeat(2000) }],
    ['a catalogue medicine instead of text', { medicationText: null, medicineId: ID }],
    [
      'a reason coded in SNOMED CT',
      { reason: { system: 'SNOMED_CT', code: '43878008', display: 'Streptococcal sore throat' } },
    ],
  ])('accepts %s', (_name, overrides) => {
    expect(refusedField(() => parseInput(issuePrescriptionInput, prescription(overrides)))).toBe('ok');
  });

  it.each([
    ['a dose of 0', { dose: { value: 0, unit: 'mg' } }, 'input.dose.value'],
    ['a negative dose', { dose: { value: -1, unit: 'mg' } }, 'input.dose.value'],
    ['a dose over 100,000', { dose: { value: 100_000.5, unit: 'mg' } }, 'input.dose.value'],
    ['an empty unit', { dose: { value: 1, unit: ' ' } }, 'input.dose.unit'],
    ['a 21-character unit', { dose: { value: 1, unit: 'x'.repeat(21) } }, 'input.dose.unit'],
    ['0 times a day', { timesPerDay: 0 }, 'input.timesPerDay'],
    ['25 times a day', { timesPerDay: 25 }, 'input.timesPerDay'],
    ['0 days', { durationDays: 0 }, 'input.durationDays'],
    ['366 days', { durationDays: 366 }, 'input.durationDays'],
    ['instructions over 2,000 characters', { instructions: 'x'.repeat(2001) }, 'input.instructions'],
    ['medication text over 500 characters', { medicationText: 'x'.repeat(501) }, 'input.medicationText'],
    ['empty medication text', { medicationText: '  ' }, 'input.medicationText'],
    ['both a medicine and text', { medicineId: ID }, 'input.medicationText'],
    ['neither a medicine nor text', { medicationText: null }, 'input.medicineId'],
    ['a code over 64 characters', { reason: { system: 'ICD_10', code: 'x'.repeat(65) } }, 'input.reason.code'],
    ['an empty code', { reason: { system: 'ICD_10', code: '' } }, 'input.reason.code'],
    [
      'a display over 500 characters',
      { reason: { system: 'ICD_10', code: 'J02.9', display: 'x'.repeat(501) } },
      'input.reason.display',
    ],
    ['an appointment id that is not one', { appointmentId: 'A-1' }, 'input.appointmentId'],
  ])('refuses %s', (_name, overrides, field) => {
    expect(refusedField(() => parseInput(issuePrescriptionInput, prescription(overrides)))).toBe(field);
  });
});

describe('import inputs', () => {
  const row = (value: string, overrides: Record<string, unknown> = {}) => ({
    identifier: { system: 'https://github.com/synthetichealth/synthea/medication', value },
    patientId: PATIENT,
    doctorId: ID,
    medicationText: 'Ibuprofen 200 MG Oral Tablet',
    issuedAt: new Date('2020-01-01T00:00:00Z'),
    ...overrides,
  });

  it('accept history without a dosage', () => {
    const parsed = parseBatchInput(importPrescriptionsInput, { prescriptions: [row('a'), row('b')] });
    expect(parsed.prescriptions.map((item) => [item.dose, item.timesPerDay, item.durationDays])).toEqual([
      [null, null, null],
      [null, null, null],
    ]);
  });

  it('name the refused row in brackets', () => {
    expect(
      refusedField(() =>
        parseBatchInput(importPrescriptionsInput, { prescriptions: [row('a'), row('b', { durationDays: 400 })] }),
      ),
    ).toBe('input.prescriptions[1].durationDays');
  });

  it('refuse an identifier repeated in the batch, an empty batch and one over 100 rows', () => {
    expect(
      refusedField(() => parseBatchInput(importPrescriptionsInput, { prescriptions: [row('a'), row('b'), row('a')] })),
    ).toBe('input.prescriptions[2].identifier');
    expect(refusedField(() => parseBatchInput(importPrescriptionsInput, { prescriptions: [] }))).toBe(
      'input.prescriptions',
    );
    const many = Array.from({ length: 101 }, (_, index) => row(String(index)));
    expect(refusedField(() => parseBatchInput(importPrescriptionsInput, { prescriptions: many }))).toBe(
      'input.prescriptions',
    );
  });

  it('check record entries against their kind', () => {
    const entry = (data: unknown) => ({
      identifier: { system: 'https://github.com/synthetichealth/synthea/condition', value: 'c-1' },
      patientId: PATIENT,
      doctorId: ID,
      kind: 'DIAGNOSIS',
      code: { system: 'SNOMED_CT', code: '44054006' },
      data,
      effectiveAt: new Date('2020-01-01T00:00:00Z'),
    });
    expect(
      refusedField(() =>
        parseBatchInput(importMedicalRecordEntriesInput, { entries: [entry({ clinicalStatus: 'active' })] }),
      ),
    ).toBe('ok');
    expect(
      refusedField(() =>
        parseBatchInput(importMedicalRecordEntriesInput, { entries: [entry({ clinicalStatus: 'x' })] }),
      ),
    ).toBe('input.entries[0].data.clinicalStatus');
  });
});

describe('addMedicalRecordEntry input', () => {
  it('names the field of the data that does not fit the kind', () => {
    expect(
      refusedField(() =>
        parseInput(addMedicalRecordEntryInput, { patientId: PATIENT, kind: 'VITALS', data: { heartRateBpm: 500 } }),
      ),
    ).toBe('input.data.heartRateBpm');
    expect(
      refusedField(() =>
        parseInput(addMedicalRecordEntryInput, {
          patientId: PATIENT,
          kind: 'DIAGNOSIS',
          data: { clinicalStatus: 'active' },
        }),
      ),
    ).toBe('input.code');
  });

  it('defaults what is left out', () => {
    expect(
      parseInput(addMedicalRecordEntryInput, { patientId: PATIENT, kind: 'VITALS', data: { heartRateBpm: 60 } }),
    ).toEqual({
      patientId: PATIENT,
      appointmentId: null,
      kind: 'VITALS',
      code: null,
      data: { heartRateBpm: 60 },
      effectiveAt: null,
      supersedesId: null,
    });
  });
});

describe('other inputs', () => {
  it('a record filter ending before it starts is refused', () => {
    expect(
      refusedField(() =>
        parseInput(
          medicalRecordFilterInput,
          { effectiveFrom: new Date('2026-02-01T00:00:00Z'), effectiveTo: new Date('2026-01-01T00:00:00Z') },
          'filter',
        ),
      ),
    ).toBe('filter.effectiveTo');
    expect(parseInput(medicalRecordFilterInput, {}, 'filter')).toEqual({
      kinds: null,
      effectiveFrom: null,
      effectiveTo: null,
      includeSuperseded: false,
    });
  });

  it('a code lookup takes at most 100 codes', () => {
    const codes = Array.from({ length: 101 }, (_, index) => String(index));
    expect(refusedField(() => parseInput(medicineCodeLookupInput, { system: 'RXNORM', codes }, ''))).toBe('codes');
    expect(
      refusedField(() => parseInput(medicineCodeLookupInput, { system: 'RXNORM', codes: codes.slice(1) }, '')),
    ).toBe('ok');
  });

  it('an update keeps what is left out and clears what is null', () => {
    expect(parseInput(updateMedicineInput, { strength: null, form: '', active: null })).toEqual({
      name: undefined,
      strength: null,
      form: null,
      code: undefined,
      active: undefined,
    });
  });

  it('field paths put indices in brackets', () => {
    expect(fieldPath(['input', 'prescriptions', 3, 'patientId'])).toBe('input.prescriptions[3].patientId');
  });
});
