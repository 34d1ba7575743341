/**
 * Events the doctors subgraph publishes on `doctor-events`, keyed by doctor or department id. A doctor's
 * events carry what scheduling replicates (department, fee, whether they take appointments), so that
 * `appointments` never calls back to check a booking (SPEC §6), and the doctor's name and contact points
 * (`contact`), so that the notifications subgraph can name them to patients and reach them by email and SMS.
 */
import type { TimeOff, WorkingHours } from './doctor.entity.ts';

export const DOCTOR_TOPIC = 'doctor-events';

export const DoctorEvent = {
  DepartmentCreated: 'DepartmentCreated',
  DoctorCreated: 'DoctorCreated',
  DoctorUpdated: 'DoctorUpdated',
  DoctorAvailabilitySet: 'DoctorAvailabilitySet',
} as const;

export interface DepartmentEventPayload {
  departmentId: string;
  name: string;
  code: string;
}

/** The name and contact points of a doctor, as their events carry them for notifications. */
export interface DoctorContactPayload {
  givenName: string;
  familyName: string;
  /** Null when unknown. */
  email: string | null;
  /** E.164, or null when unknown. */
  phone: string | null;
}

/**
 * Payload of every doctor event (`DoctorCreated`, `DoctorUpdated`, `DoctorAvailabilitySet`): the doctor's whole
 * scheduling state and contact points after the change, so a consumer's copy is right after any one event, in any
 * replay.
 */
export interface DoctorEventPayload {
  doctorId: string;
  departmentId: string;
  specialization: string;
  /** Minor units of `currency`. */
  consultationFee: { amount: number; currency: string };
  active: boolean;
  /** Null: the doctor has not set working hours (the clinic's hours, Monday to Friday, apply). */
  weeklyHours: WorkingHours[] | null;
  timeOff: TimeOff[];
  contact: DoctorContactPayload;
}
