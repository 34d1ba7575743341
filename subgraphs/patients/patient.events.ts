/**
 * Events the patients subgraph publishes on `patient-events` (keyed by patient id), and the identity events it
 * consumes. Payloads carry ids and state, not demographics (birth date, sex, address stay here; other domains ask
 * the graph), with one exception: `contact`, the patient's name and contact points, because the notifications
 * subgraph must greet them by name and reach them by email and SMS without calling back (SPEC §7). Nothing
 * clinical is ever in them.
 */
import { z } from 'zod';

export const PATIENT_TOPIC = 'patient-events';

export const PatientEvent = {
  Registered: 'PatientRegistered',
  Updated: 'PatientUpdated',
  Archived: 'PatientArchived',
} as const;

/** The name and contact points of a patient or doctor, as their events carry them for notifications. */
export interface ContactPayload {
  givenName: string;
  familyName: string;
  /** Lower-cased, or null when unknown. */
  email: string | null;
  /** E.164, or null when unknown. */
  phone: string | null;
}

/**
 * Payload of every patient event: who, whether they can still be booked (not archived, not deceased), and how to
 * reach them (`contact`, after the change).
 */
export interface PatientEventPayload {
  patientId: string;
  mrn: string;
  /** False once archived. */
  active: boolean;
  /** True once a date of death is recorded. */
  deceased: boolean;
  contact: ContactPayload;
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
