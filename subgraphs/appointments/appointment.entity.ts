/**
 * Appointments (FHIR R4 `Appointment`), the per-doctor-day counter that holds the daily cap under concurrency, and
 * this subgraph's replicated read model of the doctors and patients it books for, fed by `doctor-events` and
 * `patient-events` so that a booking never waits on another subgraph. The database itself refuses overlapping
 * active appointments of one doctor or one patient (exclusion constraints over `tstzrange(starts_at, ends_at)`,
 * added in the migration).
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { BaseEntity } from '../../platform/db/base.entity.ts';
import { APPOINTMENT_STATUSES } from './appointment.rules.ts';

export const CANCELLATION_BANDS = ['FREE', 'LATE'] as const;

export const Appointment = defineEntity({
  name: 'Appointment',
  tableName: 'appointment',
  extends: BaseEntity,
  properties: {
    patientId: p.uuid(),
    doctorId: p.uuid(),
    departmentId: p.uuid(),
    startsAt: p.datetime(),
    endsAt: p.datetime(),
    status: p.enum(APPOINTMENT_STATUSES),
    reason: p.text().nullable(),
    /** The doctor's consultation fee when the appointment was booked, in minor units of `feeCurrency`. */
    consultationFeeAmount: p.integer(),
    feeCurrency: p.string().length(3),
    rescheduleCount: p.integer().default(0),
    cancelledAt: p.datetime().nullable(),
    cancellationReason: p.text().nullable(),
    cancellationBand: p.enum(CANCELLATION_BANDS).nullable(),
    /** What a late cancellation or a no-show owes, in minor units of `feeCurrency`. */
    feeOwedAmount: p.integer().nullable(),
    rejectionReason: p.text().nullable(),
    /** True for past appointments loaded by the history import (not booked under today's rules). */
    imported: p.boolean().default(false),
    /** Where an imported or replayed appointment came from (FHIR `Identifier`); unique per system. */
    sourceSystem: p.string().length(200).nullable(),
    sourceValue: p.string().length(200).nullable(),
    version: p.integer().version(),
  },
  checks: [{ name: 'appointment_time_check', expression: '"ends_at" > "starts_at"' }],
  uniques: [{ name: 'appointment_source_key', properties: ['sourceSystem', 'sourceValue'] }],
  indexes: [
    // `appointments` without a patient or doctor: every appointment by (start, id), the keyset of the list.
    { name: 'appointment_starts_at_idx', properties: ['startsAt', 'id'] },
    { name: 'appointment_patient_starts_idx', properties: ['patientId', 'startsAt', 'id'] },
    { name: 'appointment_doctor_starts_idx', properties: ['doctorId', 'startsAt', 'id'] },
  ],
});
export type Appointment = InferEntity<typeof Appointment>;

/**
 * How many active appointments a doctor has on a hospital day. Incremented with a conditional upsert that refuses
 * to pass the daily cap, under the row's lock, so concurrent bookings cannot overshoot it (SPEC §3).
 */
export const DoctorDay = defineEntity({
  name: 'DoctorDay',
  tableName: 'doctor_day',
  properties: {
    doctorId: p.uuid().primary(),
    day: p.date().primary(),
    activeCount: p.integer(),
  },
  primaryKeys: ['doctorId', 'day'],
  checks: [{ name: 'doctor_day_active_count_check', expression: '"active_count" >= 0' }],
});
export type DoctorDay = InferEntity<typeof DoctorDay>;

/** A stretch of weekly working hours (copied from the doctor's events). */
export interface ReplicatedWorkingHours {
  weekday: number;
  opens: string;
  closes: string;
}

/** An absence (copied from the doctor's events), ISO 8601 instants. */
export interface ReplicatedTimeOff {
  startsAt: string;
  endsAt: string;
  reason: string | null;
}

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
    /** Null: the doctor has not set working hours; the clinic's hours, Monday to Friday, apply. */
    weeklyHours: p.json<ReplicatedWorkingHours[]>().nullable(),
    timeOff: p.json<ReplicatedTimeOff[]>().defaultRaw(`'[]'`),
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

export const appointmentEntities = [Appointment, DoctorDay, DoctorReplica, PatientReplica];
