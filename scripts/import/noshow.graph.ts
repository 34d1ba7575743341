/**
 * What the no-show importer asks of the appointments subgraph beyond `graph.ts`: its operations (variables, never
 * interpolated), batched lookups of appointments by identifier, and waiting until it has learned of new doctors and
 * patients (it learns of them from events).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DateTime } from 'luxon';
import { GraphRequestError } from '../../platform/graphql/client.ts';
import { GraphMismatchError } from './cli.ts';
import { chunks, forEachConcurrently } from './concurrency.ts';
import { LOOKUP_LIMIT, retryWhile } from './graph.ts';
import type { GraphSession } from './graph-session.ts';

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
      id
      startsAt
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

/** True when the appointments subgraph does not know the patient yet (or can no longer book them). */
function isUnknownPatient(error: unknown): boolean {
  if (!(error instanceof GraphRequestError) || error.code !== 'BAD_USER_INPUT') return false;
  return error.response.errors?.[0]?.extensions?.field === 'input.patientId';
}

/**
 * Runs a booking or import, retrying after each of `delaysMs` while it is refused because the appointments
 * subgraph has not learned of a just-registered patient yet (`BAD_USER_INPUT` on `input.patientId`); then gives up
 * with that refusal. New patients are not polled beforehand (there may be thousands); new doctors are
 * (`untilBookable`), so a refusal on `input.doctorId` is final.
 */
export function withReplicaRetry<T>(send: () => Promise<T>, delaysMs: readonly number[]): Promise<T> {
  return retryWhile(send, delaysMs, isUnknownPatient);
}

/** An appointment an earlier run booked or imported: its id and start. */
interface ExistingAppointment {
  id: string;
  /** ISO instant. */
  startsAt: string;
}

/**
 * Which of `values` an earlier run already booked or imported as identifiers of `system`, looked up `batchSize` (at
 * most `LOOKUP_LIMIT`) at a time, at most `concurrency` requests at once, so that a rerun sends none of them again.
 *
 * @returns identifier value → the appointment.
 * @throws GraphRequestError (or a network error) when a lookup fails.
 */
export async function existingAppointments(
  session: GraphSession,
  values: readonly string[],
  system: string,
  options: { concurrency?: number; batchSize?: number } = {},
): Promise<Map<string, ExistingAppointment>> {
  type Found = {
    appointmentsByIdentifier: { id: string; startsAt: string; identifier: { system: string; value: string } | null }[];
  };
  const existing = new Map<string, ExistingAppointment>();
  const batches = chunks(values, Math.min(options.batchSize ?? LOOKUP_LIMIT, LOOKUP_LIMIT));
  await forEachConcurrently(batches, options.concurrency ?? 1, async (batch) => {
    const found = await session.data<Found>(APPOINTMENTS_BY_IDENTIFIER, { system, values: batch });
    for (const { id, startsAt, identifier } of found.appointmentsByIdentifier) {
      if (identifier?.system === system) existing.set(identifier.value, { id, startsAt });
    }
  });
  return existing;
}

/**
 * Waits until the appointments subgraph can book each of `doctorIds`, and checks that it offers the slots the
 * importer plans. It learns of doctors from `doctor-events`, and until then `availableSlots` is empty. Each doctor is
 * polled after each of `delaysMs`; those that never show are left (their rows fail with the graph's refusal).
 *
 * `date` must be a day on which a planned slot can only be missing for a reason of policy: a Monday–Friday (the
 * default working hours), far enough ahead for the lead time, and one on which the doctors have nothing booked (they
 * are new, and nothing is booked before this returns).
 *
 * @param date YYYY-MM-DD.
 * @param expected the planned slot starts of `date` (`plannedSlotStarts`), ISO instants; `timeZone` names them.
 * @returns the doctors still not bookable.
 * @throws GraphMismatchError when a doctor's first free slots are not the planned ones (`checkSlots`): the graph's
 *   time zone, slot length or clinic hours are not the importer's, and bookings would be refused or land elsewhere.
 */
export async function untilBookable(
  session: GraphSession,
  doctorIds: readonly string[],
  date: string,
  options: { concurrency: number; delaysMs: readonly number[]; expected: readonly string[]; timeZone: string },
): Promise<string[]> {
  let waiting = [...doctorIds];
  for (let round = 0; waiting.length > 0; round++) {
    const still: string[] = [];
    await forEachConcurrently(waiting, options.concurrency, async (id) => {
      const data = await session.data<{ doctor: { availableSlots: string[] } | null }>(DOCTOR_SLOTS, { id, date });
      const offered = data.doctor?.availableSlots ?? [];
      if (offered.length === 0) still.push(id);
      else checkSlots(id, date, offered, options);
    });
    waiting = still;
    if (waiting.length === 0 || round >= options.delaysMs.length) break;
    await sleep(options.delaysMs[round]!);
  }
  return waiting;
}

/**
 * @throws GraphMismatchError unless the day's first free slots are exactly the `expected` starts (as instants): every
 *   planned slot is offered, the day opens with the first (09:00), and none lies between them (30-minute slots).
 *   Membership alone would miss an importer zone west of the graph's (09:00 in São Paulo is 12:00 in UTC, inside UTC
 *   clinic hours), since the planned slots would still be offered, three hours later on the graph's clock.
 */
function checkSlots(
  doctorId: string,
  date: string,
  offered: readonly string[],
  options: { expected: readonly string[]; timeZone: string },
): void {
  const { expected, timeZone } = options;
  const first = [...offered].sort((a, b) => Date.parse(a) - Date.parse(b)).slice(0, expected.length);
  if (first.length === expected.length && first.every((slot, k) => Date.parse(slot) === Date.parse(expected[k]!)))
    return;
  const clock = (slots: readonly string[]) =>
    slots.map((slot) => DateTime.fromISO(slot, { zone: timeZone }).toFormat('HH:mm')).join(', ');
  throw new GraphMismatchError(
    `doctor ${doctorId}'s first free slots on ${date} are ${clock(first)} in ${timeZone}, but the importer plans ` +
      `${clock(expected)}. Most likely --timezone ${timeZone} is not the graph's HMS_TIMEZONE; otherwise the graph's ` +
      `slot length, clinic hours or daily cap differ from the importer's 30 minutes, opening at 09:00 and 8 a day. ` +
      `Nothing was booked.`,
  );
}
