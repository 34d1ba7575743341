/**
 * Synthea CSV rows → the graph's inputs: pure functions, validated with zod before anything is sent. A row that
 * does not validate yields a reason naming the CSV column (`BIRTHDATE: must not be in the future`), so that
 * whoever fixes the file knows where to look.
 */
import { z } from 'zod';
import { dateSchema, nameSchema, textSchema } from '../../platform/validation.ts';
import type { DepartmentSpec } from './departments.ts';
import { medianCents } from './money.ts';
import { reasonOf, type DoctorInputDraft, type IdentifierInput, type Mapped } from './rows.ts';
import { departmentForProvider } from './synthea.departments.ts';

/** FHIR `Identifier.system` of Synthea's patient ids (patients.csv `Id`). */
export const SYNTHEA_PATIENT_SYSTEM = 'https://github.com/synthetichealth/synthea/patient';
/** FHIR `Identifier.system` of Synthea's provider ids (providers.csv `Id`). */
export const SYNTHEA_PROVIDER_SYSTEM = 'https://github.com/synthetichealth/synthea/provider';

/** Consultation fee of a provider without encounters to take a median from: 100.00 in minor units. */
export const DEFAULT_FEE_CENTS = 10_000;
/** The largest fee the graph accepts (minor units). */
const MAX_FEE_CENTS = 10_000_000;

/** `RegisterPatientInput` as the importer sends it (FHIR `Patient`). */
export interface RegisterPatientInput {
  givenName: string;
  familyName: string;
  /** YYYY-MM-DD */
  birthDate: string;
  /** YYYY-MM-DD; absent while alive. */
  deceasedDate?: string;
  sex: 'MALE' | 'FEMALE' | 'UNKNOWN';
  address: { line: string[]; city?: string; state?: string; postalCode?: string; country: 'US' };
  identifiers: IdentifierInput[];
}

/** What a provider's encounters say about them: encounters per ENCOUNTERCLASS, and BASE_ENCOUNTER_COST texts. */
export interface ProviderEncounters {
  classCounts: Map<string, number>;
  costs: string[];
}

/** Adds one encounters.csv row to the per-provider tallies (`byProvider`, keyed by PROVIDER). */
export function tallyEncounter(byProvider: Map<string, ProviderEncounters>, fields: Record<string, string>): void {
  const providerId = fields.PROVIDER?.trim();
  if (!providerId) return;
  let tally = byProvider.get(providerId);
  if (!tally) byProvider.set(providerId, (tally = { classCounts: new Map(), costs: [] }));
  const encounterClass = (fields.ENCOUNTERCLASS ?? '').trim().toLowerCase();
  if (encounterClass) tally.classCounts.set(encounterClass, (tally.classCounts.get(encounterClass) ?? 0) + 1);
  if (fields.BASE_ENCOUNTER_COST) tally.costs.push(fields.BASE_ENCOUNTER_COST);
}

/**
 * A provider's NAME split into given and family name. Synthea appends a number to each name part it draws
 * ("Johna806 Klein929"), and a compound given name carries it once at its end ("Julio César525 Laureano185"),
 * so the given name runs up to the first token ending in a digit; without such a token, the first token is
 * the given name and the rest the family name. The numbers are kept: they keep Synthea's synthetic names
 * unique and let anyone match a doctor to its source row.
 *
 * @returns null when NAME has fewer than two tokens.
 */
export function splitProviderName(name: string): { givenName: string; familyName: string } | null {
  const tokens = name.trim().split(/\s+/).filter(Boolean);
  if (tokens.length < 2) return null;
  const suffixed = tokens.findIndex((token) => /\d$/.test(token));
  const givenTokens = suffixed >= 0 && suffixed < tokens.length - 1 ? suffixed + 1 : 1;
  return { givenName: tokens.slice(0, givenTokens).join(' '), familyName: tokens.slice(givenTokens).join(' ') };
}

/** "GENERAL PRACTICE" → "General Practice"; words split on spaces and hyphens. */
export function titleCase(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/(^|[\s-])(\S)/g, (_match, separator: string, letter: string) => separator + letter.toUpperCase());
}

/**
 * A North American (NANP) phone number as E.164: `"3084325586"` or `"402-346-6735"` → `"+13084325586"`.
 * Accepts 10 digits, or 11 starting with the country code 1, with spaces, dots, dashes, parentheses or `+`.
 *
 * @returns undefined when the text is not such a number (empty, letters, an extension, a wrong length, or an
 *   area code or exchange starting with 0 or 1, which NANP does not assign).
 */
export function toE164(phone: string): string | undefined {
  if (/[^\d\s().+-]/.test(phone)) return undefined;
  let digits = phone.replace(/\D/g, '');
  if (digits.length === 11 && digits.startsWith('1')) digits = digits.slice(1);
  return /^[2-9]\d{2}[2-9]\d{6}$/.test(digits) ? `+1${digits}` : undefined;
}

/** GENDER → FHIR `AdministrativeGender`: Synthea writes M or F; anything else is UNKNOWN. */
export function sexOf(gender: string): RegisterPatientInput['sex'] {
  const code = gender.trim().toUpperCase();
  return code === 'M' ? 'MALE' : code === 'F' ? 'FEMALE' : 'UNKNOWN';
}

/**
 * ZIP as a postal code. Synthea writes "00000" when the town it placed a patient in has no ZIP in its
 * geography data (FIPS is blank on those rows too); that is not a real ZIP, so it is treated as unknown.
 */
