/**
 * What the no-show importer asks of the graph: its operations (variables, never interpolated), batched lookups of
 * what exists, and waiting for the appointments subgraph to learn of new doctors (it learns of them from events).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { GraphRequestError } from '../../platform/graphql/client.ts';
import { chunks, forEachConcurrently } from './concurrency.ts';
import type { GraphSession } from './graph-session.ts';

export const DEPARTMENTS = /* GraphQL */ `
  query NoShowDepartments {
    departments {
      id
      name
      code
    }
  }
`;
export const CREATE_DEPARTMENT = /* GraphQL */ `
  mutation NoShowCreateDepartment($input: CreateDepartmentInput!) {
    createDepartment(input: $input) {
      id
      name
      code
    }
  }
`;
const DOCTORS_BY_IDENTIFIER = /* GraphQL */ `
  query NoShowDoctorsByIdentifier($system: String!, $values: [String!]!) {
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
  mutation NoShowCreateDoctor($input: CreateDoctorInput!) {
    createDoctor(input: $input) {
      id
      department {
        id
      }
    }
  }
`;
const PATIENTS_BY_IDENTIFIER = /* GraphQL */ `
  query NoShowPatientsByIdentifier($system: String!, $values: [String!]!) {
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
  mutation NoShowRegisterPatient($input: RegisterPatientInput!) {
    registerPatient(input: $input) {
      id
    }
  }
`;
const DOCTOR_SLOTS = /* GraphQL */ `
  query NoShowDoctorSlots($id: ID!, $date: Date!) {
    doctor(id: $id) {
      availableSlots(date: $date)
    }
  }
`;
const APPOINTMENTS_BY_IDENTIFIER = /* GraphQL */ `
  query NoShowAppointmentsByIdentifier($system: String!, $values: [String!]!) {
    appointmentsByIdentifier(system: $system, values: $values) {
      identifier {
        system
        value
      }
    }
  }
`;
export const BOOK_APPOINTMENT = /* GraphQL */ `
  mutation NoShowBookAppointment($input: BookAppointmentInput!) {
    bookAppointment(input: $input) {
      id
      status
    }
  }
`;
export const IMPORT_APPOINTMENT = /* GraphQL */ `
  mutation NoShowImportAppointment($input: ImportAppointmentInput!) {
    importAppointment(input: $input) {
      id
      status
    }
  }
`;

export interface DepartmentRecord {
  id: string;
  name: string;
  code: string;
}

/** A doctor or patient found by identifier: its id and, for doctors, its department. */
export interface FoundRecord {
  id: string;
  departmentId?: string;
}

/** How one mutation ended: `CONFLICT` means it exists already (a rerun, or a concurrent import). */
export type Outcome<T> =
  { kind: 'created'; value: T } | { kind: 'skipped' } | { kind: 'failed'; code: string; reason: string };

/** The importer's own code for a request that got no GraphQL answer (the gateway unreachable, say). */
export const REQUEST_FAILED = 'REQUEST_FAILED';

/** Runs a mutation and sorts its end into created, skipped (`CONFLICT`) or failed with the graph's code. */
export async function attempt<T>(mutation: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { kind: 'created', value: await mutation() };
  } catch (error) {
    if (error instanceof GraphRequestError) {
      if (error.code === 'CONFLICT') return { kind: 'skipped' };
      return { kind: 'failed', code: error.code ?? 'ERROR', reason: error.message };
    }
    const message = error instanceof Error ? error.message : String(error);
    return { kind: 'failed', code: REQUEST_FAILED, reason: `request failed: ${message}` };
  }
}

/** True when the appointments subgraph does not know the patient or doctor yet (or no longer can book them). */
export function isUnknownParticipant(error: unknown): boolean {
  if (!(error instanceof GraphRequestError) || error.code !== 'BAD_USER_INPUT') return false;
  const field = error.response.errors?.[0]?.extensions?.field;
  return field === 'input.patientId' || field === 'input.doctorId';
}

/**
 * Runs a booking or import, retrying after each of `delaysMs` while it is refused because the appointments
 * subgraph has not learned of a just-created patient or doctor yet (`BAD_USER_INPUT` on `input.patientId` or
 * `input.doctorId`); then gives up with that refusal.
 */
export async function withReplicaRetry<T>(send: () => Promise<T>, delaysMs: readonly number[]): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (attempt >= delaysMs.length || !isUnknownParticipant(error)) throw error;
      await sleep(delaysMs[attempt]!);
    }
  }
}

/**
 * The doctors or patients carrying any of `values` as an identifier of `system`, looked up `batchSize` (≤ 100)
 * values per request.
 *
 * @returns identifier value → id (and department, for doctors).
 * @throws GraphRequestError (or a network error) when a lookup fails.
 */
export async function findByIdentifier(
  session: GraphSession,
  kind: 'doctors' | 'patients',
  system: string,
  values: readonly string[],
  batchSize: number,
): Promise<Map<string, FoundRecord>> {
  const [query, field] =
    kind === 'doctors'
      ? [DOCTORS_BY_IDENTIFIER, 'doctorsByIdentifier' as const]
      : [PATIENTS_BY_IDENTIFIER, 'patientsByIdentifier' as const];
  type Found = { id: string; department?: { id: string }; identifiers: { system: string; value: string }[] };
  const found = new Map<string, FoundRecord>();
  for (const batch of chunks(values, batchSize)) {
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
  }
  return found;
}

/**
 * Which of `values` an earlier run already booked or imported as identifiers of `system` (looked up `batchSize` ≤ 100
 * at a time), so that a rerun sends none of them again.
 *
 * @throws GraphRequestError (or a network error) when a lookup fails.
 */
export async function existingAppointments(
  session: GraphSession,
  values: readonly string[],
  system: string,
  options: { concurrency: number; batchSize: number },
): Promise<Set<string>> {
  type Found = { appointmentsByIdentifier: { identifier: { system: string; value: string } | null }[] };
  const existing = new Set<string>();
  await forEachConcurrently(
    chunks([...values], Math.min(options.batchSize, 100)),
    options.concurrency,
    async (batch) => {
      const found = await session.data<Found>(APPOINTMENTS_BY_IDENTIFIER, { system, values: batch });
      for (const { identifier } of found.appointmentsByIdentifier) {
        if (identifier?.system === system) existing.add(identifier.value);
      }
    },
  );
  return existing;
}

/**
 * Waits until the appointments subgraph can book each of `doctorIds`: it learns of doctors from `doctor-events`, and
 * until then `availableSlots` of a working day is empty. Polls each doctor after each of `delaysMs` and stops
 * waiting for those that never show (bookings with them retry on their own, then fail).
 *
 * @param date a Monday–Friday far enough ahead for the lead time, YYYY-MM-DD.
 * @returns the doctors still not bookable.
 */
export async function untilBookable(
  session: GraphSession,
  doctorIds: readonly string[],
  date: string,
  options: { concurrency: number; delaysMs: readonly number[] },
): Promise<string[]> {
  let waiting = [...doctorIds];
  for (let round = 0; waiting.length > 0; round++) {
    const still: string[] = [];
    await forEachConcurrently(waiting, options.concurrency, async (id) => {
      const data = await session.data<{ doctor: { availableSlots: string[] } | null }>(DOCTOR_SLOTS, { id, date });
      if (!data.doctor || data.doctor.availableSlots.length === 0) still.push(id);
    });
    waiting = still;
    if (waiting.length === 0 || round >= options.delaysMs.length) break;
    await sleep(options.delaysMs[round]!);
  }
  return waiting;
}
