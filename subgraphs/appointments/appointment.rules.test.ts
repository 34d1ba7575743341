import { describe, expect, it } from '@jest/globals';
import {
  availabilityViolation,
  cancellationCharge,
  clinicHoursViolation,
  dailyCapViolation,
  DEFAULT_POLICY,
  defaultWeeklyHours,
  departmentViolation,
  hospitalDay,
  leadTimeViolation,
  noShowCharge,
  noShowViolation,
  percentOf,
  rescheduleViolation,
  slotEnd,
  slotShapeViolation,
  slotsOfDay,
  transitionViolation,
  type AppointmentStatus,
} from './appointment.rules.ts';

const policy = DEFAULT_POLICY;
const at = (iso: string) => new Date(iso);
const minutes = (n: number) => n * 60_000;

describe('slot shape (INVALID_SLOT)', () => {
  it('accepts a slot on the hour and on the half hour', () => {
    expect(slotShapeViolation(at('2026-12-01T09:00:00Z'), 'UTC', policy)).toBeNull();
    expect(slotShapeViolation(at('2026-12-01T09:30:00Z'), 'UTC', policy)).toBeNull();
  });

  it('refuses a slot at a quarter past, or with seconds', () => {
    expect(slotShapeViolation(at('2026-12-01T09:15:00Z'), 'UTC', policy)).toBe('INVALID_SLOT');
    expect(slotShapeViolation(at('2026-12-01T09:30:01Z'), 'UTC', policy)).toBe('INVALID_SLOT');
  });

  it("checks alignment on the hospital's wall clock in a zone with a 45-minute offset", () => {
    // Asia/Kathmandu is UTC+05:45: 09:00 local is 03:15Z.
    expect(slotShapeViolation(at('2026-12-01T03:15:00Z'), 'Asia/Kathmandu', policy)).toBeNull();
    expect(slotShapeViolation(at('2026-12-01T03:00:00Z'), 'Asia/Kathmandu', policy)).toBe('INVALID_SLOT');
  });

  it('lasts exactly one slot, also across a daylight-saving change', () => {
    // Europe/Berlin leaves summer time at 03:00 local on 2026-10-25: 02:30 CEST (00:30Z) plus 30 minutes.
    expect(slotEnd(at('2026-10-25T00:30:00Z'), policy).toISOString()).toBe('2026-10-25T01:00:00.000Z');
  });
});

describe('clinic hours (OUTSIDE_CLINIC_HOURS)', () => {
  it('accepts the 17:30 slot, which ends at closing time', () => {
    expect(clinicHoursViolation(at('2026-12-01T17:30:00Z'), 'UTC', policy)).toBeNull();
  });

  it('refuses the 18:00 slot, and one before opening', () => {
    expect(clinicHoursViolation(at('2026-12-01T18:00:00Z'), 'UTC', policy)).toBe('OUTSIDE_CLINIC_HOURS');
    expect(clinicHoursViolation(at('2026-12-01T08:30:00Z'), 'UTC', policy)).toBe('OUTSIDE_CLINIC_HOURS');
    expect(clinicHoursViolation(at('2026-12-01T09:00:00Z'), 'UTC', policy)).toBeNull();
  });

  it("reads clinic hours on the hospital's clock on the day summer time starts", () => {
    // Europe/Berlin, 2026-03-29: 09:00 local is 07:00Z (CEST), 17:30 is 15:30Z; 16:00Z is 18:00 local.
    expect(clinicHoursViolation(at('2026-03-29T07:00:00Z'), 'Europe/Berlin', policy)).toBeNull();
    expect(clinicHoursViolation(at('2026-03-29T15:30:00Z'), 'Europe/Berlin', policy)).toBeNull();
    expect(clinicHoursViolation(at('2026-03-29T16:00:00Z'), 'Europe/Berlin', policy)).toBe('OUTSIDE_CLINIC_HOURS');
    // The day before, still winter time: 08:00Z is 09:00 local.
    expect(clinicHoursViolation(at('2026-03-28T07:00:00Z'), 'Europe/Berlin', policy)).toBe('OUTSIDE_CLINIC_HOURS');
  });
});

