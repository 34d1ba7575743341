/**
 * Rows of the Kaggle "Medical Appointment No Shows" file (KaggleV2-May-2016.csv) → typed rows and the graph's
 * inputs: pure functions, validated with zod before anything is sent. A row that does not validate yields a reason
 * naming the CSV column (`Age: must be a whole number from 0 to 120 ("-1")`). The data set is Kaggle's "Medical
 * Appointment No Shows" (Joni Hoppen, CC BY-NC-SA 4.0); its quirks, and the rows of the test slice that show them, are
 * in `test/fixtures/noshow-slice/SOURCE.md`.
 */
import { z } from 'zod';
import { dateSchema } from '../../platform/validation.ts';
import { reasonOf, type IdentifierInput, type Mapped } from './rows.ts';

const KAGGLE = 'https://www.kaggle.com/joniarroba/noshowappointments';
/** FHIR `Identifier.system` of the data set's PatientId. */
export const NOSHOW_PATIENT_SYSTEM = `${KAGGLE}/patient`;
/** FHIR `Identifier.system` of the doctors the importer derives, value `<Neighbourhood>#<n>`. */
export const NOSHOW_DOCTOR_SYSTEM = `${KAGGLE}/doctor`;
/** FHIR `Identifier.system` of AppointmentID in history mode (the 2016 appointments with their outcome). */
export const NOSHOW_APPOINTMENT_SYSTEM = `${KAGGLE}/appointment`;
/** FHIR `Identifier.system` of AppointmentID in replay mode (the schedule replayed on coming weeks). */
export const NOSHOW_REPLAY_SYSTEM = `${KAGGLE}/appointment/replay`;

/** The columns the importer reads; the others (ScheduledDay, Scholarship, Hipertension, …) are not used. */
export const NOSHOW_COLUMNS = [
  'PatientId',
  'AppointmentID',
  'Gender',
  'AppointmentDay',
  'Age',
  'Neighbourhood',
  'No-show',
] as const;

/** What became of a past appointment: `No-show` reads backwards, "No" means the patient came. */
export type HistoricalOutcome = 'COMPLETED' | 'NO_SHOW';

/** One valid row of the file. */
export interface NoShowRow {
  /** The record's line in the file (header = line 1). */
  row: number;
  /** AppointmentID as written (digits). */
  appointmentId: string;
  /** PatientId as written: digits, or a spreadsheet's scientific notation such as `9377952927E-5`, never converted. */
  patientId: string;
  sex: 'FEMALE' | 'MALE';
  /** Age in whole years at the appointment (2016). */
  age: number;
  /** The health unit's district, as written (upper case, with accents). */
  neighbourhood: string;
  /** AppointmentDay's date, YYYY-MM-DD (the data set has no times). */
  day: string;
  outcome: HistoricalOutcome;
}

/** `RegisterPatientInput` as this importer sends it (FHIR `Patient`): the data set has no names or addresses. */
export interface NoShowPatientInput {
  givenName: string;
  familyName: string;
  /** YYYY-MM-DD, estimated from Age (see `estimatedBirthDate`). */
  birthDate: string;
  sex: 'FEMALE' | 'MALE';
  identifiers: IdentifierInput[];
}

/** Oldest age accepted; the file's oldest patients are 115. */
const MAX_AGE = 120;

/**
 * Digits, or digits written in scientific notation by a spreadsheet (`9377952927E-5`, five rows of the file).
 * The text is the identifier: converting it would invent digits the source never had.
 */
const PATIENT_ID = /^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const DAY = /^(\d{4}-\d{2}-\d{2})(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)?$/;

const rowSchema = z.object({
  PatientId: z
    .string()
    .trim()
    .max(40, 'must be at most 40 characters')
    .regex(PATIENT_ID, 'must be a number as the data set writes it (digits, or digits with an E exponent)'),
  AppointmentID: z
    .string()
    .trim()
    .regex(/^\d{1,12}$/, 'must be a whole number'),
  Gender: z
    .string()
    .trim()
    .pipe(z.enum(['F', 'M'], { error: 'must be F or M' })),
  AppointmentDay: z
    .string()
    .trim()
    .refine(
      (text) => dateSchema.safeParse(DAY.exec(text)?.[1]).success,
      'must be a date YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ',
    ),
  Age: z
    .string()
    .trim()
    .refine((text) => /^-?\d{1,4}$/.test(text) && Number(text) >= 0 && Number(text) <= MAX_AGE, {
      message: `must be a whole number from 0 to ${MAX_AGE}`,
    }),
  Neighbourhood: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(80, 'must be at most 80 characters')
    .refine((text) => /[\p{L}\p{N}]/u.test(text), 'must contain a letter or digit'),
  'No-show': z
    .string()
    .trim()
    .pipe(z.enum(['No', 'Yes'], { error: 'must be Yes or No' })),
});

