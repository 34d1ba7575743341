import { describe, expect, it } from '@jest/globals';
import {
  DEFAULT_POLICY,
  departmentViolation,
  slotEnd,
  slotShapeViolation,
  transitionViolation,
  type AppointmentStatus,
} from './appointment.rules.ts';

describe('slot shape (INVALID_SLOT)', () => {
  it('accepts a slot on the hour and on the half hour', () => {
    expect(slotShapeViolation(new Date('2026-12-01T09:00:00Z'), 'UTC', DEFAULT_POLICY)).toBeNull();
    expect(slotShapeViolation(new Date('2026-12-01T09:30:00Z'), 'UTC', DEFAULT_POLICY)).toBeNull();
  });

  it('refuses a slot at a quarter past, or with seconds', () => {
    expect(slotShapeViolation(new Date('2026-12-01T09:15:00Z'), 'UTC', DEFAULT_POLICY)).toBe('INVALID_SLOT');
    expect(slotShapeViolation(new Date('2026-12-01T09:30:01Z'), 'UTC', DEFAULT_POLICY)).toBe('INVALID_SLOT');
  });

  it("checks alignment on the hospital's wall clock in a zone with a 45-minute offset", () => {
    // Asia/Kathmandu is UTC+05:45: 09:00 local is 03:15Z.
    expect(slotShapeViolation(new Date('2026-12-01T03:15:00Z'), 'Asia/Kathmandu', DEFAULT_POLICY)).toBeNull();
    expect(slotShapeViolation(new Date('2026-12-01T03:00:00Z'), 'Asia/Kathmandu', DEFAULT_POLICY)).toBe('INVALID_SLOT');
  });

  it('lasts exactly one slot, also across a daylight-saving change', () => {
    // Europe/Berlin leaves summer time at 03:00 local on 2026-10-25: 02:30 CEST (00:30Z) plus 30 minutes.
    const startsAt = new Date('2026-10-25T00:30:00Z');
    expect(slotEnd(startsAt, DEFAULT_POLICY).toISOString()).toBe('2026-10-25T01:00:00.000Z');
    expect(slotShapeViolation(startsAt, 'Europe/Berlin', DEFAULT_POLICY)).toBeNull();
  });
});

describe('department (DEPARTMENT_MISMATCH)', () => {
  it("requires the doctor's own department", () => {
    expect(departmentViolation('a', 'a')).toBeNull();
    expect(departmentViolation('a', 'b')).toBe('DEPARTMENT_MISMATCH');
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
    ['CHECKED_IN', 'CANCELLED'],
    ['COMPLETED', 'CANCELLED'],
    ['CANCELLED', 'CONFIRMED'],
    ['NO_SHOW', 'CHECKED_IN'],
    ['REJECTED', 'CONFIRMED'],
  ];
  it.each(refused)('refuses %s → %s', (from, to) => {
    expect(transitionViolation(from, to)).toBe('INVALID_STATUS_TRANSITION');
  });
});
