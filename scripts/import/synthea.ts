/**
 * Imports a Synthea CSV export into the graph, as an admin client would: departments, then doctors (FHIR
 * `Practitioner`), then patients. Idempotent: what exists (by Synthea identifier, departments by name) is
 * skipped, so a second run creates nothing and an interrupted run can simply be run again. Each row is one
 * mutation, which the graph applies atomically, so no row is ever half-imported.
 */
import { GraphRequestError, type GraphClient } from '../../platform/graphql/client.ts';
import { chunks, forEachConcurrently } from './concurrency.ts';
import { GraphSession } from './graph-session.ts';
import { KindTally, type ImportProgress, type ImportSummary, type KindSummary } from './import-summary.ts';
import type { DepartmentSpec } from './synthea.departments.ts';
import {
  SYNTHEA_PATIENT_SYSTEM,
  SYNTHEA_PROVIDER_SYSTEM,
  type DoctorPlan,
  type RegisterPatientInput,
} from './synthea.mapping.ts';
import { planSyntheaImport, type PlannedRow } from './synthea.plan.ts';

export interface ImportSyntheaOptions {
  /** Folder holding organizations.csv, providers.csv, encounters.csv and patients.csv. */
  folder: string;
  /** A client signed in as an admin (creating departments and doctors needs ADMIN). */
  client: GraphClient;
  /** Create requests in flight at once; default 8. */
  concurrency?: number;
  /** Identifier values per lookup request; default and maximum 100 (the graph's limit). */
  batchSize?: number;
  /** Called after each row (department, doctor or patient) is created, skipped or failed. */
  onProgress?: (progress: ImportProgress) => void;
  /** Signs in again when the access token has expired; without it, an expired token fails the rows. */
  reauthenticate?: () => Promise<GraphClient>;
  /** "Now", for refusing birth and death dates in the future (UTC date); default the system clock. */
  clock?: () => Date;
}

const LOOKUP_LIMIT = 100;

const DEPARTMENTS = /* GraphQL */ `
  query ImportDepartments {
    departments {
      id
      name
      code
    }
  }
`;
const CREATE_DEPARTMENT = /* GraphQL */ `
  mutation ImportCreateDepartment($input: CreateDepartmentInput!) {
    createDepartment(input: $input) {
      id
      name
      code
    }
  }
`;
const DOCTORS_BY_IDENTIFIER = /* GraphQL */ `
  query ImportDoctorsByIdentifier($system: String!, $values: [String!]!) {
    doctorsByIdentifier(system: $system, values: $values) {
      id
      identifiers {
        system
        value
      }
    }
  }
`;
const CREATE_DOCTOR = /* GraphQL */ `
  mutation ImportCreateDoctor($input: CreateDoctorInput!) {
    createDoctor(input: $input) {
      id
    }
  }
`;
const PATIENTS_BY_IDENTIFIER = /* GraphQL */ `
  query ImportPatientsByIdentifier($system: String!, $values: [String!]!) {
    patientsByIdentifier(system: $system, values: $values) {
      id
      identifiers {
        system
        value
      }
    }
  }
`;
const REGISTER_PATIENT = /* GraphQL */ `
  mutation ImportRegisterPatient($input: RegisterPatientInput!) {
    registerPatient(input: $input) {
      id
    }
  }
`;

interface DepartmentRecord {
  id: string;
  name: string;
  code: string;
}

interface IdentifiedRecord {
  id: string;
  identifiers: { system: string; value: string }[];
}

/** How one create request ended. */
type CreateOutcome = { kind: 'created' } | { kind: 'skipped' } | { kind: 'failed'; reason: string };