/**
 * A CSV record as a `NoShowRow`, or the reason it cannot be imported: a PatientId that is not a number as the file
 * writes them, an AppointmentID that is not digits, a Gender other than F/M, an AppointmentDay that is not a date,
 * an Age outside 0–120 (the file has one -1), an empty Neighbourhood, or a No-show other than Yes/No.
 */
export function toNoShowRow(row: number, fields: Record<string, string>): Mapped<NoShowRow> {
  const parsed = rowSchema.safeParse(fields);
  if (!parsed.success) return { ok: false, reason: reasonOf(parsed.error, fields) };
  const data = parsed.data;
  return {
    ok: true,
    value: {
      row,
      appointmentId: data.AppointmentID,
      patientId: data.PatientId,
      sex: data.Gender === 'F' ? 'FEMALE' : 'MALE',
      age: Number(data.Age),
      neighbourhood: data.Neighbourhood,
      day: DAY.exec(data.AppointmentDay)![1]!,
      outcome: outcomeOf(data['No-show']),
    },
  };
}

/**
 * The `No-show` column as an outcome. It reads backwards (SOURCE.md): "No" = the patient did NOT fail to show,
 * i.e. came (`COMPLETED`); "Yes" = the patient did not come (`NO_SHOW`).
 */
export function outcomeOf(noShow: 'No' | 'Yes'): HistoricalOutcome {
  return noShow === 'Yes' ? 'NO_SHOW' : 'COMPLETED';
}

/**
 * A birth date for a patient known only by their Age at a visit: the latest 1 July on which someone born is `age`
 * at `visitDay`. The data set gives Age in whole years at the 2016 visit, so the year may be one off and the day is
 * a placeholder. For the file's visits (2016-04-29 … 2016-06-08, all before July) this is `<2015 − Age>-07-01`:
 * `<2016 − Age>-07-01` would make every patient a year younger than the file says, and the 3,539 babies (Age 0)
 * born after their own visit.
 *
 * @param visitDay YYYY-MM-DD.
 */
export function estimatedBirthDate(age: number, visitDay: string): string {
  const visitYear = Number(visitDay.slice(0, 4));
  const year = visitYear - age - (visitDay.slice(5) < '07-01' ? 1 : 0);
  return `${String(year).padStart(4, '0')}-07-01`;
}

/**
 * The registration of the patient of `row`: given name "Unknown", family name `Patient <PatientId>` (the data set
 * has no names), sex from Gender, the estimated birth date, no address (Neighbourhood is where the health unit is,
 * not where the patient lives), and PatientId as identifier.
 */
export function toPatientInput(row: NoShowRow): NoShowPatientInput {
  return {
    givenName: 'Unknown',
    familyName: `Patient ${row.patientId}`,
    birthDate: estimatedBirthDate(row.age, row.day),
    sex: row.sex,
    identifiers: [{ system: NOSHOW_PATIENT_SYSTEM, value: row.patientId }],
  };
}

const LOWER_CASE_WORDS = new Set(['da', 'das', 'de', 'do', 'dos', 'e']);

/**
 * A district's name as Portuguese writes it: "JARDIM DA PENHA" → "Jardim da Penha", "JOANA D´ARC" → "Joana D´Arc",
 * "ANTÔNIO HONÓRIO" → "Antônio Honório". Connectives (da, de, do, das, dos, e) stay lower case except first.
 */
export function titleCasePt(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .map((word, index) =>
      index > 0 && LOWER_CASE_WORDS.has(word)
        ? word
        : word.replace(
            /(^|[´'’-])(\p{L})/gu,
            (_match, before: string, letter: string) => before + letter.toUpperCase(),
          ),
    )
    .join(' ');
}
