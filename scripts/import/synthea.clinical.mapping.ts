/**
 * Synthea's clinical history → the prescriptions subgraph's inputs: medications.csv (the medicine catalogue and
 * prescriptions, FHIR `Medication` / `MedicationRequest`), conditions.csv (diagnoses, `Condition`) and encounters.csv
 * (encounter notes, `Encounter`). Pure functions; rows are validated with zod before anything is sent, and a refusal
 * names the CSV column (`START: must be an ISO instant`), as `synthea.mapping.ts` does.
 */
import { z } from 'zod';
import { dateSchema } from '../../platform/validation.ts';
import { ENCOUNTER_CLASSES, MAX_RECORD_TEXT_LENGTH } from '../../subgraphs/prescriptions/medical-record.rules.ts';
import {
  MAX_CODE_DISPLAY_LENGTH,
  MAX_CODE_LENGTH,
  MAX_CODES_PER_LOOKUP,
  MAX_DURATION_DAYS,
  MAX_IMPORT_BATCH,
  MAX_INSTRUCTIONS_LENGTH,
  MAX_MEDICATION_TEXT_LENGTH,
  MAX_MEDICINE_TEXT_LENGTH,
} from '../../subgraphs/prescriptions/prescription.rules.ts';
import type { FoundRecord } from './graph.ts';
import { reasonOf, type IdentifierInput, type Mapped } from './rows.ts';

/** FHIR `Identifier.system` of a medications.csv row (its value: see `clinicalKey`). */
export const SYNTHEA_MEDICATION_SYSTEM = 'https://github.com/synthetichealth/synthea/medication';
/** FHIR `Identifier.system` of a conditions.csv row. */
export const SYNTHEA_CONDITION_SYSTEM = 'https://github.com/synthetichealth/synthea/condition';
/** FHIR `Identifier.system` of an encounters.csv row (its value: the encounter's Id). */
export const SYNTHEA_ENCOUNTER_SYSTEM = 'https://github.com/synthetichealth/synthea/encounter';

/** The bounds of the prescriptions subgraph (its rules modules, the one source of them), checked before sending. */
export const CLINICAL_LIMITS = {
  /** Rows of one `importPrescriptions` / `importMedicalRecordEntries` call. */
  batch: MAX_IMPORT_BATCH,
  /** Codes of one `medicinesByCode` lookup. */
  codesPerLookup: MAX_CODES_PER_LOOKUP,
  medicineText: MAX_MEDICINE_TEXT_LENGTH,
  medicationText: MAX_MEDICATION_TEXT_LENGTH,
  code: MAX_CODE_LENGTH,
  codeDisplay: MAX_CODE_DISPLAY_LENGTH,
  instructions: MAX_INSTRUCTIONS_LENGTH,
  durationDays: MAX_DURATION_DAYS,
  /** Text in a medical record entry's `data`. */
  entryText: MAX_RECORD_TEXT_LENGTH,
  identifier: 200,
} as const;

/** The encounter classes `ENCOUNTER_NOTE.data.encounterClass` accepts (see `MedicalRecordKind`). */
export { ENCOUNTER_CLASSES };

export type CodeSystem = 'ICD_10' | 'SNOMED_CT' | 'LOINC' | 'RXNORM';

/** `CodingInput` (FHIR `Coding`). */
export interface CodingInput {
  system: CodeSystem;
  code: string;
  display?: string;
}

/** `CreateMedicineInput` as the importer sends it; strength and form only when the name states them plainly. */
export interface MedicineInput {
  name: string;
  strength?: string;
  form?: string;
  code: CodingInput;
}

/**
 * `ImportedPrescriptionInput` as the importer sends it (no dose or times a day: Synthea has none). The medicine is
 * always the catalogue entry, never free text too: the graph takes exactly one of `medicineId` and `medicationText`
 * (the bounds of `issuePrescription`) and gives the prescription the entry's name as its text.
 */
export interface ImportedPrescriptionInput {
  identifier: IdentifierInput;
  patientId: string;
  doctorId: string;
  medicineId: string;
  /** 1–365; absent when open-ended or when the source's period does not fit (see `instructions`). */
  durationDays?: number;
  instructions?: string;
  reason?: CodingInput;
  /** ISO instant. */
  issuedAt: string;
}