describe('lead time (LEAD_TIME_TOO_SHORT)', () => {
  const startsAt = at('2026-12-01T12:00:00Z');

  it('accepts a slot exactly 2 h ahead', () => {
    expect(leadTimeViolation(startsAt, new Date(startsAt.getTime() - minutes(120)), policy)).toBeNull();
  });

  it('refuses a slot 2 h less a second ahead', () => {
    expect(leadTimeViolation(startsAt, new Date(startsAt.getTime() - minutes(120) + 1000), policy)).toBe(
      'LEAD_TIME_TOO_SHORT',
    );
  });
});

describe('daily cap (DOCTOR_DAILY_CAP_REACHED)', () => {
  it('allows the 8th booking of a day and refuses the 9th', () => {
    expect(dailyCapViolation(7, policy)).toBeNull();
    expect(dailyCapViolation(8, policy)).toBe('DOCTOR_DAILY_CAP_REACHED');
  });

  it("counts in the hospital's day, not UTC's", () => {
    // 23:30 on 1 December in New York is already 2 December in UTC.
    expect(hospitalDay(at('2026-12-02T04:30:00Z'), 'America/New_York')).toBe('2026-12-01');
  });
});

describe('department (DEPARTMENT_MISMATCH)', () => {
  it("requires the doctor's own department", () => {
    expect(departmentViolation('a', 'a')).toBeNull();
    expect(departmentViolation('a', 'b')).toBe('DEPARTMENT_MISMATCH');
  });
});

describe('working hours and time off (DOCTOR_UNAVAILABLE)', () => {
  const availability = {
    weeklyHours: [{ weekday: 2, opens: '10:00', closes: '12:00' }], // Tuesdays 10–12
    timeOff: [{ startsAt: at('2026-12-08T11:00:00Z'), endsAt: at('2026-12-08T12:00:00Z') }],
  };

  it('accepts a slot inside working hours', () => {
    expect(availabilityViolation(at('2026-12-01T10:00:00Z'), availability, 'UTC', policy)).toBeNull();
    expect(availabilityViolation(at('2026-12-01T11:30:00Z'), availability, 'UTC', policy)).toBeNull();
  });

  it('refuses a slot that runs past them, or on another weekday', () => {
    expect(availabilityViolation(at('2026-12-01T12:00:00Z'), availability, 'UTC', policy)).toBe('DOCTOR_UNAVAILABLE');
    expect(availabilityViolation(at('2026-12-02T10:00:00Z'), availability, 'UTC', policy)).toBe('DOCTOR_UNAVAILABLE');
  });

  it('refuses a slot that overlaps time off', () => {
    expect(availabilityViolation(at('2026-12-08T10:30:00Z'), availability, 'UTC', policy)).toBeNull();
    expect(availabilityViolation(at('2026-12-08T11:00:00Z'), availability, 'UTC', policy)).toBe('DOCTOR_UNAVAILABLE');
  });

  it('defaults to the clinic hours on weekdays', () => {
    const standard = { weeklyHours: defaultWeeklyHours(policy), timeOff: [] };
    expect(availabilityViolation(at('2026-12-04T17:30:00Z'), standard, 'UTC', policy)).toBeNull(); // Friday
    expect(availabilityViolation(at('2026-12-05T10:00:00Z'), standard, 'UTC', policy)).toBe('DOCTOR_UNAVAILABLE'); // Saturday
  });
});

describe('reschedules (RESCHEDULE_LIMIT_REACHED, RESCHEDULE_TOO_LATE)', () => {
  const startsAt = at('2026-12-01T12:00:00Z');
  const before = (n: number) => new Date(startsAt.getTime() - minutes(n));

  it('allows the second reschedule and refuses the third', () => {
    expect(rescheduleViolation({ status: 'CONFIRMED', startsAt, rescheduleCount: 1 }, before(600), policy)).toBeNull();
    expect(rescheduleViolation({ status: 'CONFIRMED', startsAt, rescheduleCount: 2 }, before(600), policy)).toBe(
      'RESCHEDULE_LIMIT_REACHED',
    );
  });

  it('allows a reschedule 61 minutes before the start and refuses one 59 minutes before', () => {
    expect(rescheduleViolation({ status: 'PENDING', startsAt, rescheduleCount: 0 }, before(61), policy)).toBeNull();
    expect(rescheduleViolation({ status: 'PENDING', startsAt, rescheduleCount: 0 }, before(59), policy)).toBe(
      'RESCHEDULE_TOO_LATE',
    );
    expect(rescheduleViolation({ status: 'PENDING', startsAt, rescheduleCount: 0 }, before(60), policy)).toBe(
      'RESCHEDULE_TOO_LATE',
    );
  });

  it('refuses to move an appointment that is checked in or over', () => {
    for (const status of ['CHECKED_IN', 'COMPLETED', 'CANCELLED'] as const) {
      expect(rescheduleViolation({ status, startsAt, rescheduleCount: 0 }, before(600), policy)).toBe(
        'INVALID_STATUS_TRANSITION',
      );
    }
  });
});

