/**
 * Prescriptions (FHIR R4 `MedicationRequest`) and this subgraph's read models of other domains, fed by their
 * events so that prescribing never waits on another subgraph: appointments (whose they are, where they stand), the
 * care relationships they imply (a doctor who has or had an appointment with a patient reads the patient's record,
 * SPEC §2), and the patients it knows of (imports refuse unknown ones).
 *
 * A prescription row is written once and never updated. CHECK constraints repeat the bounds of
 * `prescription.rules.ts`, so that no write, however it is made, stores a prescription outside them. Imported rows
 * carry the identifier of their source system, unique per system (`prescription_identifier_key`): what makes a
 * rerun of an import add nothing.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { BaseEntity } from '../../platform/db/base.entity.ts';
import { MedicalRecordEntry } from './medical-record.entity.ts';
import { Medicine } from './medicine.entity.ts';
import {
  CODE_SYSTEMS,
  MAX_CODE_DISPLAY_LENGTH,
  MAX_CODE_LENGTH,
  MAX_DOSE_UNIT_LENGTH,
  MAX_IDENTIFIER_LENGTH,
  MAX_INSTRUCTIONS_LENGTH,
  MAX_MEDICATION_TEXT_LENGTH,
} from './prescription.rules.ts';

export const Prescription = defineEntity({
  name: 'Prescription',
  tableName: 'prescription',
  extends: BaseEntity,
  properties: {
    patientId: p.uuid(),
    /** The prescriber (`MedicationRequest.requester`). */
    doctorId: p.uuid(),
    /** The appointment it was issued in; null for imported history. */
    appointmentId: p.uuid().nullable().index('prescription_appointment_idx'),
    /** The catalogue entry, or null for a free-text medicine. */
    medicine: () => p.manyToOne(Medicine).nullable(),
    /** The medicine as prescribed: the catalogue name at the time, or the free text. */
    medicationText: p.string().length(MAX_MEDICATION_TEXT_LENGTH),
    /** Double precision, read back as a JS number. */
    doseValue: p.double().$type<number>().runtimeType('number').nullable(),
    doseUnit: p.string().length(MAX_DOSE_UNIT_LENGTH).nullable(),
    timesPerDay: p.integer().nullable(),
    durationDays: p.integer().nullable(),
    instructions: p.string().length(MAX_INSTRUCTIONS_LENGTH).nullable(),
    /** `MedicationRequest.reasonCode`. */
    reasonSystem: p.enum(CODE_SYSTEMS).nullable(),
    reasonCode: p.string().length(MAX_CODE_LENGTH).nullable(),
    reasonDisplay: p.string().length(MAX_CODE_DISPLAY_LENGTH).nullable(),
    /** `MedicationRequest.authoredOn`. */
    issuedAt: p.datetime(),
    /** The identifier of the source system, for imported rows only. */
    identifierSystem: p.string().length(MAX_IDENTIFIER_LENGTH).nullable(),
    identifierValue: p.string().length(MAX_IDENTIFIER_LENGTH).nullable(),
  },
  checks: [
    { name: 'prescription_medication_text_check', expression: `length(trim(both from "medication_text")) > 0` },
    {
      name: 'prescription_dose_check',
      expression:
        '("dose_value" is null) = ("dose_unit" is null) and ' +
        // Compared as numeric: the schema diff reads `double precision` literals back unlike they are written.
        '("dose_value" is null or ("dose_value"::numeric > 0 and "dose_value"::numeric <= 100000))',
    },
    {
      name: 'prescription_times_per_day_check',
      expression: '"times_per_day" is null or ("times_per_day" >= 1 and "times_per_day" <= 24)',
    },
    {
      name: 'prescription_duration_days_check',
      expression: '"duration_days" is null or ("duration_days" >= 1 and "duration_days" <= 365)',
    },
    { name: 'prescription_reason_check', expression: '("reason_system" is null) = ("reason_code" is null)' },
    {
      name: 'prescription_identifier_check',
      expression: '("identifier_system" is null) = ("identifier_value" is null)',
    },
    {
      // Issued here means issued in an appointment, with the whole dosage; only imported history may lack them.
      name: 'prescription_issued_check',
      expression:
        '"identifier_system" is not null or ("appointment_id" is not null and "dose_value" is not null and ' +
        '"times_per_day" is not null and "duration_days" is not null)',
    },
  ],
  uniques: [{ name: 'prescription_identifier_key', properties: ['identifierSystem', 'identifierValue'] }],
  indexes: [
    // `Patient.prescriptions`: newest first, keyset on (issued at, id); read backwards, the index gives
    // `issued_at desc, id desc` exactly.
    { name: 'prescription_patient_issued_idx', properties: ['patientId', 'issuedAt', 'id'] },
  ],
});
export type Prescription = InferEntity<typeof Prescription>;

/** What this subgraph knows of a patient, copied from `patient-events`. */
export const PatientReplica = defineEntity({
  name: 'PatientReplica',
  tableName: 'patient_replica',
  properties: {
    patientId: p.uuid().primary(),
    /** False once archived. */
    active: p.boolean(),
    /** `occurredAt` of the event this row reflects; older events are ignored. */
    asOf: p.datetime(),
  },
});
export type PatientReplica = InferEntity<typeof PatientReplica>;

/** What this subgraph knows of an appointment, copied from `appointment-events`: whose it is, where it stands. */
export const AppointmentReplica = defineEntity({
  name: 'AppointmentReplica',
  tableName: 'appointment_replica',
  properties: {
    appointmentId: p.uuid().primary(),
    patientId: p.uuid(),
    doctorId: p.uuid(),
    status: p.string().length(20),
    asOf: p.datetime(),
  },
});
export type AppointmentReplica = InferEntity<typeof AppointmentReplica>;

/**
 * A doctor who has or had an appointment with a patient (FHIR's `CareTeam` membership, reduced to the pair), from
 * `appointment-events`. SPEC §2 lets a doctor read, and write to, exactly these patients' records.
 */
export const CareRelationship = defineEntity({
  name: 'CareRelationship',
  tableName: 'care_relationship',
  properties: {
    doctorId: p.uuid().primary(),
    patientId: p.uuid().primary().index('care_relationship_patient_idx'),
    since: p.datetime(),
  },
  primaryKeys: ['doctorId', 'patientId'],
});
export type CareRelationship = InferEntity<typeof CareRelationship>;

export const prescriptionsEntities = [
  Medicine,
  Prescription,
  MedicalRecordEntry,
  PatientReplica,
  AppointmentReplica,
  CareRelationship,
];
