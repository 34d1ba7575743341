import { describe, expect, it } from '@jest/globals';
import {
  clinicalKey,
  durationOf,
  encounterClassOf,
  parseRxNormName,
  resolveDraft,
  SYNTHEA_CONDITION_SYSTEM,
  SYNTHEA_ENCOUNTER_SYSTEM,
  SYNTHEA_MEDICATION_SYSTEM,
  toDiagnosisDraft,
  toEncounterNoteDraft,
  toMedicineInput,
  toPrescriptionDraft,
  withRepeatSuffixes,
  type EncounterRef,
  type GraphIds,
} from './synthea.clinical.mapping.ts';

const NOW = new Date('2025-06-01T12:00:00Z');

const PATIENT = '2de0b259-6c63-700d-9ac4-edcabff0861a';
const PROVIDER = '632c4d6d-cabc-3372-a66a-ac14446c8a7b';
const ENCOUNTER = '8d23e193-42fe-7eaf-e727-c2081912e321';
const ENCOUNTERS = new Map<string, EncounterRef>([[ENCOUNTER, { patient: PATIENT, provider: PROVIDER }]]);

/** A medications.csv row as csv.ts yields it: the data set's first row, trimmed to the columns used. */
function medicationRow(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    START: '2019-07-08T23:38:03Z',
    STOP: '2019-07-22T23:38:03Z',
    PATIENT,
    PAYER: '26aab0cd-6aba-3e1b-ac5b-05c8867e762c',
    ENCOUNTER,
    CODE: '308192',
    DESCRIPTION: 'Amoxicillin 500 MG Oral Tablet',
    REASONCODE: '',
    REASONDESCRIPTION: '',
    ...overrides,
  };
}

/** A conditions.csv row (the data set's line 16, an active condition). */
function conditionRow(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    START: '2022-10-26',
    STOP: '',
    PATIENT,
    ENCOUNTER,
    CODE: '314529007',
    DESCRIPTION: 'Medication review due (situation)',
    ...overrides,
  };
}

/** An encounters.csv row (the data set's encounter 8d23e193…, with a reason). */
function encounterRow(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    Id: ENCOUNTER,
    START: '2019-07-08T23:38:03Z',
    STOP: '2019-07-08T23:53:03Z',
    PATIENT,
    ORGANIZATION: 'dbd49495-c299-3f29-bb01-7095c3d9448c',
    PROVIDER,
    ENCOUNTERCLASS: 'outpatient',
    CODE: '185345009',
    DESCRIPTION: 'Encounter for symptom',
    REASONCODE: '65363002',
    REASONDESCRIPTION: 'Otitis media',
    ...overrides,
  };
}

