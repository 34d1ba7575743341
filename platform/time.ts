/**
 * Calendar arithmetic in the hospital's time zone (luxon, which follows the IANA database and its
 * daylight-saving changes). Instants are JS `Date`s (UTC inside); calendar dates are `YYYY-MM-DD` strings.
 */
import { DateTime } from 'luxon';

/** The calendar date of `instant` in `timeZone`, as `YYYY-MM-DD`. */
export function dateIn(timeZone: string, instant: Date): string {
  return DateTime.fromJSDate(instant, { zone: timeZone }).toISODate()!;
}

/** `HH:MM` for a time of day given in minutes after midnight. */
export function formatTimeOfDay(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** Minutes after midnight of `HH:MM` (00:00 to 24:00). */
export function parseTimeOfDay(time: string): number {
  const [hours, minutes] = time.split(':').map(Number);
  return hours! * 60 + minutes!;
}

/** The same hours (minutes after midnight) on every weekday, Monday (1) to Friday (5). */
export function weekdayHours(opensAt: number, closesAt: number): { weekday: number; opens: string; closes: string }[] {
  return [1, 2, 3, 4, 5].map((weekday) => ({
    weekday,
    opens: formatTimeOfDay(opensAt),
    closes: formatTimeOfDay(closesAt),
  }));
}
