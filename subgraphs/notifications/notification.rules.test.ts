import { describe, expect, it } from '@jest/globals';
import {
  afterFailure,
  channelsFor,
  failureDescription,
  fitSms,
  formatInstant,
  formatMoney,
  maskAddress,
  ownsNotification,
  recipientsOf,
  redact,
  redactJson,
  reminderDue,
  reminderSourceKey,
  retryDelayMs,
  SMS_MAX_LENGTH,
} from './notification.rules.ts';

const HOUR = 60 * 60 * 1000;
const startsAt = new Date('2026-03-10T09:00:00Z');
const at = (offsetMs: number) => new Date(startsAt.getTime() + offsetMs);
/** Booked a week ahead, still pending. */
const appointment = { startsAt, status: 'PENDING', scheduledAt: at(-7 * 24 * HOUR) };

describe('reminder due time (SPEC §7: 24 h before)', () => {
  it('is due from exactly 24 hours before the start', () => {
    expect(reminderDue(appointment, at(-24 * HOUR - 1))).toBe(false);
    expect(reminderDue(appointment, at(-24 * HOUR))).toBe(true);
    expect(reminderDue(appointment, at(-1))).toBe(true);
  });

  it('is no longer due once the appointment has started', () => {
    expect(reminderDue(appointment, at(0))).toBe(false);
    expect(reminderDue(appointment, at(HOUR))).toBe(false);
  });

  it('never comes for an appointment booked within 24 hours of its start (or exactly 24 hours ahead)', () => {
    expect(reminderDue({ ...appointment, scheduledAt: at(-23 * HOUR) }, at(-HOUR))).toBe(false);
    expect(reminderDue({ ...appointment, scheduledAt: at(-24 * HOUR) }, at(-HOUR))).toBe(false);
    expect(reminderDue({ ...appointment, scheduledAt: at(-24 * HOUR - 1) }, at(-HOUR))).toBe(true);
  });

  it('comes for confirmed appointments, not for cancelled, rejected or checked-in ones', () => {
    expect(reminderDue({ ...appointment, status: 'CONFIRMED' }, at(-HOUR))).toBe(true);
    for (const status of ['CANCELLED', 'REJECTED', 'CHECKED_IN', 'COMPLETED', 'NO_SHOW']) {
      expect(reminderDue({ ...appointment, status }, at(-HOUR))).toBe(false);
    }
  });

  it('is keyed by the appointment and its start, so a new start gets a new reminder', () => {
    expect(reminderSourceKey('a1', startsAt)).toBe('reminder:a1:2026-03-10T09:00:00.000Z');
    expect(reminderSourceKey('a1', at(HOUR))).not.toBe(reminderSourceKey('a1', startsAt));
  });
});

describe('delivery backoff', () => {
  const policy = { maxAttempts: 5, retryBaseMs: 30_000 };
  const now = new Date('2026-03-01T12:00:00Z');

  it('waits 30 s, 1 min, 2 min, 4 min between the five default attempts, then fails', () => {
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, policy.retryBaseMs))).toEqual([
      30_000, 60_000, 120_000, 240_000,
    ]);
    for (const attempt of [1, 2, 3, 4]) {
      expect(afterFailure(attempt, false, now, policy)).toEqual({
        status: 'PENDING',
        nextAttemptAt: new Date(now.getTime() + retryDelayMs(attempt, policy.retryBaseMs)),
      });
    }
    expect(afterFailure(5, false, now, policy)).toEqual({ status: 'FAILED', nextAttemptAt: null });
  });

  it('fails at once on a permanent refusal, whatever attempts are left', () => {
    expect(afterFailure(1, true, now, policy)).toEqual({ status: 'FAILED', nextAttemptAt: null });
  });
});

