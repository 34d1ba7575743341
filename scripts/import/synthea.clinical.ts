/**
 * The Synthea importer's clinical steps, after the patients: the medicine catalogue (one per RxNorm code of
 * medications.csv), then prescriptions (medications.csv), diagnoses (conditions.csv) and encounter notes
 * (encounters.csv) for the patients that are in the graph, loaded in batches of up to 100 rows with the admin-only
 * batch imports. Idempotent: medicines are looked up by code and skipped, and the batch imports leave a row already
 * loaded (by identifier) as it is and say so (`created: false`, counted as skipped), so a rerun creates nothing.
 */
import { forEachConcurrently } from './concurrency.ts';
import { attempt, refusalOf, type FoundRecord } from './graph.ts';
import type { GraphSession } from './graph-session.ts';
import { KindTally, type EntityKind, type ImportProgress, type KindSummary } from './import-summary.ts';
import { createRows, type PlannedRow } from './rows.ts';
import { createMedicine, findMedicines, importBatch } from './synthea.clinical.graph.ts';
import type {
  ClinicalDraft,
  GraphIds,
  ImportedEntryInput,
  ImportedPrescriptionInput,
} from './synthea.clinical.mapping.ts';
import { batchRows, type ReadyRow, type SyntheaClinicalPlan } from './synthea.clinical.plan.ts';

/** What the clinical steps did, per kind. */
export interface ClinicalSummary {
  medicines: KindSummary;
  prescriptions: KindSummary;
  diagnoses: KindSummary;
  encounterNotes: KindSummary;
}

export interface ClinicalJob {
  /** Patients in the graph by patients.csv Id (existing before the run, or created by it). */
  patients: ReadonlyMap<string, FoundRecord>;
  /** Doctors in the graph by providers.csv Id. */
  doctors: ReadonlyMap<string, FoundRecord>;
  /** Requests in flight at once: medicine lookups and creates, and batches. */
  concurrency: number;
  /** Codes per medicine lookup (at most 100). */
  lookupBatchSize: number;
  /** Rows per batch import (at most 100). */
  batchSize: number;
  /** Pauses before sending again a batch refused for a patient the prescriptions subgraph has not learned of yet. */
  delaysMs: readonly number[];
  progress: ((progress: ImportProgress) => void) | undefined;
}

/**
 * Runs the clinical steps of `plan` (see the module comment). A medicine `CONFLICT` is skipped only when the medicine
 * is then found by its code. A row that did not validate fails as `INVALID_ROW`, one whose patient, doctor or
 * medicine is not in the graph as `NO_PATIENT`, `NO_DOCTOR`, `NO_MEDICINE`, none of them sent; a batch the graph
 * refuses fails all its rows with the graph's code.
 *
 * @throws GraphRequestError (or a network error) when the medicine lookup fails.
 */
export async function importSyntheaClinical(
  session: GraphSession,
  plan: SyntheaClinicalPlan,
  job: ClinicalJob,
): Promise<ClinicalSummary> {
  const codes = plan.medicines.filter((planned) => planned.mapped.ok).map((planned) => planned.id);
  const lookup = { batchSize: job.lookupBatchSize, concurrency: job.concurrency };
  const existing = await findMedicines(session, codes, lookup);
  const medicines = await createRows({
    tally: new KindTally('medicines', plan.medicines.length, job.progress),
    rows: plan.medicines,
    existing,
    concurrency: job.concurrency,
    create: (input, code) =>
      attempt(() => createMedicine(session, input), {
        find: async () => (await findMedicines(session, [code])).get(code),
        missing: `no medicine has RxNorm code ${code}`,
      }),
  });

  const ids: GraphIds = {
    patients: job.patients,
    doctors: job.doctors,
    medicines: new Map([...medicines.records].map(([code, record]) => [code, record.id])),
  };
  const prescriptions = await importInBatches('prescriptions', plan.prescriptions, ids, job, (inputs) =>
    importBatch(session, { kind: 'prescriptions', inputs }, job.delaysMs),
  );
  const sendEntries = (inputs: ImportedEntryInput[]) => importBatch(session, { kind: 'entries', inputs }, job.delaysMs);
  const diagnoses = await importInBatches('diagnoses', plan.diagnoses, ids, job, sendEntries);
  const encounterNotes = await importInBatches('encounterNotes', plan.encounterNotes, ids, job, sendEntries);

  return { medicines: medicines.summary, prescriptions, diagnoses, encounterNotes };
}

/**
 * Sends the rows of one kind in batches (`batchRows`), at most `job.concurrency` batches in flight. Each row of a
 * batch the graph loaded is created or skipped as its item says; every row of a refused batch fails with the graph's
 * code and message, and one the answer does not list fails as `ERROR`.
 */
async function importInBatches<Input extends ImportedPrescriptionInput | ImportedEntryInput>(
  kind: EntityKind,
  planned: readonly PlannedRow<ClinicalDraft<Input>>[],
  ids: GraphIds,
  job: ClinicalJob,
  send: (inputs: Input[]) => Promise<{ items: { identifier: { system: string; value: string }; created: boolean }[] }>,
): Promise<KindSummary> {
  const tally = new KindTally(kind, planned.length, job.progress);
  const { held, batches } = batchRows(planned, ids, job.batchSize);
  for (const failure of held) tally.failed(failure);
  await forEachConcurrently(batches, job.concurrency, async (batch: ReadyRow<Input>[]) => {
    let items: Map<string, boolean>;
    try {
      const result = await send(batch.map((ready) => ready.input));
      items = new Map(
        result.items.map((item) => [JSON.stringify([item.identifier.system, item.identifier.value]), item.created]),
      );
    } catch (error) {
      const { code, reason } = refusalOf(error);
      const rows = `rows ${batch[0]!.row}–${batch.at(-1)!.row}`;
      for (const { row, id } of batch)
        tally.failed({ row, id, code, reason: `${reason} (the batch of ${batch.length}, ${rows}, was refused)` });
      return;
    }
    for (const { row, id, input } of batch) {
      const created = items.get(JSON.stringify([input.identifier.system, input.identifier.value]));
      if (created === undefined)
        tally.failed({ row, id, code: 'ERROR', reason: 'the graph loaded the batch but did not list this row' });
      else if (created) tally.created();
      else tally.skipped();
    }
  });
  return tally.summary();
}
