/**
 * Resolvers of the prescriptions subgraph: parse the input, call the service, shape the result. Every clinical
 * object (prescription, record entry) reaches the client only through a service that authorized it; loaders only
 * batch the reads.
 */
import { loaderPerParent, requestLoader } from '../../../platform/graphql/loaders.ts';
import { pageArgs, type Connection, type PageArgs } from '../../../platform/graphql/pagination.ts';
import { scalarResolvers } from '../../../platform/graphql/scalars.ts';
import { idSchema, parseInput } from '../../../platform/validation.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import type { MedicalRecordEntry } from '../medical-record.entity.ts';
import {
  addMedicalRecordEntryInput,
  importMedicalRecordEntriesInput,
  medicalRecordFilterInput,
  type MedicalRecordFilter,
} from '../medical-record.inputs.ts';
import type { Prescription } from '../prescription.entity.ts';
import {
  createMedicineInput,
  importPrescriptionsInput,
  issuePrescriptionInput,
  medicineCodeLookupInput,
  medicineSearchInput,
  parseBatchInput,
  updateMedicineInput,
} from '../prescription.inputs.ts';
import { sourceIdentifierOf, type CodeSystem } from '../prescription.rules.ts';

/** The arguments of `Patient.medicalRecords`, parsed. */
interface RecordsArgs {
  filter: MedicalRecordFilter;
  page: PageArgs;
}

/** A reference's id when it is one the graph could have issued, else null (nothing has it). */
const referenceId = (reference: { id: string }): string | null =>
  idSchema.safeParse(reference.id).success ? reference.id : null;

/** A `Coding` from its three columns, or null when there is no code. */
const codingOf = (
  system: CodeSystem | null | undefined,
  code: string | null | undefined,
  display: string | null | undefined,
) => (system && code ? { system, code, display: display ?? null } : null);

/** The `identifiers` of an imported row (one: its source's), or none for a row written here. */
const identifiersOf = (row: { identifierSystem?: string | null; identifierValue?: string | null }) => {
  const identifier = sourceIdentifierOf(row);
  return identifier ? [identifier] : [];
};

export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: {
    prescription: async (_root, args, { access, loaders }) =>
      access.readable(await loaders.prescriptionById.load(parseInput(idSchema, args.id, 'id'))),
    medicalRecordEntry: async (_root, args, { access, loaders }) =>
      access.readable(await loaders.entryById.load(parseInput(idSchema, args.id, 'id'))),
    medicines: (_root, args, { medicines }) =>
      medicines.list(
        parseInput(medicineSearchInput, { search: args.search, includeInactive: args.includeInactive }, ''),
        pageArgs(args),
      ),
    medicine: (_root, args, { loaders }) => loaders.medicineById.load(parseInput(idSchema, args.id, 'id')),
    medicinesByCode: (_root, args, { medicines }) => {
      const lookup = parseInput(medicineCodeLookupInput, { system: args.system, codes: args.codes }, '');
      return medicines.byCodes(lookup.system, lookup.codes);
    },
  },
  Mutation: {
    issuePrescription: (_root, args, { prescriptions }) =>
      prescriptions.issue(parseInput(issuePrescriptionInput, args.input)),
    addMedicalRecordEntry: (_root, args, { records }) =>
      records.add(parseInput(addMedicalRecordEntryInput, args.input)),
    createMedicine: (_root, args, { medicines }) => medicines.create(parseInput(createMedicineInput, args.input)),
    updateMedicine: (_root, args, { medicines }) =>
      medicines.update(parseInput(idSchema, args.id, 'id'), parseInput(updateMedicineInput, args.input)),
    importPrescriptions: (_root, args, { imports }) =>
      imports.importPrescriptions(parseBatchInput(importPrescriptionsInput, args.input)),
    importMedicalRecordEntries: (_root, args, { imports }) =>
      imports.importMedicalRecordEntries(parseBatchInput(importMedicalRecordEntriesInput, args.input)),
  },
  Prescription: {
    __resolveReference: async (reference, { access, loaders }) => {
      const id = referenceId(reference);
      return id ? access.readable(await loaders.prescriptionById.load(id)) : null;
    },
    patient: (prescription) => ({ id: prescription.patientId }),
    doctor: (prescription) => ({ id: prescription.doctorId }),
    appointment: (prescription) => (prescription.appointmentId ? { id: prescription.appointmentId } : null),
    medicine: (prescription, _args, { loaders }) =>
      prescription.medicine ? loaders.medicineById.load(prescription.medicine.id) : null,
    dose: (prescription) =>
      prescription.doseValue !== null && prescription.doseValue !== undefined && prescription.doseUnit
        ? { value: prescription.doseValue, unit: prescription.doseUnit }
        : null,
    reason: (prescription) => codingOf(prescription.reasonSystem, prescription.reasonCode, prescription.reasonDisplay),
    identifiers: (prescription) => identifiersOf(prescription),
  },
  MedicalRecordEntry: {
    __resolveReference: async (reference, { access, loaders }) => {
      const id = referenceId(reference);
      return id ? access.readable(await loaders.entryById.load(id)) : null;
    },
    patient: (entry) => ({ id: entry.patientId }),
    appointment: (entry) => (entry.appointmentId ? { id: entry.appointmentId } : null),
    author: (entry) => ({ id: entry.authorId }),
    code: (entry) => codingOf(entry.codeSystem, entry.code, entry.codeDisplay),
    supersedes: async (entry, _args, { access, loaders }) =>
      entry.supersedesId ? access.readable(await loaders.entryById.load(entry.supersedesId)) : null,
    supersededBy: async (entry, _args, { access, loaders }) =>
      access.readable(await loaders.successorByEntry.load(entry.id)),
    current: async (entry, _args, { loaders }) => (await loaders.successorByEntry.load(entry.id)) === null,
    identifiers: (entry) => identifiersOf(entry),
  },
  Medicine: {
    __resolveReference: (reference, { loaders }) => {
      const id = referenceId(reference);
      return id ? loaders.medicineById.load(id) : null;
    },
    code: (medicine) => codingOf(medicine.codeSystem, medicine.code, medicine.codeDisplay),
  },
  Patient: {
    // Through the request's loaders: a page of patients reads all their prescriptions (and records) in one statement,
    // each patient authorized on its own (a FORBIDDEN fails only that patient's field).
    prescriptions: (patient, args, context) =>
      requestLoader(context, 'prescriptions.patientId', () =>
        loaderPerParent<PageArgs, Connection<Prescription>>(
          (patientIds, page) => context.prescriptions.listOfPatients(patientIds, page),
          (page) => JSON.stringify(page),
        ),
      ).load({ parentId: patient.id, args: pageArgs(args) }),
    medicalRecords: (patient, args, context) =>
      requestLoader(context, 'medicalRecords.patientId', () =>
        loaderPerParent<RecordsArgs, Connection<MedicalRecordEntry>>(
          (patientIds, { filter, page }) => context.records.listOfPatients(patientIds, filter, page),
          (key) => JSON.stringify(key),
        ),
      ).load({
        parentId: patient.id,
        args: { filter: parseInput(medicalRecordFilterInput, args.filter ?? {}, 'filter'), page: pageArgs(args) },
      }),
  },
  Appointment: {
    prescriptions: async (appointment, _args, { prescriptions, loaders }) => {
      const [replica, issued] = await Promise.all([
        loaders.appointmentById.load(appointment.id),
        loaders.prescriptionsByAppointment.load(appointment.id),
      ]);
      return prescriptions.readableOfAppointment(replica, issued);
    },
  },
};