/** Runs a create mutation; `CONFLICT` means someone else (a concurrent import) created the row first. */
async function attemptCreate(create: () => Promise<unknown>): Promise<CreateOutcome> {
  try {
    await create();
    return { kind: 'created' };
  } catch (error) {
    if (error instanceof GraphRequestError) {
      return error.code === 'CONFLICT' ? { kind: 'skipped' } : { kind: 'failed', reason: error.message };
    }
    return { kind: 'failed', reason: `request failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

const nameKey = (name: string): string => name.trim().toLowerCase();

/**
 * Imports the Synthea export in `options.folder`: looks up which providers exist (`batchSize` ids per request),
 * finds or creates the departments the missing ones need, creates the missing doctors; then the same for
 * patients. At most `concurrency` creates are in flight at once.
 *
 * Rows that do not validate are failed with their reason and never sent; rows the graph refuses are failed
 * with its error code and message; a doctor whose department could not be created fails with that reason.
 *
 * @returns counts and failures per kind, and the elapsed milliseconds.
 * @throws CsvFileError when a file is missing, lacks a needed column or is not valid CSV (nothing is sent).
 * @throws GraphRequestError (or a network error) when a lookup fails: without knowing what exists the import
 *   stops; what it created so far stays, and running it again skips that.
 */
export async function importSynthea(options: ImportSyntheaOptions): Promise<ImportSummary> {
  const startedAt = performance.now();
  const concurrency = options.concurrency ?? 8;
  const batchSize = Math.min(options.batchSize ?? LOOKUP_LIMIT, LOOKUP_LIMIT);
  const today = (options.clock?.() ?? new Date()).toISOString().slice(0, 10);
  const session = new GraphSession(options.client, options.reauthenticate);

  const plan = await planSyntheaImport(options.folder, today);

  const existingDoctors = await findExisting(plan.doctors, batchSize, (values) =>
    existingIdentifiers(session, DOCTORS_BY_IDENTIFIER, 'doctorsByIdentifier', SYNTHEA_PROVIDER_SYSTEM, values),
  );
  const {
    summary: departments,
    departmentIds,
    departmentFailures,
  } = await importDepartments(session, plan.doctors, existingDoctors, {
    concurrency,
    onProgress: options.onProgress,
  });
  const doctors = await createRows({
    tally: new KindTally('doctors', plan.doctors.length, options.onProgress),
    rows: plan.doctors,
    existing: existingDoctors,
    concurrency,
    create: async ({ input, department }: DoctorPlan) => {
      const departmentId = departmentIds.get(department.code);
      if (!departmentId) {
        const why = departmentFailures.get(department.code) ?? 'not created';
        return {
          kind: 'failed',
          reason: `department ${department.name} (${department.code}) could not be created: ${why}`,
        };
      }
      return attemptCreate(() => session.data(CREATE_DOCTOR, { input: { ...input, departmentId } }));
    },
  });

  const existingPatients = await findExisting(plan.patients, batchSize, (values) =>
    existingIdentifiers(session, PATIENTS_BY_IDENTIFIER, 'patientsByIdentifier', SYNTHEA_PATIENT_SYSTEM, values),
  );
  const patients = await createRows({
    tally: new KindTally('patients', plan.patients.length, options.onProgress),
    rows: plan.patients,
    existing: existingPatients,
    concurrency,
    create: (input: RegisterPatientInput) => attemptCreate(() => session.data(REGISTER_PATIENT, { input })),
  });

  return { departments, doctors, patients, elapsedMs: Math.round(performance.now() - startedAt) };
}

/**
 * Finds or creates the departments of the providers. A department that does not exist yet is created only when
 * a doctor still to be created needs it (not for doctors imported before). Departments are matched by name,
 * ignoring case; a `CONFLICT` on create is resolved by reading the departments again (another import created
 * it), and fails when the name is free but the code is taken.
 *
 * @returns department ids by code, and for departments that could not be created, why.
 */
async function importDepartments(
  session: GraphSession,
  doctors: PlannedRow<DoctorPlan>[],
  existingDoctors: ReadonlySet<string>,
  options: { concurrency: number; onProgress: ((progress: ImportProgress) => void) | undefined },
): Promise<{ summary: KindSummary; departmentIds: Map<string, string>; departmentFailures: Map<string, string> }> {
  const departmentIds = new Map<string, string>();
  const departmentFailures = new Map<string, string>();
  const wanted = new Map<string, DepartmentSpec>();
  const neededForNewDoctors = new Set<string>();
  for (const { id, mapped } of doctors) {
    if (!mapped.ok) continue;
    wanted.set(mapped.value.department.code, mapped.value.department);
    if (!existingDoctors.has(id)) neededForNewDoctors.add(mapped.value.department.code);
  }
  if (wanted.size === 0)
    return { summary: new KindTally('departments', 0).summary(), departmentIds, departmentFailures };

  const readDepartments = async (): Promise<Map<string, DepartmentRecord>> => {
    const data = await session.data<{ departments: DepartmentRecord[] }>(DEPARTMENTS, {});
    return new Map(data.departments.map((department) => [nameKey(department.name), department]));
  };
  const existing = await readDepartments();
  const specs = [...wanted.values()]
    .filter((spec) => existing.has(nameKey(spec.name)) || neededForNewDoctors.has(spec.code))
    .sort((a, b) => a.name.localeCompare(b.name));
  const tally = new KindTally('departments', specs.length, options.onProgress);

  await forEachConcurrently(specs, options.concurrency, async (spec) => {
    const found = existing.get(nameKey(spec.name));
    if (found) {
      departmentIds.set(spec.code, found.id);
      return tally.skipped();
    }
    let createdId: string | undefined;
    const outcome = await attemptCreate(async () => {
      const data = await session.data<{ createDepartment: DepartmentRecord }>(CREATE_DEPARTMENT, { input: spec });
      createdId = data.createDepartment.id;
    });
    if (outcome.kind === 'created') {
      departmentIds.set(spec.code, createdId!);
      return tally.created();
    }
    let reason = outcome.kind === 'failed' ? outcome.reason : '';
    if (outcome.kind === 'skipped') {
      // CONFLICT: the name or the code is taken. Only a department of this name can be reused.
      const raced = await readDepartments().then(
        (departments) => departments.get(nameKey(spec.name)),
        () => undefined,
      );
      if (raced) {
        departmentIds.set(spec.code, raced.id);
        return tally.skipped();
      }
      reason = `CONFLICT: code ${spec.code} is taken by a department with another name`;
    }
    departmentFailures.set(spec.code, reason);
    tally.failed({ row: 0, id: spec.code, reason: `${spec.name}: ${reason}` });
  });
  return { summary: tally.summary(), departmentIds, departmentFailures };
}

/** Which of `values` the graph already holds as identifiers of `system` (one lookup of ≤ 100 values). */
async function existingIdentifiers(
  session: GraphSession,
  query: string,
  field: 'doctorsByIdentifier' | 'patientsByIdentifier',
  system: string,
  values: string[],
): Promise<Set<string>> {
  if (values.length === 0) return new Set();
  const data = await session.data<Record<typeof field, IdentifiedRecord[]>>(query, { system, values });
  return new Set(
    data[field].flatMap((record) =>
      record.identifiers.filter((identifier) => identifier.system === system).map((identifier) => identifier.value),
    ),
  );
}

/**
 * The Synthea ids of `rows` that the graph already holds, looked up `batchSize` at a time (rows that did not
 * map are not looked up).
 */
async function findExisting<T>(
  rows: PlannedRow<T>[],
  batchSize: number,
  lookup: (values: string[]) => Promise<Set<string>>,
): Promise<Set<string>> {
  const existing = new Set<string>();
  const ids = rows.filter((planned) => planned.mapped.ok).map((planned) => planned.id);
  for (const batch of chunks(ids, batchSize)) for (const id of await lookup(batch)) existing.add(id);
  return existing;
}

/**
 * Creates every mapped row not in `existing`, at most `concurrency` requests at a time; counts existing rows as
 * skipped and rows that did not map as failed, without a request.
 */
async function createRows<T>(job: {
  tally: KindTally;
  rows: PlannedRow<T>[];
  existing: ReadonlySet<string>;
  concurrency: number;
  create: (value: T) => Promise<CreateOutcome>;
}): Promise<KindSummary> {
  const { tally } = job;
  await forEachConcurrently(job.rows, job.concurrency, async ({ row, id, mapped }) => {
    if (!mapped.ok) return tally.failed({ row, ...(id ? { id } : {}), reason: mapped.reason });
    if (job.existing.has(id)) return tally.skipped();
    const outcome = await job.create(mapped.value);
    if (outcome.kind === 'created') tally.created();
    else if (outcome.kind === 'skipped') tally.skipped();
    else tally.failed({ row, id, reason: outcome.reason });
  });
  return tally.summary();
}
