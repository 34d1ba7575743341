import { describe, expect, it } from '@jest/globals';
import {
  checkRecordContent,
  codeRefusal,
  MAX_RECORD_TEXT_LENGTH,
  MEDICAL_RECORD_KINDS,
  supersedeRefusal,
  type ContentCheck,
  type MedicalRecordKind,
} from './medical-record.rules.ts';
import type { CodeSystem } from './prescription.rules.ts';

const code = (system: CodeSystem) => ({ system });
const tooLong = 'x'.repeat(MAX_RECORD_TEXT_LENGTH + 1);

/** The paths of the issues of a failed check ('ok' when it passed). */
const issuesOf = (check: ContentCheck) =>
  check.success ? 'ok' : check.issues.map((issue) => issue.path.join('.')).sort();

/** A valid code for each kind (null where the kind takes none). */
const VALID_CODE: Record<MedicalRecordKind, { system: CodeSystem } | null> = {
  ENCOUNTER_NOTE: code('SNOMED_CT'),
  DIAGNOSIS: code('ICD_10'),
  VITALS: null,
  ALLERGY: code('SNOMED_CT'),
  LAB_RESULT: code('LOINC'),
};

const cases: Record<MedicalRecordKind, { valid: Record<string, unknown>[]; invalid: [string, unknown, string[]][] }> = {
  ENCOUNTER_NOTE: {
    valid: [
      { note: 'Sore throat for three days.' },
      { note: 'Follow-up', encounterClass: 'ambulatory', endedAt: '2026-03-02T10:30:00Z' },
      { note: 'Video call', encounterClass: 'virtual', endedAt: '2026-03-02T10:30:00+01:00' },
      { note: 'x'.repeat(MAX_RECORD_TEXT_LENGTH) },
    ],
    invalid: [
      ['no note', { encounterClass: 'ambulatory' }, ['data.note']],
      ['a blank note', { note: '   ' }, ['data.note']],
      ['a note over 20,000 characters', { note: tooLong }, ['data.note']],
      ['an unknown encounter class', { note: 'n', encounterClass: 'drive-through' }, ['data.encounterClass']],
      ['an end without offset', { note: 'n', endedAt: '2026-03-02T10:30:00' }, ['data.endedAt']],
      ['an unknown key', { note: 'n', mood: 'good' }, ['data']],
      ['not an object', 'Sore throat', ['data']],
    ],
  },
  DIAGNOSIS: {
    valid: [
      { clinicalStatus: 'active' },
      { clinicalStatus: 'resolved', abatementDate: '2026-02-28', note: 'Cleared after antibiotics.' },
    ],
    invalid: [
      ['no clinical status', { note: 'n' }, ['data.clinicalStatus']],
      ['an unknown clinical status', { clinicalStatus: 'remission' }, ['data.clinicalStatus']],
      [
        'an impossible abatement date',
        { clinicalStatus: 'resolved', abatementDate: '2026-02-31' },
        ['data.abatementDate'],
      ],
      [
        'an abatement time instead of a date',
        { clinicalStatus: 'resolved', abatementDate: '2026-02-28T00:00:00Z' },
        ['data.abatementDate'],
      ],
      ['a note over 20,000 characters', { clinicalStatus: 'active', note: tooLong }, ['data.note']],
      ['an unknown key', { clinicalStatus: 'active', severity: 'mild' }, ['data']],
    ],
  },
  VITALS: {
    valid: [
      { heartRateBpm: 72 },
      { systolicMmHg: 120, diastolicMmHg: 80, temperatureCelsius: 36.8, respiratoryRatePerMin: 14 },
      { oxygenSaturationPercent: 100, weightKg: 0.2, heightCm: 300 },
      {
        heartRateBpm: 20,
        systolicMmHg: 40,
        diastolicMmHg: 20,
        temperatureCelsius: 25,
        respiratoryRatePerMin: 4,
        oxygenSaturationPercent: 50,
        weightKg: 500,
        heightCm: 20,
      },
    ],
    invalid: [
      ['no measurement', {}, ['data']],
      ['a heart rate of 19', { heartRateBpm: 19 }, ['data.heartRateBpm']],
      ['a heart rate of 301', { heartRateBpm: 301 }, ['data.heartRateBpm']],
      ['a systolic pressure of 301', { systolicMmHg: 301 }, ['data.systolicMmHg']],
      ['a diastolic pressure of 19', { diastolicMmHg: 19 }, ['data.diastolicMmHg']],
      ['a temperature of 45.1 °C', { temperatureCelsius: 45.1 }, ['data.temperatureCelsius']],
      ['a respiratory rate of 81', { respiratoryRatePerMin: 81 }, ['data.respiratoryRatePerMin']],
      ['a saturation of 101 %', { oxygenSaturationPercent: 101 }, ['data.oxygenSaturationPercent']],
      ['a weight of 0.1 kg', { weightKg: 0.1 }, ['data.weightKg']],
      ['a height of 19 cm', { heightCm: 19 }, ['data.heightCm']],
      ['a measurement as text', { heartRateBpm: '72' }, ['data.heartRateBpm']],
      ['an unknown measurement', { heartRateBpm: 72, glucoseMgDl: 90 }, ['data']],
    ],
  },
  ALLERGY: {
    valid: [
      { substance: 'Penicillin' },
      { substance: 'Peanuts', category: 'food', criticality: 'high', reaction: 'Anaphylaxis', severity: 'severe' },
      { substance: 'Latex', criticality: 'unable-to-assess' },
    ],
    invalid: [
      ['no substance', { category: 'food' }, ['data.substance']],
      ['an unknown category', { substance: 'Dust', category: 'household' }, ['data.category']],
      ['an unknown criticality', { substance: 'Dust', criticality: 'medium' }, ['data.criticality']],
      ['an unknown severity', { substance: 'Dust', severity: 'extreme' }, ['data.severity']],
      ['a reaction over 20,000 characters', { substance: 'Dust', reaction: tooLong }, ['data.reaction']],
      ['an unknown key', { substance: 'Dust', onset: '2020' }, ['data']],
    ],
  },
  LAB_RESULT: {
    valid: [
      { value: 5.4, unit: 'mmol/L', referenceRange: { low: 3.9, high: 5.6 }, interpretation: 'normal' },
      { value: 'positive', interpretation: 'abnormal' },
      { value: 0, referenceRange: { high: 1 } },
    ],
    invalid: [
      ['no value', { unit: 'mmol/L' }, ['data.value']],
      ['a value that is neither number nor text', { value: true }, ['data.value']],
      ['an empty text value', { value: '' }, ['data.value']],
      ['a range bound as text', { value: 1, referenceRange: { low: '1' } }, ['data.referenceRange.low']],
      ['an unknown key in the range', { value: 1, referenceRange: { mid: 1 } }, ['data.referenceRange']],
      ['an unknown interpretation', { value: 1, interpretation: 'critical' }, ['data.interpretation']],
      ['an unknown key', { value: 1, method: 'ELISA' }, ['data']],
    ],
  },
};

