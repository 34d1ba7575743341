/**
 * Doctors (FHIR R4 `Practitioner` with one `PractitionerRole`: a department and a specialization) and the
 * identifiers other systems gave them. The consultation fee is an integer in minor units (SPEC §4).
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { BaseEntity } from '../../platform/db/base.entity.ts';
import { Department } from './department.entity.ts';

/** A stretch of weekly working hours: ISO weekday (1 = Monday … 7 = Sunday), `HH:MM` to `HH:MM`. */
export interface WorkingHours {
  weekday: number;
  opens: string;
  closes: string;
}

/** An absence [startsAt, endsAt), ISO 8601 instants. */
export interface TimeOff {
  startsAt: string;
  endsAt: string;
  reason: string | null;
}

export const Doctor = defineEntity({
  name: 'Doctor',
  tableName: 'doctor',
  extends: BaseEntity,
  properties: {
    givenName: p.string().length(100),
    familyName: p.string().length(100),
    department: () => p.manyToOne(Department),
    specialization: p.string().length(100),
    /** Minor units of `feeCurrency`. */
    consultationFeeAmount: p.integer(),
    /** ISO 4217. */
    feeCurrency: p.string().length(3),
    email: p.string().length(254).nullable(),
    phone: p.string().length(16).nullable(),
    active: p.boolean().default(true),
    /** Weekly working hours in the hospital's time zone; null until set (then the clinic's hours, Mon–Fri). */
    weeklyHours: p.json<WorkingHours[]>().nullable(),
    /** Absences, as ISO 8601 instant ranges. */
    timeOff: p.json<TimeOff[]>().defaultRaw(`'[]'`),
    version: p.integer().version(),
  },
  indexes: [
    // `doctors` by name (keyset on family name, given name, id), and `doctors(departmentId)` / `Department.doctors`
    // in the same order within a department.
    { name: 'doctor_name_idx', properties: ['familyName', 'givenName', 'id'] },
    { name: 'doctor_department_name_idx', properties: ['department', 'familyName', 'givenName', 'id'] },
    // `doctors(search)`: part of a given or family name, `ilike '%…%'` on either column (pg_trgm).
    {
      name: 'doctor_name_trgm_idx',
      expression:
        `create index "doctor_name_trgm_idx" on "doctors"."doctor" ` +
        `using gin ("given_name" gin_trgm_ops, "family_name" gin_trgm_ops)`,
    },
    {
      name: 'doctor_specialization_idx',
      expression: `create index "doctor_specialization_idx" on "doctors"."doctor" (lower("specialization"))`,
    },
  ],
});
export type Doctor = InferEntity<typeof Doctor>;

/** An identifier of a doctor in another system (FHIR `Identifier`, e.g. an NPI); unique per system. */
export const DoctorIdentifier = defineEntity({
  name: 'DoctorIdentifier',
  tableName: 'doctor_identifier',
  extends: BaseEntity,
  properties: {
    doctor: () => p.manyToOne(Doctor).index('doctor_identifier_doctor_idx'),
    system: p.string().length(200),
    value: p.string().length(200),
  },
  uniques: [
    { name: 'doctor_identifier_system_value_key', properties: ['system', 'value'] },
    { name: 'doctor_identifier_doctor_system_key', properties: ['doctor', 'system'] },
  ],
});
export type DoctorIdentifier = InferEntity<typeof DoctorIdentifier>;

export const doctorEntities = [Department, Doctor, DoctorIdentifier];