describe('parseRxNormName', () => {
  // Real names from the Nebraska set's medications.csv.
  it.each([
    ['Amoxicillin 500 MG Oral Tablet', '500 MG', 'Oral Tablet'],
    ['24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet', '500 MG', 'Extended Release Oral Tablet'],
    ['12 HR Hydrocodone Bitartrate 10 MG Extended Release Oral Capsule', '10 MG', 'Extended Release Oral Capsule'],
    ['Acetaminophen 160 MG Chewable Tablet', '160 MG', 'Chewable Tablet'],
    ['Acetaminophen 325 MG Oral Tablet [Tylenol]', '325 MG', 'Oral Tablet'],
    [
      'Abuse-Deterrent 12 HR Oxycodone Hydrochloride 10 MG Extended Release Oral Tablet [Oxycontin]',
      '10 MG',
      'Extended Release Oral Tablet',
    ],
    ['1 ML Epoetin Alfa 4000 UNT/ML Injection [Epogen]', '4000 UNT/ML', 'Injection'],
    ['1 ML heparin sodium  porcine 5000 UNT/ML Injection', '5000 UNT/ML', 'Injection'],
    ['0.4 ML Enoxaparin sodium 100 MG/ML Prefilled Syringe', '100 MG/ML', 'Prefilled Syringe'],
    ['120 ACTUAT budesonide 0.18 MG/ACTUAT Dry Powder Inhaler [Pulmicort]', '0.18 MG/ACTUAT', 'Dry Powder Inhaler'],
    ['NDA020503 200 ACTUAT Albuterol 0.09 MG/ACTUAT Metered Dose Inhaler', '0.09 MG/ACTUAT', 'Metered Dose Inhaler'],
    ['NDA020800 0.3 ML Epinephrine 1 MG/ML Auto-Injector', '1 MG/ML', 'Auto-Injector'],
    ['72 HR Fentanyl 0.025 MG/HR Transdermal System', '0.025 MG/HR', 'Transdermal System'],
    ['isoflurane 99.9 % Inhalation Solution', '99.9 %', 'Inhalation Solution'],
    ['Kyleena 19.5 MG Intrauterine System', '19.5 MG', 'Intrauterine System'],
    ['Etonogestrel 68 MG Drug Implant', '68 MG', 'Drug Implant'],
    ['Hydrocortisone 10 MG/ML Topical Cream', '10 MG/ML', 'Topical Cream'],
    ['nitroglycerin 0.4 MG Sublingual Tablet', '0.4 MG', 'Sublingual Tablet'],
    ['Nitroglycerin 0.4 MG/ACTUAT Mucosal Spray', '0.4 MG/ACTUAT', 'Mucosal Spray'],
    ['cefazolin 2000 MG Injection', '2000 MG', 'Injection'],
  ])('%s → %s, %s', (name, strength, form) => {
    expect(parseRxNormName(name)).toEqual({ strength, form });
  });

  it.each([
    // Combinations: one strength per ingredient, which one field cannot say; the form is still certain.
    ['Acetaminophen 300 MG / Hydrocodone Bitartrate 5 MG Oral Tablet', 'Oral Tablet'],
    ['Amoxicillin 250 MG / Clavulanate 125 MG Oral Tablet', 'Oral Tablet'],
    ['piperacillin 2000 MG / tazobactam 250 MG Injection', 'Injection'],
    [
      '24 HR Donepezil hydrochloride 10 MG / Memantine hydrochloride 28 MG Extended Release Oral Capsule',
      'Extended Release Oral Capsule',
    ],
    [
      'insulin isophane  human 70 UNT/ML / insulin  regular  human 30 UNT/ML Injectable Suspension [Humulin]',
      'Injectable Suspension',
    ],
    ['168 HR Ethinyl Estradiol 0.00146 MG/HR / norelgestromin 0.00625 MG/HR Transdermal System', 'Transdermal System'],
  ])('gives a combination no strength: %s', (name, form) => {
    expect(parseRxNormName(name)).toEqual({ strength: null, form });
  });

  it.each([
    'Camila 28 Day Pack',
    'Seasonique 91 Day Pack',
    'Levora 0.15/30 28 Day Pack',
    'Norinyl 1+50 28 Day Pack',
    'NuvaRing 0.12/0.015 MG per 24HR 21 Day Vaginal System',
    'Clindamycin 300mg',
    'Mestranol / Norethynodrel',
  ])('leaves a name of another shape alone: %s', (name) => {
    expect(parseRxNormName(name)).toEqual({ strength: null, form: null });
  });

  it('gives no form when what follows the strength is not a known dose form', () => {
    expect(parseRxNormName('Examplecillin 5 MG Magic Beans')).toEqual({ strength: '5 MG', form: null });
  });
});

describe('toMedicineInput', () => {
  it('makes a catalogue entry coded in RxNorm, with strength and form when the name states them', () => {
    expect(toMedicineInput(medicationRow())).toEqual({
      ok: true,
      value: {
        name: 'Amoxicillin 500 MG Oral Tablet',
        strength: '500 MG',
        form: 'Oral Tablet',
        code: { system: 'RXNORM', code: '308192' },
      },
    });
    expect(toMedicineInput(medicationRow({ CODE: '748962', DESCRIPTION: 'Camila 28 Day Pack' }))).toEqual({
      ok: true,
      value: { name: 'Camila 28 Day Pack', code: { system: 'RXNORM', code: '748962' } },
    });
  });

  it('refuses a name the catalogue cannot hold', () => {
    expect(toMedicineInput(medicationRow({ DESCRIPTION: ' ' }))).toEqual({
      ok: false,
      reason: 'DESCRIPTION: must not be empty (" ")',
    });
    expect(toMedicineInput(medicationRow({ DESCRIPTION: 'x'.repeat(201) })).ok).toBe(false);
  });
});

