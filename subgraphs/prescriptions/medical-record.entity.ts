/**
 * Entries of patients' medical records (FHIR R4 `Encounter`, `Condition`, `Observation`, `AllergyIntolerance`, by
 * `kind`), their structured content in `jsonb` (validated per kind by `medical-record.rules.ts`).
 *
 * Entries are append-only: a row is written once and never updated. A correction is a new row whose
 * `supersedes_id` names the entry it replaces; `medical_record_entry_supersedes_key` (UNIQUE) lets each entry be
 * corrected at most once, so of two corrections racing for the same entry exactly one commits. Whether an entry is
 * current is derived from the existence of its successor, never stored.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { BaseEntity } from '../../platform/db/base.entity.ts';
import { MEDICAL_RECORD_KINDS } from './medical-record.rules.ts';
import { CODE_SYSTEMS, MAX_CODE_DISPLAY_LENGTH, MAX_CODE_LENGTH, MAX_IDENTIFIER_LENGTH } from './prescription.rules.ts';

export const MedicalRecordEntry = defineEntity({
  name: 'MedicalRecordEntry',
  tableName: 'medical_record_entry',
  extends: BaseEntity,
  properties: {
    patientId: p.uuid(),
    /** The appointment it was written in, if any. */
    appointmentId: p.uuid().nullable().index('medical_record_entry_appointment_idx'),
    /** The doctor who wrote it (for imported history, the doctor of the source encounter). */
    authorId: p.uuid(),
    kind: p.enum(MEDICAL_RECORD_KINDS),
    codeSystem: p.enum(CODE_SYSTEMS).nullable(),
    code: p.string().length(MAX_CODE_LENGTH).nullable(),
    codeDisplay: p.string().length(MAX_CODE_DISPLAY_LENGTH).nullable(),
    /** The content, of the kind's shape. */
    data: p.json<Record<string, unknown>>(),
    /** When it happened clinically. */
    effectiveAt: p.datetime(),
    /** When it was written into this record. */
    recordedAt: p.datetime(),
    /** The entry this one corrects; each entry is corrected at most once. */
    supersedesId: p.uuid().nullable().unique('medical_record_entry_supersedes_key'),
    /** The identifier of the source system, for imported rows only. */
    identifierSystem: p.string().length(MAX_IDENTIFIER_LENGTH).nullable(),
    identifierValue: p.string().length(MAX_IDENTIFIER_LENGTH).nullable(),
  },
  checks: [
    { name: 'medical_record_entry_code_check', expression: '("code_system" is null) = ("code" is null)' },
    { name: 'medical_record_entry_data_check', expression: `jsonb_typeof("data") = 'object'` },
    {
      name: 'medical_record_entry_identifier_check',
      expression: '("identifier_system" is null) = ("identifier_value" is null)',
    },
    { name: 'medical_record_entry_supersedes_check', expression: '"supersedes_id" is null or "supersedes_id" <> "id"' },
  ],
  uniques: [{ name: 'medical_record_entry_identifier_key', properties: ['identifierSystem', 'identifierValue'] }],
  indexes: [
    // `Patient.medicalRecords`: newest effective first, keyset on (effective at, id); read backwards, the index
    // gives `effective_at desc, id desc` exactly.
    { name: 'medical_record_entry_patient_effective_idx', properties: ['patientId', 'effectiveAt', 'id'] },
  ],
});
export type MedicalRecordEntry = InferEntity<typeof MedicalRecordEntry>;
