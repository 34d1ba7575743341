/**
 * The notifications subgraph's event consumers: thin handlers that validate a payload, keep a read model and hand
 * what happened to `notify`, inside the consumer's transaction (`platform/events/consumer.ts` records the event id
 * in the same transaction, so a redelivered event has no second effect; the notifications' unique keys are a
 * second guard).
 *
 * - `notifications.directory` (`patient-events`, `doctor-events`): names and contact points of patients and doctors.
 * - `notifications.appointments` (`appointment-events`): the copy of appointments the reminders run on, and the
 *   booked, confirmed, rejected, rescheduled and cancelled notifications. Imported history notifies nobody.
 * - `notifications.bills`, `notifications.payments`, `notifications.prescriptions` (`BillIssued`,
 *   `PaymentSucceeded` / `PaymentFailed`, `PrescriptionIssued`): the patient's notifications. `*Imported` events
 *   are history and are not read.
 * - `notifications.identity` (`PasswordResetRequested`): the reset token, by email to the account holder.
 *
 * A notification names its patient and doctor. When the directory has not heard of them yet (their events travel on
 * other topics, which may lag), the handler throws, so the platform tries again with backoff instead of sending a
 * message without a name.
 */
import type { EntityManager } from '../../platform/db/orm.ts';
import type { EventHandler } from '../../platform/events/consumer.ts';
import { principalOfEvent, type EventEnvelope } from '../../platform/events/envelope.ts';
import type { Actor } from '../../platform/graphql/context.ts';
import type { ConsumerSpec } from '../../platform/subgraph.ts';
import { DirectoryRepository } from './directory.repository.ts';
import type { DoctorContact, PatientContact } from './notification.entity.ts';
import {
  appointmentCancelledPayload,
  appointmentPayload,
  appointmentRejectedPayload,
  appointmentRescheduledPayload,
  billIssuedPayload,
  doctorChangedPayload,
  passwordResetRequestedPayload,
  patientChangedPayload,
  paymentPayload,
  prescriptionIssuedPayload,
  type AppointmentPayload,
  type ContactPayload,
} from './notification.events.ts';
import {
  formatInstant,
  formatMoney,
  type ChannelAvailability,
  type NotificationEventType,
} from './notification.rules.ts';
import { notify, type RecipientContact } from './notifier.service.ts';
import { AUDIENCES_OF } from './template.rules.ts';

/** What the handlers need of the process. */
export interface NotificationConsumerDependencies {
  clock: () => Date;
  /** The hospital's IANA time zone, in which times are written. */
  timeZone: string;
  available: ChannelAvailability;
}

/** Raised while the directory does not know a person yet: the platform retries the event with backoff. */
export class UnknownRecipientError extends Error {
  constructor(kind: 'patient' | 'doctor', id: string) {
    super(`the directory does not know ${kind} ${id} yet`);
    this.name = 'UnknownRecipientError';
  }
}

const nameOf = (contact: { givenName: string; familyName: string }): string =>
  `${contact.givenName} ${contact.familyName}`;

const patientRecipient = (patient: PatientContact): RecipientContact => ({
  audience: 'PATIENT',
  recipientId: patient.patientId,
  email: patient.email ?? null,
  phone: patient.phone ?? null,
});

const doctorRecipient = (doctor: DoctorContact): RecipientContact => ({
  audience: 'PRACTITIONER',
  recipientId: doctor.doctorId,
  email: doctor.email ?? null,
  phone: doctor.phone ?? null,
});

/** The actor and correlation id notifications of `event` carry on. */
const actorOf = (event: EventEnvelope): Actor => ({
  principal: principalOfEvent(event),
  correlationId: event.correlationId,
});

async function requirePatient(em: EntityManager, patientId: string): Promise<PatientContact> {
  const patient = await new DirectoryRepository(em).patient(patientId);
  if (!patient) throw new UnknownRecipientError('patient', patientId);
  return patient;
}

async function requireDoctor(em: EntityManager, doctorId: string): Promise<DoctorContact> {
  const doctor = await new DirectoryRepository(em).doctor(doctorId);
  if (!doctor) throw new UnknownRecipientError('doctor', doctorId);
  return doctor;
}