describe('identifiers', () => {
  it('keys a row by patient, encounter, code and start', () => {
    expect(clinicalKey(medicationRow())).toBe(`${PATIENT}/${ENCOUNTER}/308192/2019-07-08T23:38:03Z`);
    expect(clinicalKey(conditionRow())).toBe(`${PATIENT}/${ENCOUNTER}/314529007/2022-10-26`);
  });

  it('tells repeated keys apart by #n in file order, the first without a suffix', () => {
    // The data set's medications.csv has 34 such pairs, e.g. two Fluticasone/salmeterol orders at one encounter.
    const key = 'b46882a6-fa1b-2ec5-70c6-84c57a307f20/0a3ab42e-23f5-6e06-97c2-a2005701a3e4/896209/1967-09-03T01:34:46Z';
    expect(withRepeatSuffixes([key, 'other', key, key])).toEqual([key, 'other', `${key}#2`, `${key}#3`]);
    expect(withRepeatSuffixes(['a', 'b'])).toEqual(['a', 'b']);
  });
});

describe('durationOf', () => {
  it('counts whole days rounded up', () => {
    expect(durationOf('2019-07-08T23:38:03Z', '2019-07-22T23:38:03Z')).toEqual({ durationDays: 14 });
    // 10 days and 3 hours: 11.
    expect(durationOf('2021-05-12T23:38:03Z', '2021-05-23T02:38:03Z')).toEqual({ durationDays: 11 });
  });

  it('makes a stop at the start one day', () => {
    expect(durationOf('2023-03-27T18:53:51Z', '2023-03-27T18:53:51Z')).toEqual({ durationDays: 1 });
  });

  it('leaves an open-ended one without a duration', () => {
    expect(durationOf('2011-03-02T19:55:38Z', '')).toEqual({});
  });

  it('keeps exactly 365 days and moves a longer period into the instructions', () => {
    expect(durationOf('2021-01-01T00:00:00Z', '2022-01-01T00:00:00Z')).toEqual({ durationDays: 365 });
    expect(durationOf('2021-01-01T00:00:00Z', '2022-01-01T00:00:01Z')).toEqual({
      instructions: 'Taken from 2021-01-01 to 2022-01-01 (source record)',
    });
    expect(durationOf('2010-05-18T18:53:51Z', '2017-08-25T18:53:51Z')).toEqual({
      instructions: 'Taken from 2010-05-18 to 2017-08-25 (source record)',
    });
  });

  it('makes up no duration for a STOP before START, and says so', () => {
    // Two rows of the data set (patient f5bf24a8…, 2021).
    expect(durationOf('2021-03-02T22:30:42Z', '2021-02-24T22:35:04Z')).toEqual({
      instructions: 'Stopped on 2021-02-24, before its start on 2021-03-02 (source record)',
    });
  });
});

