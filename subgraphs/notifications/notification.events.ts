/**
 * Events the notifications subgraph publishes on `notification-events` (keyed by notification id), and the shapes of
 * the events it turns into notifications or into its directory of recipients (validated on consume).
 *
 * `NotificationCreated` is the contract of the gateway's `notificationAdded` subscription: one per stored
 * notification of any channel, written through the outbox in the transaction that stores it. It carries who and
 * what kind, never the message text or an address: a subscriber reads the notification through the graph, where
 * only its recipient may.
 */
import { z } from 'zod';
import { moneyPayloadSchema } from '../../platform/money.ts';
import type { NotificationAudience, NotificationChannel, NotificationEventType } from './notification.rules.ts';

export const NOTIFICATION_TOPIC = 'notification-events';

export const NotificationEvent = {
  /** A notification was stored (an in-app one is delivered by that; email and SMS are queued). */
  Created: 'NotificationCreated',
  /** An email or SMS was accepted by the mail server or SMS provider. */
  Sent: 'NotificationSent',
  /** An email or SMS could not be delivered: refused outright, or after the last attempt. */
  Failed: 'NotificationFailed',
  /** An admin edited a template (keyed by the template's id). */
  TemplateUpdated: 'NotificationTemplateUpdated',
} as const;

/** `NotificationCreated`. `createdAt` is ISO 8601 UTC. */
export interface NotificationCreatedPayload {
  notificationId: string;
  eventType: NotificationEventType;
  channel: NotificationChannel;
  recipient: { kind: NotificationAudience; id: string };
  createdAt: string;
}

/** `NotificationSent` / `NotificationFailed`: how the delivery ended, after how many attempts; `at` ISO 8601 UTC. */
export interface NotificationDeliveryPayload {
  notificationId: string;
  channel: NotificationChannel;
  attempts: number;
  at: string;
}

/** `NotificationTemplateUpdated`: which template, whether it is on, and its version after the edit (not its text). */
export interface NotificationTemplateUpdatedPayload {
  templateId: string;
  eventType: NotificationEventType;
  channel: NotificationChannel;
  audience: NotificationAudience;
  enabled: boolean;
  version: number;
}

/** The contact points patients and doctors carry in their events (added for notifications; absent in old events). */
export const contactPayload = z.object({
  givenName: z.string().min(1),
  familyName: z.string().min(1),
  email: z.string().nullable(),
  phone: z.string().nullable(),
});
export type ContactPayload = z.infer<typeof contactPayload>;

/** `PatientRegistered` / `PatientUpdated` / `PatientArchived` from `patient-events`. */
export const patientChangedPayload = z.object({
  patientId: z.uuid(),
  active: z.boolean(),
  contact: contactPayload.optional(),
});

/** `DoctorCreated` / `DoctorUpdated` / `DoctorAvailabilitySet` from `doctor-events`. */
export const doctorChangedPayload = z.object({
  doctorId: z.uuid(),
  active: z.boolean(),
  contact: contactPayload.optional(),
});

/** Every `appointment-events` event this subgraph reads: the appointment after the change. */
export const appointmentPayload = z.object({
  appointmentId: z.uuid(),
  patientId: z.uuid(),
  doctorId: z.uuid(),
  startsAt: z.iso.datetime(),
  status: z.string().min(1).max(20),
  /** History loaded by an import: nobody is notified of it. */
  imported: z.boolean().default(false),
});
export type AppointmentPayload = z.infer<typeof appointmentPayload>;

/** `AppointmentRejected`: the doctor's reason, if they gave one. */
export const appointmentRejectedPayload = appointmentPayload.extend({ reason: z.string().nullish() });

/** `AppointmentRescheduled`: where it was before. */
export const appointmentRescheduledPayload = appointmentPayload.extend({ previousStartsAt: z.iso.datetime() });

/** `AppointmentCancelled`: the fee owed (zero when cancelled in time). */
export const appointmentCancelledPayload = appointmentPayload.extend({ feeOwed: moneyPayloadSchema });

/** `BillIssued` from `billing-events`. */
export const billIssuedPayload = z.object({
  billId: z.uuid(),
  number: z.string().min(1),
  patientId: z.uuid(),
  total: moneyPayloadSchema,
});

/** `PaymentSucceeded` / `PaymentFailed` from `payment-events`. */
export const paymentPayload = z.object({
  paymentId: z.uuid(),
  billId: z.uuid(),
  patientId: z.uuid(),
  amount: moneyPayloadSchema,
  method: z.string().min(1),
  reference: z.string(),
  failureMessage: z.string().nullish(),
});

/** `PrescriptionIssued` from `prescription-events` (ids and a time: no clinical text). */
export const prescriptionIssuedPayload = z.object({
  prescriptionId: z.uuid(),
  patientId: z.uuid(),
  doctorId: z.uuid(),
  appointmentId: z.uuid().nullable(),
  issuedAt: z.iso.datetime(),
});

/** `PasswordResetRequested` from `identity-events`: the raw token, for this subgraph to deliver. */
export const passwordResetRequestedPayload = z.object({
  userId: z.uuid(),
  email: z.string().min(3),
  resetToken: z.string().min(1),
  expiresAt: z.iso.datetime(),
});
