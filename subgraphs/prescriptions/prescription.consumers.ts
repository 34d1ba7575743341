/**
 * The prescriptions subgraph's event consumers: thin handlers that validate a payload and update a read model,
 * inside the consumer's transaction (`platform/events/consumer.ts` records the event id in the same transaction, so
 * a redelivered event has no second effect).
 *
 * - `prescriptions.appointment-replica` (`appointment-events`): this subgraph's copy of every appointment (whose it
 *   is, its status: who may prescribe in it), and the care relationships appointments make (who may read a
 *   patient's record). Every appointment event proves that its doctor has or had an appointment with its patient,
 *   so each one records the relationship (once), not only `AppointmentBooked` and `AppointmentImported`: a
 *   subgraph that missed the booking still learns it.
 * - `prescriptions.patient-replica` (`patient-events`): the patients imports may name.
 */
import type { EventHandler } from '../../platform/events/consumer.ts';
import type { ConsumerSpec } from '../../platform/subgraph.ts';
import { appointmentPayload, patientChangedPayload } from './prescription.events.ts';
import { PrescriptionRepository } from './prescription.repository.ts';

/** `appointment-events` types this subgraph reads: each carries the appointment after the change. */
export const APPOINTMENT_EVENTS = [
  'AppointmentBooked',
  'AppointmentImported',
  'AppointmentConfirmed',
  'AppointmentRejected',
  'AppointmentRescheduled',
  'AppointmentCancelled',
  'AppointmentCheckedIn',
  'AppointmentCompleted',
  'AppointmentMarkedNoShow',
] as const;

export const PATIENT_EVENTS = ['PatientRegistered', 'PatientUpdated', 'PatientArchived'] as const;

const replicateAppointment: EventHandler = async (em, event) => {
  const appointment = appointmentPayload.parse(event.payload);
  const occurredAt = new Date(event.occurredAt);
  const repository = new PrescriptionRepository(em);
  await repository.upsertAppointment({
    appointmentId: appointment.appointmentId,
    patientId: appointment.patientId,
    doctorId: appointment.doctorId,
    status: appointment.status,
    asOf: occurredAt,
  });
  await repository.addCareRelationship(appointment.doctorId, appointment.patientId, occurredAt);
};

const replicatePatient: EventHandler = async (em, event) => {
  const patient = patientChangedPayload.parse(event.payload);
  await new PrescriptionRepository(em).upsertPatient({
    patientId: patient.patientId,
    active: patient.active,
    asOf: new Date(event.occurredAt),
  });
};

/** The consumers of the prescriptions subgraph. */
export function prescriptionsConsumers(): ConsumerSpec[] {
  return [
    {
      name: 'prescriptions.appointment-replica',
      topics: ['appointment-events'],
      handlers: Object.fromEntries(APPOINTMENT_EVENTS.map((type) => [type, replicateAppointment])),
    },
    {
      name: 'prescriptions.patient-replica',
      topics: ['patient-events'],
      handlers: Object.fromEntries(PATIENT_EVENTS.map((type) => [type, replicatePatient])),
    },
  ];
}
