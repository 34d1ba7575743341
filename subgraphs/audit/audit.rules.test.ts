import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { OPERATION_PERFORMED } from '../../platform/audit/operations.ts';
import { PATIENT_RECORD_ACCESSED } from '../../platform/audit/clinical-reads.ts';
import { createEnvelope } from '../../platform/events/envelope.ts';
import { TOPICS } from '../../platform/events/envelope.ts';
import { APPOINTMENT_TOPIC, AppointmentEvent } from '../appointments/appointment.events.ts';
import { BILLING_TOPIC, BillingEvent } from '../billing/bill.events.ts';
import { DOCTOR_TOPIC, DoctorEvent } from '../doctors/doctor.events.ts';
import { IDENTITY_TOPIC, IdentityEvent } from '../identity/identity.events.ts';
import { NOTIFICATION_TOPIC, NotificationEvent } from '../notifications/notification.events.ts';
import { PATIENT_TOPIC, PatientEvent } from '../patients/patient.events.ts';
import { PAYMENT_TOPIC, PaymentEvent } from '../payments/payment.events.ts';
import { PRESCRIPTION_TOPIC, PrescriptionEvent } from '../prescriptions/prescription.events.ts';
import {
  actionOfType,
  auditEntryOf,
  EVENT_MAPPINGS,
  FHIR_ACTION,
  FHIR_OUTCOME,
  idsAndCodes,
  mappingOf,
} from './audit.rules.ts';

/** Every event type each subgraph raises today, by topic. */
const RAISED: Record<string, readonly string[]> = {
  [IDENTITY_TOPIC]: Object.values(IdentityEvent),
  [PATIENT_TOPIC]: Object.values(PatientEvent),
  [DOCTOR_TOPIC]: Object.values(DoctorEvent),
  [APPOINTMENT_TOPIC]: Object.values(AppointmentEvent),
  [BILLING_TOPIC]: Object.values(BillingEvent),
  [PAYMENT_TOPIC]: Object.values(PaymentEvent),
  [PRESCRIPTION_TOPIC]: Object.values(PrescriptionEvent),
  [NOTIFICATION_TOPIC]: Object.values(NotificationEvent),
  'access-events': [PATIENT_RECORD_ACCESSED, OPERATION_PERFORMED],
};

const envelope = (type: string, payload: Record<string, unknown>, aggregateId: string = randomUUID()) =>
  createEnvelope({
    type,
    aggregateId,
    payload,
    actor: { userId: randomUUID(), roles: ['RECEPTION'] },
    correlationId: 'corr-1',
    occurredAt: new Date('2026-03-02T08:00:00Z'),
  });

