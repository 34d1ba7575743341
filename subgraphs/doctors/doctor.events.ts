/**
 * Events the doctors subgraph publishes on `doctor-events`, keyed by doctor or department id. A doctor's
 * events carry what scheduling replicates (department, fee, whether they take appointments), so that
 * `appointments` never calls back to check a booking (SPEC §6).
 */
export const DOCTOR_TOPIC = 'doctor-events';

export const DoctorEvent = {
  DepartmentCreated: 'DepartmentCreated',
  DoctorCreated: 'DoctorCreated',
  DoctorUpdated: 'DoctorUpdated',
} as const;

export interface DepartmentEventPayload {
  departmentId: string;
  name: string;
  code: string;
}

/** Payload of `DoctorCreated` and `DoctorUpdated`: the doctor's state after the change. */
export interface DoctorEventPayload {
  doctorId: string;
  departmentId: string;
  specialization: string;
  /** Minor units of `currency`. */
  consultationFee: { amount: number; currency: string };
  active: boolean;
}
