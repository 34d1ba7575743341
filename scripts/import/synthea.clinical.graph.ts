/**
 * What the Synthea importer asks of the prescriptions subgraph: its operations (variables, never interpolated), the
 * lookup of catalogue medicines by RxNorm code, and the batch imports, retried while the subgraph has not learned
 * of a just-registered patient yet (it learns of patients from events).
 */
import { GraphRequestError } from '../../platform/graphql/client.ts';
import { chunks, forEachConcurrently } from './concurrency.ts';
import { retryWhile, type FoundRecord } from './graph.ts';
import type { GraphSession } from './graph-session.ts';
import {
  CLINICAL_LIMITS,
  type ImportedEntryInput,
  type ImportedPrescriptionInput,
  type MedicineInput,
} from './synthea.clinical.mapping.ts';

const MEDICINES_BY_CODE = /* GraphQL */ `
  query ImportMedicinesByCode($system: CodeSystem!, $codes: [String!]!) {
    medicinesByCode(system: $system, codes: $codes) {
      id
      code {
        system
        code
      }
    }
  }
`;
export const CREATE_MEDICINE = /* GraphQL */ `
  mutation ImportCreateMedicine($input: CreateMedicineInput!) {
    createMedicine(input: $input) {
      id
    }
  }
`;
const IMPORT_RESULT = /* GraphQL */ `
  created
  existing
  items {
    identifier {
      system
      value
    }
    id
    created
  }
`;
const IMPORT_PRESCRIPTIONS = /* GraphQL */ `
  mutation ImportPrescriptions($input: ImportPrescriptionsInput!) {
    importPrescriptions(input: $input) {
      ${IMPORT_RESULT}
    }
  }
`;
const IMPORT_MEDICAL_RECORD_ENTRIES = /* GraphQL */ `
  mutation ImportMedicalRecordEntries($input: ImportMedicalRecordEntriesInput!) {
    importMedicalRecordEntries(input: $input) {
      ${IMPORT_RESULT}
    }
  }
`;

/** The graph's `ImportResult`: one item per input row, in input order. */
export interface ImportResult {
  created: number;
  existing: number;
  items: { identifier: { system: string; value: string }; id: string; created: boolean }[];
}

/**
 * The catalogue medicines coded with any of `codes` in RxNorm, `CLINICAL_LIMITS.codesPerLookup` (100) codes per
 * request, at most `concurrency` requests at a time.
 *
 * @returns RxNorm code → the medicine.
 * @throws GraphRequestError (or a network error) when a lookup fails.
 */
export async function findMedicines(
  session: GraphSession,
  codes: readonly string[],
  options: { batchSize?: number; concurrency?: number } = {},
): Promise<Map<string, FoundRecord>> {
  type Found = { medicinesByCode: { id: string; code: { system: string; code: string } | null }[] };
  const found = new Map<string, FoundRecord>();
  const size = Math.min(options.batchSize ?? CLINICAL_LIMITS.codesPerLookup, CLINICAL_LIMITS.codesPerLookup);
  await forEachConcurrently(chunks(codes, size), options.concurrency ?? 1, async (batch) => {
    const data = await session.data<Found>(MEDICINES_BY_CODE, { system: 'RXNORM', codes: batch });
    for (const medicine of data.medicinesByCode) {
      if (medicine.code?.system === 'RXNORM') found.set(medicine.code.code, { id: medicine.id });
    }
  });
  return found;
}

/** Creates a catalogue medicine. @throws GraphRequestError when the graph refuses it. */
export async function createMedicine(session: GraphSession, input: MedicineInput): Promise<FoundRecord> {
  return (await session.data<{ createMedicine: { id: string } }>(CREATE_MEDICINE, { input })).createMedicine;
}

/**
 * True when the prescriptions subgraph refused a batch because it does not know one of its patients (yet):
 * `BAD_USER_INPUT` on a row's `patientId` (`input.prescriptions[3].patientId`, `input.entries[0].patientId`).
 */
export function isUnknownPatient(error: unknown): boolean {
  if (!(error instanceof GraphRequestError) || error.code !== 'BAD_USER_INPUT') return false;
  const field = error.response.errors?.[0]?.extensions?.field;
  return typeof field === 'string' && /(^|\.)patientId$/.test(field);
}

/**
 * Loads one batch (1–100 rows, all or none) with `importPrescriptions` or `importMedicalRecordEntries`. A refusal
 * for an unknown patient (`isUnknownPatient`) is sent again after each of `delaysMs`.
 *
 * @throws GraphRequestError (or a network error) when the graph refuses the batch, or keeps refusing it.
 */
export async function importBatch(
  session: GraphSession,
  batch:
    { kind: 'prescriptions'; inputs: ImportedPrescriptionInput[] } | { kind: 'entries'; inputs: ImportedEntryInput[] },
  delaysMs: readonly number[],
): Promise<ImportResult> {
  const send =
    batch.kind === 'prescriptions'
      ? async () =>
          (
            await session.data<{ importPrescriptions: ImportResult }>(IMPORT_PRESCRIPTIONS, {
              input: { prescriptions: batch.inputs },
            })
          ).importPrescriptions
      : async () =>
          (
            await session.data<{ importMedicalRecordEntries: ImportResult }>(IMPORT_MEDICAL_RECORD_ENTRIES, {
              input: { entries: batch.inputs },
            })
          ).importMedicalRecordEntries;
  return retryWhile(send, delaysMs, isUnknownPatient);
}
