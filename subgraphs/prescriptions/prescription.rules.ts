/**
 * Prescribing and clinical-record policy (SPEC §2, §5) as pure functions and constants: who reads a patient's
 * clinical data, who may prescribe in which appointment, and the bounds every prescription obeys (issued here or
 * imported). No I/O and no clock of their own: callers pass `now`.
 */
import type { Principal } from '../../platform/auth/principal.ts';

/** Code systems the graph accepts (GraphQL `CodeSystem`), each with its FHIR system URI. */
export const CODE_SYSTEMS = ['ICD_10', 'SNOMED_CT', 'LOINC', 'RXNORM'] as const;
export type CodeSystem = (typeof CODE_SYSTEMS)[number];

export const CODE_SYSTEM_URIS: Record<CodeSystem, string> = {
  ICD_10: 'http://hl7.org/fhir/sid/icd-10',
  SNOMED_CT: 'http://snomed.info/sct',
  LOINC: 'http://loinc.org',
  RXNORM: 'http://www.nlm.nih.gov/research/umls/rxnorm',
};

/** A code from a code system (FHIR `Coding`). */
export interface Coding {
  system: CodeSystem;
  code: string;
  display: string | null;
}

/** A dose: greater than 0 and at most `MAX_DOSE_VALUE` of `unit` (UCUM where possible). */
export interface Quantity {
  value: number;
  unit: string;
}

export const MAX_DOSE_VALUE = 100_000;
export const MAX_DOSE_UNIT_LENGTH = 20;
export const MAX_TIMES_PER_DAY = 24;
export const MAX_DURATION_DAYS = 365;
export const MAX_INSTRUCTIONS_LENGTH = 2_000;
/** Free-text medicines, and the catalogue name copied onto a prescription. */
export const MAX_MEDICATION_TEXT_LENGTH = 500;
export const MAX_CODE_LENGTH = 64;
export const MAX_CODE_DISPLAY_LENGTH = 500;
/** Name, strength and form of a catalogue medicine. */
export const MAX_MEDICINE_TEXT_LENGTH = 200;
/** Rows of one import call (`importPrescriptions`, `importMedicalRecordEntries`). */
export const MAX_IMPORT_BATCH = 100;
/** Codes of one `medicinesByCode` lookup. */
export const MAX_CODES_PER_LOOKUP = 100;
/** Length of an identifier's system and value (as `platform/validation.ts` bounds identifiers). */
export const MAX_IDENTIFIER_LENGTH = 200;

/** Appointment statuses in which its doctor may prescribe (SPEC §5): the patient has been seen. */
export const PRESCRIBABLE_STATUSES: readonly string[] = ['CHECKED_IN', 'COMPLETED'];

/** The caller's `Doctor.id` when they act as a doctor (role `DOCTOR` and a linked doctor profile), else null. */
export function callerDoctorId(principal: Principal | null): string | null {
  return principal?.roles.includes('DOCTOR') && principal.doctorId ? principal.doctorId : null;
}

/** SPEC §2: a patient reads their own clinical data. (Doctors read their patients': see `ClinicalAccess`.) */
export function isOwnRecord(principal: Principal | null, patientId: string): boolean {
  return principal?.patientId !== undefined && principal.patientId === patientId;
}

/** Why a doctor may not prescribe in an appointment. */
export type PrescribeRefusal = 'NOT_THE_DOCTOR' | 'NOT_SEEN';

/**
 * SPEC §5: only the appointment's own doctor prescribes, and only once the patient has been seen (`CHECKED_IN`
 * or `COMPLETED`). Returns why not, or null when `doctorId` may prescribe in `appointment`.
 */
export function prescribeRefusal(
  appointment: { doctorId: string; status: string },
  doctorId: string,
): PrescribeRefusal | null {
  if (appointment.doctorId !== doctorId) return 'NOT_THE_DOCTOR';
  if (!PRESCRIBABLE_STATUSES.includes(appointment.status)) return 'NOT_SEEN';
  return null;
}

/** True when `instant` lies after `now` (clinical times and import times may not). */
export function isInFuture(instant: Date, now: Date): boolean {
  return instant.getTime() > now.getTime();
}

/** The key of an identifier within a batch or the unique index: system and value. */
export const identifierKey = (identifier: { system: string; value: string }): string =>
  JSON.stringify([identifier.system, identifier.value]);

/** The identifier a row was imported under (its source system's), or null for a record written here. */
export function sourceIdentifierOf(row: {
  identifierSystem?: string | null;
  identifierValue?: string | null;
}): { system: string; value: string } | null {
  return row.identifierSystem && row.identifierValue
    ? { system: row.identifierSystem, value: row.identifierValue }
    : null;
}
