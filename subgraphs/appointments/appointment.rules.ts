/**
 * Scheduling policy (SPEC §3) as pure functions: no I/O and no clock of their own — "now" and the hospital's time
 * zone are passed in. Each check returns the error code of the rule it guards, or null when the rule holds, so
 * that every row of the SPEC §3 table is one small function with its own tests. Wall-clock rules (slot shape,
 * clinic hours, working hours, the day of the daily cap) are evaluated in the hospital's time zone with luxon, so
 * they hold across daylight-saving changes; durations (lead time, cut-offs) are absolute.
 */
import { DateTime } from 'luxon';
import { dateIn, parseTimeOfDay, weekdayHours } from '../../platform/time.ts';

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
  OUTSIDE_CLINIC_HOURS: 'OUTSIDE_CLINIC_HOURS',
  LEAD_TIME_TOO_SHORT: 'LEAD_TIME_TOO_SHORT',
  SLOT_UNAVAILABLE: 'SLOT_UNAVAILABLE',
  PATIENT_DOUBLE_BOOKED: 'PATIENT_DOUBLE_BOOKED',
  DOCTOR_DAILY_CAP_REACHED: 'DOCTOR_DAILY_CAP_REACHED',
  DEPARTMENT_MISMATCH: 'DEPARTMENT_MISMATCH',
  DOCTOR_UNAVAILABLE: 'DOCTOR_UNAVAILABLE',
  RESCHEDULE_LIMIT_REACHED: 'RESCHEDULE_LIMIT_REACHED',
  RESCHEDULE_TOO_LATE: 'RESCHEDULE_TOO_LATE',
  INVALID_STATUS_TRANSITION: 'INVALID_STATUS_TRANSITION',
} as const;

/** Hospital policy: configuration, with the defaults of SPEC §3. Times of day are minutes after midnight. */
export interface SchedulingPolicy {
  /** Length of a slot; slots start at multiples of it after the hour. */
  slotMinutes: number;
  clinicOpensAt: number;
  clinicClosesAt: number;
  /** Minimum time between now and a slot's start. */
  leadTimeMinutes: number;
  /** Most active appointments a doctor may have on one day (in the hospital's time zone). */
  dailyCap: number;
  maxReschedules: number;
  /** No reschedule this close to (or after) the start. */
  rescheduleCutoffMinutes: number;
  /** A cancellation this close to the start (or later) owes the late-cancellation fee. */
  lateCancellationMinutes: number;
  lateCancellationFeePercent: number;
  noShowFeePercent: number;
}

export const DEFAULT_POLICY: SchedulingPolicy = {
  slotMinutes: 30,
  clinicOpensAt: 9 * 60,
  clinicClosesAt: 18 * 60,
  leadTimeMinutes: 120,
  dailyCap: 8,
  maxReschedules: 2,
  rescheduleCutoffMinutes: 60,
  lateCancellationMinutes: 120,
  lateCancellationFeePercent: 50,
  noShowFeePercent: 100,
};

/** One stretch of a doctor's weekly working hours: ISO weekday (1 = Monday … 7 = Sunday), `HH:MM` to `HH:MM`. */
export interface WorkingHours {
  weekday: number;
  opens: string;
  closes: string;
}

/** An absence, as an instant range [startsAt, endsAt). */
export interface TimeOff {
  startsAt: Date;
  endsAt: Date;
  reason?: string | null;
}

/** When a doctor works: weekly hours (the hospital's time zone) and time off. */
export interface Availability {
  weeklyHours: readonly WorkingHours[];
  timeOff: readonly TimeOff[];
}

/** Working hours of a doctor who never set theirs: the clinic's hours, Monday to Friday. */
export function defaultWeeklyHours(policy: SchedulingPolicy): WorkingHours[] {
  return weekdayHours(policy.clinicOpensAt, policy.clinicClosesAt);
}

/** The end of the slot starting at `startsAt` (absolute time: one slot later, whatever the wall clock does). */
export function slotEnd(startsAt: Date, policy: SchedulingPolicy): Date {
  return new Date(startsAt.getTime() + policy.slotMinutes * 60_000);
}