describe('toPrescriptionDraft', () => {
  const KEY = `${PATIENT}/${ENCOUNTER}/308192/2019-07-08T23:38:03Z`;

  it('maps a medications.csv row to a prescription by the encounter provider, with its RxNorm code', () => {
    expect(toPrescriptionDraft(medicationRow(), KEY, ENCOUNTERS, NOW)).toEqual({
      ok: true,
      value: {
        patient: PATIENT,
        provider: PROVIDER,
        medicineCode: '308192',
        input: {
          identifier: { system: SYNTHEA_MEDICATION_SYSTEM, value: KEY },
          durationDays: 14,
          issuedAt: '2019-07-08T23:38:03Z',
        },
      },
    });
  });

  it('gives the reason as SNOMED CT, and the long period in the instructions', () => {
    const mapped = toPrescriptionDraft(
      medicationRow({
        START: '2010-03-16T05:47:51Z',
        STOP: '2023-03-21T05:47:51Z',
        REASONCODE: '55822004',
        REASONDESCRIPTION: 'Hyperlipidemia',
      }),
      'key',
      ENCOUNTERS,
      NOW,
    );
    expect(mapped.ok && mapped.value.input).toEqual({
      identifier: { system: SYNTHEA_MEDICATION_SYSTEM, value: 'key' },
      instructions: 'Taken from 2010-03-16 to 2023-03-21 (source record)',
      reason: { system: 'SNOMED_CT', code: '55822004', display: 'Hyperlipidemia' },
      issuedAt: '2010-03-16T05:47:51Z',
    });
  });

  it('leaves the duration out when the medicine is still taken', () => {
    const mapped = toPrescriptionDraft(medicationRow({ STOP: '' }), 'key', ENCOUNTERS, NOW);
    expect(mapped.ok && 'durationDays' in mapped.value.input).toBe(false);
  });

  it.each([
    [{ START: '2019-07-08' }, 'START: must be an ISO instant such as 2019-07-08T23:38:03Z ("2019-07-08")'],
    [{ START: '2031-01-01T00:00:00Z' }, 'START: must not be in the future (2031-01-01T00:00:00Z)'],
    [{ STOP: 'soon' }, 'STOP: must be empty or an ISO instant ("soon")'],
    [{ PATIENT: '' }, 'PATIENT: must not be empty ("")'],
    [{ DESCRIPTION: '' }, 'DESCRIPTION: must not be empty ("")'],
    [{ REASONCODE: '1'.repeat(65) }, `REASONCODE: must be at most 64 characters ("${'1'.repeat(65)}")`],
    [{ ENCOUNTER: 'nowhere' }, 'ENCOUNTER: not in encounters.csv ("nowhere")'],
    [{ PATIENT: 'someone-else' }, `ENCOUNTER: is patient ${PATIENT}'s, not this row's PATIENT`],
  ])('refuses %j: %s', (overrides, reason) => {
    expect(toPrescriptionDraft(medicationRow(overrides), 'key', ENCOUNTERS, NOW)).toEqual({ ok: false, reason });
  });
});

describe('toDiagnosisDraft', () => {
  it('maps an active condition at midnight UTC of its START date', () => {
    expect(toDiagnosisDraft(conditionRow(), 'key', ENCOUNTERS, NOW)).toEqual({
      ok: true,
      value: {
        patient: PATIENT,
        provider: PROVIDER,
        input: {
          identifier: { system: SYNTHEA_CONDITION_SYSTEM, value: 'key' },
          kind: 'DIAGNOSIS',
          code: { system: 'SNOMED_CT', code: '314529007', display: 'Medication review due (situation)' },
          data: { clinicalStatus: 'active' },
          effectiveAt: '2022-10-26T00:00:00Z',
        },
      },
    });
  });

  it('maps a stopped condition as resolved on its STOP date', () => {
    const mapped = toDiagnosisDraft(conditionRow({ STOP: '2022-12-28' }), 'key', ENCOUNTERS, NOW);
    expect(mapped.ok && mapped.value.input.data).toEqual({ clinicalStatus: 'resolved', abatementDate: '2022-12-28' });
  });

  it.each([
    [{ START: '2022-10-26T00:00:00Z' }, 'START: must be a calendar date YYYY-MM-DD ("2022-10-26T00:00:00Z")'],
    [{ START: '2025-06-02' }, 'START: must not be in the future (2025-06-02T00:00:00Z)'],
    [{ STOP: '2022-10-25' }, 'STOP: must not be before START (2022-10-25 < 2022-10-26)'],
    [{ CODE: '' }, 'CODE: must not be empty ("")'],
    [{ ENCOUNTER: 'nowhere' }, 'ENCOUNTER: not in encounters.csv ("nowhere")'],
  ])('refuses %j: %s', (overrides, reason) => {
    expect(toDiagnosisDraft(conditionRow(overrides), 'key', ENCOUNTERS, NOW)).toEqual({ ok: false, reason });
  });
});

