/**
 * Imports the Kaggle "Medical Appointment No Shows" file (Brazil, 2016) into the graph, as an admin client would:
 * departments (one per health unit), doctors (enough per unit for its busiest day), patients (by PatientId), then
 * one appointment per row, in one of two modes:
 *
 * - `replay`: the schedule replayed on coming weeks. Every day moves forward by the same whole number of weeks
 *   (weekdays kept) so that the first lands at least 2 days after today, and every row is booked with
 *   `bookAppointment` under every SPEC §3 rule; the refusals are counted by error code.
 * - `history`: the past with its outcomes. The 2016 dates, recorded with `importAppointment` as `COMPLETED`
 *   (No-show "No") or `NO_SHOW` (No-show "Yes").
 *
 * Times follow `noshow.schedule.ts`. Idempotent: what exists (patients and doctors by identifier, departments by
 * name, appointments by identifier on the doctors' calendars) is skipped, so a second run creates nothing.
 */
import type { GraphClient } from '../../platform/graphql/client.ts';
import { forEachConcurrently } from './concurrency.ts';
import { GraphSession } from './graph-session.ts';
import { KindTally, type ImportProgress, type ImportSummary } from './import-summary.ts';
import {
  importAppointments,
  INVALID_ROW,
  NO_DEPARTMENT,
  type AppointmentsSummary,
  type NoShowMode,
} from './noshow.appointments.ts';
import { importDepartments } from './noshow.departments.ts';
import {
  attempt,
  CREATE_DOCTOR,
  existingAppointments,
  findByIdentifier,
  REGISTER_PATIENT,
  untilBookable,
} from './noshow.graph.ts';
import {
  NOSHOW_APPOINTMENT_SYSTEM,
  NOSHOW_DOCTOR_SYSTEM,
  NOSHOW_PATIENT_SYSTEM,
  NOSHOW_REPLAY_SYSTEM,
} from './noshow.mapping.ts';
import { readNoShowPlan } from './noshow.plan.ts';
import { isTimeZone, nextWeekday, REPLAY_MIN_DAYS_AHEAD, replayWeeks, shiftDay, todayIn } from './noshow.schedule.ts';

export type { AppointmentsSummary, NoShowMode } from './noshow.appointments.ts';

export interface ImportNoShowOptions {
  /** Path of KaggleV2-May-2016.csv (or a slice of it with the same header). */
  file: string;
  /** A client signed in as an admin (departments, doctors and `importAppointment` need ADMIN). */
  client: GraphClient;
  /** Default `replay`. */
  mode?: NoShowMode;
  /** Import only the first `limit` rows of the file (file order). */
  limit?: number;
  /** The hospital's IANA time zone, in which slots are laid out; must be the graph's `HMS_TIMEZONE`. Default UTC. */
  timeZone?: string;
  /** Requests in flight at once; default 8. */
  concurrency?: number;
  /** Identifier values per lookup request; default and maximum 100 (the graph's limit). */
  batchSize?: number;
  /** Called after each row (department, doctor, patient or appointment) is created, skipped or failed. */
  onProgress?: (progress: ImportProgress) => void;
  /** Signs in again when the access token has expired; without it, an expired token fails the rows. */
  reauthenticate?: () => Promise<GraphClient>;
  /** "Now": today's date for the replay's week shift; default the system clock. */
  clock?: () => Date;
  /**
   * Pauses (ms) between attempts while the appointments subgraph has not yet learned of a new doctor or patient
   * (it learns from events); default 250 ms doubling to 8 s, about 16 s in all. Tests pass zeros.
   */
  retryDelaysMs?: readonly number[];
}

export interface NoShowSummary extends ImportSummary {
  mode: NoShowMode;
  appointments: AppointmentsSummary;
  /** Replay only: weeks every day moved forward, and the days of the replayed schedule (YYYY-MM-DD). */
  replay?: { weeks: number; firstDay: string; lastDay: string };
}

const LOOKUP_LIMIT = 100;
const DEFAULT_RETRY_DELAYS_MS = [250, 500, 1_000, 2_000, 4_000, 8_000];

/**
 * Imports the file `options.file` in `options.mode` (see the module comment). Rows that do not validate are failed
 * with their reason and never sent; rows the graph refuses are failed with its code; a row whose patient or doctor
 * could not be created fails with `NO_PATIENT` or `NO_DOCTOR`.
 *
 * @returns counts and failures per kind, appointments by status and by code, the elapsed milliseconds.
 * @throws CsvFileError when the file is missing, lacks a needed column or is not valid CSV (nothing is sent).
 * @throws RangeError for an unknown time zone.
 * @throws GraphRequestError (or a network error) when a lookup fails: without knowing what exists the import stops;
 *   what it created so far stays, and running it again skips that.
 */
