/**
 * Events the prescriptions subgraph publishes on `prescription-events`, and the shapes of the appointment and
 * patient events it consumes (validated on consume).
 *
 * Clinical events (prescriptions, record entries) are keyed by the patient's id, so that one patient's record
 * events stay in order on one partition; they carry ids, kinds and times, never clinical text (a medicine's name,
 * a note, a measurement), which is read through the graph, where reads are authorized and recorded. Catalogue
 * events are keyed by the medicine's id and carry the medicine (not clinical data).
 */
import { z } from 'zod';
import type { MedicalRecordKind } from './medical-record.rules.ts';
import type { CodeSystem } from './prescription.rules.ts';

export const PRESCRIPTION_TOPIC = 'prescription-events';

export const PrescriptionEvent = {
  /** A doctor prescribed in an appointment: the patient may be notified (SPEC §7). */
  PrescriptionIssued: 'PrescriptionIssued',
  /** A prescription of another system was loaded as history: nobody is notified. */
  PrescriptionImported: 'PrescriptionImported',
  MedicalRecordEntryAdded: 'MedicalRecordEntryAdded',
  MedicalRecordEntryImported: 'MedicalRecordEntryImported',
  MedicineCreated: 'MedicineCreated',
  MedicineUpdated: 'MedicineUpdated',
} as const;

/** An identifier of the source system (FHIR `Identifier`). */
export interface IdentifierPayload {
  system: string;
  value: string;
}

/** `PrescriptionIssued` / `PrescriptionImported` (keyed by patient id). Times are ISO 8601 UTC. */
export interface PrescriptionEventPayload {
  prescriptionId: string;
  patientId: string;
  doctorId: string;
  /** Null for imported history. */
  appointmentId: string | null;
  /** Null for a free-text medicine. */
  medicineId: string | null;
  issuedAt: string;
  /** Set for `PrescriptionImported`. */
  identifier: IdentifierPayload | null;
}

/** `MedicalRecordEntryAdded` / `MedicalRecordEntryImported` (keyed by patient id). */
export interface MedicalRecordEntryEventPayload {
  entryId: string;
  patientId: string;
  kind: MedicalRecordKind;
  authorId: string;
  appointmentId: string | null;
  /** The entry this one corrects, if any. */
  supersedesId: string | null;
  effectiveAt: string;
  recordedAt: string;
  /** Set for `MedicalRecordEntryImported`. */
  identifier: IdentifierPayload | null;
}

/** `MedicineCreated` / `MedicineUpdated` (keyed by medicine id): the medicine after the change. */
export interface MedicineEventPayload {
  medicineId: string;
  name: string;
  strength: string | null;
  form: string | null;
  code: { system: CodeSystem; code: string; display: string | null } | null;
  active: boolean;
}

/** Every `appointment-events` event this subgraph reads: the appointment after the change. */
export const appointmentPayload = z.object({
  appointmentId: z.uuid(),
  patientId: z.uuid(),
  doctorId: z.uuid(),
  status: z.string().min(1).max(20),
});
export type AppointmentPayload = z.infer<typeof appointmentPayload>;

/** `PatientRegistered` / `PatientUpdated` / `PatientArchived` from `patient-events`. */
export const patientChangedPayload = z.object({
  patientId: z.uuid(),
  active: z.boolean(),
});
