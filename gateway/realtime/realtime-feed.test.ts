import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createEnvelope } from '../../platform/events/envelope.ts';
import type { Principal } from '../../platform/auth/principal.ts';
import { realtimeEventOf } from './realtime-feed.ts';
import { mayReceiveAppointment, mayReceiveNotification, mayReceivePayment } from './subscriptions.ts';

const actor = { userId: null, roles: [] };
const envelope = (type: string, payload: object) =>
  createEnvelope({ type, aggregateId: randomUUID(), payload, actor, correlationId: 'test' });

const patientId = randomUUID();
const doctorId = randomUUID();
const appointment = { appointmentId: randomUUID(), patientId, doctorId, status: 'PENDING', imported: false };

describe('what the gateway passes on to subscribers', () => {
  it('turns every appointment transition into an update of its type', () => {
    const event = envelope('AppointmentRescheduled', appointment);
    expect(realtimeEventOf('appointment-events', event)).toEqual({
      kind: 'appointment',
      eventId: event.id,
      type: 'RESCHEDULED',
      occurredAt: event.occurredAt,
      appointmentId: appointment.appointmentId,
      patientId,
      doctorId,
    });
    expect(realtimeEventOf('appointment-events', envelope('AppointmentMarkedNoShow', appointment))).toMatchObject({
      type: 'MARKED_NO_SHOW',
    });
  });

  it('passes on neither history imports nor malformed messages', () => {
    expect(realtimeEventOf('appointment-events', envelope('AppointmentImported', appointment))).toBeNull();
    expect(
      realtimeEventOf('appointment-events', envelope('AppointmentCompleted', { ...appointment, imported: true })),
    ).toBeNull();
    expect(realtimeEventOf('appointment-events', envelope('AppointmentBooked', { patientId }))).toBeNull();
    expect(realtimeEventOf('appointment-events', 'not json')).toBeNull();
  });

  it('passes on succeeded payments only', () => {
    const payment = { paymentId: randomUUID(), billId: randomUUID(), patientId, status: 'SUCCEEDED' };
    expect(realtimeEventOf('payment-events', envelope('PaymentSucceeded', payment))).toMatchObject({
      kind: 'payment',
      paymentId: payment.paymentId,
      billId: payment.billId,
    });
    expect(realtimeEventOf('payment-events', envelope('PaymentFailed', payment))).toBeNull();
    expect(realtimeEventOf('payment-events', envelope('PaymentRefunded', payment))).toBeNull();
  });

  it('passes on in-app notifications only', () => {
    const notification = { notificationId: randomUUID(), recipient: { kind: 'PATIENT', id: patientId } };
    expect(
      realtimeEventOf('notification-events', envelope('NotificationCreated', { ...notification, channel: 'IN_APP' })),
    ).toMatchObject({ kind: 'notification', recipient: { kind: 'PATIENT', id: patientId } });
    expect(
      realtimeEventOf('notification-events', envelope('NotificationCreated', { ...notification, channel: 'EMAIL' })),
    ).toBeNull();
  });
});

describe('who receives an event (SPEC §2)', () => {
  const someone = (roles: Principal['roles'], ids: Partial<Principal> = {}): Principal => ({
    userId: randomUUID(),
    roles,
    ...ids,
  });

  it('gives appointments to their patient and doctor, and to reception, billing and admins', () => {
    const event = { patientId, doctorId };
    expect(mayReceiveAppointment(someone(['PATIENT'], { patientId }), event)).toBe(true);
    expect(mayReceiveAppointment(someone(['PATIENT'], { patientId: randomUUID() }), event)).toBe(false);
    expect(mayReceiveAppointment(someone(['DOCTOR'], { doctorId }), event)).toBe(true);
    expect(mayReceiveAppointment(someone(['DOCTOR'], { doctorId: randomUUID() }), event)).toBe(false);
    expect(mayReceiveAppointment(someone(['DOCTOR']), event)).toBe(false);
    for (const role of ['RECEPTION', 'BILLING', 'ADMIN'] as const) {
      expect(mayReceiveAppointment(someone([role]), event)).toBe(true);
    }
  });

  it('gives payments to the bill’s patient, billing staff and admins only', () => {
    const event = { patientId };
    expect(mayReceivePayment(someone(['PATIENT'], { patientId }), event)).toBe(true);
    expect(mayReceivePayment(someone(['PATIENT'], { patientId: randomUUID() }), event)).toBe(false);
    expect(mayReceivePayment(someone(['DOCTOR'], { doctorId }), event)).toBe(false);
    expect(mayReceivePayment(someone(['RECEPTION']), event)).toBe(false);
    expect(mayReceivePayment(someone(['BILLING']), event)).toBe(true);
    expect(mayReceivePayment(someone(['ADMIN']), event)).toBe(true);
  });

  it('gives a notification to its recipient only, whatever their roles', () => {
    const admin = someone(['ADMIN']);
    expect(mayReceiveNotification(someone(['PATIENT'], { patientId }), { kind: 'PATIENT', id: patientId })).toBe(true);
    expect(mayReceiveNotification(admin, { kind: 'PATIENT', id: patientId })).toBe(false);
    expect(mayReceiveNotification(someone(['DOCTOR'], { doctorId }), { kind: 'PRACTITIONER', id: doctorId })).toBe(
      true,
    );
    expect(mayReceiveNotification(admin, { kind: 'USER', id: admin.userId })).toBe(true);
    expect(mayReceiveNotification(admin, { kind: 'USER', id: randomUUID() })).toBe(false);
  });
});
