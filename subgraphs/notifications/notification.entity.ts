/**
 * Notifications (SPEC §7: "each notification is stored with its event type, channel, recipient, message, metadata,
 * status and time sent"), their templates, and this subgraph's read models of other domains, fed by their events so
 * that notifying never waits on another subgraph: the directory of patients and doctors (names and contact points)
 * and the appointments it reminds patients of.
 *
 * A notification row is one message on one channel to one recipient. The unique keys on its source (the event id,
 * or a source key such as `reminder:<appointment id>:<start>`) with audience, recipient and channel make "nothing
 * is ever sent twice" a fact the database enforces, whatever is redelivered or raced. CHECK constraints keep the
 * lifecycle consistent: an in-app notification is `SENT` at once and has no address; exactly the `PENDING` rows have
 * a next attempt time; exactly the `SENT` ones a sent time.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { BaseEntity } from '../../platform/db/base.entity.ts';
import {
  NOTIFICATION_AUDIENCES,
  NOTIFICATION_CHANNELS,
  NOTIFICATION_EVENT_TYPES,
  NOTIFICATION_STATUSES,
} from './notification.rules.ts';

export const Notification = defineEntity({
  name: 'Notification',
  tableName: 'notification',
  extends: BaseEntity,
  properties: {
    eventType: p.enum(NOTIFICATION_EVENT_TYPES),
    channel: p.enum(NOTIFICATION_CHANNELS),
    /** The kind of recipient: `PATIENT` (a patient id), `PRACTITIONER` (a doctor id) or `USER` (a user id). */
    audience: p.enum(NOTIFICATION_AUDIENCES),
    recipientId: p.uuid(),
    /** The email address or E.164 phone number it goes to; null in-app. Shown masked. */
    address: p.string().length(254).nullable(),
    /** Email only. */
    subject: p.string().length(1000).nullable(),
    message: p.text(),
    /** What the notification is about (ids of the appointment, bill…), for clients to link to. */
    metadata: p.json<Record<string, unknown>>(),
    status: p.enum(NOTIFICATION_STATUSES),
    /** Delivery attempts started so far (in-app: 0). */
    attempts: p.integer().default(0),
    /** When the dispatcher may next try (a retry's time, or the end of a claim's lease); set exactly while `PENDING`. */
    nextAttemptAt: p.datetime().nullable(),
    sentAt: p.datetime().nullable(),
    readAt: p.datetime().nullable(),
    /** Why the last attempt failed (masked, without the message text). */
    lastError: p.string().length(500).nullable(),
    /** The event the notification comes from; null for those raised on the clock (reminders), which have `sourceKey`. */
    sourceEventId: p.uuid().nullable(),
    sourceKey: p.string().length(200).nullable(),
    /** Of the request or event that caused it, for the events about its delivery. */
    correlationId: p.string().length(200),
  },
  checks: [
    { name: 'notification_attempts_check', expression: '"attempts" >= 0' },
    {
      name: 'notification_in_app_check',
      expression: `("channel" = 'IN_APP') = ("address" is null) and ("channel" <> 'IN_APP' or "status" = 'SENT')`,
    },
    { name: 'notification_subject_check', expression: `"channel" = 'EMAIL' or "subject" is null` },
    { name: 'notification_pending_check', expression: `("status" = 'PENDING') = ("next_attempt_at" is not null)` },
    { name: 'notification_sent_check', expression: `("status" = 'SENT') = ("sent_at" is not null)` },
    { name: 'notification_source_check', expression: '("source_event_id" is null) <> ("source_key" is null)' },
    { name: 'notification_metadata_check', expression: `jsonb_typeof("metadata") = 'object'` },
  ],
  uniques: [
    {
      // One notification per event, recipient and channel, however often the event is delivered.
      name: 'notification_source_event_key',
      properties: ['sourceEventId', 'audience', 'recipientId', 'channel'],
    },
    {
      // One per source key (a reminder of one start time), recipient and channel, whichever replica raced.
      name: 'notification_source_key',
      properties: ['sourceKey', 'audience', 'recipientId', 'channel'],
    },
  ],
  indexes: [
    // The feed (`myNotifications`, in-app only): each of the caller's identities' notifications, newest first (keyset
    // on created at, id), read backwards in one lateral subquery per identity (`NotificationRepository.page`).
    {
      name: 'notification_feed_idx',
      expression:
        `create index "notification_feed_idx" on "notifications"."notification" ` +
        `("audience", "recipient_id", "created_at", "id") where "channel" = 'IN_APP'`,
    },
    {
      // What the dispatcher claims: due pending rows, soonest first.
      name: 'notification_due_idx',
      expression:
        `create index "notification_due_idx" on "notifications"."notification" ("next_attempt_at") ` +
        `where "status" = 'PENDING'`,
    },
  ],
});
export type Notification = InferEntity<typeof Notification>;

