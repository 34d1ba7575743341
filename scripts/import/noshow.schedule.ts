/**
 * The rules that give the no-show data set what it lacks, as pure functions: departments (one per health unit),
 * doctors (enough for the busiest day under the daily cap), times (the file has dates only) and, for the replay,
 * dates in the coming weeks. Every rule is deterministic: the same file always yields the same plan.
 */
import { DateTime } from 'luxon';
import { dateIn, parseTimeOfDay } from '../../platform/time.ts';
import type { DepartmentSpec } from './departments.ts';
import { titleCasePt } from './noshow.mapping.ts';

/*
 * The graph's scheduling policy as the importer assumes it (SPEC §3 defaults; the graph's own is configuration):
 * `noshow.graph.ts untilBookable` checks these slots against the graph's before anything is booked.
 */
/** At most 8 active appointments per doctor and day. */
const DAILY_CAP = 8;
/** Slot length, in minutes. */
const SLOT_MINUTES = 30;
/** The first slot of every doctor's day, `HH:MM` in the hospital's time zone (clinic hours open at 09:00). */
const FIRST_SLOT = '09:00';
/** Replayed days land at least this many days after today. */
export const REPLAY_MIN_DAYS_AHEAD = 2;

const CONNECTIVES = new Set(['D', 'DA', 'DAS', 'DE', 'DO', 'DOS', 'E']);

/** A department to find (by name `Unidade <Neighbourhood in title case>`) or create: one per health unit. */
export interface NoShowDepartment extends DepartmentSpec {
  /** The Neighbourhood as written in the file. */
  neighbourhood: string;
}

/** `Unidade Jardim da Penha`. */
export function departmentName(neighbourhood: string): string {
  return `Unidade ${titleCasePt(neighbourhood)}`;
}

/**
 * The code a Neighbourhood would like: accents dropped, upper case, connectives (da, de, do, …) left out; one word
 * gives its first 6 letters ("CENTRO", "AEROPO"), several give 3 letters of each of the first three ("JARDIM DA
 * PENHA" → "JARPEN", "FORTE SÃO JOÃO" → "FORSAOJOA"). At least 2 characters (padded with 0).
 */
export function baseDepartmentCode(neighbourhood: string): string {
  const words = neighbourhood
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter(Boolean);
  const significant = words.filter((word) => !CONNECTIVES.has(word));
  const kept = significant.length > 0 ? significant : words;
  const code =
    kept.length === 1
      ? kept[0]!.slice(0, 6)
      : kept
          .slice(0, 3)
          .map((word) => word.slice(0, 3))
          .join('');
  return code.padEnd(2, '0');
}

/**
 * Codes for `neighbourhoods`, collision-free among themselves and with `taken` (codes other departments already
 * have). Neighbourhoods are handled in sorted order; one whose base code is taken gets the base with a number in
 * place of its last characters, the smallest from 2 up that is free ("SANMAR" → "SANMAR2"; a 10-character code
 * becomes "ILHSANMA12", say). Deterministic: the same names and `taken` give the same codes.
 */
export function departmentCodes(neighbourhoods: Iterable<string>, taken: Iterable<string> = []): Map<string, string> {
  const used = new Set(taken);
  const codes = new Map<string, string>();
  for (const neighbourhood of [...new Set(neighbourhoods)].sort()) {
    const base = baseDepartmentCode(neighbourhood);
    let code = base;
    for (let n = 2; used.has(code); n++) code = base.slice(0, 10 - String(n).length) + String(n);
    used.add(code);
    codes.set(neighbourhood, code);
  }
  return codes;
}

/** The department of each Neighbourhood, with codes from `departmentCodes`. */
export function departmentsFor(
  neighbourhoods: Iterable<string>,
  taken: Iterable<string> = [],
): Map<string, NoShowDepartment> {
  const departments = new Map<string, NoShowDepartment>();
  for (const [neighbourhood, code] of departmentCodes(neighbourhoods, taken)) {
    departments.set(neighbourhood, {
      neighbourhood,
      name: departmentName(neighbourhood),
      code,
      description: `Health unit in ${titleCasePt(neighbourhood)}, Vitória (ES), Brazil; imported from the Kaggle data set "Medical Appointment No Shows" (Joni Hoppen).`,
    });
  }
  return departments;
}

/**
 * Doctors each department needs: enough that its busiest day fits under the daily cap,
 * `ceil(max appointments of the neighbourhood on one day / cap)`.
 *
 * @param appointments (neighbourhood, day) of every appointment to place.
 * @returns Neighbourhood → number of doctors (at least 1 for every neighbourhood listed).
 */
export function doctorsNeeded(
  appointments: Iterable<{ neighbourhood: string; day: string }>,
  cap = DAILY_CAP,
): Map<string, number> {
  const perDay = new Map<string, Map<string, number>>();
  for (const { neighbourhood, day } of appointments) {
    let days = perDay.get(neighbourhood);
    if (!days) perDay.set(neighbourhood, (days = new Map()));
    days.set(day, (days.get(day) ?? 0) + 1);
  }
  return new Map(
    [...perDay].map(([neighbourhood, days]) => [neighbourhood, Math.ceil(Math.max(...days.values()) / cap)]),
  );
}

/** Where the deal puts one appointment: its doctor's number in the department (1-based) and slot of the day. */
interface SlotAssignment {
  /** 1 … the department's doctor count. */
  doctor: number;
  /** 0 = 09:00, 1 = 09:30, … 7 = 12:30. */
  slot: number;
}