/** `ImportedMedicalRecordEntryInput` as the importer sends it. */
export interface ImportedEntryInput {
  identifier: IdentifierInput;
  patientId: string;
  doctorId: string;
  kind: 'DIAGNOSIS' | 'ENCOUNTER_NOTE';
  code: CodingInput;
  data: Record<string, unknown>;
  /** ISO instant. */
  effectiveAt: string;
}

/**
 * A row mapped as far as the file allows: the input without the graph's ids, and the Synthea ids that give them
 * (the patient; the provider of the row's encounter, its doctor; for prescriptions the RxNorm code, its medicine).
 */
export interface ClinicalDraft<Input> {
  /** patients.csv Id. */
  patient: string;
  /** providers.csv Id. */
  provider: string;
  /** RxNorm CODE (prescriptions only). */
  medicineCode?: string;
  input: Omit<Input, 'patientId' | 'doctorId' | 'medicineId'>;
}

export type PrescriptionDraft = ClinicalDraft<ImportedPrescriptionInput> & { medicineCode: string };
export type EntryDraft = ClinicalDraft<ImportedEntryInput>;

/** What the importer knows of an encounter from encounters.csv: whose it is and who saw the patient. */
export interface EncounterRef {
  patient: string;
  provider: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Identifiers

/**
 * Makes repeated keys unique in file order: the first occurrence stays as it is, the n-th (n ≥ 2) gets `#n`.
 * Deterministic for the same file: `["a", "b", "a"]` → `["a", "b", "a#2"]`.
 */
export function withRepeatSuffixes(keys: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return keys.map((key) => {
    const count = (seen.get(key) ?? 0) + 1;
    seen.set(key, count);
    return count === 1 ? key : `${key}#${count}`;
  });
}

/**
 * The identifier value of a medications.csv or conditions.csv row before repeats are told apart:
 * `${PATIENT}/${ENCOUNTER}/${CODE}/${START}` (trimmed). Synthea gives these rows no Id of their own, and the same
 * medicine can be ordered twice at one encounter (34 such pairs in the Nebraska set), hence `withRepeatSuffixes`.
 */
export function clinicalKey(fields: Record<string, string>): string {
  const part = (column: string) => (fields[column] ?? '').trim();
  return `${part('PATIENT')}/${part('ENCOUNTER')}/${part('CODE')}/${part('START')}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Medicines

/** Units of a strength in RxNorm names (per unit too: `MG/ML`, `MG/ACTUAT`, `UNT/ML`, `MG/HR`). */
const STRENGTH_UNITS = ['MG', 'MCG', 'G', 'UNT', 'MEQ', 'MMOL', 'IU', '%'];
const STRENGTH_PER = ['ML', 'ACTUAT', 'HR', 'MG', 'G', 'L', 'MMOL'];
/**
 * A strength as a whole token: `500 MG`, `0.09 MG/ACTUAT`, `99.9 %`. Not a quantity prefix (`1 ML`, `200 ACTUAT`,
 * `24 HR`), which has no strength unit, nor a fraction (`0.12/0.015 MG`, `0.15/30`), which is left alone.
 */
const STRENGTH = new RegExp(
  `(?<=^|\\s)\\d+(?:\\.\\d+)?\\s(?:${STRENGTH_UNITS.join('|')})(?:/(?:${STRENGTH_PER.join('|')}))?(?=\\s|$)`,
  'g',
);

/**
 * RxNorm dose forms (RxNorm's `DF` term type), as they end a clinical drug's name. Only these count as a form, so a
 * name of another shape ("Camila 28 Day Pack", "Clindamycin 300mg") gets none.
 */
export const RXNORM_DOSE_FORMS: ReadonlySet<string> = new Set([
  'Auto-Injector',
  'Buccal Film',
  'Cartridge',
  'Chewable Tablet',
  'Delayed Release Oral Capsule',
  'Delayed Release Oral Tablet',
  'Disintegrating Oral Tablet',
  'Drug Implant',
  'Dry Powder Inhaler',
  'Enema',
  'Extended Release Oral Capsule',
  'Extended Release Oral Tablet',
  'Inhalation Powder',
  'Inhalation Solution',
  'Inhalation Suspension',
  'Injectable Solution',
  'Injectable Suspension',
  'Injection',
  'Intrauterine System',
  'Medicated Patch',
  'Metered Dose Inhaler',
  'Metered Dose Nasal Spray',
  'Mucosal Spray',
  'Nasal Spray',
  'Ophthalmic Solution',
  'Oral Capsule',
  'Oral Film',
  'Oral Powder',
  'Oral Solution',
  'Oral Suspension',
  'Oral Tablet',
  'Otic Solution',
  'Pen Injector',
  'Prefilled Syringe',
  'Rectal Suppository',
  'Sublingual Tablet',
  'Topical Cream',
  'Topical Gel',
  'Topical Lotion',
  'Topical Ointment',
  'Transdermal System',
  'Vaginal Cream',
  'Vaginal System',
]);

/**
 * Strength and dose form read off an RxNorm clinical drug name, which reads `[quantity] [release] ingredient
 * strength [/ ingredient strength …] dose form [brand]`:
 *
 * - "Amoxicillin 500 MG Oral Tablet" → "500 MG", "Oral Tablet";
 * - "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet" → "500 MG", "Extended Release Oral Tablet";
 * - "1 ML Epoetin Alfa 4000 UNT/ML Injection [Epogen]" → "4000 UNT/ML", "Injection" (the brand is left out).
 *
 * Conservative: whatever is not certain is null. The form is what follows the last strength, only when it is one of
 * `RXNORM_DOSE_FORMS`; the strength only when the name has exactly one (a combination such as "Acetaminophen 300 MG /
 * Hydrocodone Bitartrate 5 MG Oral Tablet" has one per ingredient, which a single field cannot say: null, form
 * "Oral Tablet"). A name without a strength ("Camila 28 Day Pack", "Clindamycin 300mg", "Mestranol /
 * Norethynodrel") gets neither.
 */
export function parseRxNormName(name: string): { strength: string | null; form: string | null } {
  const text = name
    .replace(/\s+\[[^\]]*\]\s*$/, '')
    .replace(/\s+/g, ' ')
    .trim();
  const strengths = [...text.matchAll(STRENGTH)];
  const last = strengths.at(-1);
  if (!last) return { strength: null, form: null };
  const tail = text.slice(last.index + last[0].length).trim();
  return {
    strength: strengths.length === 1 ? last[0] : null,
    form: RXNORM_DOSE_FORMS.has(tail) ? tail : null,
  };
}

const medicineSchema = z.object({
  CODE: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(CLINICAL_LIMITS.code, `must be at most ${CLINICAL_LIMITS.code} characters`),
  DESCRIPTION: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(CLINICAL_LIMITS.medicineText, `must be at most ${CLINICAL_LIMITS.medicineText} characters`),
});

/**
 * A catalogue entry for an RxNorm CODE of medications.csv, from its first row: name DESCRIPTION, code RxNorm CODE,
 * strength and form from `parseRxNormName` (left out when null).
 */
export function toMedicineInput(fields: Record<string, string>): Mapped<MedicineInput> {
  const parsed = medicineSchema.safeParse(fields);
  if (!parsed.success) return { ok: false, reason: reasonOf(parsed.error, fields) };
  const { CODE, DESCRIPTION } = parsed.data;
  const { strength, form } = parseRxNormName(DESCRIPTION);
  return {
    ok: true,
    value: {
      name: DESCRIPTION,
      ...(strength ? { strength } : {}),
      ...(form ? { form } : {}),
      code: { system: 'RXNORM', code: CODE },
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Row schemas

const idColumn = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(CLINICAL_LIMITS.identifier, `must be at most ${CLINICAL_LIMITS.identifier} characters`);
/** Synthea's instants: `2019-07-08T23:38:03Z`. */
const instant = z.iso.datetime('must be an ISO instant such as 2019-07-08T23:38:03Z');
const instantColumn = z.string().trim().pipe(instant);
const optionalInstantColumn = z
  .string()
  .trim()
  .refine((text) => text === '' || instant.safeParse(text).success, 'must be empty or an ISO instant');
const dateColumn = z.string().trim().pipe(dateSchema);
const optionalDateColumn = z
  .string()
  .trim()
  .refine((text) => text === '' || dateSchema.safeParse(text).success, 'must be empty or a calendar date YYYY-MM-DD');
const codeColumn = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(CLINICAL_LIMITS.code, `must be at most ${CLINICAL_LIMITS.code} characters`);
const optionalCodeColumn = z
  .string()
  .trim()
  .max(CLINICAL_LIMITS.code, `must be at most ${CLINICAL_LIMITS.code} characters`);
const displayColumn = z
  .string()
  .trim()
  .max(CLINICAL_LIMITS.codeDisplay, `must be at most ${CLINICAL_LIMITS.codeDisplay} characters`);

const medicationRowSchema = z.object({
  START: instantColumn,
  STOP: optionalInstantColumn,
  PATIENT: idColumn,
  ENCOUNTER: idColumn,
  CODE: codeColumn,
  DESCRIPTION: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(CLINICAL_LIMITS.medicationText, `must be at most ${CLINICAL_LIMITS.medicationText} characters`),
  REASONCODE: optionalCodeColumn,
  REASONDESCRIPTION: displayColumn,
});

const conditionRowSchema = z.object({
  START: dateColumn,
  STOP: optionalDateColumn,
  PATIENT: idColumn,
  ENCOUNTER: idColumn,
  CODE: codeColumn,
  DESCRIPTION: displayColumn,
});

const encounterRowSchema = z.object({
  Id: idColumn,
  START: instantColumn,
  STOP: optionalInstantColumn,
  PATIENT: idColumn,
  PROVIDER: idColumn,
  ENCOUNTERCLASS: z.string(),
  CODE: codeColumn,
  DESCRIPTION: z.string().trim().min(1, 'must not be empty').pipe(displayColumn),
  REASONCODE: z.string(),
  REASONDESCRIPTION: z.string().trim().max(1_000, 'must be at most 1000 characters'),
});

/** A SNOMED CT coding with its display when the file gives one. */
function snomed(code: string, display: string): CodingInput {
  return { system: 'SNOMED_CT', code, ...(display ? { display } : {}) };
}

/** The row's encounter, or why it cannot be used: missing from encounters.csv, or another patient's. */
function encounterOf(
  row: { PATIENT: string; ENCOUNTER: string },
  encounters: ReadonlyMap<string, EncounterRef>,
): Mapped<EncounterRef> {
  const encounter = encounters.get(row.ENCOUNTER);
  if (!encounter) return { ok: false, reason: `ENCOUNTER: not in encounters.csv (${JSON.stringify(row.ENCOUNTER)})` };
  if (encounter.patient !== row.PATIENT)
    return { ok: false, reason: `ENCOUNTER: is patient ${encounter.patient}'s, not this row's PATIENT` };
  return { ok: true, value: encounter };
}

const notInFuture = (column: string, instant: string, now: Date): string | undefined =>
  Date.parse(instant) > now.getTime() ? `${column}: must not be in the future (${instant})` : undefined;

// ---------------------------------------------------------------------------------------------------------------
// Prescriptions

const DAY_MS = 86_400_000;

/**
 * How long a prescription runs, from START and STOP (instants): whole days rounded up, at least 1 (a STOP equal to
 * START, 971 rows of the Nebraska set, is one day), nothing when STOP is empty (still taken). A period the graph
 * cannot hold as `durationDays` (1–365) is kept in the instructions instead: longer than 365 days (a long-term
 * medicine, "Taken from 2010-01-01 to 2015-03-02 (source record)"), or a STOP before START (two rows of the
 * Nebraska set), where no duration is made up.
 */
export function durationOf(start: string, stop: string): { durationDays?: number; instructions?: string } {
  if (!stop) return {};
  const elapsedMs = Date.parse(stop) - Date.parse(start);
  const [from, to] = [start.slice(0, 10), stop.slice(0, 10)];
  if (elapsedMs < 0) return { instructions: `Stopped on ${to}, before its start on ${from} (source record)` };
  const days = Math.max(1, Math.ceil(elapsedMs / DAY_MS));
  if (days > CLINICAL_LIMITS.durationDays) return { instructions: `Taken from ${from} to ${to} (source record)` };
  return { durationDays: days };
}

/**
 * A medications.csv row as a prescription (FHIR `MedicationRequest`): the medicine by its RxNorm CODE (the catalogue
 * entry `toMedicineInput` made of the code's first row, whose name the graph copies as the prescription's text: the
 * DESCRIPTION of every row of a code, but for letter case in 4 of the Nebraska set's 128 codes), issued at START,
 * `durationOf(START, STOP)`, the reason REASONCODE/REASONDESCRIPTION as SNOMED CT when given; the prescriber is the
 * provider of the row's ENCOUNTER. DESCRIPTION is still checked (1–500 characters).
 *
 * @param identifier the row's identifier value (`clinicalKey`, with its repeat suffix).
 * @param encounters encounters.csv by Id.
 * @param now issue times after it are refused, as the graph would refuse them.
 */
export function toPrescriptionDraft(
  fields: Record<string, string>,
  identifier: string,
  encounters: ReadonlyMap<string, EncounterRef>,
  now: Date,
): Mapped<PrescriptionDraft> {
  const parsed = medicationRowSchema.safeParse(fields);
  if (!parsed.success) return { ok: false, reason: reasonOf(parsed.error, fields) };
  const row = parsed.data;
  const future = notInFuture('START', row.START, now);
  if (future) return { ok: false, reason: future };
  const encounter = encounterOf(row, encounters);
  if (!encounter.ok) return encounter;
  return {
    ok: true,
    value: {
      patient: row.PATIENT,
      provider: encounter.value.provider,
      medicineCode: row.CODE,
      input: {
        identifier: { system: SYNTHEA_MEDICATION_SYSTEM, value: identifier },
        ...durationOf(row.START, row.STOP),
        ...(row.REASONCODE ? { reason: snomed(row.REASONCODE, row.REASONDESCRIPTION) } : {}),
        issuedAt: row.START,
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Diagnoses

/**
 * A conditions.csv row as a DIAGNOSIS entry (FHIR `Condition`): code SNOMED CT CODE with DESCRIPTION, onset START
 * (a date, taken as midnight UTC), `clinicalStatus` "resolved" with `abatementDate` STOP when it stopped, else
 * "active"; the author is the provider of the row's ENCOUNTER.
 *
 * @param identifier the row's identifier value (`clinicalKey`, with its repeat suffix).
 */
export function toDiagnosisDraft(
  fields: Record<string, string>,
  identifier: string,
  encounters: ReadonlyMap<string, EncounterRef>,
  now: Date,
): Mapped<EntryDraft> {
  const parsed = conditionRowSchema.safeParse(fields);
  if (!parsed.success) return { ok: false, reason: reasonOf(parsed.error, fields) };
  const row = parsed.data;
  const effectiveAt = `${row.START}T00:00:00Z`;
  const future = notInFuture('START', effectiveAt, now);
  if (future) return { ok: false, reason: future };
  if (row.STOP && row.STOP < row.START)
    return { ok: false, reason: `STOP: must not be before START (${row.STOP} < ${row.START})` };
  const encounter = encounterOf(row, encounters);
  if (!encounter.ok) return encounter;
  return {
    ok: true,
    value: {
      patient: row.PATIENT,
      provider: encounter.value.provider,
      input: {
        identifier: { system: SYNTHEA_CONDITION_SYSTEM, value: identifier },
        kind: 'DIAGNOSIS',
        code: snomed(row.CODE, row.DESCRIPTION),
        data: row.STOP ? { clinicalStatus: 'resolved', abatementDate: row.STOP } : { clinicalStatus: 'active' },
        effectiveAt,
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Encounter notes

/** ENCOUNTERCLASS when it is one the graph accepts (Synthea writes them in lower case), else undefined. */
export function encounterClassOf(text: string): (typeof ENCOUNTER_CLASSES)[number] | undefined {
  const value = text.trim().toLowerCase();
  return (ENCOUNTER_CLASSES as readonly string[]).includes(value)
    ? (value as (typeof ENCOUNTER_CLASSES)[number])
    : undefined;
}

/**
 * An encounters.csv row as an ENCOUNTER_NOTE entry (FHIR `Encounter`): identifier its Id, code SNOMED CT CODE with
 * DESCRIPTION, at START; `data.note` DESCRIPTION, and "Reason: REASONDESCRIPTION" on a second line when given;
 * `encounterClass` ENCOUNTERCLASS when the graph accepts it (`encounterClassOf`), `endedAt` STOP when given; the
 * author is the row's PROVIDER.
 */
export function toEncounterNoteDraft(fields: Record<string, string>, now: Date): Mapped<EntryDraft> {
  const parsed = encounterRowSchema.safeParse(fields);
  if (!parsed.success) return { ok: false, reason: reasonOf(parsed.error, fields) };
  const row = parsed.data;
  const future = notInFuture('START', row.START, now);
  if (future) return { ok: false, reason: future };
  if (row.STOP && Date.parse(row.STOP) < Date.parse(row.START))
    return { ok: false, reason: `STOP: must not be before START (${row.STOP} < ${row.START})` };
  const encounterClass = encounterClassOf(row.ENCOUNTERCLASS);
  const note = row.REASONDESCRIPTION ? `${row.DESCRIPTION}\nReason: ${row.REASONDESCRIPTION}` : row.DESCRIPTION;
  return {
    ok: true,
    value: {
      patient: row.PATIENT,
      provider: row.PROVIDER,
      input: {
        identifier: { system: SYNTHEA_ENCOUNTER_SYSTEM, value: row.Id },
        kind: 'ENCOUNTER_NOTE',
        code: snomed(row.CODE, row.DESCRIPTION),
        data: {
          note,
          ...(encounterClass ? { encounterClass } : {}),
          ...(row.STOP ? { endedAt: row.STOP } : {}),
        },
        effectiveAt: row.START,
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The graph's ids

/** The importer's own codes for a row whose patient, doctor or medicine is not in the graph. */
export const NO_PATIENT = 'NO_PATIENT';
export const NO_DOCTOR = 'NO_DOCTOR';
export const NO_MEDICINE = 'NO_MEDICINE';

/** The records of the graph a draft's Synthea ids resolve to, by those ids. */
export interface GraphIds {
  /** By patients.csv Id. */
  patients: ReadonlyMap<string, FoundRecord>;
  /** By providers.csv Id. */
  doctors: ReadonlyMap<string, FoundRecord>;
  /** Medicine ids by RxNorm code. */
  medicines?: ReadonlyMap<string, string>;
}

/** A draft completed with the graph's ids, or the importer's code and reason when one is missing. */
export type Resolved<Input> = { ok: true; input: Input } | { ok: false; code: string; reason: string };

/**
 * Completes a draft with the graph's patient and doctor (and for prescriptions, medicine) ids. A patient not in the
 * graph (not in patients.csv, or it could not be registered) fails as `NO_PATIENT`; a provider not in the graph as
 * `NO_DOCTOR`; an RxNorm code without a catalogue entry as `NO_MEDICINE`.
 */
export function resolveDraft<Input>(draft: ClinicalDraft<Input>, ids: GraphIds): Resolved<Input> {
  const patient = ids.patients.get(draft.patient);
  if (!patient)
    return { ok: false, code: NO_PATIENT, reason: `patient ${draft.patient} is not in the graph (not registered)` };
  const doctor = ids.doctors.get(draft.provider);
  if (!doctor)
    return {
      ok: false,
      code: NO_DOCTOR,
      reason: `doctor ${draft.provider} (the encounter's PROVIDER) is not in the graph (not created)`,
    };
  let medicine: { medicineId: string } | undefined;
  if (draft.medicineCode !== undefined) {
    const medicineId = ids.medicines?.get(draft.medicineCode);
    if (!medicineId)
      return {
        ok: false,
        code: NO_MEDICINE,
        reason: `medicine RxNorm ${draft.medicineCode} is not in the catalogue (not created)`,
      };
    medicine = { medicineId };
  }
  return { ok: true, input: { ...draft.input, patientId: patient.id, doctorId: doctor.id, ...medicine } as Input };
}
