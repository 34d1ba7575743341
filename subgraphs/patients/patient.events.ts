/**
 * Events the patients subgraph publishes on `patient-events` (keyed by patient id), and the identity events it
 * consumes. Payloads carry ids and state, not demographics: other domains keep what they need and ask the graph
 * for the rest.
 */
import { z } from 'zod';

export const PATIENT_TOPIC = 'patient-events';

export const PatientEvent = {
  Registered: 'PatientRegistered',
  Updated: 'PatientUpdated',
  Archived: 'PatientArchived',
} as const;

/** Payload of every patient event: who, and whether they can still be booked (not archived, not deceased). */
export interface PatientEventPayload {
  patientId: string;
  mrn: string;
  /** False once archived. */
  active: boolean;
  /** True once a date of death is recorded. */
  deceased: boolean;
}

/** `UserSignedUp` from `identity-events`, as this subgraph reads it (validated on consume). */
export const userSignedUpPayload = z.object({
  userId: z.string().uuid(),
  patientId: z.string().uuid(),
  email: z.string(),
  givenName: z.string(),
  familyName: z.string(),
  birthDate: z.string(),
  phone: z.string().nullable().optional(),
});
export type UserSignedUpPayload = z.infer<typeof userSignedUpPayload>;

/** `AppointmentBooked` / `AppointmentImported` from `appointment-events`: who now has a doctor (validated on consume). */
export const appointmentBookedPayload = z.object({
  doctorId: z.string().uuid(),
  patientId: z.string().uuid(),
});
