/**
 * Composition root of the prescriptions subgraph: prescriptions (`Prescription`, `Patient.prescriptions`,
 * `Appointment.prescriptions`), medical records (`MedicalRecordEntry`, `Patient.medicalRecords`), the medicine
 * catalogue and history imports, and the consumers that keep its copy of appointments, care relationships and
 * patients current. Who may read what is decided by `ClinicalAccess`, with one care-relationship query per request
 * batch; every read of a `@clinical` object is recorded by the platform.
 */
import DataLoader from 'dataloader';
import { gql } from 'graphql-tag';
import { readSdl } from '../../schema/catalog.ts';
import { ErrorCode } from '../../platform/errors.ts';
import { loaderById, loaderGrouped } from '../../platform/graphql/loaders.ts';
import { defineSubgraph, type SubgraphDependencies, type SubgraphDefinition } from '../../platform/subgraph.ts';
import { ClinicalAccess } from './clinical-access.service.ts';
import { ClinicalImportService } from './clinical-import.service.ts';
import type { Context } from './context.ts';
import { MedicalRecordRepository } from './medical-record.repository.ts';
import { MedicalRecordService } from './medical-record.service.ts';
import { MedicineRepository } from './medicine.repository.ts';
import { MedicineService } from './medicine.service.ts';
import { migrations } from './migrations/index.ts';
import { prescriptionsConsumers } from './prescription.consumers.ts';
import { prescriptionsEntities } from './prescription.entity.ts';
import { PrescriptionRepository } from './prescription.repository.ts';
import { callerDoctorId } from './prescription.rules.ts';
import { PrescriptionService } from './prescription.service.ts';
import { resolvers } from './resolvers/index.ts';

const outOfBounds = { code: ErrorCode.BAD_USER_INPUT, message: 'A value is outside the bounds of a prescription.' };

/** The prescriptions subgraph's definition: entities, migrations, schema, resolvers, constraints, context, consumers. */
export const prescriptionsSubgraph: SubgraphDefinition<Context> = {
  name: 'prescriptions',
  entities: prescriptionsEntities,
  migrations,
  typeDefs: gql(readSdl('prescriptions')),
  resolvers,
  constraints: {
    medicine_code_key: { code: ErrorCode.CONFLICT, message: 'A medicine has this code in this system already.' },
    medical_record_entry_supersedes_key: {
      code: ErrorCode.CONFLICT,
      message: 'This entry was corrected at the same time by another entry: correct the newest one instead.',
    },
    // Imports skip stored identifiers (`on conflict do nothing`); only a write outside them can meet these.
    prescription_identifier_key: { code: ErrorCode.CONFLICT, message: 'A prescription has this identifier already.' },
    medical_record_entry_identifier_key: {
      code: ErrorCode.CONFLICT,
      message: 'A medical record entry has this identifier already.',
    },
    prescription_dose_check: outOfBounds,
    prescription_times_per_day_check: outOfBounds,
    prescription_duration_days_check: outOfBounds,
  },
  createContext: (base, { orm, deps }) => {
    const em = orm.em.fork();
    const prescriptionRepository = new PrescriptionRepository(em);
    const recordRepository = new MedicalRecordRepository(em);
    const medicineRepository = new MedicineRepository(em);
    const doctorId = callerDoctorId(base.principal);
    // One query per batch of patients for the whole request, whichever path asks.
    const careOfCaller = new DataLoader<string, boolean>(async (patientIds) => {
      if (!doctorId) return patientIds.map(() => false);
      const mine = await prescriptionRepository.careRelationships(doctorId, patientIds);
      return patientIds.map((patientId) => mine.has(patientId));
    });
    const access = new ClinicalAccess({ actor: base, isPatientOfCaller: (patientId) => careOfCaller.load(patientId) });
    const services = { em, actor: base, clock: deps.clock, access };
    return {
      ...base,
      em,
      access,
      prescriptions: new PrescriptionService(services),
      records: new MedicalRecordService(services),
      medicines: new MedicineService(services),
      imports: new ClinicalImportService(services),
      loaders: {
        prescriptionById: loaderById(
          (ids) => prescriptionRepository.findByIds(ids),
          (prescription) => prescription.id,
        ),
        prescriptionsByAppointment: loaderGrouped(
          (ids) => prescriptionRepository.ofAppointments(ids),
          (prescription) => prescription.appointmentId ?? '',
        ),
        appointmentById: loaderById(
          (ids) => prescriptionRepository.appointments(ids),
          (appointment) => appointment.appointmentId,
        ),
        entryById: loaderById(
          (ids) => recordRepository.findByIds(ids),
          (entry) => entry.id,
        ),
        successorByEntry: loaderById(
          (ids) => recordRepository.successorsOf(ids),
          (entry) => entry.supersedesId ?? '',
        ),
        medicineById: loaderById(
          (ids) => medicineRepository.findByIds(ids),
          (medicine) => medicine.id,
        ),
      },
    };
  },
  consumers: () => prescriptionsConsumers(),
};

/** The prescriptions subgraph, ready to start. */
export const createPrescriptionsSubgraph = (deps: SubgraphDependencies) => defineSubgraph(prescriptionsSubgraph, deps);
