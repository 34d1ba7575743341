/**
 * The no-show importer's last step: one `bookAppointment` (replay) or `importAppointment` (history) per row, counted
 * by status and by error code.
 */
import { forEachConcurrently } from './concurrency.ts';
import type { GraphSession } from './graph-session.ts';
import { failuresByCode, KindTally, type CodeCount, type ImportProgress, type KindSummary } from './import-summary.ts';
import { attempt, BOOK_APPOINTMENT, IMPORT_APPOINTMENT, withReplicaRetry, type FoundRecord } from './noshow.graph.ts';
import { doctorKey, type NoShowPlan, type PlannedAppointment } from './noshow.plan.ts';
import { shiftDay, slotStart } from './noshow.schedule.ts';

/** `replay`: the schedule booked on coming weeks; `history`: the 2016 appointments with their outcome. */
export type NoShowMode = 'replay' | 'history';

/** The importer's own codes: a row that did not validate, or whose patient, doctor or department is missing. */
export const INVALID_ROW = 'INVALID_ROW';
export const NO_PATIENT = 'NO_PATIENT';
export const NO_DOCTOR = 'NO_DOCTOR';
export const NO_DEPARTMENT = 'NO_DEPARTMENT';

/** The appointments of a run: counts, and what was created or refused by status and by code. */
export interface AppointmentsSummary extends KindSummary {
  /** Created appointments by status: `PENDING` (replay), `COMPLETED` and `NO_SHOW` (history). */
  createdByStatus: Record<string, number>;
  /** Failures by error code (the graph's, or `INVALID_ROW`, `NO_PATIENT`, `NO_DOCTOR`), with example rows. */
  failedByCode: Record<string, CodeCount>;
}

/**
 * Books (replay) or imports (history) every planned row not in `done`, at most `concurrency` at a time. A `CONFLICT`
 * (the identifier exists: a concurrent run) counts as skipped.
 */
export async function importAppointments(
  session: GraphSession,
  plan: NoShowPlan,
  job: {
    mode: NoShowMode;
    weeks: number;
    timeZone: string;
    system: string;
    done: ReadonlySet<string>;
    doctorIds: ReadonlyMap<string, FoundRecord>;
    patientIds: ReadonlyMap<string, string>;
    concurrency: number;
    delaysMs: readonly number[];
    progress: ((progress: ImportProgress) => void) | undefined;
  },
): Promise<AppointmentsSummary> {
  const tally = new KindTally('appointments', plan.appointments.length, job.progress);
  const createdByStatus: Record<string, number> = {};
  await forEachConcurrently(plan.appointments, job.concurrency, async ({ row, id, mapped }) => {
    if (!mapped.ok) return tally.failed({ row, ...(id ? { id } : {}), code: INVALID_ROW, reason: mapped.reason });
    if (job.done.has(id)) return tally.skipped();
    const input = inputOf(mapped.value, job);
    if (typeof input === 'string')
      return tally.failed({ row, id, code: input, reason: reasonFor(input, mapped.value) });
    const [query, field] =
      job.mode === 'replay'
        ? [BOOK_APPOINTMENT, 'bookAppointment' as const]
        : [IMPORT_APPOINTMENT, 'importAppointment' as const];
    const outcome = await attempt(() =>
      withReplicaRetry(
        () => session.data<Record<typeof field, { id: string; status: string }>>(query, { input }),
        job.delaysMs,
      ),
    );
    if (outcome.kind === 'failed') return tally.failed({ row, id, ...outcome });
    if (outcome.kind === 'skipped') return tally.skipped();
    const status = outcome.value[field].status;
    createdByStatus[status] = (createdByStatus[status] ?? 0) + 1;
    tally.created();
  });
  const summary = tally.summary();
  return { ...summary, createdByStatus, failedByCode: failuresByCode(summary.failures) };
}

/** The mutation's input for one row, or the importer's code when its patient or doctor is missing. */
function inputOf(
  appointment: PlannedAppointment,
  job: {
    mode: NoShowMode;
    weeks: number;
    timeZone: string;
    system: string;
    doctorIds: ReadonlyMap<string, FoundRecord>;
    patientIds: ReadonlyMap<string, string>;
  },
): Record<string, unknown> | typeof NO_PATIENT | typeof NO_DOCTOR {
  const patientId = job.patientIds.get(appointment.patientId);
  if (!patientId) return NO_PATIENT;
  const doctor = job.doctorIds.get(doctorKey(appointment.neighbourhood, appointment.doctor));
  if (!doctor?.departmentId) return NO_DOCTOR;
  const day = job.mode === 'replay' ? shiftDay(appointment.day, job.weeks) : appointment.day;
  return {
    patientId,
    doctorId: doctor.id,
    departmentId: doctor.departmentId,
    startsAt: slotStart(day, appointment.slot, job.timeZone),
    ...(job.mode === 'history' ? { status: appointment.outcome } : {}),
    identifier: { system: job.system, value: appointment.appointmentId },
  };
}

function reasonFor(code: string, appointment: PlannedAppointment): string {
  return code === NO_PATIENT
    ? `patient ${appointment.patientId} could not be registered`
    : `doctor ${doctorKey(appointment.neighbourhood, appointment.doctor)} or its department could not be created`;
}
