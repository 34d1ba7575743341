/**
 * Scheduling policy (SPEC §3) as pure functions: no I/O, no clock of their own, the hospital's time zone passed
 * in. Each returns the error code of the rule it checks, or null when the rule holds. The remaining rules of
 * SPEC §3 (clinic hours, lead time, daily cap, working hours, reschedules, fees) join these in the scheduling
 * issue.
 */
import { wallClockIn } from '../../platform/time.ts';

export const APPOINTMENT_STATUSES = [
  'PENDING',
  'CONFIRMED',
  'CHECKED_IN',
  'COMPLETED',
  'CANCELLED',
  'NO_SHOW',
  'REJECTED',
] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

/** Statuses that hold a slot (SPEC §3). */
export const ACTIVE_STATUSES: readonly AppointmentStatus[] = ['PENDING', 'CONFIRMED', 'CHECKED_IN'];

/** Error codes of the scheduling rules (SPEC §3). */
export const SchedulingError = {
  INVALID_SLOT: 'INVALID_SLOT',
  SLOT_UNAVAILABLE: 'SLOT_UNAVAILABLE',
  PATIENT_DOUBLE_BOOKED: 'PATIENT_DOUBLE_BOOKED',
  DEPARTMENT_MISMATCH: 'DEPARTMENT_MISMATCH',
  INVALID_STATUS_TRANSITION: 'INVALID_STATUS_TRANSITION',
} as const;

/** Hospital policy; configuration with the defaults of SPEC §3. */
export interface SchedulingPolicy {
  /** Length of a slot in minutes; slots start at multiples of it past the hour. */
  slotMinutes: number;
}

export const DEFAULT_POLICY: SchedulingPolicy = { slotMinutes: 30 };

/** SPEC §3 lifecycle: the statuses each status may move to. */
const TRANSITIONS: Record<AppointmentStatus, readonly AppointmentStatus[]> = {
  PENDING: ['CONFIRMED', 'REJECTED', 'CANCELLED'],
  CONFIRMED: ['CHECKED_IN', 'CANCELLED', 'NO_SHOW'],
  CHECKED_IN: ['COMPLETED'],
  COMPLETED: [],
  CANCELLED: [],
  NO_SHOW: [],
  REJECTED: [],
};

/** The end of the slot starting at `startsAt`. */
export function slotEnd(startsAt: Date, policy: SchedulingPolicy): Date {
  return new Date(startsAt.getTime() + policy.slotMinutes * 60_000);
}

/**
 * `INVALID_SLOT` unless `startsAt` begins a whole slot in the hospital's time zone: on a multiple of the slot
 * length past the hour (09:00, 09:30 for 30-minute slots), with no seconds. Checked on the local wall clock,
 * so zones with half-hour offsets are handled.
 */
export function slotShapeViolation(startsAt: Date, timeZone: string, policy: SchedulingPolicy): string | null {
  const local = wallClockIn(timeZone, startsAt);
  const aligned = local.minute % policy.slotMinutes === 0 && local.second === 0 && local.millisecond === 0;
  return aligned ? null : SchedulingError.INVALID_SLOT;
}

/** `DEPARTMENT_MISMATCH` unless the requested department is the doctor's. */
export function departmentViolation(requestedDepartmentId: string, doctorDepartmentId: string): string | null {
  return requestedDepartmentId === doctorDepartmentId ? null : SchedulingError.DEPARTMENT_MISMATCH;
}

/** `INVALID_STATUS_TRANSITION` unless the lifecycle allows `from` → `to`. */
export function transitionViolation(from: AppointmentStatus, to: AppointmentStatus): string | null {
  return TRANSITIONS[from].includes(to) ? null : SchedulingError.INVALID_STATUS_TRANSITION;
}
