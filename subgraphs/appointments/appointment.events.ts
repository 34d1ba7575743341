/**
 * Events the appointments subgraph publishes on `appointment-events` (keyed by appointment id), one per
 * transition, carrying what other domains need without calling back (billing charges from the fees in them); and
 * the shapes of the doctor and patient events it consumes to keep its read model (validated on consume).
 */
import { z } from 'zod';
import type { AppointmentStatus } from './appointment.rules.ts';

export const APPOINTMENT_TOPIC = 'appointment-events';

export const AppointmentEvent = {
  Booked: 'AppointmentBooked',
  Confirmed: 'AppointmentConfirmed',
  Rejected: 'AppointmentRejected',
  Rescheduled: 'AppointmentRescheduled',
  Cancelled: 'AppointmentCancelled',
  CheckedIn: 'AppointmentCheckedIn',
  Completed: 'AppointmentCompleted',
  MarkedNoShow: 'AppointmentMarkedNoShow',
  /** A past appointment loaded by the history import. */
  Imported: 'AppointmentImported',
} as const;

/** Money in minor units of an ISO 4217 currency. */
export interface MoneyPayload {
  amount: number;
  currency: string;
}

/** What every appointment event carries: the appointment after the change. Times are ISO 8601 UTC. */
export interface AppointmentEventPayload {
  appointmentId: string;
  patientId: string;
  doctorId: string;
  departmentId: string;
  startsAt: string;
  endsAt: string;
  status: AppointmentStatus;
  /** The doctor's consultation fee when the appointment was booked: what completing it bills. */
  consultationFee: MoneyPayload;
  rescheduleCount: number;
  imported: boolean;
}

export interface AppointmentRescheduledPayload extends AppointmentEventPayload {
  previousStartsAt: string;
}

export interface AppointmentCancelledPayload extends AppointmentEventPayload {
  cancelledAt: string;
  reason: string | null;
  /** `FREE`: more than 2 h ahead, nothing owed and anything paid is refunded in full; `LATE`: the late fee. */
  band: 'FREE' | 'LATE';
  feeOwed: MoneyPayload;
}

export interface AppointmentMarkedNoShowPayload extends AppointmentEventPayload {
  feeOwed: MoneyPayload;
}

export interface AppointmentRejectedPayload extends AppointmentEventPayload {
  reason: string | null;
}

/** `DoctorCreated`, `DoctorUpdated`, `DoctorAvailabilitySet` from `doctor-events`: the doctor's whole state. */
export const doctorChangedPayload = z.object({
  doctorId: z.string().uuid(),
  departmentId: z.string().uuid(),
  consultationFee: z.object({ amount: z.number().int(), currency: z.string().length(3) }),
  active: z.boolean(),
  // Events published before availability existed carry neither field.
  weeklyHours: z
    .array(z.object({ weekday: z.number().int().min(1).max(7), opens: z.string(), closes: z.string() }))
    .nullable()
    .default(null),
  timeOff: z
    .array(z.object({ startsAt: z.string(), endsAt: z.string(), reason: z.string().nullable().default(null) }))
    .default([]),
});

/** `PatientRegistered` / `PatientUpdated` / `PatientArchived` from `patient-events`. */
export const patientChangedPayload = z.object({
  patientId: z.string().uuid(),
  active: z.boolean(),
  deceased: z.boolean().default(false),
});