/** Where an instant falls on the hospital's wall clock: its date, ISO weekday and minute of the day. */
export function localTime(
  instant: Date,
  timeZone: string,
): { date: string; weekday: number; minute: number; second: number; millisecond: number } {
  const local = DateTime.fromJSDate(instant, { zone: timeZone });
  return {
    date: local.toISODate()!,
    weekday: local.weekday,
    minute: local.hour * 60 + local.minute,
    second: local.second,
    millisecond: local.millisecond,
  };
}

/** The hospital day of an instant, `YYYY-MM-DD` (the day the daily cap counts in). */
export function hospitalDay(instant: Date, timeZone: string): string {
  return dateIn(timeZone, instant);
}

/**
 * `INVALID_SLOT` unless `startsAt` begins a whole slot on the hospital's wall clock: a multiple of the slot length
 * after the hour (09:00, 09:30 …) with no seconds. Zones with half-hour or 45-minute offsets are handled.
 */
export function slotShapeViolation(startsAt: Date, timeZone: string, policy: SchedulingPolicy): string | null {
  const local = localTime(startsAt, timeZone);
  const aligned = local.minute % policy.slotMinutes === 0 && local.second === 0 && local.millisecond === 0;
  return aligned ? null : SchedulingError.INVALID_SLOT;
}

/** True when the slot [startsAt, end) lies on one local day within [opens, closes] (minutes of the day). */
function slotWithin(
  startsAt: Date,
  timeZone: string,
  policy: SchedulingPolicy,
  opens: number,
  closes: number,
): boolean {
  const start = localTime(startsAt, timeZone);
  const end = localTime(slotEnd(startsAt, policy), timeZone);
  const endMinute = end.date === start.date ? end.minute : end.minute === 0 ? 24 * 60 : -1;
  return start.minute >= opens && endMinute > start.minute && endMinute <= closes;
}

/** `OUTSIDE_CLINIC_HOURS` unless the whole slot lies inside clinic hours (default 09:00–18:00: 17:30 is the last). */
export function clinicHoursViolation(startsAt: Date, timeZone: string, policy: SchedulingPolicy): string | null {
  return slotWithin(startsAt, timeZone, policy, policy.clinicOpensAt, policy.clinicClosesAt)
    ? null
    : SchedulingError.OUTSIDE_CLINIC_HOURS;
}

/** `LEAD_TIME_TOO_SHORT` when the slot starts less than the lead time after `now` (exactly the lead time is fine). */
export function leadTimeViolation(startsAt: Date, now: Date, policy: SchedulingPolicy): string | null {
  return startsAt.getTime() - now.getTime() < policy.leadTimeMinutes * 60_000
    ? SchedulingError.LEAD_TIME_TOO_SHORT
    : null;
}

/** `DEPARTMENT_MISMATCH` unless the requested department is the doctor's. */
export function departmentViolation(requestedDepartmentId: string, doctorDepartmentId: string): string | null {
  return requestedDepartmentId === doctorDepartmentId ? null : SchedulingError.DEPARTMENT_MISMATCH;
}

/**
 * `DOCTOR_UNAVAILABLE` unless the slot lies inside one of the doctor's working hours for that weekday (hospital
 * time zone) and overlaps none of their time off.
 */
export function availabilityViolation(
  startsAt: Date,
  availability: Availability,
  timeZone: string,
  policy: SchedulingPolicy,
): string | null {
  const weekday = localTime(startsAt, timeZone).weekday;
  const working = availability.weeklyHours.some(
    (hours) =>
      hours.weekday === weekday &&
      slotWithin(startsAt, timeZone, policy, parseTimeOfDay(hours.opens), parseTimeOfDay(hours.closes)),
  );
  const endsAt = slotEnd(startsAt, policy);
  const away = availability.timeOff.some((off) => off.startsAt < endsAt && startsAt < off.endsAt);
  return working && !away ? null : SchedulingError.DOCTOR_UNAVAILABLE;
}

/** `DOCTOR_DAILY_CAP_REACHED` when the doctor already has the most active appointments a day allows. */
export function dailyCapViolation(activeThatDay: number, policy: SchedulingPolicy): string | null {
  return activeThatDay >= policy.dailyCap ? SchedulingError.DOCTOR_DAILY_CAP_REACHED : null;
}

/** `INVALID_STATUS_TRANSITION` unless the lifecycle allows `from` → `to`. */
export function transitionViolation(from: AppointmentStatus, to: AppointmentStatus): string | null {
  return TRANSITIONS[from].includes(to) ? null : SchedulingError.INVALID_STATUS_TRANSITION;
}

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

