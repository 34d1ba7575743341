/**
 * Events the appointments subgraph publishes on `appointment-events` (keyed by appointment id), and the shapes
 * of the doctor and patient events it consumes to keep its read model (validated on consume).
 */
import { z } from 'zod';
import type { AppointmentStatus } from './appointment.rules.ts';

export const APPOINTMENT_TOPIC = 'appointment-events';

export const AppointmentEvent = {
  Booked: 'AppointmentBooked',
  Cancelled: 'AppointmentCancelled',
} as const;

/** What every appointment event carries: the appointment after the change. Times are ISO 8601 UTC. */
export interface AppointmentEventPayload {
  appointmentId: string;
  patientId: string;
  doctorId: string;
  departmentId: string;
  startsAt: string;
  endsAt: string;
  status: AppointmentStatus;
}

export interface AppointmentCancelledPayload extends AppointmentEventPayload {
  cancelledAt: string;
  reason: string | null;
}

/** `DoctorCreated` / `DoctorUpdated` from `doctor-events`. */
export const doctorChangedPayload = z.object({
  doctorId: z.string().uuid(),
  departmentId: z.string().uuid(),
  consultationFee: z.object({ amount: z.number().int(), currency: z.string().length(3) }),
  active: z.boolean(),
});

/** `PatientRegistered` / `PatientUpdated` / `PatientArchived` from `patient-events`. */
export const patientChangedPayload = z.object({
  patientId: z.string().uuid(),
  active: z.boolean(),
  deceased: z.boolean().default(false),
});
