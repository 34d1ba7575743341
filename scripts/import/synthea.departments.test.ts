import { describe, expect, it } from '@jest/globals';
import { departmentForProvider, ENCOUNTER_CLASS_DEPARTMENTS, GENERAL_PRACTICE } from './synthea.departments.ts';

const counts = (entries: Record<string, number>) => new Map(Object.entries(entries));

describe('departmentForProvider', () => {
  it('puts a provider in the department of the encounter class they saw most often', () => {
    expect(departmentForProvider(counts({ wellness: 3, emergency: 7, ambulatory: 2 }))).toMatchObject({
      name: 'Emergency Medicine',
      code: 'EMER',
    });
  });

  it('maps every Synthea encounter class to its department', () => {
    const expected = {
      ambulatory: 'AMB',
      wellness: 'PRIM',
      outpatient: 'OUTP',
      urgentcare: 'URG',
      emergency: 'EMER',
      inpatient: 'INPT',
      hospice: 'PALL',
      snf: 'SNF',
      virtual: 'TELE',
    };
    for (const [encounterClass, code] of Object.entries(expected)) {
      expect(departmentForProvider(counts({ [encounterClass]: 1 })).code).toBe(code);
    }
    expect(ENCOUNTER_CLASS_DEPARTMENTS.size).toBe(9);
  });

  it('breaks a tie in favour of the class listed first in the mapping, whatever the map order', () => {
    expect(departmentForProvider(counts({ emergency: 4, wellness: 4 })).code).toBe('PRIM');
    expect(departmentForProvider(counts({ wellness: 4, emergency: 4 })).code).toBe('PRIM');
    expect(departmentForProvider(counts({ virtual: 2, snf: 2, hospice: 2 })).code).toBe('PALL');
  });

  it('puts a provider without encounters in General Practice', () => {
    expect(departmentForProvider(new Map())).toBe(GENERAL_PRACTICE);
    expect(GENERAL_PRACTICE).toMatchObject({ name: 'General Practice', code: 'GP' });
  });

  it('does not count encounter classes the mapping does not know', () => {
    expect(departmentForProvider(counts({ teleconsult: 9 }))).toBe(GENERAL_PRACTICE);
    expect(departmentForProvider(counts({ teleconsult: 9, snf: 1 })).code).toBe('SNF');
  });
});
