/**
 * What each kind of medical record entry holds (GraphQL `MedicalRecordKind`, SPEC §5): the strict shape of its
 * `data` (unknown keys refused, text up to 20,000 characters, measurements within physiological bounds), which code
 * systems its `code` may use and whether it needs one, and the rules of a correction (`supersedesId`). Pure: no
 * I/O, no clock.
 */
import { z } from 'zod';
import { dateSchema } from '../../platform/validation.ts';
import type { CodeSystem, Coding } from './prescription.rules.ts';

export const MEDICAL_RECORD_KINDS = ['ENCOUNTER_NOTE', 'DIAGNOSIS', 'VITALS', 'ALLERGY', 'LAB_RESULT'] as const;
export type MedicalRecordKind = (typeof MEDICAL_RECORD_KINDS)[number];

/** Longest text anywhere in an entry's `data`. */
export const MAX_RECORD_TEXT_LENGTH = 20_000;

/** FHIR `Encounter.class` codes, as Synthea's `encounters.csv` names them. */
export const ENCOUNTER_CLASSES = [
  'ambulatory',
  'wellness',
  'outpatient',
  'urgentcare',
  'emergency',
  'inpatient',
  'hospice',
  'snf',
  'virtual',
  'home',
] as const;

const text = z.string().max(MAX_RECORD_TEXT_LENGTH, `must be at most ${MAX_RECORD_TEXT_LENGTH} characters`);
/** Text that must say something (not empty, not only spaces); kept exactly as written. */
const requiredText = text.refine((value) => value.trim().length > 0, 'must not be empty');
const instant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date and time with offset' });
const within = (min: number, max: number) =>
  z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

/** `ENCOUNTER_NOTE` (FHIR `Encounter`): the note of a visit; `effectiveAt` is its start. */
export const encounterNoteData = z.strictObject({
  note: requiredText,
  encounterClass: z.enum(ENCOUNTER_CLASSES).optional(),
  endedAt: instant.optional(),
});

/** `DIAGNOSIS` (FHIR `Condition`): `effectiveAt` is the onset; `abatementDate` when it resolved. */
export const diagnosisData = z.strictObject({
  clinicalStatus: z.enum(['active', 'resolved']),
  abatementDate: dateSchema.optional(),
  note: text.optional(),
});

/** The measurements of a `VITALS` entry with their bounds (units in the names). */
export const VITAL_SIGN_BOUNDS = {
  heartRateBpm: [20, 300],
  systolicMmHg: [40, 300],
  diastolicMmHg: [20, 200],
  temperatureCelsius: [25, 45],
  respiratoryRatePerMin: [4, 80],
  oxygenSaturationPercent: [50, 100],
  weightKg: [0.2, 500],
  heightCm: [20, 300],
} as const satisfies Record<string, readonly [number, number]>;

/** `VITALS` (FHIR `Observation`, category vital-signs): at least one measurement. */
export const vitalsData = z
  .strictObject(
    Object.fromEntries(
      Object.entries(VITAL_SIGN_BOUNDS).map(([name, [min, max]]) => [name, within(min, max).optional()]),
    ) as { [Name in keyof typeof VITAL_SIGN_BOUNDS]: z.ZodOptional<z.ZodNumber> },
  )
  .refine((vitals) => Object.values(vitals).some((value) => value !== undefined), {
    message: `must hold at least one of ${Object.keys(VITAL_SIGN_BOUNDS).join(', ')}`,
  });

/** `ALLERGY` (FHIR `AllergyIntolerance`). */
export const allergyData = z.strictObject({
  substance: requiredText,
  category: z.enum(['food', 'medication', 'environment', 'biologic']).optional(),
  criticality: z.enum(['low', 'high', 'unable-to-assess']).optional(),
  reaction: text.optional(),
  severity: z.enum(['mild', 'moderate', 'severe']).optional(),
});

/** `LAB_RESULT` (FHIR `Observation`, category laboratory). */
export const labResultData = z.strictObject({
  value: z.union([z.number(), requiredText]),
  unit: text.optional(),
  referenceRange: z.strictObject({ low: z.number().optional(), high: z.number().optional() }).optional(),
  interpretation: z.enum(['normal', 'low', 'high', 'abnormal']).optional(),
});

/** The shape of `data` for each kind. */
export const RECORD_DATA_SCHEMAS: Record<MedicalRecordKind, z.ZodType<Record<string, unknown>>> = {
  ENCOUNTER_NOTE: encounterNoteData,
  DIAGNOSIS: diagnosisData,
  VITALS: vitalsData,
  ALLERGY: allergyData,
  LAB_RESULT: labResultData,
};

/** Which code systems each kind's `code` may use (none: no code allowed), and whether a code is required. */
export const RECORD_CODE_RULES: Record<MedicalRecordKind, { required: boolean; systems: readonly CodeSystem[] }> = {
  ENCOUNTER_NOTE: { required: false, systems: ['SNOMED_CT'] },
  DIAGNOSIS: { required: true, systems: ['ICD_10', 'SNOMED_CT'] },
  VITALS: { required: false, systems: [] },
  ALLERGY: { required: false, systems: ['SNOMED_CT'] },
  LAB_RESULT: { required: false, systems: ['LOINC'] },
};

/** Why `code` does not fit `kind`, or null when it does. */
export function codeRefusal(kind: MedicalRecordKind, code: Pick<Coding, 'system'> | null): string | null {
  const rule = RECORD_CODE_RULES[kind];
  if (!code) return rule.required ? `is required for a ${kind} entry (${rule.systems.join(' or ')})` : null;
  if (rule.systems.length === 0) return `must be left out of a ${kind} entry`;
  if (!rule.systems.includes(code.system)) {
    return `of a ${kind} entry must be ${rule.systems.join(' or ')}, not ${code.system}`;
  }
  return null;
}

/** A problem with an entry's content: where (relative to the entry: `data.…` or `code`) and what. */
export interface ContentIssue {
  path: (string | number)[];
  message: string;
}

export type ContentCheck =
  { success: true; data: Record<string, unknown> } | { success: false; issues: ContentIssue[] };

/**
 * Checks an entry's `code` and `data` against its kind: the code by `RECORD_CODE_RULES`, the data by the kind's
 * strict schema. On success, `data` is the parsed content (what is stored).
 */
export function checkRecordContent(
  kind: MedicalRecordKind,
  code: Pick<Coding, 'system'> | null,
  data: unknown,
): ContentCheck {
  const issues: ContentIssue[] = [];
  const refusal = codeRefusal(kind, code);
  if (refusal) issues.push({ path: ['code'], message: refusal });
  const parsed = RECORD_DATA_SCHEMAS[kind].safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      issues.push({
        path: ['data', ...issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part))],
        message: issue.message,
      });
    }
  }
  return issues.length > 0 || !parsed.success ? { success: false, issues } : { success: true, data: parsed.data };
}

/** Why an entry may not supersede `target`. */
export type SupersedeRefusal = 'OTHER_PATIENT' | 'OTHER_KIND';

/**
 * A correction replaces an entry of the same patient and the same kind (a diagnosis corrects a diagnosis). Whether
 * the target was corrected already is the database's to decide (`medical_record_entry_supersedes_key`).
 */
export function supersedeRefusal(
  target: { patientId: string; kind: MedicalRecordKind },
  correction: { patientId: string; kind: MedicalRecordKind },
): SupersedeRefusal | null {
  if (target.patientId !== correction.patientId) return 'OTHER_PATIENT';
  if (target.kind !== correction.kind) return 'OTHER_KIND';
  return null;
}
