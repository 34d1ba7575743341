/**
 * Imports a Synthea CSV export into the graph, as an admin client would: departments, then doctors (FHIR
 * `Practitioner`), then patients, then their clinical history (`synthea.clinical.ts`): the medicine catalogue,
 * prescriptions, diagnoses and encounter notes. Idempotent: what exists (by Synthea identifier, departments by
 * name, medicines by RxNorm code) is skipped, and the batch imports report what they had loaded before, so a second
 * run creates nothing and an interrupted run can simply be run again. Each row (each batch, for the clinical
 * history) is one mutation, which the graph applies atomically, so no row is ever half-imported.
 */
import type { GraphClient } from '../../platform/graphql/client.ts';
import { importDepartments, nameKey, NO_DEPARTMENT, readDepartments, type DepartmentSpec } from './departments.ts';
import { attempt, CREATE_DOCTOR, findByIdentifier, findOne, importPatients, LOOKUP_LIMIT } from './graph.ts';
import { GraphSession } from './graph-session.ts';
import { KindTally, type ImportProgress, type ImportSummary } from './import-summary.ts';
import { createRows } from './rows.ts';
import { importSyntheaClinical, type ClinicalSummary } from './synthea.clinical.ts';
import { CLINICAL_LIMITS } from './synthea.clinical.mapping.ts';
import { planSyntheaClinical } from './synthea.clinical.plan.ts';
import { SYNTHEA_PATIENT_SYSTEM, SYNTHEA_PROVIDER_SYSTEM } from './synthea.mapping.ts';
import { planSyntheaImport } from './synthea.plan.ts';

export interface ImportSyntheaOptions {
  /**
   * Folder holding organizations.csv, providers.csv, encounters.csv, patients.csv, medications.csv and
   * conditions.csv.
   */
  folder: string;
  /** A client signed in as an admin (creating departments and doctors needs ADMIN). */
  client: GraphClient;
  /** Requests in flight at once (creates, lookups, and batch imports); default 8. */
  concurrency?: number;
  /**
   * Identifier values (medicine codes) per lookup request; default and maximum `LOOKUP_LIMIT` (100, the graph's
   * limit).
   */
  batchSize?: number;
  /** Rows per `importPrescriptions` / `importMedicalRecordEntries` call; default and maximum 100 (the graph's). */
  importBatchSize?: number;
  /**
   * Pauses (ms) before sending a clinical batch again while the prescriptions subgraph refuses it for a patient it
   * has not learned of yet (it learns from events): by default 250 ms doubling to 8 s, six retries over 15.75 s.
   * Tests pass zeros.
   */
  retryDelaysMs?: readonly number[];
  /** Called after each row (department, doctor, patient, medicine or clinical row) is created, skipped or failed. */
  onProgress?: (progress: ImportProgress) => void;
  /** Signs in again when the access token has expired; without it, an expired token fails the rows. */
  reauthenticate?: () => Promise<GraphClient>;
  /** "Now", for refusing birth, death and clinical dates in the future; default the system clock. */
  clock?: () => Date;
}

/** What a Synthea import did: departments, doctors, patients, and the clinical history. */
export type SyntheaSummary = ImportSummary & ClinicalSummary;

const DEFAULT_RETRY_DELAYS_MS = [250, 500, 1_000, 2_000, 4_000, 8_000];

/**
 * Imports the Synthea export in `options.folder`: looks up which providers exist (`batchSize` ids per request),
 * finds or creates the departments the missing ones need, creates the missing doctors; then the same for
 * patients; then the clinical history of the patients in the graph (`importSyntheaClinical`). At most
 * `concurrency` requests are in flight at once.
 *
 * Rows that do not validate are failed as `INVALID_ROW` with their reason and never sent; rows the graph refuses
 * are failed with its error code and message; a doctor whose department could not be created fails as
 * `NO_DEPARTMENT` with that reason.
 *
 * Departments are matched by name. One whose code another department (of another name) holds fails: Synthea's codes
 * are a fixed table (`synthea.departments.ts`), not renumbered as the no-show importer's own abbreviations are.
 *
 * @returns counts and failures per kind, and the elapsed milliseconds.
 * @throws CsvFileError when a file is missing, lacks a needed column or is not valid CSV (nothing is sent).
 * @throws GraphRequestError (or a network error) when a lookup fails: without knowing what exists the import
 *   stops; what it created so far stays, and running it again skips that.
 */