/**
 * Whether an appointment may be moved: `RESCHEDULE_LIMIT_REACHED` after `maxReschedules` moves,
 * `RESCHEDULE_TOO_LATE` within the cut-off before its start (exactly the cut-off is too late), and
 * `INVALID_STATUS_TRANSITION` unless it is PENDING or CONFIRMED. The new slot is checked like a booking.
 */
export function rescheduleViolation(
  appointment: { status: AppointmentStatus; startsAt: Date; rescheduleCount: number },
  now: Date,
  policy: SchedulingPolicy,
): string | null {
  if (appointment.status !== 'PENDING' && appointment.status !== 'CONFIRMED')
    return SchedulingError.INVALID_STATUS_TRANSITION;
  if (appointment.rescheduleCount >= policy.maxReschedules) return SchedulingError.RESCHEDULE_LIMIT_REACHED;
  if (appointment.startsAt.getTime() - now.getTime() <= policy.rescheduleCutoffMinutes * 60_000)
    return SchedulingError.RESCHEDULE_TOO_LATE;
  return null;
}

/**
 * `INVALID_STATUS_TRANSITION` for a no-show marked before the slot has started (SPEC §3); from its start instant on
 * it may be marked. Which statuses may become `NO_SHOW` is `transitionViolation`'s rule.
 */
export function noShowViolation(startsAt: Date, now: Date): string | null {
  return now < startsAt ? SchedulingError.INVALID_STATUS_TRANSITION : null;
}

/** `percent` of an amount in minor units, rounded half up to the minor unit, in integers only. */
export function percentOf(amount: number, percent: number): number {
  return Math.floor((amount * percent + 50) / 100);
}

/** What a cancellation owes (SPEC §3): nothing more than the late window before the start, else the late fee. */
export interface CancellationCharge {
  /** `FREE`: cancelled more than the late window before the start (anything paid is refunded); `LATE`: the late fee. */
  band: 'FREE' | 'LATE';
  percent: number;
  /** Minor units of the consultation fee's currency. */
  amount: number;
}

/** The fee band and amount of a cancellation at `cancelledAt` of a slot starting at `startsAt`. */
export function cancellationCharge(
  startsAt: Date,
  cancelledAt: Date,
  consultationFee: number,
  policy: SchedulingPolicy,
): CancellationCharge {
  const late = startsAt.getTime() - cancelledAt.getTime() <= policy.lateCancellationMinutes * 60_000;
  const percent = late ? policy.lateCancellationFeePercent : 0;
  return { band: late ? 'LATE' : 'FREE', percent, amount: percentOf(consultationFee, percent) };
}

/** What a no-show owes: the no-show share of the consultation fee (100 % by default). */
export function noShowCharge(consultationFee: number, policy: SchedulingPolicy): number {
  return percentOf(consultationFee, policy.noShowFeePercent);
}

/**
 * Every slot start of a hospital day that lies inside clinic hours, in order. On a daylight-saving day a wall-clock
 * time that does not exist is skipped and one that exists twice is offered once (its first occurrence).
 */
export function slotsOfDay(date: string, timeZone: string, policy: SchedulingPolicy): Date[] {
  const slots: Date[] = [];
  const seen = new Set<number>();
  for (
    let minute = policy.clinicOpensAt;
    minute + policy.slotMinutes <= policy.clinicClosesAt;
    minute += policy.slotMinutes
  ) {
    const local = DateTime.fromISO(date, { zone: timeZone }).set({
      hour: Math.floor(minute / 60),
      minute: minute % 60,
      second: 0,
      millisecond: 0,
    });
    // luxon moves a time inside a spring-forward gap; such a slot does not exist on this day.
    if (!local.isValid || local.hour * 60 + local.minute !== minute || local.toISODate() !== date) continue;
    const instant = local.toJSDate();
    if (seen.has(instant.getTime())) continue;
    seen.add(instant.getTime());
    slots.push(instant);
  }
  return slots;
}

/** The instants a hospital day runs between: [start, end), 23 or 25 hours long on daylight-saving days. */
export function dayBounds(date: string, timeZone: string): { start: Date; end: Date } {
  const start = DateTime.fromISO(date, { zone: timeZone }).startOf('day');
  return { start: start.toJSDate(), end: start.plus({ days: 1 }).toJSDate() };
}
