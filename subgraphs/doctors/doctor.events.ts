/**
 * Events the doctors subgraph publishes on `doctor-events`, keyed by doctor or department id. A doctor's
 * events carry what scheduling replicates (department, fee, whether they take appointments), so that
 * `appointments` never calls back to check a booking (SPEC §6).
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

/**
 * Payload of every doctor event (`DoctorCreated`, `DoctorUpdated`, `DoctorAvailabilitySet`): the doctor's whole
 * scheduling state after the change, so a consumer's copy is right after any one event, in any replay.
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
}
