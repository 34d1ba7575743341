import { describe, expect, it } from '@jest/globals';
import {
  estimatedBirthDate,
  NOSHOW_PATIENT_SYSTEM,
  outcomeOf,
  titleCasePt,
  toNoShowRow,
  toPatientInput,
  type NoShowRow,
} from './noshow.mapping.ts';

/** A record as csv.ts yields it: the first row of KaggleV2-May-2016.csv. */
function record(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    PatientId: '29872499824296',
    AppointmentID: '5642903',
    Gender: 'F',
    ScheduledDay: '2016-04-29T18:38:08Z',
    AppointmentDay: '2016-04-29T00:00:00Z',
    Age: '62',
    Neighbourhood: 'JARDIM DA PENHA',
    Scholarship: '0',
    Hipertension: '1',
    Diabetes: '0',
    Alcoholism: '0',
    Handcap: '0',
    SMS_received: '0',
    'No-show': 'No',
    ...overrides,
  };
}

function valid(fields: Record<string, string>): NoShowRow {
  const mapped = toNoShowRow(2, fields);
  if (!mapped.ok) throw new Error(mapped.reason);
  return mapped.value;
}

describe('toNoShowRow', () => {
  it('maps a row to its patient, health unit, day and outcome', () => {
    expect(toNoShowRow(2, record())).toEqual({
      ok: true,
      value: {
        row: 2,
        appointmentId: '5642903',
        patientId: '29872499824296',
        sex: 'FEMALE',
        age: 62,
        neighbourhood: 'JARDIM DA PENHA',
        day: '2016-04-29',
        outcome: 'COMPLETED',
      },
    });
  });

  it('keeps a PatientId in scientific notation as the text the file has', () => {
    // Row 3952 of the file: 9377952927E-5 is 93779.52927 as a number, which is not an identifier.
    expect(valid(record({ PatientId: '9377952927E-5' })).patientId).toBe('9377952927E-5');
    expect(valid(record({ PatientId: '14172416655E-5' })).patientId).toBe('14172416655E-5');
  });

  it('refuses the row with Age -1, naming the column and the value', () => {
    expect(toNoShowRow(99834, record({ Age: '-1' }))).toEqual({
      ok: false,
      reason: 'Age: must be a whole number from 0 to 120 ("-1")',
    });
  });

  it('accepts babies (Age 0) and the oldest patients (115)', () => {
    expect(valid(record({ Age: '0' })).age).toBe(0);
    expect(valid(record({ Age: '115' })).age).toBe(115);
  });

  it('refuses a PatientId it cannot use as an identifier', () => {
    for (const patientId of ['', 'abc', '12 34', '2.98725E+13x', '1'.repeat(41)]) {
      const mapped = toNoShowRow(2, record({ PatientId: patientId }));
      expect(mapped.ok ? 'accepted' : mapped.reason.split(':')[0]).toBe('PatientId');
    }
  });

  it('refuses a Gender other than F or M', () => {
    expect(toNoShowRow(2, record({ Gender: 'X' }))).toEqual({ ok: false, reason: 'Gender: must be F or M ("X")' });
    expect(toNoShowRow(2, record({ Gender: '' })).ok).toBe(false);
  });

  it('refuses an AppointmentDay that is not a calendar date', () => {
    for (const day of ['2016-02-30T00:00:00Z', 'tomorrow', '', '29/04/2016']) {
      const mapped = toNoShowRow(2, record({ AppointmentDay: day }));
      expect(mapped.ok ? 'accepted' : mapped.reason.split(':')[0]).toBe('AppointmentDay');
    }
    expect(valid(record({ AppointmentDay: '2016-05-14' })).day).toBe('2016-05-14');
  });

  it('refuses an AppointmentID that is not a whole number, an empty Neighbourhood and an unknown No-show', () => {
    expect(toNoShowRow(2, record({ AppointmentID: '56x' })).ok).toBe(false);
    expect(toNoShowRow(2, record({ Neighbourhood: '  ' })).ok).toBe(false);
    expect(toNoShowRow(2, record({ 'No-show': 'Maybe' }))).toEqual({
      ok: false,
      reason: 'No-show: must be Yes or No ("Maybe")',
    });
  });
});

describe('outcomeOf', () => {
  it('reads the No-show column backwards: "No" is a visit that happened, "Yes" a patient who did not come', () => {
    expect(outcomeOf('No')).toBe('COMPLETED');
    expect(outcomeOf('Yes')).toBe('NO_SHOW');
    expect(valid(record({ 'No-show': 'Yes' })).outcome).toBe('NO_SHOW');
  });
});

describe('estimatedBirthDate', () => {
  it('puts the birthday on 1 July so that the patient is Age at the 2016 visit', () => {
    expect(estimatedBirthDate(62, '2016-04-29')).toBe('1953-07-01');
    expect(estimatedBirthDate(115, '2016-06-08')).toBe('1900-07-01');
  });

  it('never puts a baby’s birth after its visit', () => {
    expect(estimatedBirthDate(0, '2016-05-10')).toBe('2015-07-01');
  });

  it('uses the same year for a visit on or after 1 July', () => {
    expect(estimatedBirthDate(30, '2016-07-01')).toBe('1986-07-01');
    expect(estimatedBirthDate(30, '2016-12-31')).toBe('1986-07-01');
  });
});

describe('toPatientInput', () => {
  it('registers an unnamed patient under the data set’s PatientId, without an address', () => {
    expect(toPatientInput(valid(record({ PatientId: '9377952927E-5', Age: '33', Gender: 'M' })))).toEqual({
      givenName: 'Unknown',
      familyName: 'Patient 9377952927E-5',
      birthDate: '1982-07-01',
      sex: 'MALE',
      identifiers: [{ system: NOSHOW_PATIENT_SYSTEM, value: '9377952927E-5' }],
    });
  });
});

describe('titleCasePt', () => {
  it('writes district names as Portuguese does', () => {
    expect(titleCasePt('JARDIM DA PENHA')).toBe('Jardim da Penha');
    expect(titleCasePt('DA PENHA')).toBe('Da Penha');
    expect(titleCasePt('ANTÔNIO HONÓRIO')).toBe('Antônio Honório');
    expect(titleCasePt('JOANA D´ARC')).toBe('Joana D´Arc');
    expect(titleCasePt('ILHAS OCEÂNICAS DE TRINDADE')).toBe('Ilhas Oceânicas de Trindade');
  });
});
