/**
 * Imports the Kaggle "Medical Appointment No Shows" file (Brazil, 2016) into the graph, as an admin client would:
 * departments (one per health unit), doctors (enough per unit for its busiest day), patients (by PatientId), then
 * one appointment per row, in one of two modes:
 *
 * - `replay`: the schedule replayed on coming weeks. Every day moves forward by the same whole number of weeks
 *   (weekdays kept) so that the first lands at least 2 days after today, and every row is booked with
 *   `bookAppointment` under every SPEC §3 rule; the refusals are counted by error code. A rerun keeps the shift of
 *   the run that booked first (read off its appointments), so it books nothing at new dates.
 * - `history`: the past with its outcomes. The 2016 dates, recorded with `importAppointment` as `COMPLETED`
 *   (No-show "No") or `NO_SHOW` (No-show "Yes").
 *
 * Times follow `noshow.schedule.ts`. Idempotent: what exists (patients and doctors by identifier, departments by
 * name, appointments by identifier with `appointmentsByIdentifier`) is skipped, so a second run creates nothing.
 */
import { schemas } from '../../platform/config.ts';
import type { GraphClient } from '../../platform/graphql/client.ts';
import { dateIn } from '../../platform/time.ts';
import { NO_DEPARTMENT } from './departments.ts';
import { attempt, CREATE_DOCTOR, findByIdentifier, findOne, importPatients, LOOKUP_LIMIT } from './graph.ts';
import { GraphSession } from './graph-session.ts';
import { KindTally, type ImportProgress, type ImportSummary } from './import-summary.ts';
import { importAppointments, type AppointmentsSummary, type NoShowMode } from './noshow.appointments.ts';
import { importNoShowDepartments } from './noshow.departments.ts';
import { existingAppointments, untilBookable } from './noshow.graph.ts';
import {
  NOSHOW_APPOINTMENT_SYSTEM,
  NOSHOW_DOCTOR_SYSTEM,
  NOSHOW_PATIENT_SYSTEM,
  NOSHOW_REPLAY_SYSTEM,
} from './noshow.mapping.ts';
import { doctorKey, readNoShowPlan } from './noshow.plan.ts';
import {
  nextWeekday,
  pinnedWeeks,
  plannedSlotStarts,
  REPLAY_MIN_DAYS_AHEAD,
  replayWeeks,
  shiftDay,
} from './noshow.schedule.ts';
import { createRows } from './rows.ts';

export type { NoShowMode } from './noshow.appointments.ts';

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
  /** Identifier values per lookup request; default and maximum `LOOKUP_LIMIT` (100, the graph's limit). */
  batchSize?: number;
  /** Called after each row (department, doctor, patient or appointment) is created, skipped or failed. */
  onProgress?: (progress: ImportProgress) => void;
  /** Signs in again when the access token has expired; without it, an expired token fails the rows. */
  reauthenticate?: () => Promise<GraphClient>;
  /** "Now": today's date for the replay's week shift and the poll day; default the system clock. */
  clock?: () => Date;
  /**
   * Pauses (ms) while the appointments subgraph has not yet learned of a new patient or doctor (it learns from
   * events). A booking refused on `input.patientId` is retried after each: by default 250 ms doubling to 8 s, six
   * retries over 15.75 s. New doctors are polled (`availableSlots`) after each, twice over: up to 13 polls over 31.5 s.
   * Tests pass zeros.
   */
  retryDelaysMs?: readonly number[];
}

export interface NoShowSummary extends ImportSummary {
  mode: NoShowMode;
  appointments: AppointmentsSummary;
  /**
   * Replay only: weeks every day moved forward, whether that shift was kept from an earlier run's bookings (`pinned`)
   * or computed from today, and the days of the replayed schedule (YYYY-MM-DD).
   */
  replay?: { weeks: number; pinned: boolean; firstDay: string; lastDay: string };
}

const DEFAULT_RETRY_DELAYS_MS = [250, 500, 1_000, 2_000, 4_000, 8_000];

/**
 * Imports the file `options.file` in `options.mode` (see the module comment). Rows that do not validate are failed
 * with their reason and never sent; rows the graph refuses are failed with its code; a row whose patient or doctor
 * could not be created fails with `NO_PATIENT` or `NO_DOCTOR`.
 *
 * @returns counts and failures per kind, appointments by status and by code, the elapsed milliseconds.
 * @throws CsvFileError when the file is missing, lacks a needed column or is not valid CSV (nothing is sent).
 * @throws RangeError for an unknown time zone.
 * @throws GraphMismatchError when the graph does not offer the planned slots of a new doctor (another time zone,
 *   slot length or clinic hours): nothing is booked or imported.
 * @throws GraphRequestError (or a network error) when a lookup fails: without knowing what exists the import stops;
 *   what it created so far stays, and running it again skips that.
 */