describe('the event → audit entry table', () => {
  it('has an entry for every event type of every topic the graph raises today, and for nothing else', () => {
    expect(Object.keys(EVENT_MAPPINGS).sort()).toEqual([...TOPICS].sort());
    for (const topic of TOPICS) expect(Object.keys(EVENT_MAPPINGS[topic]!).sort()).toEqual([...RAISED[topic]!].sort());
  });

  it('agrees with the verb rule for every type it lists', () => {
    for (const [topic, types] of Object.entries(EVENT_MAPPINGS)) {
      for (const [type, mapping] of Object.entries(types))
        expect([topic, type, mapping.action]).toEqual([topic, type, actionOfType(type)]);
    }
  });

  it.each([
    ['PatientRecordAccessed', 'READ'],
    ['OperationPerformed', 'EXECUTE'],
    ['AppointmentBooked', 'CREATE'],
    ['PatientRegistered', 'CREATE'],
    ['BillIssued', 'CREATE'],
    ['UserSignedUp', 'CREATE'],
    ['AppointmentImported', 'CREATE'],
    ['MedicalRecordEntryAdded', 'CREATE'],
    ['DepartmentCreated', 'CREATE'],
    ['PatientArchived', 'DELETE'],
    ['BillVoided', 'DELETE'],
    ['TokensRevoked', 'DELETE'],
    ['WardDeleted', 'DELETE'],
    ['AppointmentCancelled', 'UPDATE'],
    ['PaymentSucceeded', 'UPDATE'],
    ['SomethingNewHappened', 'UPDATE'],
  ])('maps %s to %s', (type, action) => {
    expect(actionOfType(type)).toBe(action);
  });

  it('gives FHIR codes: actions C R U D E, outcomes 0 4 8', () => {
    expect(FHIR_ACTION).toEqual({ CREATE: 'C', READ: 'R', UPDATE: 'U', DELETE: 'D', EXECUTE: 'E' });
    expect(FHIR_OUTCOME).toEqual({ SUCCESS: '0', DENIED: '4', FAILED: '8' });
  });

  it("logs an unknown type with its topic's resource type and the aggregate id", () => {
    expect(mappingOf('billing-events', 'BillDisputed')).toEqual({
      action: 'UPDATE',
      resourceType: 'Bill',
      idField: null,
    });
    const event = envelope('BillDisputed', { whatever: 1 }, 'bill-42');
    expect(auditEntryOf('billing-events', event)).toMatchObject({
      action: 'UPDATE',
      resourceType: 'Bill',
      resourceIds: ['bill-42'],
      source: 'billing',
      outcome: 'SUCCESS',
      patientId: null,
    });
    expect(auditEntryOf('ward-events', envelope('WardOpened', {}, 'w-1'))).toMatchObject({
      resourceType: 'Unknown',
      source: 'ward',
    });
  });
});

