/**
 * Reads the no-show CSV (streamed) and decides, without touching the graph, what each row becomes: an appointment
 * with its patient, department, doctor and slot, or a failure with its reason; and which patients, departments and
 * doctors the chosen rows need.
 *
 * The departments, the doctor counts and the deal of slots always come from every valid row of the file, so a row's
 * doctor and time do not depend on `--limit`; the limit only chooses which rows are imported (and so which
 * patients, departments and doctors are needed).
 */
import { basename } from 'node:path';
import { readCsvRecords, type CsvRecord } from './csv.ts';
import {
  NOSHOW_COLUMNS,
  NOSHOW_DOCTOR_SYSTEM,
  titleCasePt,
  toNoShowRow,
  toPatientInput,
  type HistoricalOutcome,
  type NoShowPatientInput,
  type NoShowRow,
} from './noshow.mapping.ts';
import { assignSlots, departmentsFor, doctorsNeeded, type NoShowDepartment } from './noshow.schedule.ts';
import type { DoctorInputDraft, Mapped, PlannedRow } from './rows.ts';

/** The fee of every derived doctor: 50.00 in minor units of the hospital's currency (the data set has no costs). */
const NOSHOW_FEE_CENTS = 5_000;
const NOSHOW_SPECIALIZATION = 'Family Medicine';

/** One row to import: where and when it goes. */
export interface PlannedAppointment {
  row: number;
  appointmentId: string;
  patientId: string;
  neighbourhood: string;
  /** The original AppointmentDay, YYYY-MM-DD. */
  day: string;
  outcome: HistoricalOutcome;
  /** The doctor's number in the department, 1-based (identifier `<Neighbourhood>#<doctor>`). */
  doctor: number;
  /** 0 = 09:00 … 7 = 12:30. */
  slot: number;
}

/** A derived doctor (FHIR `Practitioner`) of one health unit. */
interface PlannedDoctor {
  neighbourhood: string;
  number: number;
  /** `<Neighbourhood>#<number>`, the identifier value under `NOSHOW_DOCTOR_SYSTEM`. */
  key: string;
  /** Without `departmentId`, known once the department exists. */
  input: DoctorInputDraft;
}

export interface NoShowPlan {
  /** The chosen rows in file order; `id` is the AppointmentID ('' when missing). */
  appointments: PlannedRow<PlannedAppointment>[];
  /** Patients of the chosen valid rows, in order of first row; `id` is the PatientId. */
  patients: PlannedRow<NoShowPatientInput>[];
  /** Departments of the chosen valid rows, by name; codes are collision-free over the whole file. */
  departments: NoShowDepartment[];
  /** Doctors the chosen valid rows are dealt to, by neighbourhood and number. */
  doctors: PlannedDoctor[];
  /** Earliest and latest AppointmentDay of the whole file's valid rows (YYYY-MM-DD), undefined when none. */
  firstDay: string | undefined;
  lastDay: string | undefined;
}

/** `<Neighbourhood>#<n>`: how reruns find a derived doctor. */
export const doctorKey = (neighbourhood: string, number: number): string => `${neighbourhood}#${number}`;

/** Doctor `number` of a neighbourhood: given name "Doctor", family name `<Neighbourhood in title case> <n>`. */
function doctorInput(neighbourhood: string, number: number): DoctorInputDraft {
  return {
    givenName: 'Doctor',
    familyName: `${titleCasePt(neighbourhood)} ${number}`,
    specialization: NOSHOW_SPECIALIZATION,
    consultationFeeAmount: NOSHOW_FEE_CENTS,
    identifiers: [{ system: NOSHOW_DOCTOR_SYSTEM, value: doctorKey(neighbourhood, number) }],
  };
}

/**
 * Plans from CSV records (streamed): validates every row, refuses the second and later rows of an
 * AppointmentID, deals slots over all valid rows, and keeps the first `limit` records for import.
 */
export async function planNoShow(
  records: AsyncIterable<CsvRecord> | Iterable<CsvRecord>,
  limit = Number.POSITIVE_INFINITY,
): Promise<NoShowPlan> {
  // Only the compact validated rows are kept, not the records: the whole file is 110,527 rows.
  const all: { row: number; id: string; mapped: Mapped<NoShowRow> }[] = [];
  const firstRowOf = new Map<string, number>();
  for await (const { row, fields } of records) {
    const id = (fields.AppointmentID ?? '').trim();
    let mapped = toNoShowRow(row, fields);
    const first = mapped.ok ? firstRowOf.get(id) : undefined;
    if (first !== undefined) mapped = { ok: false, reason: `AppointmentID: same as row ${first}` };
    else if (mapped.ok) firstRowOf.set(id, row);
    all.push({ row, id, mapped });
  }
  const valid = all.flatMap(({ mapped }) => (mapped.ok ? [mapped.value] : []));
  const doctorCounts = doctorsNeeded(valid);
  const slots = assignSlots(valid, doctorCounts);
  const departmentsByNeighbourhood = departmentsFor(doctorCounts.keys());
  const patientRow = new Map<string, NoShowRow>();
  for (const row of valid) if (!patientRow.has(row.patientId)) patientRow.set(row.patientId, row);

  const chosen = all.slice(0, Math.max(0, limit));
  const appointments: PlannedRow<PlannedAppointment>[] = chosen.map(({ row, id, mapped }) => {
    if (!mapped.ok) return { row, id, mapped };
    const { patientId, neighbourhood, day, outcome } = mapped.value;
    const { doctor, slot } = slots.get(id)!;
    return {
      row,
      id,
      mapped: { ok: true, value: { row, appointmentId: id, patientId, neighbourhood, day, outcome, doctor, slot } },
    };
  });

  const patients = new Map<string, PlannedRow<NoShowPatientInput>>();
  const departments = new Map<string, NoShowDepartment>();
  const doctors = new Map<string, PlannedDoctor>();
  for (const { mapped } of appointments) {
    if (!mapped.ok) continue;
    const { patientId, neighbourhood, doctor } = mapped.value;
    if (!patients.has(patientId)) {
      const first = patientRow.get(patientId)!;
      patients.set(patientId, { row: first.row, id: patientId, mapped: { ok: true, value: toPatientInput(first) } });
    }
    departments.set(neighbourhood, departmentsByNeighbourhood.get(neighbourhood)!);
    const key = doctorKey(neighbourhood, doctor);
    if (!doctors.has(key))
      doctors.set(key, { neighbourhood, number: doctor, key, input: doctorInput(neighbourhood, doctor) });
  }

  const days = valid.map((row) => row.day).sort();
  return {
    appointments,
    patients: [...patients.values()],
    departments: [...departments.values()].sort((a, b) => a.name.localeCompare(b.name)),
    doctors: [...doctors.values()].sort((a, b) =>
      a.neighbourhood === b.neighbourhood ? a.number - b.number : a.neighbourhood < b.neighbourhood ? -1 : 1,
    ),
    firstDay: days[0],
    lastDay: days.at(-1),
  };
}

/**
 * Streams the file at `path` (header checked before the first record) and plans it with `planNoShow`.
 *
 * @throws CsvFileError when the file is missing, lacks a needed column or is not valid CSV.
 */
export function readNoShowPlan(path: string, limit?: number): Promise<NoShowPlan> {
  return planNoShow(readCsvRecords({ path }, basename(path), NOSHOW_COLUMNS), limit);
}
