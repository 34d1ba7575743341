/**
 * Calendar arithmetic in the hospital's time zone (luxon, which follows the IANA database and its
 * daylight-saving changes). Instants are JS `Date`s (UTC inside); calendar dates are `YYYY-MM-DD` strings.
 */
import { DateTime } from 'luxon';

/** The calendar date of `instant` in `timeZone`, as `YYYY-MM-DD`. */
export function dateIn(timeZone: string, instant: Date): string {
  return DateTime.fromJSDate(instant, { zone: timeZone }).toISODate()!;
}

/** The wall-clock time of `instant` in `timeZone`. */
export function wallClockIn(
  timeZone: string,
  instant: Date,
): { hour: number; minute: number; second: number; millisecond: number } {
  const local = DateTime.fromJSDate(instant, { zone: timeZone });
  return { hour: local.hour, minute: local.minute, second: local.second, millisecond: local.millisecond };
}

/** Adds minutes to an instant (absolute time: unaffected by daylight-saving changes). */
export function addMinutes(instant: Date, minutes: number): Date {
  return new Date(instant.getTime() + minutes * 60_000);
}