describe('an audit entry of an event', () => {
  it('says who, when, what, whose and how it ended', () => {
    const patientId = randomUUID();
    const appointmentId = randomUUID();
    const event = envelope('AppointmentBooked', {
      appointmentId,
      patientId,
      doctorId: randomUUID(),
      status: 'PENDING',
    });
    expect(auditEntryOf('appointment-events', event)).toEqual({
      eventId: event.id,
      eventType: 'AppointmentBooked',
      occurredAt: new Date('2026-03-02T08:00:00Z'),
      actorId: event.actor.userId,
      actorRoles: ['RECEPTION'],
      action: 'CREATE',
      resourceType: 'Appointment',
      resourceIds: [appointmentId],
      patientId,
      outcome: 'SUCCESS',
      correlationId: 'corr-1',
      source: 'appointments',
      details: {
        aggregateId: event.aggregateId,
        eventVersion: 1,
        appointmentId,
        patientId,
        doctorId: event.payload.doctorId,
        status: 'PENDING',
      },
    });
  });

  it("reads a clinical read's resource type, ids, patient, outcome and subgraph from its payload", () => {
    const patientId = randomUUID();
    const ids = [randomUUID(), randomUUID()];
    const read = envelope(PATIENT_RECORD_ACCESSED, {
      patientId,
      resourceType: 'MedicalRecordEntry',
      resourceIds: ids,
      action: 'READ',
      outcome: 'SUCCESS',
      subgraph: 'prescriptions',
      operationName: 'Chart',
    });
    expect(auditEntryOf('access-events', read)).toMatchObject({
      action: 'READ',
      resourceType: 'MedicalRecordEntry',
      resourceIds: ids,
      patientId,
      outcome: 'SUCCESS',
      source: 'prescriptions',
      details: { subgraph: 'prescriptions', operationName: 'Chart', resourceType: 'MedicalRecordEntry' },
    });
    const denied = envelope(PATIENT_RECORD_ACCESSED, {
      patientId: null,
      resourceType: 'Prescription',
      resourceIds: [],
      action: 'READ',
      outcome: 'DENIED',
      subgraph: 'prescriptions',
      operationName: null,
      field: 'Query.prescription',
      errorCode: 'FORBIDDEN',
    });
    expect(auditEntryOf('access-events', denied)).toMatchObject({
      action: 'READ',
      resourceIds: [],
      patientId: null,
      outcome: 'DENIED',
      details: { field: 'Query.prescription', errorCode: 'FORBIDDEN' },
    });
  });

  it('reads a performed operation: its resource when it names one, else the field; its outcome', () => {
    const base = {
      subgraph: 'appointments',
      operationType: 'MUTATION',
      field: 'cancelAppointment',
      operationName: 'Cancel',
      errorCode: null,
      patientId: null,
    };
    const resourceId = randomUUID();
    expect(
      auditEntryOf(
        'access-events',
        envelope(OPERATION_PERFORMED, { ...base, outcome: 'SUCCESS', resourceType: 'Appointment', resourceId }),
      ),
    ).toMatchObject({ action: 'EXECUTE', resourceType: 'Appointment', resourceIds: [resourceId], outcome: 'SUCCESS' });
    expect(
      auditEntryOf(
        'access-events',
        envelope(OPERATION_PERFORMED, {
          ...base,
          outcome: 'FAILED',
          errorCode: 'SLOT_UNAVAILABLE',
          resourceType: null,
          resourceId: null,
        }),
      ),
    ).toMatchObject({
      action: 'EXECUTE',
      resourceType: 'Operation',
      resourceIds: ['cancelAppointment'],
      outcome: 'FAILED',
      source: 'appointments',
      details: { field: 'cancelAppointment', errorCode: 'SLOT_UNAVAILABLE', operationType: 'MUTATION' },
    });
  });

  it('still logs an access event of an unexpected shape', () => {
    const odd = envelope(OPERATION_PERFORMED, {
      subgraph: 42,
      resourceIds: 'x',
      outcome: 'MAYBE',
      field: 'has spaces',
    });
    expect(auditEntryOf('access-events', odd)).toMatchObject({
      action: 'EXECUTE',
      resourceType: 'Operation',
      resourceIds: [],
      outcome: 'SUCCESS',
      source: 'access',
    });
  });

  it('keeps ids and codes only: no names, emails, phones, birth dates, tokens, amounts or free text', () => {
    const patientId = randomUUID();
    const kept = idsAndCodes({
      patientId,
      mrn: 'MRN-0001',
      active: true,
      deceased: false,
      contact: { givenName: 'Ada', familyName: 'Lovelace', email: 'ada@example.org', phone: '+14025554567' },
      email: 'ada@example.org',
      resetToken: 'tok_secret',
      birthDate: '1815-12-10',
      address: { line: ['12 St James Square'], city: 'London' },
      reason: 'Felt better, thanks',
      total: { amount: 1050, currency: 'USD' },
      failureMessage: 'Card declined for Ada',
      roles: ['PATIENT'],
      status: 'CANCELLED',
      band: 'LATE',
      recipient: { kind: 'PATIENT', id: patientId },
      resourceIds: [randomUUID()],
      userId: 'not an id@example.org',
    });
    expect(Object.keys(kept).sort()).toEqual(['band', 'patientId', 'recipient', 'resourceIds', 'roles', 'status']);
    expect(kept.recipient).toEqual({ kind: 'PATIENT', id: patientId });
    const text = JSON.stringify(
      auditEntryOf(
        'identity-events',
        envelope('PasswordResetRequested', {
          userId: randomUUID(),
          email: 'ada@example.org',
          resetToken: 'tok_secret',
          expiresAt: '2026-03-02T08:30:00Z',
        }),
      ),
    );
    expect(text).not.toMatch(/ada@example|tok_secret/);
    const signUp = JSON.stringify(
      auditEntryOf(
        'identity-events',
        envelope('UserSignedUp', {
          userId: randomUUID(),
          patientId,
          email: 'ada@example.org',
          givenName: 'Ada',
          familyName: 'Lovelace',
          birthDate: '1815-12-10',
          phone: '+14025554567',
        }),
      ),
    );
    expect(signUp).not.toMatch(/Ada|Lovelace|1815|4025554567|example\.org/);
  });
});