describe.each(MEDICAL_RECORD_KINDS.map((kind) => [kind]))('%s data', (kind) => {
  it.each(cases[kind].valid.map((data) => [JSON.stringify(data).slice(0, 80), data]))('accepts %s', (_name, data) => {
    const check = checkRecordContent(kind, VALID_CODE[kind], data);
    expect(check).toEqual({ success: true, data });
  });

  it.each(cases[kind].invalid)('refuses %s', (_name, data, paths) => {
    expect(issuesOf(checkRecordContent(kind, VALID_CODE[kind], data))).toEqual(paths);
  });
});

describe('codes by kind', () => {
  it.each([
    ['DIAGNOSIS', 'ICD_10'],
    ['DIAGNOSIS', 'SNOMED_CT'],
    ['ENCOUNTER_NOTE', 'SNOMED_CT'],
    ['ALLERGY', 'SNOMED_CT'],
    ['LAB_RESULT', 'LOINC'],
  ] as const)('a %s may be coded in %s', (kind, system) => {
    expect(codeRefusal(kind, code(system))).toBeNull();
  });

  it.each([
    ['DIAGNOSIS', 'LOINC'],
    ['DIAGNOSIS', 'RXNORM'],
    ['ENCOUNTER_NOTE', 'ICD_10'],
    ['ALLERGY', 'RXNORM'],
    ['ALLERGY', 'ICD_10'],
    ['LAB_RESULT', 'SNOMED_CT'],
    ['VITALS', 'LOINC'],
    ['VITALS', 'SNOMED_CT'],
  ] as const)('a %s may not be coded in %s', (kind, system) => {
    expect(codeRefusal(kind, code(system))).toEqual(expect.any(String));
    expect(issuesOf(checkRecordContent(kind, code(system), cases[kind].valid[0]))).toEqual(['code']);
  });

  it('requires a code of a diagnosis only', () => {
    expect(codeRefusal('DIAGNOSIS', null)).toMatch(/required/);
    for (const kind of ['ENCOUNTER_NOTE', 'VITALS', 'ALLERGY', 'LAB_RESULT'] as const) {
      expect(codeRefusal(kind, null)).toBeNull();
    }
  });

  it('reports a bad code and bad data together', () => {
    expect(issuesOf(checkRecordContent('VITALS', code('LOINC'), { heartRateBpm: 400 }))).toEqual([
      'code',
      'data.heartRateBpm',
    ]);
  });
});

describe('corrections', () => {
  const target = { patientId: 'p1', kind: 'DIAGNOSIS' as const };

  it('replace an entry of the same patient and kind', () => {
    expect(supersedeRefusal(target, { patientId: 'p1', kind: 'DIAGNOSIS' })).toBeNull();
  });

  it("may not replace another patient's entry or another kind", () => {
    expect(supersedeRefusal(target, { patientId: 'p2', kind: 'DIAGNOSIS' })).toBe('OTHER_PATIENT');
    expect(supersedeRefusal(target, { patientId: 'p1', kind: 'ALLERGY' })).toBe('OTHER_KIND');
  });
});