export async function importNoShow(options: ImportNoShowOptions): Promise<NoShowSummary> {
  const startedAt = performance.now();
  const mode = options.mode ?? 'replay';
  const timeZone = options.timeZone ?? 'UTC';
  if (!isTimeZone(timeZone)) throw new RangeError(`unknown time zone ${timeZone}`);
  const concurrency = options.concurrency ?? 8;
  const batchSize = Math.min(options.batchSize ?? LOOKUP_LIMIT, LOOKUP_LIMIT);
  const delaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const today = todayIn(timeZone, options.clock?.() ?? new Date());
  const session = new GraphSession(options.client, options.reauthenticate);
  const progress = options.onProgress;

  const plan = await readNoShowPlan(options.file, options.limit);
  const weeks = mode === 'replay' && plan.firstDay ? replayWeeks(plan.firstDay, today) : 0;

  const { summary: departments, departmentIds } = await importDepartments(session, plan.departments, {
    concurrency,
    progress,
  });

  const existingDoctors = await findByIdentifier(
    session,
    'doctors',
    NOSHOW_DOCTOR_SYSTEM,
    plan.doctors.map((doctor) => doctor.key),
    batchSize,
  );
  const doctorIds = new Map(existingDoctors);
  const newDoctorIds: string[] = [];
  const doctorTally = new KindTally('doctors', plan.doctors.length, progress);
  await forEachConcurrently(plan.doctors, concurrency, async ({ key, neighbourhood, input }) => {
    if (existingDoctors.has(key)) return doctorTally.skipped();
    const departmentId = departmentIds.get(neighbourhood);
    if (!departmentId)
      return doctorTally.failed({
        row: 0,
        id: key,
        code: NO_DEPARTMENT,
        reason: 'its department could not be created',
      });
    const outcome = await attempt(() =>
      session.data<{ createDoctor: { id: string } }>(CREATE_DOCTOR, { input: { ...input, departmentId } }),
    );
    if (outcome.kind === 'failed') return doctorTally.failed({ row: 0, id: key, ...outcome });
    if (outcome.kind === 'skipped') {
      // CONFLICT: a concurrent import created it; find it.
      const raced = await findByIdentifier(session, 'doctors', NOSHOW_DOCTOR_SYSTEM, [key], 1).catch(() => undefined);
      raced?.forEach((found, value) => doctorIds.set(value, found));
      return doctorTally.skipped();
    }
    doctorIds.set(key, { id: outcome.value.createDoctor.id, departmentId });
    newDoctorIds.push(outcome.value.createDoctor.id);
    doctorTally.created();
  });

  const existingPatients = await findByIdentifier(
    session,
    'patients',
    NOSHOW_PATIENT_SYSTEM,
    plan.patients.map((patient) => patient.id),
    batchSize,
  );
  const patientIds = new Map([...existingPatients].map(([value, found]) => [value, found.id]));
  const patientTally = new KindTally('patients', plan.patients.length, progress);
  await forEachConcurrently(plan.patients, concurrency, async ({ row, id, mapped }) => {
    if (!mapped.ok) return patientTally.failed({ row, id, code: INVALID_ROW, reason: mapped.reason });
    if (existingPatients.has(id)) return patientTally.skipped();
    const outcome = await attempt(() =>
      session.data<{ registerPatient: { id: string } }>(REGISTER_PATIENT, { input: mapped.value }),
    );
    if (outcome.kind === 'failed') return patientTally.failed({ row, id, ...outcome });
    if (outcome.kind === 'skipped') {
      const raced = await findByIdentifier(session, 'patients', NOSHOW_PATIENT_SYSTEM, [id], 1).catch(() => undefined);
      raced?.forEach((found, value) => patientIds.set(value, found.id));
      return patientTally.skipped();
    }
    patientIds.set(id, outcome.value.registerPatient.id);
    patientTally.created();
  });

  // The appointments subgraph learns of new doctors from events; booking before it has would be refused.
  const pollDay = nextWeekday(today, REPLAY_MIN_DAYS_AHEAD + 1);
  await untilBookable(session, newDoctorIds, pollDay, { concurrency, delaysMs: [...delaysMs, ...delaysMs] });

  const system = mode === 'replay' ? NOSHOW_REPLAY_SYSTEM : NOSHOW_APPOINTMENT_SYSTEM;
  const planned = plan.appointments.filter((planned) => planned.mapped.ok).map((planned) => planned.id);
  const done = await existingAppointments(session, planned, system, { concurrency, batchSize });

  const appointments = await importAppointments(session, plan, {
    mode,
    weeks,
    timeZone,
    system,
    done,
    doctorIds,
    patientIds,
    concurrency,
    delaysMs,
    progress,
  });

  return {
    mode,
    departments,
    doctors: doctorTally.summary(),
    patients: patientTally.summary(),
    appointments,
    ...(mode === 'replay' && plan.firstDay && plan.lastDay
      ? { replay: { weeks, firstDay: shiftDay(plan.firstDay, weeks), lastDay: shiftDay(plan.lastDay, weeks) } }
      : {}),
    elapsedMs: Math.round(performance.now() - startedAt),
  };
}
