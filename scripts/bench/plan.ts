/**
 * The bookings of the benchmark, planned up front so that every request is a valid, distinct booking (SPEC §3):
 * booking number `n` goes to doctor `n mod D` (so concurrent requests hit different doctors), in the slot
 * `(n div D) mod S` of the weekday `n div (D·S)`, where `S` is at most the daily cap. A doctor-day therefore
 * never holds more than `S` appointments and each (doctor, slot) is booked once. The patient is the doctor's
 * index shifted by a per-slot offset, modulo `P ≥ D`: at any one time every doctor has a different patient, so no
 * patient is ever double-booked.
 */

export interface BookingPlan {
  doctors: readonly { id: string; departmentId: string }[];
  patientIds: readonly string[];
  /**
   * The first day booked, `YYYY-MM-DD`: `firstWeekday(now, DAYS_AHEAD)`, so every slot starts at least a day after the
   * run and the lead time (2 h by default) never bites.
   */
  firstDay: string;
  /** Minutes after midnight (hospital time zone = UTC here) of the slots used on each day, at most the daily cap. */
  slotMinutes: readonly number[];
}

interface PlannedBooking {
  patientId: string;
  doctorId: string;
  departmentId: string;
  startsAt: string;
}

/** The `n`-th booking of `plan` (n = 0, 1, 2, …). */
export function plannedBooking(plan: BookingPlan, n: number): PlannedBooking {
  const doctorCount = plan.doctors.length;
  const slotsPerDay = plan.slotMinutes.length;
  const doctorIndex = n % doctorCount;
  const slotIndex = Math.floor(n / doctorCount) % slotsPerDay;
  const dayIndex = Math.floor(n / (doctorCount * slotsPerDay));
  const doctor = plan.doctors[doctorIndex]!;
  const patientIndex = (doctorIndex + dayIndex * slotsPerDay + slotIndex) % plan.patientIds.length;
  const start = new Date(`${weekdayAfter(plan.firstDay, dayIndex)}T00:00:00Z`);
  start.setUTCMinutes(plan.slotMinutes[slotIndex]!);
  return {
    patientId: plan.patientIds[patientIndex]!,
    doctorId: doctor.id,
    departmentId: doctor.departmentId,
    startsAt: start.toISOString(),
  };
}

/** Checks what the plan relies on; throws when a rule could be hit. */
export function checkPlan(plan: BookingPlan, dailyCap: number): void {
  if (plan.doctors.length === 0) throw new Error('the plan needs doctors');
  if (plan.patientIds.length < plan.doctors.length) throw new Error('the plan needs at least as many patients');
  if (plan.slotMinutes.length === 0 || plan.slotMinutes.length > dailyCap) {
    throw new Error(`the plan uses ${plan.slotMinutes.length} slots a day; the daily cap is ${dailyCap}`);
  }
  if (new Set(plan.slotMinutes).size !== plan.slotMinutes.length) throw new Error('the plan repeats a slot');
  if (isWeekend(plan.firstDay)) throw new Error(`${plan.firstDay} is not a weekday`);
}

/** The `index`-th weekday (Monday–Friday) counting `day` (a weekday) as the 0th. */
export function weekdayAfter(day: string, index: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  for (let found = 0; found < index;) {
    date.setUTCDate(date.getUTCDate() + 1);
    if (!isWeekend(date.toISOString().slice(0, 10))) found++;
  }
  return date.toISOString().slice(0, 10);
}

/** How many days after today (UTC) the plan's first day is at the earliest. */
export const DAYS_AHEAD = 2;

/** The first weekday at least `daysAhead` days after `now` (UTC). */
export function firstWeekday(now: Date, daysAhead: number): string {
  const date = new Date(now);
  date.setUTCHours(0, 0, 0, 0);
  date.setUTCDate(date.getUTCDate() + daysAhead);
  while (isWeekend(date.toISOString().slice(0, 10))) date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

function isWeekend(day: string): boolean {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
  return weekday === 0 || weekday === 6;
}
