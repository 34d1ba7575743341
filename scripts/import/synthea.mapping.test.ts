import { describe, expect, it } from '@jest/globals';
import {
  DEFAULT_FEE_CENTS,
  postalCodeOf,
  sexOf,
  splitProviderName,
  SYNTHEA_PATIENT_SYSTEM,
  SYNTHEA_PROVIDER_SYSTEM,
  tallyEncounter,
  titleCase,
  toDoctorPlan,
  toE164,
  toRegisterPatientInput,
  type ProviderEncounters,
} from './synthea.mapping.ts';

const TODAY = '2025-06-01';

/** A patients.csv row as csv.ts yields it (first row of the Synthea data set, trimmed to the columns used). */
function patientRow(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    Id: '982192b6-6843-4011-ef46-32caaf87d8a9',
    BIRTHDATE: '2022-07-20',
    DEATHDATE: '',
    PREFIX: '',
    FIRST: 'Alice368',
    LAST: 'Gleason633',
    GENDER: 'F',
    ADDRESS: '406 Kohler Camp',
    CITY: 'Lincoln',
    STATE: 'Nebraska',
    ZIP: '68504',
    ...overrides,
  };
}

function providerRow(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    Id: '4f48b4d3-6507-3be0-8b35-d9fcaaa93c46',
    ORGANIZATION: '97559c44-de61-310e-be16-3f7d841a0742',
    NAME: 'Johna806 Klein929',
    GENDER: 'F',
    SPECIALITY: 'GENERAL PRACTICE',
    ...overrides,
  };
}

function encounters(rows: [encounterClass: string, cost: string][]): ProviderEncounters {
  const byProvider = new Map<string, ProviderEncounters>();
  for (const [encounterClass, cost] of rows) {
    tallyEncounter(byProvider, { PROVIDER: 'p1', ENCOUNTERCLASS: encounterClass, BASE_ENCOUNTER_COST: cost });
  }
  return byProvider.get('p1')!;
}

describe('toRegisterPatientInput', () => {
  it('maps a Synthea patient to a registration with its Synthea id as identifier', () => {
    expect(toRegisterPatientInput(patientRow(), TODAY)).toEqual({
      ok: true,
      value: {
        givenName: 'Alice368',
        familyName: 'Gleason633',
        birthDate: '2022-07-20',
        sex: 'FEMALE',
        address: { line: ['406 Kohler Camp'], city: 'Lincoln', state: 'Nebraska', postalCode: '68504', country: 'US' },
        identifiers: [{ system: SYNTHEA_PATIENT_SYSTEM, value: '982192b6-6843-4011-ef46-32caaf87d8a9' }],
      },
    });
  });

  it('keeps a compound given name and its numeric suffix as Synthea wrote them', () => {
    const mapped = toRegisterPatientInput(patientRow({ FIRST: 'María Eugenia578', LAST: 'Rodríquez611' }), TODAY);
    expect(mapped.ok && [mapped.value.givenName, mapped.value.familyName]).toEqual([
      'María Eugenia578',
      'Rodríquez611',
    ]);
  });

  it('carries DEATHDATE as the deceased date', () => {
    const mapped = toRegisterPatientInput(patientRow({ BIRTHDATE: '1945-06-02', DEATHDATE: '1981-11-07' }), TODAY);
    expect(mapped.ok && mapped.value.deceasedDate).toBe('1981-11-07');
  });

  it('leaves the postal code out when ZIP is 00000', () => {
    const mapped = toRegisterPatientInput(patientRow({ ZIP: '00000' }), TODAY);
    expect(mapped.ok && mapped.value.address).toEqual({
      line: ['406 Kohler Camp'],
      city: 'Lincoln',
      state: 'Nebraska',
      country: 'US',
    });
  });

  it('refuses a row without a first name, naming the column', () => {
    expect(toRegisterPatientInput(patientRow({ FIRST: '  ' }), TODAY)).toEqual({
      ok: false,
      reason: 'FIRST: must not be empty',
    });
  });

  it('refuses malformed and impossible dates', () => {
    expect(toRegisterPatientInput(patientRow({ BIRTHDATE: '07/20/2022' }), TODAY)).toEqual({
      ok: false,
      reason: 'BIRTHDATE: must be a calendar date YYYY-MM-DD',
    });
    expect(toRegisterPatientInput(patientRow({ BIRTHDATE: '2023-02-29' }), TODAY)).toEqual({
      ok: false,
      reason: 'BIRTHDATE: must be a calendar date YYYY-MM-DD',
    });
    expect(toRegisterPatientInput(patientRow({ DEATHDATE: 'yesterday' }), TODAY)).toEqual({
      ok: false,
      reason: 'DEATHDATE: must be empty or a calendar date YYYY-MM-DD',
    });
  });

  it('refuses a birth or death date in the future and a death before birth', () => {
    expect(toRegisterPatientInput(patientRow({ BIRTHDATE: '2031-01-01' }), TODAY)).toEqual({
      ok: false,
      reason: 'BIRTHDATE: must not be in the future (2031-01-01)',
    });
    expect(toRegisterPatientInput(patientRow({ DEATHDATE: '2030-01-01' }), TODAY)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^DEATHDATE: must not be in the future/),
    });
    expect(toRegisterPatientInput(patientRow({ DEATHDATE: '2020-01-01' }), TODAY)).toEqual({
      ok: false,
      reason: 'DEATHDATE: must not be before BIRTHDATE (2020-01-01 < 2022-07-20)',
    });
    expect(toRegisterPatientInput(patientRow({ BIRTHDATE: TODAY }), TODAY).ok).toBe(true);
  });

  it('refuses a row whose Id is missing', () => {
    expect(toRegisterPatientInput(patientRow({ Id: '' }), TODAY)).toEqual({
      ok: false,
      reason: 'Id: must not be empty',
    });
  });
});

