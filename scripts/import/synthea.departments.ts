/**
 * Departments for Synthea providers. Synthea has none (every provider's SPECIALITY is "GENERAL PRACTICE"), so a
 * provider's department is the clinical area of the encounter class (ENCOUNTERCLASS) they saw most often.
 */
import type { DepartmentSpec } from './departments.ts';

/**
 * ENCOUNTERCLASS → department. The order of this table breaks ties (first listed wins); it follows how
 * often each class occurs in Synthea output, so a tie goes to the more common kind of care.
 */
export const ENCOUNTER_CLASS_DEPARTMENTS: ReadonlyMap<string, DepartmentSpec> = new Map(
  (
    [
      ['ambulatory', 'Ambulatory Care', 'AMB'],
      ['wellness', 'Primary Care', 'PRIM'],
      ['outpatient', 'Outpatient Clinic', 'OUTP'],
      ['urgentcare', 'Urgent Care', 'URG'],
      ['emergency', 'Emergency Medicine', 'EMER'],
      ['inpatient', 'Inpatient Medicine', 'INPT'],
      ['hospice', 'Palliative Care', 'PALL'],
      ['snf', 'Skilled Nursing', 'SNF'],
      ['virtual', 'Telehealth', 'TELE'],
    ] as const
  ).map(([encounterClass, name, code]) => [
    encounterClass,
    { name, code, description: `Imported from Synthea: providers who mostly saw "${encounterClass}" encounters.` },
  ]),
);

/** The department of providers with no encounters at all. */
export const GENERAL_PRACTICE: DepartmentSpec = {
  name: 'General Practice',
  code: 'GP',
  description: 'Imported from Synthea: providers without encounters.',
};

const TABLE_ORDER = [...ENCOUNTER_CLASS_DEPARTMENTS.keys()];

/**
 * The department for a provider, from how many encounters of each ENCOUNTERCLASS they saw: the most frequent
 * known class; ties go to the class listed first in `ENCOUNTER_CLASS_DEPARTMENTS`. Classes not in that table
 * are not counted (they name no department); with no counted encounter the provider is in General Practice.
 *
 * @param classCounts ENCOUNTERCLASS (lower-case, as Synthea writes it) → number of encounters.
 */
export function departmentForProvider(classCounts: ReadonlyMap<string, number>): DepartmentSpec {
  let best: { encounterClass: string; count: number } | undefined;
  for (const encounterClass of TABLE_ORDER) {
    const count = classCounts.get(encounterClass) ?? 0;
    // Strictly greater: an equal count later in the table does not replace an earlier class.
    if (count > 0 && (!best || count > best.count)) best = { encounterClass, count };
  }
  return best ? ENCOUNTER_CLASS_DEPARTMENTS.get(best.encounterClass)! : GENERAL_PRACTICE;
}