/**
 * Deals the appointments of each (neighbourhood, day), in order of AppointmentID (as numbers), round-robin over the
 * department's doctors: the i-th goes to doctor `i mod n + 1` and takes that doctor's next slot, `floor(i / n)`. So a
 * doctor has at most `ceil(count / n)` ≤ cap appointments a day, in consecutive slots from 09:00.
 *
 * @param doctorCounts from `doctorsNeeded` over the same appointments.
 * @returns AppointmentID → assignment.
 * @throws RangeError when a neighbourhood has no doctor count, or a day needs more slots than the cap.
 */
export function assignSlots(
  appointments: Iterable<{ appointmentId: string; neighbourhood: string; day: string }>,
  doctorCounts: ReadonlyMap<string, number>,
  cap = DAILY_CAP,
): Map<string, SlotAssignment> {
  const groups = new Map<string, { appointmentId: string; neighbourhood: string }[]>();
  for (const appointment of appointments) {
    const key = `${appointment.neighbourhood}\u0000${appointment.day}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(appointment);
  }
  const assignments = new Map<string, SlotAssignment>();
  for (const group of groups.values()) {
    const doctors = doctorCounts.get(group[0]!.neighbourhood);
    if (!doctors) throw new RangeError(`no doctor count for ${group[0]!.neighbourhood}`);
    group.sort((a, b) => Number(a.appointmentId) - Number(b.appointmentId));
    group.forEach(({ appointmentId }, index) => {
      const slot = Math.floor(index / doctors);
      if (slot >= cap) throw new RangeError(`${group[0]!.neighbourhood} needs more than ${doctors} doctors`);
      assignments.set(appointmentId, { doctor: (index % doctors) + 1, slot });
    });
  }
  return assignments;
}

/**
 * The start of slot `slot` on `day` in `timeZone` (09:00 + 30 min × slot on the wall clock), as an ISO instant in
 * UTC, e.g. `2016-05-10T09:30:00.000Z` in UTC.
 *
 * @param day a calendar date YYYY-MM-DD (the importer's are validated, or computed by luxon).
 * @param slot 0 … 7, so the time stays within the day.
 * @param timeZone an IANA zone (`importNoShow` refuses any other before planning).
 */
export function slotStart(day: string, slot: number, timeZone: string): string {
  const minutes = parseTimeOfDay(FIRST_SLOT) + slot * SLOT_MINUTES;
  return DateTime.fromISO(day, { zone: timeZone })
    .set({ hour: Math.floor(minutes / 60), minute: minutes % 60, second: 0, millisecond: 0 })
    .toUTC()
    .toISO()!;
}

/** Every slot start the deal can give a doctor on `day` (`slotStart` of 0 … the daily cap − 1), in order. */
export function plannedSlotStarts(day: string, timeZone: string): string[] {
  return Array.from({ length: DAILY_CAP }, (_, slot) => slotStart(day, slot, timeZone));
}

/**
 * Whole weeks to move the data set forward so that its first day lands at least `minDaysAhead` days after `today`
 * (a replay keeps every weekday). Never negative.
 *
 * @param firstDay the earliest AppointmentDay, YYYY-MM-DD.
 * @param today YYYY-MM-DD in the hospital's time zone.
 */
export function replayWeeks(firstDay: string, today: string, minDaysAhead = REPLAY_MIN_DAYS_AHEAD): number {
  const behind = DateTime.fromISO(today, { zone: 'UTC' }).diff(
    DateTime.fromISO(firstDay, { zone: 'UTC' }),
    'days',
  ).days;
  return Math.max(0, Math.ceil((behind + minDaysAhead) / 7));
}

/** `day` moved forward by `weeks` whole weeks (same weekday), YYYY-MM-DD. */
export function shiftDay(day: string, weeks: number): string {
  return DateTime.fromISO(day, { zone: 'UTC' }).plus({ weeks }).toISODate()!;
}

/**
 * The week shift an earlier replay used, read off the appointments it booked: per appointment, the days from its
 * original AppointmentDay to the day it starts on in `timeZone`, in whole weeks; the shift most of them show (the
 * smaller on a tie), so that an appointment rescheduled since does not move it.
 *
 * @param booked the original day (YYYY-MM-DD) and the booked start (ISO instant) of replayed rows.
 * @returns undefined when nothing was booked before.
 */
export function pinnedWeeks(booked: Iterable<{ day: string; startsAt: string }>, timeZone: string): number | undefined {
  const votes = new Map<number, number>();
  for (const { day, startsAt } of booked) {
    const bookedDay = dateIn(timeZone, new Date(startsAt));
    const days = DateTime.fromISO(bookedDay, { zone: 'UTC' }).diff(DateTime.fromISO(day, { zone: 'UTC' }), 'days').days;
    const weeks = Math.round(days / 7);
    votes.set(weeks, (votes.get(weeks) ?? 0) + 1);
  }
  const ranked = [...votes].sort(([weeksA, a], [weeksB, b]) => b - a || weeksA - weeksB);
  return ranked[0]?.[0];
}

/** The first Monday–Friday at least `daysAhead` days after `today` (both YYYY-MM-DD). */
export function nextWeekday(today: string, daysAhead: number): string {
  let day = DateTime.fromISO(today, { zone: 'UTC' }).plus({ days: daysAhead });
  while (day.weekday > 5) day = day.plus({ days: 1 });
  return day.toISODate()!;
}
