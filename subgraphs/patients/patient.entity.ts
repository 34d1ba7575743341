/**
 * Patients (FHIR R4 `Patient`) and the identifiers other systems gave them. A patient is never erased:
 * `deletePatient` archives (`archived_at`), because medical records must be kept.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { BaseEntity } from '../../platform/db/base.entity.ts';

/** FHIR `AdministrativeGender`. */
export const SEXES = ['MALE', 'FEMALE', 'OTHER', 'UNKNOWN'] as const;
export type Sex = (typeof SEXES)[number];

/** A postal address (FHIR `Address`), stored as `jsonb`. */
export interface Address {
  line: string[];
  city?: string | null;
  state?: string | null;
  postalCode?: string | null;
  country?: string | null;
}

export const Patient = defineEntity({
  name: 'Patient',
  tableName: 'patient',
  extends: BaseEntity,
  properties: {
    /** Medical record number: 7 digits of a sequence and a Luhn check digit. */
    mrn: p.string().length(8).unique('patient_mrn_key'),
    givenName: p.string().length(100),
    familyName: p.string().length(100),
    birthDate: p.date(),
    deceasedDate: p.date().nullable(),
    sex: p.enum(SEXES),
    /** Lower-cased. */
    email: p.string().length(254).nullable().index('patient_email_idx'),
    /** E.164. */
    phone: p.string().length(16).nullable().index('patient_phone_idx'),
    address: p.json<Address>().nullable(),
    archivedAt: p.datetime().nullable(),
    version: p.integer().version(),
  },
  indexes: [
    {
      name: 'patient_name_trgm_idx',
      expression:
        `create index "patient_name_trgm_idx" on "patients"."patient" ` +
        `using gin ((lower("given_name" || ' ' || "family_name")) gin_trgm_ops)`,
    },
  ],
});
export type Patient = InferEntity<typeof Patient>;

/** An identifier of a patient in another system (FHIR `Identifier`); unique per system. */
export const PatientIdentifier = defineEntity({
  name: 'PatientIdentifier',
  tableName: 'patient_identifier',
  extends: BaseEntity,
  properties: {
    patient: () => p.manyToOne(Patient).index('patient_identifier_patient_idx'),
    system: p.string().length(200),
    value: p.string().length(200),
  },
  uniques: [
    { name: 'patient_identifier_system_value_key', properties: ['system', 'value'] },
    { name: 'patient_identifier_patient_system_key', properties: ['patient', 'system'] },
  ],
});
export type PatientIdentifier = InferEntity<typeof PatientIdentifier>;

/**
 * A doctor who has or had an appointment with a patient (FHIR's `CareTeam` membership, reduced to the pair), copied
 * from `appointment-events`. SPEC §2 lets a doctor read exactly these patients.
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

/**
 * How many patients there are, archived or not, kept by triggers on `patient` (migration
 * `…_patient_tally`) so that the unfiltered `patients { totalCount }` reads a few rows instead of counting a table of
 * millions. Each change adds to one of `TALLY_SHARDS` rows chosen at random, so that registrations running at the same
 * time do not all wait on one row's lock; the count is the sum of the shards. Never written by the application.
 */
export const PatientTally = defineEntity({
  name: 'PatientTally',
  tableName: 'patient_tally',
  properties: {
    archived: p.boolean().primary(),
    shard: p.smallint().primary(),
    count: p.bigint('number'),
  },
  primaryKeys: ['archived', 'shard'],
});
export type PatientTally = InferEntity<typeof PatientTally>;

/** Rows each state of the tally is spread over. */
export const TALLY_SHARDS = 16;

export const patientEntities = [Patient, PatientIdentifier, CareRelationship, PatientTally];