describe('cancellation fees', () => {
  const startsAt = at('2026-12-01T12:00:00Z');
  const before = (n: number) => new Date(startsAt.getTime() - minutes(n));

  it('charge nothing for a cancellation 2 h 1 min before the start', () => {
    expect(cancellationCharge(startsAt, before(121), 8_000, policy)).toEqual({ band: 'FREE', percent: 0, amount: 0 });
  });

  it('charge 50 % for a cancellation 1 h 59 min before the start (and exactly 2 h before)', () => {
    expect(cancellationCharge(startsAt, before(119), 8_000, policy)).toEqual({
      band: 'LATE',
      percent: 50,
      amount: 4_000,
    });
    expect(cancellationCharge(startsAt, before(120), 8_000, policy).band).toBe('LATE');
  });

  it('round half a minor unit up', () => {
    expect(percentOf(8_387, 50)).toBe(4_194);
    expect(percentOf(1, 50)).toBe(1);
    expect(percentOf(8_545, 100)).toBe(8_545);
  });

  it('charge the whole fee for a no-show', () => {
    expect(noShowCharge(8_387, policy)).toBe(8_387);
  });
});

describe('lifecycle (INVALID_STATUS_TRANSITION)', () => {
  const allowed: [AppointmentStatus, AppointmentStatus][] = [
    ['PENDING', 'CONFIRMED'],
    ['PENDING', 'REJECTED'],
    ['PENDING', 'CANCELLED'],
    ['CONFIRMED', 'CHECKED_IN'],
    ['CONFIRMED', 'CANCELLED'],
    ['CONFIRMED', 'NO_SHOW'],
    ['CHECKED_IN', 'COMPLETED'],
  ];
  it.each(allowed)('allows %s → %s', (from, to) => {
    expect(transitionViolation(from, to)).toBeNull();
  });

  const refused: [AppointmentStatus, AppointmentStatus][] = [
    ['PENDING', 'COMPLETED'],
    ['PENDING', 'NO_SHOW'],
    ['CHECKED_IN', 'CANCELLED'],
    ['COMPLETED', 'CANCELLED'],
    ['CANCELLED', 'CONFIRMED'],
    ['NO_SHOW', 'CHECKED_IN'],
    ['REJECTED', 'CONFIRMED'],
  ];
  it.each(refused)('refuses %s → %s', (from, to) => {
    expect(transitionViolation(from, to)).toBe('INVALID_STATUS_TRANSITION');
  });

  it('marks a no-show only once the slot has started', () => {
    const startsAt = at('2026-12-01T12:00:00Z');
    expect(noShowViolation(startsAt, at('2026-12-01T11:59:59Z'))).toBe('INVALID_STATUS_TRANSITION');
    expect(noShowViolation(startsAt, startsAt)).toBeNull();
  });
});

describe('the slots of a day', () => {
  it('are the 18 half hours from 09:00 to 17:30', () => {
    const slots = slotsOfDay('2026-12-01', 'UTC', policy);
    expect(slots).toHaveLength(18);
    expect(slots[0]!.toISOString()).toBe('2026-12-01T09:00:00.000Z');
    expect(slots.at(-1)!.toISOString()).toBe('2026-12-01T17:30:00.000Z');
  });

  it('skip wall-clock times that do not exist when summer time starts, and offer repeated ones once', () => {
    const night = { ...policy, clinicOpensAt: 60, clinicClosesAt: 4 * 60 }; // 01:00–04:00 local
    // Europe/Berlin, 2026-03-29: 02:00–03:00 does not exist.
    expect(slotsOfDay('2026-03-29', 'Europe/Berlin', night).map((slot) => slot.toISOString())).toEqual([
      '2026-03-29T00:00:00.000Z',
      '2026-03-29T00:30:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T01:30:00.000Z',
    ]);
    // 2026-10-25: 02:00–03:00 happens twice; each wall-clock slot is offered once.
    expect(slotsOfDay('2026-10-25', 'Europe/Berlin', night)).toHaveLength(6);
  });
});
