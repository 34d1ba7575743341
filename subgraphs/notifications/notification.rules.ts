/**
 * Pure policy of notifications (SPEC §7): what a notification is (event types, channels, audiences, statuses), who
 * owns one, which channels a recipient gets, how delivery retries back off, when an appointment reminder is due,
 * how addresses are masked for display and how secrets are redacted. No I/O: the clock and the settings are
 * arguments.
 */
import { DateTime } from 'luxon';
import type { Principal } from '../../platform/auth/principal.ts';

/** What a notification is about: one per kind of event that reaches a person. */
export const NOTIFICATION_EVENT_TYPES = [
  'APPOINTMENT_BOOKED',
  'APPOINTMENT_CONFIRMED',
  'APPOINTMENT_REJECTED',
  'APPOINTMENT_RESCHEDULED',
  'APPOINTMENT_CANCELLED',
  'APPOINTMENT_REMINDER',
  'BILL_ISSUED',
  'PAYMENT_SUCCEEDED',
  'PAYMENT_FAILED',
  'PRESCRIPTION_ISSUED',
  'PASSWORD_RESET',
] as const;
export type NotificationEventType = (typeof NOTIFICATION_EVENT_TYPES)[number];

/** `IN_APP` is the feed (`myNotifications`); `EMAIL` goes over SMTP; `SMS` through the configured provider. */
export const NOTIFICATION_CHANNELS = ['IN_APP', 'EMAIL', 'SMS'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

/** Channels delivered by the dispatcher (stored `PENDING`); `IN_APP` is delivered by being stored. */
export type DeliveredChannel = Exclude<NotificationChannel, 'IN_APP'>;

/** Who a notification is for: a patient, a practitioner (doctor), or an account holder (only `PASSWORD_RESET`). */
export const NOTIFICATION_AUDIENCES = ['PATIENT', 'PRACTITIONER', 'USER'] as const;
export type NotificationAudience = (typeof NOTIFICATION_AUDIENCES)[number];

/** `IN_APP` is `SENT` when created; `EMAIL` and `SMS` start `PENDING` and end `SENT` or `FAILED`. */
export const NOTIFICATION_STATUSES = ['PENDING', 'SENT', 'FAILED'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/** What replaces a secret (a password reset token) once its notification is final. */
export const REDACTED = '[redacted]';

/** The longest SMS body a template may produce (three concatenated 160-character segments). */
export const SMS_MAX_LENGTH = 480;

/** A reminder is sent this long before the appointment starts (SPEC §7: 24 h). */
export const REMINDER_LEAD_MS = 24 * 60 * 60 * 1000;

/** Appointment statuses that still get a reminder: booked or confirmed (not yet checked in). */
export const REMINDED_STATUSES = ['PENDING', 'CONFIRMED'] as const;

/** A notification's recipient: a patient id, a doctor id or a user id, by audience. */
export interface Recipient {
  audience: NotificationAudience;
  recipientId: string;
}

/**
 * The recipients a principal is: their patient record, their doctor profile and their account. A notification is
 * the caller's own when its recipient is one of these (SPEC §2: notifications feed, own for every role).
 */
export function recipientsOf(principal: Principal | null): Recipient[] {
  if (!principal) return [];
  const recipients: Recipient[] = [{ audience: 'USER', recipientId: principal.userId }];
  if (principal.patientId) recipients.push({ audience: 'PATIENT', recipientId: principal.patientId });
  if (principal.doctorId) recipients.push({ audience: 'PRACTITIONER', recipientId: principal.doctorId });
  return recipients;
}

/** True when the notification's recipient is the principal (their patient record, doctor profile or account). */
export function ownsNotification(principal: Principal | null, notification: Recipient): boolean {
  return recipientsOf(principal).some(
    (recipient) => recipient.audience === notification.audience && recipient.recipientId === notification.recipientId,
  );
}

/** Which channels are configured in this deployment (`IN_APP` always is). */
export interface ChannelAvailability {
  email: boolean;
  sms: boolean;
}

/** How a recipient can be reached: their contact points, as the directory knows them. */
export interface ContactPoints {
  audience: NotificationAudience;
  email: string | null;
  phone: string | null;
}

/**
 * The channels a recipient gets: `IN_APP` always except for an account holder (`USER`, who is told by email only),
 * `EMAIL` when an address is known and email is configured, `SMS` when a phone is known and SMS is configured.
 * Templates that are disabled are left out by the caller.
 */
export function channelsFor(contact: ContactPoints, available: ChannelAvailability): NotificationChannel[] {
  const channels: NotificationChannel[] = [];
  if (contact.audience !== 'USER') channels.push('IN_APP');
  if (contact.email && available.email) channels.push('EMAIL');
  if (contact.phone && available.sms && contact.audience !== 'USER') channels.push('SMS');
  return channels;
}

/** The delivery settings of the dispatcher. */
export interface RetryPolicy {
  /** Attempts before a notification is `FAILED` (the first one included). */
  maxAttempts: number;
  /** Pause after the first failed attempt, in milliseconds; doubles after each further one. */
  retryBaseMs: number;
}

/** The pause after failed attempt number `attempt` (1 = the first): `retryBaseMs × 2^(attempt − 1)` ms. */
export function retryDelayMs(attempt: number, retryBaseMs: number): number {
  return retryBaseMs * 2 ** Math.max(0, attempt - 1);
}

/** What happens to a notification after a delivery attempt failed. */
export type FailureOutcome = { status: 'PENDING'; nextAttemptAt: Date } | { status: 'FAILED'; nextAttemptAt: null };

/**
 * After failed attempt number `attempts`: a permanent failure (an address the provider refuses) or the last
 * allowed attempt ends the notification `FAILED`; any other failure is tried again after `retryDelayMs`.
 */
export function afterFailure(attempts: number, permanent: boolean, now: Date, policy: RetryPolicy): FailureOutcome {
  if (permanent || attempts >= policy.maxAttempts) return { status: 'FAILED', nextAttemptAt: null };
  return { status: 'PENDING', nextAttemptAt: new Date(now.getTime() + retryDelayMs(attempts, policy.retryBaseMs)) };
}

/** The appointment facts a reminder depends on. */
export interface RemindableAppointment {
  startsAt: Date;
  status: string;
  /** When it was booked or last rescheduled (the event's `occurredAt`). */
  scheduledAt: Date;
}

/**
 * SPEC §7, "reminder (24 h before)": due from exactly 24 h before the start until the start, for an appointment
 * still booked or confirmed, that was (re)scheduled more than 24 h before its start (one booked at shorter notice
 * was just told everything a reminder would say).
 */
export function reminderDue(appointment: RemindableAppointment, now: Date): boolean {
  const remindAt = appointment.startsAt.getTime() - REMINDER_LEAD_MS;
  return (
    (REMINDED_STATUSES as readonly string[]).includes(appointment.status) &&
    now.getTime() >= remindAt &&
    now.getTime() < appointment.startsAt.getTime() &&
    appointment.scheduledAt.getTime() < remindAt
  );
}

/** The source key of an appointment's reminder: one per start time, so a rescheduled appointment gets a new one. */
export const reminderSourceKey = (appointmentId: string, startsAt: Date): string =>
  `reminder:${appointmentId}:${startsAt.toISOString()}`;

/**
 * An address as the graph shows it: an email keeps its first character and domain (`a***@example.org`), a phone
 * its first two and last four characters (`+1******4567`).
 */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at > 0) return `${address[0]}***${address.slice(at)}`;
  if (address.length <= 6) return '*'.repeat(address.length);
  return `${address.slice(0, 2)}${'*'.repeat(address.length - 6)}${address.slice(-4)}`;
}

