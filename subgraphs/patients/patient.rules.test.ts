import { describe, expect, it } from '@jest/globals';
import { datesProblem, isValidMrn, luhnCheckDigit, mrnFromSequence } from './patient.rules.ts';

describe('MRNs', () => {
  it('compute the Luhn check digit of the ISO/IEC 7812 example', () => {
    // 7992739871 has check digit 3 (the textbook Luhn example).
    expect(luhnCheckDigit('7992739871')).toBe(3);
  });

  it('are 7 zero-padded sequence digits and a check digit', () => {
    expect(mrnFromSequence(1)).toBe('00000018');
    expect(mrnFromSequence(1234567)).toMatch(/^1234567\d$/);
    expect(isValidMrn(mrnFromSequence(1234567))).toBe(true);
  });

  it('catch a mistyped digit', () => {
    const mrn = mrnFromSequence(4242);
    const typo = `${mrn.slice(0, 3)}${(Number(mrn[3]) + 1) % 10}${mrn.slice(4)}`;
    expect(isValidMrn(typo)).toBe(false);
  });

  it('refuse sequence values that do not fit in 7 digits', () => {
    expect(() => mrnFromSequence(10_000_000)).toThrow(RangeError);
    expect(() => mrnFromSequence(0)).toThrow(RangeError);
  });
});

describe('patient dates', () => {
  const today = '2026-11-22';

  it('accept a birth date of today', () => {
    expect(datesProblem({ birthDate: today }, today)).toBeNull();
  });

  it('refuse a birth date in the future', () => {
    expect(datesProblem({ birthDate: '2026-11-23' }, today)).toEqual({
      field: 'birthDate',
      message: 'must not be in the future',
    });
  });

  it('refuse a death before birth', () => {
    expect(datesProblem({ birthDate: '2000-01-02', deceasedDate: '2000-01-01' }, today)?.field).toBe('deceasedDate');
  });

  it('refuse a death in the future', () => {
    expect(datesProblem({ birthDate: '2000-01-02', deceasedDate: '2027-01-01' }, today)?.field).toBe('deceasedDate');
  });
});