export async function importNoShow(options: ImportNoShowOptions): Promise<NoShowSummary> {
  const startedAt = performance.now();
  const mode = options.mode ?? 'replay';
  const timeZone = options.timeZone ?? 'UTC';
  if (!schemas.timeZone.safeParse(timeZone).success) throw new RangeError(`unknown time zone ${timeZone}`);
  const concurrency = options.concurrency ?? 8;
  const lookup = { batchSize: options.batchSize ?? LOOKUP_LIMIT, concurrency };
  const delaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const today = dateIn(timeZone, options.clock?.() ?? new Date());
  const session = new GraphSession(options.client, options.reauthenticate);
  const progress = options.onProgress;

  const plan = await readNoShowPlan(options.file, options.limit);

  const {
    summary: departments,
    departmentIds,
    failures: departmentFailures,
  } = await importNoShowDepartments(session, plan.departments, { concurrency, progress });

  const doctorKeys = plan.doctors.map((doctor) => doctor.key);
  const existingDoctors = await findByIdentifier(session, 'doctors', NOSHOW_DOCTOR_SYSTEM, doctorKeys, lookup);
  const doctors = await createRows({
    tally: new KindTally('doctors', plan.doctors.length, progress),
    rows: plan.doctors.map((doctor) => ({ row: 0, id: doctor.key, mapped: { ok: true as const, value: doctor } })),
    existing: existingDoctors,
    concurrency,
    create: async ({ key, neighbourhood, input }) => {
      const departmentId = departmentIds.get(neighbourhood);
      if (!departmentId) {
        const why = departmentFailures.get(neighbourhood) ?? 'could not be created';
        return { kind: 'failed', code: NO_DEPARTMENT, reason: `department ${why}` };
      }
      return attempt(
        async () => {
          const data = await session.data<{ createDoctor: { id: string } }>(CREATE_DOCTOR, {
            input: { ...input, departmentId },
          });
          return { id: data.createDoctor.id, departmentId };
        },
        {
          find: () => findOne(session, 'doctors', NOSHOW_DOCTOR_SYSTEM, key),
          missing: `no doctor has identifier ${key}`,
        },
      );
    },
  });

  const patients = await importPatients(session, plan.patients, {
    system: NOSHOW_PATIENT_SYSTEM,
    concurrency,
    lookup,
    progress,
  });

  // The appointments subgraph learns of new doctors from events; booking before it has would be refused. The poll
  // also checks that the graph offers the planned slots (time zone, slot length, clinic hours) before any booking.
  const pollDay = nextWeekday(today, REPLAY_MIN_DAYS_AHEAD + 1);
  await untilBookable(session, doctors.created, pollDay, {
    concurrency,
    delaysMs: [...delaysMs, ...delaysMs],
    expected: plannedSlotStarts(pollDay, timeZone),
    timeZone,
  });

  // Only a row whose patient and doctor both existed before this run can have been booked or imported before.
  const system = mode === 'replay' ? NOSHOW_REPLAY_SYSTEM : NOSHOW_APPOINTMENT_SYSTEM;
  const dayOf = new Map<string, string>();
  for (const { id, mapped } of plan.appointments) {
    if (!mapped.ok) continue;
    const { patientId, neighbourhood, doctor, day } = mapped.value;
    if (patients.existing.has(patientId) && existingDoctors.has(doctorKey(neighbourhood, doctor))) dayOf.set(id, day);
  }
  const existing = await existingAppointments(session, [...dayOf.keys()], system, lookup);

  let replay: NoShowSummary['replay'];
  if (mode === 'replay' && plan.firstDay && plan.lastDay) {
    const booked = [...existing].map(([id, { startsAt }]) => ({ day: dayOf.get(id)!, startsAt }));
    const pinned = pinnedWeeks(booked, timeZone);
    const weeks = pinned ?? replayWeeks(plan.firstDay, today);
    replay = {
      weeks,
      pinned: pinned !== undefined,
      firstDay: shiftDay(plan.firstDay, weeks),
      lastDay: shiftDay(plan.lastDay, weeks),
    };
  }

  const appointments = await importAppointments(session, plan, {
    mode,
    weeks: replay?.weeks ?? 0,
    timeZone,
    system,
    existing,
    doctorIds: doctors.records,
    patientIds: patients.records,
    concurrency,
    delaysMs,
    progress,
  });

  return {
    mode,
    departments,
    doctors: doctors.summary,
    patients: patients.summary,
    appointments,
    ...(replay ? { replay } : {}),
    elapsedMs: Math.round(performance.now() - startedAt),
  };
}