/** `text` with every occurrence of each non-empty secret replaced by `[redacted]`. */
export function redact(text: string, secrets: readonly string[]): string {
  return secrets.filter(Boolean).reduce((result, secret) => result.split(secret).join(REDACTED), text);
}

/** `value` (any JSON) with every occurrence of each secret in its strings replaced by `[redacted]`. */
export function redactJson(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redact(value, secrets);
  if (Array.isArray(value)) return value.map((item) => redactJson(item, secrets));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactJson(item, secrets)]));
  }
  return value;
}

/**
 * Money for a person to read, from integer minor units of an ISO 4217 currency (SPEC §4): `8810, 'USD'` →
 * `$88.10`. The amount goes to `Intl` as a decimal string, so no floating point touches it.
 */
export function formatMoney(amount: number, currency: string): string {
  const format = new Intl.NumberFormat('en-US', { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  const sign = amount < 0 ? '-' : '';
  const units = String(Math.abs(amount)).padStart(digits + 1, '0');
  const decimal = digits > 0 ? `${units.slice(0, -digits)}.${units.slice(-digits)}` : units;
  return format.format(`${sign}${decimal}` as unknown as number);
}

/**
 * An instant for a person to read, in the hospital's time zone: `Monday 2 March 2026, 09:30 UTC` (the zone's
 * abbreviation or offset last).
 */
export function formatInstant(instant: Date | string, timeZone: string): string {
  const value = typeof instant === 'string' ? DateTime.fromISO(instant) : DateTime.fromJSDate(instant);
  return value.setZone(timeZone).setLocale('en-GB').toFormat('cccc d LLLL yyyy, HH:mm ZZZZ');
}

/** Cuts an SMS body to `SMS_MAX_LENGTH` characters (a value longer than any example could push it past). */
export function fitSms(body: string): string {
  return body.length <= SMS_MAX_LENGTH ? body : `${body.slice(0, SMS_MAX_LENGTH - 1)}…`;
}

/** Longest `lastError` kept. */
export const MAX_ERROR_LENGTH = 500;

/**
 * Why a delivery failed, as stored and logged: the error's message with the recipient's address masked (an SMTP
 * reply may quote it), cut to `MAX_ERROR_LENGTH` characters. The message text is never part of it.
 */
export function failureDescription(error: unknown, address: string | null): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const masked = address ? text.split(address).join(maskAddress(address)) : text;
  return masked.length <= MAX_ERROR_LENGTH ? masked : `${masked.slice(0, MAX_ERROR_LENGTH - 1)}…`;
}
