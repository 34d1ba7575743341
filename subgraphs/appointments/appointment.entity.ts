/**
 * Appointments (FHIR R4 `Appointment`) and this subgraph's replicated read model of the doctors and patients it
 * books for, fed by `doctor-events` and `patient-events` so that a booking never waits on another subgraph.
 * The database itself refuses overlapping active appointments of one doctor or one patient (exclusion
 * constraints over `tstzrange(starts_at, ends_at)`, added in the migration).
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { BaseEntity } from '../../platform/db/base.entity.ts';
import { APPOINTMENT_STATUSES } from './appointment.rules.ts';

export const Appointment = defineEntity({
  name: 'Appointment',
  tableName: 'appointment',
  extends: BaseEntity,
  properties: {
    patientId: p.uuid(),
    doctorId: p.uuid(),
    departmentId: p.uuid(),
    startsAt: p.datetime().index('appointment_starts_at_idx'),
    endsAt: p.datetime(),
    status: p.enum(APPOINTMENT_STATUSES),
    reason: p.text().nullable(),
    cancelledAt: p.datetime().nullable(),
    cancellationReason: p.text().nullable(),
    version: p.integer().version(),
  },
  checks: [{ name: 'appointment_time_check', expression: '"ends_at" > "starts_at"' }],
  indexes: [
    { name: 'appointment_patient_starts_idx', properties: ['patientId', 'startsAt', 'id'] },
    { name: 'appointment_doctor_starts_idx', properties: ['doctorId', 'startsAt', 'id'] },
  ],
});
export type Appointment = InferEntity<typeof Appointment>;

/** What scheduling knows of a doctor, copied from `doctor-events`. */
export const DoctorReplica = defineEntity({
  name: 'DoctorReplica',
  tableName: 'doctor_replica',
  properties: {
    doctorId: p.uuid().primary(),
    departmentId: p.uuid(),
    /** Minor units of `feeCurrency`, as of the last event. */
    consultationFeeAmount: p.integer(),
    feeCurrency: p.string().length(3),
    active: p.boolean(),
    /** `occurredAt` of the event this row reflects; older events are ignored. */
    asOf: p.datetime(),
  },
});
export type DoctorReplica = InferEntity<typeof DoctorReplica>;

/** What scheduling knows of a patient, copied from `patient-events`. */
export const PatientReplica = defineEntity({
  name: 'PatientReplica',
  tableName: 'patient_replica',
  properties: {
    patientId: p.uuid().primary(),
    /** Bookable: not archived and not deceased. */
    active: p.boolean(),
    asOf: p.datetime(),
  },
});
export type PatientReplica = InferEntity<typeof PatientReplica>;

export const appointmentEntities = [Appointment, DoctorReplica, PatientReplica];