/** Longest template body and subject an admin may write. */
export const MAX_TEMPLATE_BODY_LENGTH = 5_000;
export const MAX_TEMPLATE_SUBJECT_LENGTH = 200;

/** The text of one event type on one channel for one audience (SPEC §7: "templates per event type and channel"). */
export const NotificationTemplate = defineEntity({
  name: 'NotificationTemplate',
  tableName: 'notification_template',
  extends: BaseEntity,
  properties: {
    eventType: p.enum(NOTIFICATION_EVENT_TYPES),
    channel: p.enum(NOTIFICATION_CHANNELS),
    audience: p.enum(NOTIFICATION_AUDIENCES),
    /** Email only (Mustache). */
    subject: p.string().length(MAX_TEMPLATE_SUBJECT_LENGTH).nullable(),
    /** Mustache, rendered as plain text. */
    body: p.text(),
    /** False: nothing is sent on this channel for this event type and audience. */
    enabled: p.boolean().default(true),
    /** The admin who last edited it; null while it is the default. */
    updatedBy: p.uuid().nullable(),
    version: p.integer().version(),
  },
  checks: [
    {
      name: 'notification_template_subject_check',
      expression: `("channel" = 'EMAIL') = ("subject" is not null)`,
    },
    {
      name: 'notification_template_body_check',
      expression: `length("body") >= 1 and length("body") <= ${MAX_TEMPLATE_BODY_LENGTH}`,
    },
  ],
  uniques: [{ name: 'notification_template_key', properties: ['eventType', 'channel', 'audience'] }],
});
export type NotificationTemplate = InferEntity<typeof NotificationTemplate>;

/** What this subgraph knows of a person it notifies: name and contact points, from their domain's events. */
const contactProperties = {
  givenName: p.string().length(100),
  familyName: p.string().length(100),
  /** Lower-cased, as the owning domain stores it. */
  email: p.string().length(254).nullable(),
  /** E.164. */
  phone: p.string().length(16).nullable(),
  /** False once archived (patients) or deactivated (doctors): they are no longer notified. */
  active: p.boolean(),
  /** `occurredAt` of the event this row reflects; older events are ignored. */
  asOf: p.datetime(),
};

/** A patient of the directory, copied from `patient-events`. */
export const PatientContact = defineEntity({
  name: 'PatientContact',
  tableName: 'patient_contact',
  properties: { patientId: p.uuid().primary(), ...contactProperties },
});
export type PatientContact = InferEntity<typeof PatientContact>;

/** A doctor of the directory, copied from `doctor-events`. */
export const DoctorContact = defineEntity({
  name: 'DoctorContact',
  tableName: 'doctor_contact',
  properties: { doctorId: p.uuid().primary(), ...contactProperties },
});
export type DoctorContact = InferEntity<typeof DoctorContact>;

/** What this subgraph knows of an appointment, copied from `appointment-events`, for its 24-hour reminder. */
export const AppointmentReplica = defineEntity({
  name: 'AppointmentReplica',
  tableName: 'appointment_replica',
  properties: {
    appointmentId: p.uuid().primary(),
    patientId: p.uuid(),
    doctorId: p.uuid(),
    startsAt: p.datetime(),
    status: p.string().length(20),
    /** When it was booked or last rescheduled (that event's `occurredAt`). */
    scheduledAt: p.datetime(),
    /** The start time whose reminder was raised, if any: a rescheduled appointment is reminded again. */
    remindedStartsAt: p.datetime().nullable(),
    asOf: p.datetime(),
  },
  indexes: [{ name: 'appointment_replica_starts_idx', properties: ['startsAt'] }],
});
export type AppointmentReplica = InferEntity<typeof AppointmentReplica>;

export const notificationsEntities = [
  Notification,
  NotificationTemplate,
  PatientContact,
  DoctorContact,
  AppointmentReplica,
];