describe('address masking', () => {
  it('keeps the first character and the domain of an email address', () => {
    expect(maskAddress('ada@example.org')).toBe('a***@example.org');
    expect(maskAddress('a@example.org')).toBe('a***@example.org');
  });

  it('keeps the first two and last four characters of a phone number', () => {
    expect(maskAddress('+14025554567')).toBe('+1******4567');
    expect(maskAddress('+447700900123')).toBe('+4*******0123');
  });

  it('hides a short value entirely', () => {
    expect(maskAddress('12345')).toBe('*****');
  });

  it('masks the address an SMTP reply quotes in a stored error, and keeps errors short', () => {
    const error = new Error('550 5.1.1 <ada@example.org>: Recipient address rejected');
    expect(failureDescription(error, 'ada@example.org')).toBe(
      'Error: 550 5.1.1 <a***@example.org>: Recipient address rejected',
    );
    expect(failureDescription(new Error('x'.repeat(2_000)), null)).toHaveLength(500);
  });
});

describe('ownership and channels', () => {
  const principal = { userId: 'u1', roles: ['PATIENT' as const], patientId: 'p1' };

  it('makes a notification of the caller’s patient record or account theirs, and no one else’s', () => {
    expect(recipientsOf(principal)).toEqual([
      { audience: 'USER', recipientId: 'u1' },
      { audience: 'PATIENT', recipientId: 'p1' },
    ]);
    expect(ownsNotification(principal, { audience: 'PATIENT', recipientId: 'p1' })).toBe(true);
    expect(ownsNotification(principal, { audience: 'USER', recipientId: 'u1' })).toBe(true);
    expect(ownsNotification(principal, { audience: 'PRACTITIONER', recipientId: 'p1' })).toBe(false);
    expect(ownsNotification(principal, { audience: 'PATIENT', recipientId: 'p2' })).toBe(false);
    expect(ownsNotification(null, { audience: 'PATIENT', recipientId: 'p1' })).toBe(false);
  });

  it('gives in-app always (not to an account holder), email and SMS when known and configured', () => {
    const both = { email: true, sms: true };
    expect(channelsFor({ audience: 'PATIENT', email: 'a@b.org', phone: '+14025550123' }, both)).toEqual([
      'IN_APP',
      'EMAIL',
      'SMS',
    ]);
    expect(channelsFor({ audience: 'PRACTITIONER', email: null, phone: null }, both)).toEqual(['IN_APP']);
    expect(
      channelsFor({ audience: 'PATIENT', email: 'a@b.org', phone: '+14025550123' }, { email: false, sms: false }),
    ).toEqual(['IN_APP']);
    expect(channelsFor({ audience: 'USER', email: 'a@b.org', phone: null }, both)).toEqual(['EMAIL']);
  });
});

describe('formatting and redaction', () => {
  it('writes money from minor units with its currency, without floating point', () => {
    expect(formatMoney(8_810, 'USD')).toBe('$88.10');
    expect(formatMoney(5, 'USD')).toBe('$0.05');
    expect(formatMoney(2_147_483_647, 'USD')).toBe('$21,474,836.47');
    expect(formatMoney(1_500, 'JPY')).toBe('¥1,500');
  });

  it("writes an instant in the hospital's time zone", () => {
    expect(formatInstant('2026-03-10T09:00:00.000Z', 'UTC')).toBe('Tuesday 10 March 2026, 09:00 UTC');
    expect(formatInstant(new Date('2026-07-10T09:00:00Z'), 'Europe/Berlin')).toMatch(
      /^Friday 10 July 2026, 11:00 (CEST|GMT\+2)$/,
    );
  });

  it('replaces every occurrence of a secret, in text and in JSON', () => {
    expect(redact('code abc, again abc', ['abc'])).toBe('code [redacted], again [redacted]');
    expect(redactJson({ resetToken: 'abc', nested: ['x abc'], n: 1 }, ['abc'])).toEqual({
      resetToken: '[redacted]',
      nested: ['x [redacted]'],
      n: 1,
    });
  });

  it('cuts an SMS body that a long value pushed past 480 characters', () => {
    expect(fitSms('x'.repeat(SMS_MAX_LENGTH))).toHaveLength(SMS_MAX_LENGTH);
    expect(fitSms('x'.repeat(600))).toHaveLength(SMS_MAX_LENGTH);
  });
});