describe('sexOf', () => {
  it('maps M and F to MALE and FEMALE and anything else to UNKNOWN', () => {
    expect([sexOf('M'), sexOf('F'), sexOf(' f '), sexOf(''), sexOf('X')]).toEqual([
      'MALE',
      'FEMALE',
      'FEMALE',
      'UNKNOWN',
      'UNKNOWN',
    ]);
  });
});

describe('postalCodeOf', () => {
  it('treats 00000 and an empty ZIP as unknown', () => {
    expect([postalCodeOf('68504'), postalCodeOf('00000'), postalCodeOf('')]).toEqual(['68504', undefined, undefined]);
  });
});

describe('date columns', () => {
  it('accept real dates only', () => {
    const birthOk = (BIRTHDATE: string) => toRegisterPatientInput(patientRow({ BIRTHDATE }), TODAY).ok;
    expect(['2024-02-29', '1934-11-16'].every(birthOk)).toBe(true);
    expect(['2023-02-29', '2023-13-01', '2023-1-1', '2023-01-01T00:00:00Z', ''].some(birthOk)).toBe(false);
  });
});

describe('splitProviderName', () => {
  it('splits a Synthea name into given and family name, keeping the numeric suffixes', () => {
    expect(splitProviderName('Johna806 Klein929')).toEqual({ givenName: 'Johna806', familyName: 'Klein929' });
  });

  it('keeps a compound given name together up to its numeric suffix', () => {
    expect(splitProviderName('Julio César525 Laureano185')).toEqual({
      givenName: 'Julio César525',
      familyName: 'Laureano185',
    });
  });

  it('falls back to first token and rest for names without suffixes', () => {
    expect(splitProviderName('Mary van der Berg')).toEqual({ givenName: 'Mary', familyName: 'van der Berg' });
  });

  it('returns null for a single name', () => {
    expect(splitProviderName('Cher')).toBeNull();
    expect(splitProviderName('   ')).toBeNull();
  });
});

describe('toE164', () => {
  it('converts ten-digit North American numbers, with or without separators', () => {
    expect(toE164('3084325586')).toBe('+13084325586');
    expect(toE164('402-346-6735')).toBe('+14023466735');
    expect(toE164('(402) 346.6735')).toBe('+14023466735');
    expect(toE164('+1 402 346 6735')).toBe('+14023466735');
  });

  it('gives up on numbers it cannot convert', () => {
    for (const phone of [
      '',
      '346-6735',
      '0023466735',
      '4021346735',
      '402-346-6735 ext 12',
      '402-FLOWERS',
      '440201234567',
    ]) {
      expect(toE164(phone)).toBeUndefined();
    }
  });
});

describe('titleCase', () => {
  it('turns Synthea specialities into title case', () => {
    expect(titleCase('GENERAL PRACTICE')).toBe('General Practice');
    expect(titleCase('NURSE-MIDWIFE')).toBe('Nurse-Midwife');
  });
});

describe('toDoctorPlan', () => {
  it('maps a provider to a doctor with fee, phone, identifier and department', () => {
    const plan = toDoctorPlan(
      providerRow(),
      encounters([
        ['wellness', '83.87'],
        ['wellness', '83.88'],
        ['ambulatory', '129.16'],
      ]),
      '3084325586',
    );
    expect(plan).toEqual({
      ok: true,
      value: {
        input: {
          givenName: 'Johna806',
          familyName: 'Klein929',
          specialization: 'General Practice',
          consultationFeeAmount: 8388,
          phone: '+13084325586',
          identifiers: [{ system: SYNTHEA_PROVIDER_SYSTEM, value: '4f48b4d3-6507-3be0-8b35-d9fcaaa93c46' }],
        },
        department: expect.objectContaining({ name: 'Primary Care', code: 'PRIM' }),
      },
    });
  });

  it('gives a provider without encounters the default fee and General Practice', () => {
    const plan = toDoctorPlan(providerRow(), undefined, undefined);
    expect(plan.ok && plan.value.input.consultationFeeAmount).toBe(DEFAULT_FEE_CENTS);
    expect(plan.ok && plan.value.department.code).toBe('GP');
  });

  it('leaves the phone out when the organization number cannot be converted', () => {
    const plan = toDoctorPlan(providerRow(), undefined, '');
    expect(plan.ok && 'phone' in plan.value.input).toBe(false);
  });

  it('refuses a provider whose NAME is a single word or whose SPECIALITY is empty', () => {
    expect(toDoctorPlan(providerRow({ NAME: 'Klein929' }), undefined, undefined)).toEqual({
      ok: false,
      reason: 'NAME: must be a given name and a family name ("Klein929")',
    });
    expect(toDoctorPlan(providerRow({ SPECIALITY: '' }), undefined, undefined)).toEqual({
      ok: false,
      reason: 'SPECIALITY: must not be empty',
    });
  });

  it('refuses a fee above the maximum the graph accepts', () => {
    const plan = toDoctorPlan(providerRow(), encounters([['wellness', '100000.01']]), undefined);
    expect(plan).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^BASE_ENCOUNTER_COST: median fee 10000001 cents/),
    });
  });
});
