/**
 * What every importer asks of the graph about departments, doctors and patients: the operations (variables, never
 * interpolated), lookups of what exists by identifier, and how one create ends (`attempt`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { GraphRequestError } from '../../platform/graphql/client.ts';
import { chunks, forEachConcurrently } from './concurrency.ts';
import type { GraphSession } from './graph-session.ts';
import { KindTally, type ImportProgress } from './import-summary.ts';
import { createRows, type PlannedRow } from './rows.ts';

/** Identifier values per lookup request: the graph's limit (`identifierLookupSchema`, platform/validation.ts). */
export const LOOKUP_LIMIT = 100;

export const DEPARTMENTS = /* GraphQL */ `
  query ImportDepartments {
    departments {
      id
      name
      code
    }
  }
`;
export const CREATE_DEPARTMENT = /* GraphQL */ `
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
      department {
        id
      }
      identifiers {
        system
        value
      }
    }
  }
`;
export const CREATE_DOCTOR = /* GraphQL */ `
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
export const REGISTER_PATIENT = /* GraphQL */ `
  mutation ImportRegisterPatient($input: RegisterPatientInput!) {
    registerPatient(input: $input) {
      id
    }
  }
`;

export interface DepartmentRecord {
  id: string;
  name: string;
  code: string;
}

/** A doctor or patient in the graph: its id and, for doctors, its department. */
export interface FoundRecord {
  id: string;
  departmentId?: string;
}

/** The importer's own code for a request that got no GraphQL answer (the gateway unreachable, say). */
const REQUEST_FAILED = 'REQUEST_FAILED';

/**
 * How one create ended: `created` with the mutation's result; `skipped` when the graph answered `CONFLICT` and the
 * record was then found (a rerun or a concurrent import made it); else `failed` with the graph's code (`ERROR` when it
 * gave none) or `REQUEST_FAILED`.
 */
export type Outcome<T, R> =
  { kind: 'created'; value: T } | { kind: 'skipped'; found: R } | { kind: 'failed'; code: string; reason: string };

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Why a request failed, as a row's failure: the graph's code (`ERROR` when it gave none) and message, or
 * `REQUEST_FAILED` when no GraphQL answer came.
 */
export function refusalOf(error: unknown): { code: string; reason: string } {
  if (!(error instanceof GraphRequestError))
    return { code: REQUEST_FAILED, reason: `request failed: ${messageOf(error)}` };
  return { code: error.code ?? 'ERROR', reason: error.message };
}

/**
 * Runs `send`, and while it fails with an error `retryable` accepts, runs it again after each of `delaysMs`; then
 * gives up with that error. For refusals that pass once a subgraph has caught up with events (a patient it has not
 * learned of yet).
 */
export async function retryWhile<T>(
  send: () => Promise<T>,
  delaysMs: readonly number[],
  retryable: (error: unknown) => boolean,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (attempt >= delaysMs.length || !retryable(error)) throw error;
      await sleep(delaysMs[attempt]!);
    }
  }
}

/**
 * Runs a create mutation and sorts its end (see `Outcome`). `CONFLICT` is not taken on trust: the graph also answers
 * it when another unique value of the row is taken (a patient's MRN, a department's code), so `conflict.find` looks
 * the record up by the row's identifier (or a department by name). Found: skipped. Not found, or the lookup failed:
 * failed as `CONFLICT`, the reason saying which (`conflict.missing` explains a record that is not there).
 */
export async function attempt<T, R>(
  mutation: () => Promise<T>,
  conflict: { find: () => Promise<R | undefined>; missing: string },
): Promise<Outcome<T, R>> {
  let refusal: GraphRequestError;
  try {
    return { kind: 'created', value: await mutation() };
  } catch (error) {
    if (!(error instanceof GraphRequestError) || error.code !== 'CONFLICT')
      return { kind: 'failed', ...refusalOf(error) };
    refusal = error;
  }
  try {
    const found = await conflict.find();
    if (found !== undefined) return { kind: 'skipped', found };
    return { kind: 'failed', code: 'CONFLICT', reason: `${refusal.message} (${conflict.missing})` };
  } catch (error) {
    return {
      kind: 'failed',
      code: 'CONFLICT',
      reason: `${refusal.message} (looking it up failed, so it is not known to exist: ${messageOf(error)})`,
    };
  }
}

/**
 * The doctors or patients carrying any of `values` as an identifier of `system`, looked up `batchSize` (at most
 * `LOOKUP_LIMIT`) values per request, at most `concurrency` requests at a time.
 *
 * @returns identifier value → record (with its department, for doctors).
 * @throws GraphRequestError (or a network error) when a lookup fails.
 */
export async function findByIdentifier(
  session: GraphSession,
  kind: 'doctors' | 'patients',
  system: string,
  values: readonly string[],
  options: { batchSize?: number; concurrency?: number } = {},
): Promise<Map<string, FoundRecord>> {
  const [query, field] =
    kind === 'doctors'
      ? [DOCTORS_BY_IDENTIFIER, 'doctorsByIdentifier' as const]
      : [PATIENTS_BY_IDENTIFIER, 'patientsByIdentifier' as const];
  type Found = { id: string; department?: { id: string }; identifiers: { system: string; value: string }[] };
  const found = new Map<string, FoundRecord>();
  const batches = chunks(values, Math.min(options.batchSize ?? LOOKUP_LIMIT, LOOKUP_LIMIT));
  await forEachConcurrently(batches, options.concurrency ?? 1, async (batch) => {
    const data = await session.data<Record<typeof field, Found[]>>(query, { system, values: batch });
    for (const record of data[field]) {
      for (const identifier of record.identifiers) {
        if (identifier.system !== system) continue;
        found.set(identifier.value, {
          id: record.id,
          ...(record.department ? { departmentId: record.department.id } : {}),
        });
      }
    }
  });
  return found;
}

/** The doctor or patient carrying `value` as an identifier of `system`, if any (for a `CONFLICT`). */
export async function findOne(
  session: GraphSession,
  kind: 'doctors' | 'patients',
  system: string,
  value: string,
): Promise<FoundRecord | undefined> {
  return (await findByIdentifier(session, kind, system, [value])).get(value);
}

/**
 * Registers every planned patient that no patient carries (as an identifier of `system`) yet: looked up first,
 * then created `concurrency` at a time; a `CONFLICT` is skipped only when the patient is then found.
 *
 * @returns what `createRows` returns, plus the patients that existed before this run, by identifier value.
 */
export async function importPatients<Input extends object>(
  session: GraphSession,
  patients: readonly PlannedRow<Input>[],
  options: {
    system: string;
    concurrency: number;
    lookup: { batchSize?: number; concurrency?: number };
    progress: ((progress: ImportProgress) => void) | undefined;
  },
): Promise<Awaited<ReturnType<typeof createRows<Input>>> & { existing: Map<string, FoundRecord> }> {
  const { system } = options;
  const values = patients.filter((planned) => planned.mapped.ok).map((planned) => planned.id);
  const existing = await findByIdentifier(session, 'patients', system, values, options.lookup);
  const result = await createRows({
    tally: new KindTally('patients', patients.length, options.progress),
    rows: patients,
    existing,
    concurrency: options.concurrency,
    create: (input, id) =>
      attempt(
        async () =>
          (await session.data<{ registerPatient: { id: string } }>(REGISTER_PATIENT, { input })).registerPatient,
        {
          find: () => findOne(session, 'patients', system, id),
          missing: `no patient has identifier ${id}, so another of its unique fields is taken`,
        },
      ),
  });
  return { ...result, existing };
}
