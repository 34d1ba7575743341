/** The per-request context of the prescriptions subgraph, and the references it returns to other subgraphs. */
import type DataLoader from 'dataloader';
import type { EntityManager } from '../../platform/db/orm.ts';
import type { RequestContext } from '../../platform/graphql/context.ts';
import type { Connection } from '../../platform/graphql/pagination.ts';
import type { ClinicalAccess } from './clinical-access.service.ts';
import type { ClinicalImportService } from './clinical-import.service.ts';
import type { MedicalRecordEntry } from './medical-record.entity.ts';
import type { MedicalRecordService } from './medical-record.service.ts';
import type { Medicine } from './medicine.entity.ts';
import type { MedicineService } from './medicine.service.ts';
import type { AppointmentReplica, Prescription } from './prescription.entity.ts';
import type { PrescriptionService } from './prescription.service.ts';

export interface Context extends RequestContext {
  em: EntityManager;
  /** Who may read and write whose clinical data (SPEC §2), for this request's caller. */
  access: ClinicalAccess;
  prescriptions: PrescriptionService;
  records: MedicalRecordService;
  medicines: MedicineService;
  imports: ClinicalImportService;
  /** Loaders return rows as stored; the services authorize what they hand out. */
  loaders: {
    prescriptionById: DataLoader<string, Prescription | null>;
    /** Every prescription of an appointment, oldest first. */
    prescriptionsByAppointment: DataLoader<string, Prescription[]>;
    /** This subgraph's copy of an appointment, or null when it has not heard of it. */
    appointmentById: DataLoader<string, AppointmentReplica | null>;
    entryById: DataLoader<string, MedicalRecordEntry | null>;
    /** The entry that corrects an entry, or null while it is current. */
    successorByEntry: DataLoader<string, MedicalRecordEntry | null>;
    medicineById: DataLoader<string, Medicine | null>;
  };
}

/** What the connection resolvers receive. */
export type PrescriptionConnection = Connection<Prescription>;
export type MedicalRecordEntryConnection = Connection<MedicalRecordEntry>;
export type MedicineConnection = Connection<Medicine>;

/** Entities owned elsewhere, as this subgraph returns them: their key, resolved by their own subgraph. */
export interface PatientReference {
  id: string;
}
export interface AppointmentReference {
  id: string;
}
export interface DoctorReference {
  id: string;
}
