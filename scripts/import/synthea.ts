/**
 * Imports a Synthea CSV export into the graph, as an admin client would: departments, then doctors (FHIR
 * `Practitioner`), then patients. Idempotent: what exists (by Synthea identifier, departments by name) is
 * skipped, so a second run creates nothing and an interrupted run can simply be run again. Each row is one
 * mutation, which the graph applies atomically, so no row is ever half-imported.
 */
import type { GraphClient } from '../../platform/graphql/client.ts';
import { importDepartments, nameKey, NO_DEPARTMENT, readDepartments, type DepartmentSpec } from './departments.ts';
import { attempt, CREATE_DOCTOR, findByIdentifier, findOne, importPatients, LOOKUP_LIMIT } from './graph.ts';
import { GraphSession } from './graph-session.ts';
import { KindTally, type ImportProgress, type ImportSummary } from './import-summary.ts';
import { createRows } from './rows.ts';
import { SYNTHEA_PATIENT_SYSTEM, SYNTHEA_PROVIDER_SYSTEM } from './synthea.mapping.ts';
import { planSyntheaImport } from './synthea.plan.ts';

export interface ImportSyntheaOptions {
  /** Folder holding organizations.csv, providers.csv, encounters.csv and patients.csv. */
  folder: string;
  /** A client signed in as an admin (creating departments and doctors needs ADMIN). */
  client: GraphClient;
  /** Requests in flight at once (creates, and lookups); default 8. */
  concurrency?: number;
  /** Identifier values per lookup request; default and maximum `LOOKUP_LIMIT` (100, the graph's limit). */
  batchSize?: number;
  /** Called after each row (department, doctor or patient) is created, skipped or failed. */
  onProgress?: (progress: ImportProgress) => void;
  /** Signs in again when the access token has expired; without it, an expired token fails the rows. */
  reauthenticate?: () => Promise<GraphClient>;
  /** "Now", for refusing birth and death dates in the future (UTC date); default the system clock. */
  clock?: () => Date;
}

/**
 * Imports the Synthea export in `options.folder`: looks up which providers exist (`batchSize` ids per request),
 * finds or creates the departments the missing ones need, creates the missing doctors; then the same for
 * patients. At most `concurrency` requests are in flight at once.
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
export async function importSynthea(options: ImportSyntheaOptions): Promise<ImportSummary> {
  const startedAt = performance.now();
  const concurrency = options.concurrency ?? 8;
  const lookup = { batchSize: options.batchSize ?? LOOKUP_LIMIT, concurrency };
  const today = (options.clock?.() ?? new Date()).toISOString().slice(0, 10);
  const session = new GraphSession(options.client, options.reauthenticate);
  const progress = options.onProgress;

  const plan = await planSyntheaImport(options.folder, today);

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

  return {
    departments,
    doctors: doctors.summary,
    patients: patients.summary,
    elapsedMs: Math.round(performance.now() - startedAt),
  };
}
