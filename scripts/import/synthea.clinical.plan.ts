/**
 * Reads the clinical files of a Synthea CSV export (encounters.csv, medications.csv, conditions.csv) and decides,
 * without touching the graph, what each row becomes: a catalogue medicine, a prescription, a diagnosis or an
 * encounter note, or a failure with its reason; and, once the graph's ids are known, which rows go in which batch.
 */
import { join } from 'node:path';
import { chunks } from './concurrency.ts';
import { readCsvRecords } from './csv.ts';
import { INVALID_ROW, refuseDuplicateIds, type PlannedRow } from './rows.ts';
import {
  CLINICAL_LIMITS,
  clinicalKey,
  resolveDraft,
  toDiagnosisDraft,
  toEncounterNoteDraft,
  toMedicineInput,
  toPrescriptionDraft,
  withRepeatSuffixes,
  type ClinicalDraft,
  type EncounterRef,
  type EntryDraft,
  type GraphIds,
  type MedicineInput,
  type PrescriptionDraft,
} from './synthea.clinical.mapping.ts';

/** What each clinical row becomes; a row's `id` is its identifier value (its RxNorm code for a medicine). */
export interface SyntheaClinicalPlan {
  /** One per distinct RxNorm CODE of medications.csv, in order of first appearance; `row` is that first row. */
  medicines: PlannedRow<MedicineInput>[];
  /** medications.csv, in file order. */
  prescriptions: PlannedRow<PrescriptionDraft>[];
  /** conditions.csv, in file order. */
  diagnoses: PlannedRow<EntryDraft>[];
  /** encounters.csv, in file order. */
  encounterNotes: PlannedRow<EntryDraft>[];
}

/** The clinical files and the columns the importer needs from each (Synthea 3.x layout). */
const CLINICAL_FILES = {
  encounters: {
    file: 'encounters.csv',
    columns: [
      'Id',
      'START',
      'STOP',
      'PATIENT',
      'PROVIDER',
      'ENCOUNTERCLASS',
      'CODE',
      'DESCRIPTION',
      'REASONCODE',
      'REASONDESCRIPTION',
    ],
  },
  medications: {
    file: 'medications.csv',
    columns: ['START', 'STOP', 'PATIENT', 'ENCOUNTER', 'CODE', 'DESCRIPTION', 'REASONCODE', 'REASONDESCRIPTION'],
  },
  conditions: { file: 'conditions.csv', columns: ['START', 'STOP', 'PATIENT', 'ENCOUNTER', 'CODE', 'DESCRIPTION'] },
} as const;

type ClinicalFile = (typeof CLINICAL_FILES)[keyof typeof CLINICAL_FILES];

async function readAll(folder: string, spec: ClinicalFile) {
  const records = [];
  for await (const record of readCsvRecords({ path: join(folder, spec.file) }, spec.file, spec.columns))
    records.push(record);
  return records;
}

/**
 * Reads encounters.csv, medications.csv and conditions.csv from `folder` and maps every row
 * (`synthea.clinical.mapping.ts`). Rows are kept in file order; a row's identifier does not depend on the others'
 * validity, only on the keys before it (`withRepeatSuffixes`), so the same file always gives the same identifiers.
 *
 * @param now clinical times after it are refused.
 * @throws CsvFileError when a file is missing, lacks a needed column or is not valid CSV.
 */
export async function planSyntheaClinical(folder: string, now: Date): Promise<SyntheaClinicalPlan> {
  const encounterRows = await readAll(folder, CLINICAL_FILES.encounters);
  const encounters = new Map<string, EncounterRef>();
  for (const { fields } of encounterRows) {
    const id = fields.Id!.trim();
    if (!encounters.has(id)) encounters.set(id, { patient: fields.PATIENT!.trim(), provider: fields.PROVIDER!.trim() });
  }
  const encounterNotes = refuseDuplicateIds(
    encounterRows.map(({ row, fields }) => ({
      row,
      id: fields.Id!.trim(),
      mapped: toEncounterNoteDraft(fields, now),
    })),
  );

  const medicationRows = await readAll(folder, CLINICAL_FILES.medications);
  const medicines: PlannedRow<MedicineInput>[] = [];
  const codes = new Set<string>();
  for (const { row, fields } of medicationRows) {
    const code = fields.CODE!.trim();
    if (!code || codes.has(code)) continue;
    codes.add(code);
    medicines.push({ row, id: code, mapped: toMedicineInput(fields) });
  }
  const medicationKeys = withRepeatSuffixes(medicationRows.map(({ fields }) => clinicalKey(fields)));
  const prescriptions = medicationRows.map(({ row, fields }, index) => ({
    row,
    id: medicationKeys[index]!,
    mapped: toPrescriptionDraft(fields, medicationKeys[index]!, encounters, now),
  }));

  const conditionRows = await readAll(folder, CLINICAL_FILES.conditions);
  const conditionKeys = withRepeatSuffixes(conditionRows.map(({ fields }) => clinicalKey(fields)));
  const diagnoses = conditionRows.map(({ row, fields }, index) => ({
    row,
    id: conditionKeys[index]!,
    mapped: toDiagnosisDraft(fields, conditionKeys[index]!, encounters, now),
  }));

  return { medicines, prescriptions, diagnoses, encounterNotes };
}

/** A row ready to send: its line, identifier value and complete input. */
export interface ReadyRow<Input> {
  row: number;
  id: string;
  input: Input;
}

/** A row that will not be sent, with the importer's code. */
export interface HeldRow {
  row: number;
  id: string;
  code: string;
  reason: string;
}

/**
 * Splits planned rows into those held back (`INVALID_ROW`, or `NO_PATIENT` / `NO_DOCTOR` / `NO_MEDICINE` from
 * `resolveDraft`) and batches of at most `batchSize` (default and maximum 100, the graph's limit) ready rows, in
 * file order.
 */
export function batchRows<Input>(
  planned: readonly PlannedRow<ClinicalDraft<Input>>[],
  ids: GraphIds,
  batchSize: number = CLINICAL_LIMITS.batch,
): { held: HeldRow[]; batches: ReadyRow<Input>[][] } {
  const held: HeldRow[] = [];
  const ready: ReadyRow<Input>[] = [];
  for (const { row, id, mapped } of planned) {
    if (!mapped.ok) {
      held.push({ row, id, code: INVALID_ROW, reason: mapped.reason });
      continue;
    }
    const resolved = resolveDraft(mapped.value, ids);
    if (resolved.ok) ready.push({ row, id, input: resolved.input });
    else held.push({ row, id, code: resolved.code, reason: resolved.reason });
  }
  return { held, batches: chunks(ready, Math.min(batchSize, CLINICAL_LIMITS.batch)) };
}