export async function importSynthea(options: ImportSyntheaOptions): Promise<SyntheaSummary> {
  const startedAt = performance.now();
  const concurrency = options.concurrency ?? 8;
  const lookup = { batchSize: options.batchSize ?? LOOKUP_LIMIT, concurrency };
  const now = options.clock?.() ?? new Date();
  const today = now.toISOString().slice(0, 10);
  const session = new GraphSession(options.client, options.reauthenticate);
  const progress = options.onProgress;

  const plan = await planSyntheaImport(options.folder, today);
  // Read before anything is sent, so that an unreadable clinical file stops the import before it starts.
  const clinicalPlan = await planSyntheaClinical(options.folder, now);

  const doctorIds = plan.doctors.filter((planned) => planned.mapped.ok).map((planned) => planned.id);
  const existingDoctors = await findByIdentifier(session, 'doctors', SYNTHEA_PROVIDER_SYSTEM, doctorIds, lookup);

  // A department is wanted when it exists (to count it) or a doctor still to be created needs it; one that only
  // doctors imported before would need is not created again (an admin may have renamed it since).
  const existingDepartments = await readDepartments(session);
  const wanted = new Map<string, { key: string; spec: DepartmentSpec }>();
  for (const { id, mapped } of plan.doctors) {
    if (!mapped.ok) continue;
    const spec = mapped.value.department;
    if (existingDepartments.has(nameKey(spec.name)) || !existingDoctors.has(id))
      wanted.set(spec.code, { key: spec.code, spec });
  }
  const {
    summary: departments,
    departmentIds,
    failures: departmentFailures,
  } = await importDepartments(
    session,
    [...wanted.values()].sort((a, b) => a.spec.name.localeCompare(b.spec.name)),
    { existing: existingDepartments, concurrency, progress },
  );

  const doctors = await createRows({
    tally: new KindTally('doctors', plan.doctors.length, progress),
    rows: plan.doctors,
    existing: existingDoctors,
    concurrency,
    create: async ({ input, department }, id) => {
      const departmentId = departmentIds.get(department.code);
      if (!departmentId) {
        const why =
          departmentFailures.get(department.code) ?? `${department.name} (${department.code}) was not created`;
        return { kind: 'failed', code: NO_DEPARTMENT, reason: `department ${why}` };
      }
      return attempt(
        async () => {
          const data = await session.data<{ createDoctor: { id: string } }>(CREATE_DOCTOR, {
            input: { ...input, departmentId },
          });
          return { id: data.createDoctor.id, departmentId };
        },
        {
          find: () => findOne(session, 'doctors', SYNTHEA_PROVIDER_SYSTEM, id),
          missing: `no doctor has identifier ${id}`,
        },
      );
    },
  });

  const patients = await importPatients(session, plan.patients, {
    system: SYNTHEA_PATIENT_SYSTEM,
    concurrency,
    lookup,
    progress,
  });

  const clinical = await importSyntheaClinical(session, clinicalPlan, {
    patients: patients.records,
    doctors: doctors.records,
    concurrency,
    lookupBatchSize: lookup.batchSize,
    batchSize: Math.min(options.importBatchSize ?? CLINICAL_LIMITS.batch, CLINICAL_LIMITS.batch),
    delaysMs: options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
    progress,
  });

  return {
    departments,
    doctors: doctors.summary,
    patients: patients.summary,
    ...clinical,
    elapsedMs: Math.round(performance.now() - startedAt),
  };
}