describe('toEncounterNoteDraft', () => {
  it('maps an encounter to a note by its provider, with the reason on a line of its own', () => {
    expect(toEncounterNoteDraft(encounterRow(), NOW)).toEqual({
      ok: true,
      value: {
        patient: PATIENT,
        provider: PROVIDER,
        input: {
          identifier: { system: SYNTHEA_ENCOUNTER_SYSTEM, value: ENCOUNTER },
          kind: 'ENCOUNTER_NOTE',
          code: { system: 'SNOMED_CT', code: '185345009', display: 'Encounter for symptom' },
          data: {
            note: 'Encounter for symptom\nReason: Otitis media',
            encounterClass: 'outpatient',
            endedAt: '2019-07-08T23:53:03Z',
          },
          effectiveAt: '2019-07-08T23:38:03Z',
        },
      },
    });
  });

  it('leaves out a reason, class and end the row does not give', () => {
    const mapped = toEncounterNoteDraft(
      encounterRow({ REASONCODE: '', REASONDESCRIPTION: '', ENCOUNTERCLASS: 'teleport', STOP: '' }),
      NOW,
    );
    expect(mapped.ok && mapped.value.input.data).toEqual({ note: 'Encounter for symptom' });
  });

  it('refuses a STOP before START and an encounter without a description', () => {
    expect(toEncounterNoteDraft(encounterRow({ STOP: '2019-07-08T23:00:00Z' }), NOW)).toEqual({
      ok: false,
      reason: 'STOP: must not be before START (2019-07-08T23:00:00Z < 2019-07-08T23:38:03Z)',
    });
    expect(toEncounterNoteDraft(encounterRow({ DESCRIPTION: '' }), NOW)).toEqual({
      ok: false,
      reason: 'DESCRIPTION: must not be empty ("")',
    });
  });
});

describe('encounterClassOf', () => {
  it('keeps the classes the graph accepts and nothing else', () => {
    for (const value of ['ambulatory', 'wellness', 'outpatient', 'urgentcare', 'emergency', 'inpatient'])
      expect(encounterClassOf(value)).toBe(value);
    for (const value of ['hospice', 'snf', 'virtual', 'home']) expect(encounterClassOf(value)).toBe(value);
    expect(encounterClassOf(' Wellness ')).toBe('wellness');
    expect(encounterClassOf('')).toBeUndefined();
    expect(encounterClassOf('urgent care')).toBeUndefined();
  });
});

describe('resolveDraft', () => {
  const draft = toPrescriptionDraft(medicationRow(), 'key', ENCOUNTERS, NOW);
  if (!draft.ok) throw new Error(draft.reason);
  const ids: GraphIds = {
    patients: new Map([[PATIENT, { id: 'patient-1' }]]),
    doctors: new Map([[PROVIDER, { id: 'doctor-1', departmentId: 'dept-1' }]]),
    medicines: new Map([['308192', 'medicine-1']]),
  };

  it("completes a draft with the graph's patient, doctor and medicine", () => {
    expect(resolveDraft(draft.value, ids)).toEqual({
      ok: true,
      input: { ...draft.value.input, patientId: 'patient-1', doctorId: 'doctor-1', medicineId: 'medicine-1' },
    });
  });

  it('fails with the code of what is missing from the graph', () => {
    expect(resolveDraft(draft.value, { ...ids, patients: new Map() })).toMatchObject({ ok: false, code: 'NO_PATIENT' });
    expect(resolveDraft(draft.value, { ...ids, doctors: new Map() })).toMatchObject({ ok: false, code: 'NO_DOCTOR' });
    expect(resolveDraft(draft.value, { ...ids, medicines: new Map() })).toMatchObject({
      ok: false,
      code: 'NO_MEDICINE',
      reason: 'medicine RxNorm 308192 is not in the catalogue (not created)',
    });
  });

  it('needs no medicine for a medical record entry', () => {
    const entry = toDiagnosisDraft(conditionRow(), 'key', ENCOUNTERS, NOW);
    if (!entry.ok) throw new Error(entry.reason);
    expect(resolveDraft(entry.value, { ...ids, medicines: new Map() })).toEqual({
      ok: true,
      input: { ...entry.value.input, patientId: 'patient-1', doctorId: 'doctor-1' },
    });
  });
});