/** A person's row of the directory from a patient or doctor event; events without contact points only move `active`. */
async function applyContact(
  em: EntityManager,
  kind: 'patient' | 'doctor',
  id: string,
  event: EventEnvelope,
  payload: { active: boolean; contact?: ContactPayload | undefined },
): Promise<void> {
  const directory = new DirectoryRepository(em);
  const asOf = new Date(event.occurredAt);
  const existing = kind === 'patient' ? await directory.patient(id) : await directory.doctor(id);
  if (!payload.contact) {
    // Published before events carried contact points: nothing to add but whether they are still active.
    if (existing && existing.asOf <= asOf) em.assign(existing, { active: payload.active, asOf });
    return;
  }
  const { givenName, familyName, email, phone } = payload.contact;
  const row = { givenName, familyName, email, phone, active: payload.active, asOf };
  if (kind === 'patient') await directory.upsertPatient({ patientId: id, ...row });
  else await directory.upsertDoctor({ doctorId: id, ...row });
}

/** The notifications subgraph's consumers, on the process's clock and settings. */
export function notificationsConsumers(deps: NotificationConsumerDependencies): ConsumerSpec[] {
  const notifier = (em: EntityManager) => ({ em, clock: deps.clock, available: deps.available });
  const when = (instant: string) => formatInstant(instant, deps.timeZone);

  const onPatient: EventHandler = async (em, event) => {
    const payload = patientChangedPayload.parse(event.payload);
    await applyContact(em, 'patient', payload.patientId, event, payload);
  };
  const onDoctor: EventHandler = async (em, event) => {
    const payload = doctorChangedPayload.parse(event.payload);
    await applyContact(em, 'doctor', payload.doctorId, event, payload);
  };

  /**
   * Copies the appointment for its reminder, then (for `eventType`) notifies its patient and, where the event type
   * says so, its doctor. Nothing is said of imported history, nor of an appointment that has started already.
   */
  const onAppointment =
    <Payload extends AppointmentPayload>(
      schema: { parse(value: unknown): Payload },
      options: {
        eventType?: NotificationEventType;
        /** The event booked or moved the appointment. */
        scheduled?: boolean;
        variables?: (payload: Payload) => Record<string, string>;
      } = {},
    ): EventHandler =>
    async (em, event) => {
      const payload = schema.parse(event.payload);
      if (payload.imported) return;
      const startsAt = new Date(payload.startsAt);
      await new DirectoryRepository(em).applyAppointment(
        {
          appointmentId: payload.appointmentId,
          patientId: payload.patientId,
          doctorId: payload.doctorId,
          startsAt,
          status: payload.status,
        },
        new Date(event.occurredAt),
        options.scheduled ?? false,
      );
      if (!options.eventType || startsAt <= deps.clock()) return;
      const [patient, doctor] = [
        await requirePatient(em, payload.patientId),
        await requireDoctor(em, payload.doctorId),
      ];
      const audiences = AUDIENCES_OF[options.eventType];
      const recipients = [
        ...(audiences.includes('PATIENT') && patient.active ? [patientRecipient(patient)] : []),
        ...(audiences.includes('PRACTITIONER') && doctor.active ? [doctorRecipient(doctor)] : []),
      ];
      await notify(notifier(em), {
        eventType: options.eventType,
        source: { eventId: event.id, eventType: event.type },
        actor: actorOf(event),
        recipients,
        variables: {
          patientName: nameOf(patient),
          doctorName: nameOf(doctor),
          appointmentTime: when(payload.startsAt),
          ...options.variables?.(payload),
        },
        metadata: {
          appointmentId: payload.appointmentId,
          patientId: payload.patientId,
          doctorId: payload.doctorId,
          startsAt: payload.startsAt,
        },
      });
    };

  const replicateOnly = onAppointment(appointmentPayload);

  const onBillIssued: EventHandler = async (em, event) => {
    const bill = billIssuedPayload.parse(event.payload);
    const patient = await requirePatient(em, bill.patientId);
    if (!patient.active) return;
    await notify(notifier(em), {
      eventType: 'BILL_ISSUED',
      source: { eventId: event.id, eventType: event.type },
      actor: actorOf(event),
      recipients: [patientRecipient(patient)],
      variables: {
        patientName: nameOf(patient),
        billNumber: bill.number,
        amount: formatMoney(bill.total.amount, bill.total.currency),
      },
      metadata: { billId: bill.billId, billNumber: bill.number, patientId: bill.patientId },
    });
  };

  const onPayment =
    (eventType: 'PAYMENT_SUCCEEDED' | 'PAYMENT_FAILED'): EventHandler =>
    async (em, event) => {
      const payment = paymentPayload.parse(event.payload);
      const patient = await requirePatient(em, payment.patientId);
      if (!patient.active) return;
      await notify(notifier(em), {
        eventType,
        source: { eventId: event.id, eventType: event.type },
        actor: actorOf(event),
        recipients: [patientRecipient(patient)],
        variables: {
          patientName: nameOf(patient),
          amount: formatMoney(payment.amount.amount, payment.amount.currency),
          method: payment.method.toLowerCase(),
          reference: payment.reference,
          ...(eventType === 'PAYMENT_FAILED'
            ? { failureReason: payment.failureMessage ?? 'the payment processor gave no reason' }
            : {}),
        },
        metadata: { paymentId: payment.paymentId, billId: payment.billId, patientId: payment.patientId },
      });
    };

  const onPrescriptionIssued: EventHandler = async (em, event) => {
    const prescription = prescriptionIssuedPayload.parse(event.payload);
    const [patient, doctor] = [
      await requirePatient(em, prescription.patientId),
      await requireDoctor(em, prescription.doctorId),
    ];
    if (!patient.active) return;
    await notify(notifier(em), {
      eventType: 'PRESCRIPTION_ISSUED',
      source: { eventId: event.id, eventType: event.type },
      actor: actorOf(event),
      recipients: [patientRecipient(patient)],
      variables: {
        patientName: nameOf(patient),
        doctorName: nameOf(doctor),
        issuedAt: when(prescription.issuedAt),
      },
      metadata: {
        prescriptionId: prescription.prescriptionId,
        appointmentId: prescription.appointmentId,
        patientId: prescription.patientId,
      },
    });
  };

  const onPasswordReset: EventHandler = async (em, event) => {
    const reset = passwordResetRequestedPayload.parse(event.payload);
    // An expired token (an old event replayed) is of no use to anyone.
    if (new Date(reset.expiresAt) <= deps.clock()) return;
    await notify(notifier(em), {
      eventType: 'PASSWORD_RESET',
      source: { eventId: event.id, eventType: event.type },
      actor: actorOf(event),
      recipients: [{ audience: 'USER', recipientId: reset.userId, email: reset.email, phone: null }],
      variables: { email: reset.email, resetToken: reset.resetToken, expiresAt: when(reset.expiresAt) },
      metadata: { userId: reset.userId, expiresAt: reset.expiresAt },
    });
  };

  // The directory may lag behind the event that names someone: a little more patience than the platform default.
  const patience = { maxAttempts: 6, retryDelayMs: 250 };
  return [
    {
      name: 'notifications.directory',
      topics: ['patient-events', 'doctor-events'],
      handlers: {
        PatientRegistered: onPatient,
        PatientUpdated: onPatient,
        PatientArchived: onPatient,
        DoctorCreated: onDoctor,
        DoctorUpdated: onDoctor,
        DoctorAvailabilitySet: onDoctor,
      },
    },
    {
      name: 'notifications.appointments',
      topics: ['appointment-events'],
      ...patience,
      handlers: {
        AppointmentBooked: onAppointment(appointmentPayload, { eventType: 'APPOINTMENT_BOOKED', scheduled: true }),
        AppointmentConfirmed: onAppointment(appointmentPayload, { eventType: 'APPOINTMENT_CONFIRMED' }),
        AppointmentRejected: onAppointment(appointmentRejectedPayload, {
          eventType: 'APPOINTMENT_REJECTED',
          variables: (rejected) => ({ reason: rejected.reason?.trim() || 'no reason given' }),
        }),
        AppointmentRescheduled: onAppointment(appointmentRescheduledPayload, {
          eventType: 'APPOINTMENT_RESCHEDULED',
          scheduled: true,
          variables: (moved) => ({ previousTime: when(moved.previousStartsAt) }),
        }),
        AppointmentCancelled: onAppointment(appointmentCancelledPayload, {
          eventType: 'APPOINTMENT_CANCELLED',
          variables: (cancelled) => ({
            cancellationFee:
              cancelled.feeOwed.amount > 0 ? formatMoney(cancelled.feeOwed.amount, cancelled.feeOwed.currency) : 'none',
          }),
        }),
        AppointmentCheckedIn: replicateOnly,
        AppointmentCompleted: replicateOnly,
        AppointmentMarkedNoShow: replicateOnly,
      },
    },
    { name: 'notifications.bills', topics: ['billing-events'], ...patience, handlers: { BillIssued: onBillIssued } },
    {
      name: 'notifications.payments',
      topics: ['payment-events'],
      ...patience,
      handlers: { PaymentSucceeded: onPayment('PAYMENT_SUCCEEDED'), PaymentFailed: onPayment('PAYMENT_FAILED') },
    },
    {
      name: 'notifications.prescriptions',
      topics: ['prescription-events'],
      ...patience,
      handlers: { PrescriptionIssued: onPrescriptionIssued },
    },
    {
      name: 'notifications.identity',
      topics: ['identity-events'],
      handlers: { PasswordResetRequested: onPasswordReset },
    },
  ];
}