export function postalCodeOf(zip: string): string | undefined {
  const trimmed = zip.trim();
  return trimmed === '' || trimmed === '00000' ? undefined : trimmed;
}

const idColumn = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
const dateColumn = z.string().trim().pipe(dateSchema);
const optionalDateColumn = z
  .string()
  .trim()
  .refine((text) => text === '' || dateSchema.safeParse(text).success, 'must be empty or a calendar date YYYY-MM-DD');

const patientRowSchema = z.object({
  Id: idColumn,
  FIRST: nameSchema,
  LAST: nameSchema,
  BIRTHDATE: dateColumn,
  DEATHDATE: optionalDateColumn,
  GENDER: z.string(),
  ADDRESS: textSchema(200),
  CITY: textSchema(100),
  STATE: textSchema(100),
  ZIP: textSchema(20),
});

const providerRowSchema = z.object({
  Id: idColumn,
  NAME: z.string().trim().min(1, 'must not be empty'),
  SPECIALITY: nameSchema,
});

/**
 * A patients.csv row as `RegisterPatientInput`: FIRST/LAST, BIRTHDATE, DEATHDATE, GENDER, and ADDRESS, CITY,
 * STATE (the state's name, e.g. "Nebraska"), ZIP in a US address; the row's Id as a Synthea identifier.
 * Synthea has no email or phone for patients. PREFIX, SUFFIX and MAIDEN have no field in the graph.
 *
 * @param today YYYY-MM-DD; birth and death dates after it are refused, as the graph would refuse them.
 * @returns the input, or the reason the row is refused (missing name, malformed or impossible dates).
 */
export function toRegisterPatientInput(fields: Record<string, string>, today: string): Mapped<RegisterPatientInput> {
  const parsed = patientRowSchema.safeParse(fields);
  if (!parsed.success) return { ok: false, reason: reasonOf(parsed.error) };
  const row = parsed.data;
  if (row.BIRTHDATE > today) return { ok: false, reason: `BIRTHDATE: must not be in the future (${row.BIRTHDATE})` };
  if (row.DEATHDATE && row.DEATHDATE > today)
    return { ok: false, reason: `DEATHDATE: must not be in the future (${row.DEATHDATE})` };
  if (row.DEATHDATE && row.DEATHDATE < row.BIRTHDATE)
    return { ok: false, reason: `DEATHDATE: must not be before BIRTHDATE (${row.DEATHDATE} < ${row.BIRTHDATE})` };
  const postalCode = postalCodeOf(row.ZIP);
  return {
    ok: true,
    value: {
      givenName: row.FIRST,
      familyName: row.LAST,
      birthDate: row.BIRTHDATE,
      ...(row.DEATHDATE ? { deceasedDate: row.DEATHDATE } : {}),
      sex: sexOf(row.GENDER),
      address: {
        line: row.ADDRESS ? [row.ADDRESS] : [],
        ...(row.CITY ? { city: row.CITY } : {}),
        ...(row.STATE ? { state: row.STATE } : {}),
        ...(postalCode ? { postalCode } : {}),
        country: 'US',
      },
      identifiers: [{ system: SYNTHEA_PATIENT_SYSTEM, value: row.Id }],
    },
  };
}

/** A doctor to create and the department it belongs in. */
export interface DoctorPlan {
  input: DoctorInputDraft;
  department: DepartmentSpec;
}

/**
 * A providers.csv row as a doctor (FHIR `Practitioner`): NAME split by `splitProviderName`, SPECIALITY in
 * title case, a consultation fee in cents equal to the median BASE_ENCOUNTER_COST of the provider's
 * encounters (`medianCents`; `DEFAULT_FEE_CENTS` without encounters), the organization's PHONE as E.164, and
 * a department from the provider's most frequent ENCOUNTERCLASS (`departmentForProvider`).
 *
 * @param encounters the provider's encounter tallies, if they had any.
 * @param organizationPhone PHONE of the provider's organization, if known.
 * @returns the plan, or the reason the row is refused.
 */
export function toDoctorPlan(
  fields: Record<string, string>,
  encounters: ProviderEncounters | undefined,
  organizationPhone: string | undefined,
): Mapped<DoctorPlan> {
  const parsed = providerRowSchema.safeParse(fields);
  if (!parsed.success) return { ok: false, reason: reasonOf(parsed.error) };
  const row = parsed.data;
  const name = splitProviderName(row.NAME);
  if (!name) return { ok: false, reason: `NAME: must be a given name and a family name ("${row.NAME}")` };
  for (const [part, value] of Object.entries(name)) {
    const check = nameSchema.safeParse(value);
    if (!check.success) return { ok: false, reason: `NAME: ${part} ${check.error.issues[0]!.message}` };
  }
  const fee = encounters ? (medianCents(encounters.costs) ?? DEFAULT_FEE_CENTS) : DEFAULT_FEE_CENTS;
  if (fee > MAX_FEE_CENTS)
    return { ok: false, reason: `BASE_ENCOUNTER_COST: median fee ${fee} cents is above the maximum ${MAX_FEE_CENTS}` };
  const phone = organizationPhone === undefined ? undefined : toE164(organizationPhone);
  return {
    ok: true,
    value: {
      input: {
        ...name,
        specialization: titleCase(row.SPECIALITY),
        consultationFeeAmount: fee,
        ...(phone ? { phone } : {}),
        identifiers: [{ system: SYNTHEA_PROVIDER_SYSTEM, value: row.Id }],
      },
      department: departmentForProvider(encounters?.classCounts ?? new Map()),
    },
  };
}
