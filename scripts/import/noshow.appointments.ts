/**
 * The no-show importer's last step: one `bookAppointment` (replay) or `importAppointment` (history) per row, counted
 * by status and by error code.
 */
import { attempt, type FoundRecord } from './graph.ts';
import type { GraphSession } from './graph-session.ts';
import { failuresByCode, KindTally, type CodeCount, type ImportProgress, type KindSummary } from './import-summary.ts';
import { BOOK_APPOINTMENT, existingAppointments, IMPORT_APPOINTMENT, withReplicaRetry } from './noshow.graph.ts';
import { doctorKey, type NoShowPlan, type PlannedAppointment } from './noshow.plan.ts';
import { shiftDay, slotStart } from './noshow.schedule.ts';
import { createRows } from './rows.ts';

/** `replay`: the schedule booked on coming weeks; `history`: the 2016 appointments with their outcome. */
export type NoShowMode = 'replay' | 'history';

/** The importer's own codes for a row whose patient, or doctor (or its department), could not be created. */
const NO_PATIENT = 'NO_PATIENT';
const NO_DOCTOR = 'NO_DOCTOR';

/** The appointments of a run: counts, and what was created or refused by status and by code. */
export interface AppointmentsSummary extends KindSummary {
  /** Created appointments by status: `PENDING` (replay), `COMPLETED` and `NO_SHOW` (history). */
  createdByStatus: Record<string, number>;
  /**
   * Failures by error code, with example rows: the graph's (`DOCTOR_UNAVAILABLE`, `PATIENT_DOUBLE_BOOKED`,
   * `LEAD_TIME_TOO_SHORT`, `CONFLICT`, …; `ERROR` when it gave none) or the importer's own (`INVALID_ROW`,
   * `NO_PATIENT`, `NO_DOCTOR`, `REQUEST_FAILED`).
   */
  failedByCode: Record<string, CodeCount>;
}

/**
 * Books (replay) or imports (history) every planned row not in `existing`, at most `concurrency` at a time. A
 * `CONFLICT` counts as skipped only when the appointment is then found by its identifier (a concurrent run made it).
 */
export async function importAppointments(
  session: GraphSession,
  plan: NoShowPlan,
  job: {
    mode: NoShowMode;
    weeks: number;
    timeZone: string;
    system: string;
    existing: ReadonlyMap<string, FoundRecord>;
    doctorIds: ReadonlyMap<string, FoundRecord>;
    patientIds: ReadonlyMap<string, FoundRecord>;
    concurrency: number;
    delaysMs: readonly number[];
    progress: ((progress: ImportProgress) => void) | undefined;
  },
): Promise<AppointmentsSummary> {
  const createdByStatus: Record<string, number> = {};
  const [query, field] =
    job.mode === 'replay'
      ? [BOOK_APPOINTMENT, 'bookAppointment' as const]
      : [IMPORT_APPOINTMENT, 'importAppointment' as const];
  const { summary } = await createRows({
    tally: new KindTally('appointments', plan.appointments.length, job.progress),
    rows: plan.appointments,
    existing: job.existing,
    concurrency: job.concurrency,
    create: async (appointment, id) => {
      const input = inputOf(appointment, job);
      if (typeof input === 'string') return { kind: 'failed', code: input, reason: reasonFor(input, appointment) };
      const outcome = await attempt(
        async () => {
          const send = () => session.data<Record<typeof field, { id: string; status: string }>>(query, { input });
          return (await withReplicaRetry(send, job.delaysMs))[field];
        },
        {
          find: async () => (await existingAppointments(session, [id], job.system)).get(id),
          missing: `no appointment has identifier ${id}`,
        },
      );
      if (outcome.kind === 'created')
        createdByStatus[outcome.value.status] = (createdByStatus[outcome.value.status] ?? 0) + 1;
      return outcome;
    },
  });
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
    patientIds: ReadonlyMap<string, FoundRecord>;
  },
): Record<string, unknown> | typeof NO_PATIENT | typeof NO_DOCTOR {
  const patient = job.patientIds.get(appointment.patientId);
  if (!patient) return NO_PATIENT;
  const doctor = job.doctorIds.get(doctorKey(appointment.neighbourhood, appointment.doctor));
  if (!doctor?.departmentId) return NO_DOCTOR;
  const day = job.mode === 'replay' ? shiftDay(appointment.day, job.weeks) : appointment.day;
  return {
    patientId: patient.id,
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
