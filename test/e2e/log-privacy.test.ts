/**
 * No process writes a patient's personal data into its logs (issue "Audit"): a canary patient with values found
 * nowhere else (names, email, phone, birth date, address, tokens, password) is driven through every flow a
 * patient's data takes — sign-up, profile update, booking, confirmation, reschedule, cancellation, a completed
 * visit with its bill paid online, a prescription and a medical record entry, notifications by email and SMS, a
 * password reset, and requests that fail with the canary's data in their input — while everything the graph logs
 * (at `trace`, kafkajs included) and everything written to standard output, standard error or the console is
 * captured. Not one captured line may hold a canary value. The same capture shows that one request's lines carry
 * its correlation id across the processes it reaches.
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { format } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { loadConfig } from '../../platform/config.ts';
import type { GraphClient, GraphResponse } from '../../platform/graphql/client.ts';
import { eventually, startTestGraph, type TestGraph } from '../../platform/testing/graph.ts';
import type { OutgoingMessage } from '../../subgraphs/notifications/channels/delivery-channel.ts';
import { notificationSettings, notificationsEnv } from '../../subgraphs/notifications/subgraph.ts';
import {
  aDepartment,
  aDoctorWithAccount,
  aStaffMember,
  BOOK,
  slotAt,
  untilBookable,
  untilPayable,
  type Doctor,
} from '../builders.ts';

const run = randomBytes(4).toString('hex');
const phoneDigits = `1555${String(randomInt(10_000_000)).padStart(7, '0')}`;
const CANARY = {
  givenName: 'Zyxwvutsrq',
  familyName: `Canary-${run}`,
  email: `canary.${run}@example.org`,
  phone: `+${phoneDigits}`,
  birthDate: `1937-11-${String(randomInt(10, 28))}`,
  password: `canary passphrase ${run}`,
  line: `${randomInt(100, 999)} Qwertyzx Lane ${run}`,
  city: `Xylocity-${run}`,
  postalCode: `QZ${run.slice(0, 4).toUpperCase()}`,
};
/** Correlation id the client sends with its booking. */
const CORRELATION_ID = `canary-booking-${run}`;

/** Every JSON line the graph's logger wrote, and everything written to stdout, stderr and the console. */
const logLines: string[] = [];
const processOutput: string[] = [];
const restore: (() => void)[] = [];
const sent: OutgoingMessage[] = [];

let graph: TestGraph;
let patient: GraphClient;
let patientId: string;
let secrets: string[] = [];

/** Records what is written to `stream` (and still writes it). */
function tee(stream: NodeJS.WriteStream): void {
  const write = stream.write;
  stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    processOutput.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof stream.write;
  restore.push(() => {
    stream.write = write;
  });
}

function teeConsole(): void {
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    const original = console[method];
    console[method] = (...args: unknown[]) => {
      processOutput.push(format(...args));
      original.apply(console, args);
    };
    restore.push(() => {
      console[method] = original;
    });
  }
}

/** The data of a response that must have succeeded (with its errors in the failure message otherwise). */
function dataOf<T>(response: GraphResponse<T>): T {
  if (response.errors?.length || !response.data) throw new Error(JSON.stringify(response.errors));
  return response.data;
}

const parsed = () =>
  logLines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });

beforeAll(async () => {
  tee(process.stdout);
  tee(process.stderr);
  teeConsole();
  const channel = (name: 'EMAIL' | 'SMS') => ({
    channel: name,
    send: async (message: OutgoingMessage) => {
      sent.push(message);
      return { providerMessageId: message.notificationId };
    },
  });
  graph = await startTestGraph({
    logLevel: 'trace',
    logDestination: { write: (line: string) => void logLines.push(line) },
    notifications: {
      ...notificationSettings(loadConfig(z.object(notificationsEnv), {})),
      email: channel('EMAIL'),
      sms: channel('SMS'),
      retryBaseMs: 20,
    },
  });
  const admin = await graph.admin();
  const department = await aDepartment(admin);
  const doctor: Doctor & { client: GraphClient } = await aDoctorWithAccount(graph, admin, department.id);
  const reception = (await aStaffMember(admin, ['RECEPTION'])).client;

  // Sign-up, and a second sign-up with the same email (a conflict) and a malformed phone.
  const signedUp = dataOf(
    await graph.client.request<{
      signUp: { accessToken: string; refreshToken: string; user: { patientId: string } };
    }>('mutation($input: SignUpInput!) { signUp(input: $input) { accessToken refreshToken user { patientId } } }', {
      input: {
        email: CANARY.email,
        password: CANARY.password,
        givenName: CANARY.givenName,
        familyName: CANARY.familyName,
        birthDate: CANARY.birthDate,
        phone: CANARY.phone,
      },
    }),
  );
  patientId = signedUp.signUp.user.patientId;
  patient = graph.client.withToken(signedUp.signUp.accessToken);
  secrets = [signedUp.signUp.accessToken, signedUp.signUp.refreshToken];
  const again = await graph.client.request('mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }', {
    input: {
      email: CANARY.email.toUpperCase(),
      password: CANARY.password,
      givenName: CANARY.givenName,
      familyName: CANARY.familyName,
      birthDate: CANARY.birthDate,
      phone: `${CANARY.phone}x`,
    },
  });
  expect(again.errors?.length).toBeGreaterThan(0);

  // Profile update, then a malformed one (an email that is not one, the canary's values around it).
  const UPDATE = 'mutation($id: ID!, $input: UpdatePatientInput!) { updatePatient(id: $id, input: $input) { id } }';
  dataOf(
    await patient.request(UPDATE, {
      id: patientId,
      input: {
        phone: CANARY.phone,
        email: CANARY.email,
        address: { line: [CANARY.line], city: CANARY.city, postalCode: CANARY.postalCode, country: 'US' },
      },
    }),
  );
  const malformed = await patient.request(UPDATE, {
    id: patientId,
    input: { email: `${CANARY.givenName} ${CANARY.familyName} <${CANARY.email}`, birthDate: '2999-01-01' },
  });
  expect(malformed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  // The same values inlined in the query text, where the GraphQL layer itself rejects them.
  const invalidDocument = await patient.request(
    `mutation { updatePatient(id: "${patientId}", input: { givenName: "${CANARY.givenName}", phone: ${phoneDigits} }) { id } }`,
  );
  expect(invalidDocument.errors?.length).toBeGreaterThan(0);

  await untilBookable(graph, { patientIds: [patientId] });
  const book = (startsAt: string, headers: Record<string, string> = {}) =>
    patient.request<{ bookAppointment: { id: string } }>(
      BOOK,
      {
        input: {
          patientId,
          doctorId: doctor.id,
          departmentId: department.id,
          startsAt,
          reason: `${CANARY.givenName} ${CANARY.familyName} (${CANARY.phone}, ${CANARY.email}) has a sore throat`,
        },
      },
      headers,
    );
  const accept = (id: string) => doctor.client.data('mutation($id: ID!) { acceptAppointment(id: $id) { id } }', { id });

  // Booking, confirmation, reschedule, confirmation again, cancellation.
  const first = dataOf(await book(slotAt(3, 10), { 'x-correlation-id': CORRELATION_ID })).bookAppointment.id;
  await accept(first);
  dataOf(
    await patient.request(
      'mutation($id: ID!, $startsAt: DateTime!) { rescheduleAppointment(id: $id, startsAt: $startsAt) { id } }',
      {
        id: first,
        startsAt: slotAt(4, 11),
      },
    ),
  );
  await accept(first);
  dataOf(
    await patient.request(
      'mutation($id: ID!, $reason: String) { cancelAppointment(id: $id, reason: $reason) { id } }',
      {
        id: first,
        reason: `${CANARY.givenName} is travelling to ${CANARY.city}`,
      },
    ),
  );
  // An invalid booking (outside clinic hours), with the canary's data in its reason.
  const invalid = await book(slotAt(5, 2, 30));
  expect(invalid.errors?.length).toBeGreaterThan(0);

  // A completed visit: prescription, medical record entry, the bill, an online payment.
  const visit = dataOf(await book(slotAt(5, 10))).bookAppointment.id;
  await accept(visit);
  await reception.data('mutation($id: ID!) { checkInAppointment(id: $id) { id } }', { id: visit });
  await eventually(async () => {
    const issued = await doctor.client.request<{ issuePrescription: { id: string } }>(
      'mutation($input: IssuePrescriptionInput!) { issuePrescription(input: $input) { id } }',
      {
        input: {
          appointmentId: visit,
          medicationText: 'Amoxicillin 500 MG Oral Tablet',
          dose: { value: 500, unit: 'mg' },
          timesPerDay: 3,
          durationDays: 7,
          instructions: `${CANARY.givenName}: after meals; call ${CANARY.phone} if a rash appears`,
        },
      },
    );
    return issued.data?.issuePrescription;
  });
  dataOf(
    await doctor.client.request(
      'mutation($input: AddMedicalRecordEntryInput!) { addMedicalRecordEntry(input: $input) { id } }',
      {
        input: {
          patientId,
          appointmentId: visit,
          kind: 'ENCOUNTER_NOTE',
          data: { note: `${CANARY.givenName} ${CANARY.familyName}, born ${CANARY.birthDate}, lives at ${CANARY.line}` },
        },
      },
    ),
  );
  await doctor.client.data('mutation($id: ID!) { completeAppointment(id: $id) { id } }', { id: visit });
  const bill = await eventually(async () => {
    const data = await patient.data<{
      patient: { bills: { edges: { node: { id: string; total: { amount: number } } }[] } };
    }>('query($id: ID!) { patient(id: $id) { bills { edges { node { id total { amount } } } } } }', { id: patientId });
    return data.patient.bills.edges[0]?.node;
  });
  await untilPayable(graph, bill.id);
  const paid = await patient.request<{ payBill: { status: string } }>(
    'mutation($input: PayBillInput!) { payBill(input: $input) { status } }',
    { input: { billId: bill.id, amount: bill.total.amount, method: 'ONLINE', paymentToken: 'tok_visa' } },
    { 'Idempotency-Key': randomUUID() },
  );
  expect(dataOf(paid).payBill.status).toBe('SUCCEEDED');

  // A password reset, by email.
  dataOf(
    await graph.client.request('mutation($email: String!) { requestPasswordReset(email: $email) }', {
      email: CANARY.email,
    }),
  );

  // Every email and SMS the flows raise is sent (the dispatcher logs each), the reset and the payment included.
  await eventually(
    async () =>
      sent.some((message) => message.to === CANARY.email && /reset/i.test(`${message.subject} ${message.body}`)) &&
      sent.some((message) => message.to === CANARY.phone) &&
      sent.filter((message) => message.to === CANARY.email).length >= 6,
    30_000,
  );
  const resetToken = sent
    .filter((message) => message.to === CANARY.email)
    .map(
      (message) =>
        /[?&]token=([A-Za-z0-9_-]+)/.exec(message.body)?.[1] ?? /\b([A-Za-z0-9_-]{32,})\b/.exec(message.body)?.[1],
    )
    .find(Boolean);
  if (resetToken) secrets.push(resetToken);
});

afterAll(async () => {
  await graph?.stop();
  for (const undo of restore.reverse()) undo();
});

describe("a patient's personal data in logs", () => {
  it('captured the whole graph logging the flows, the canary patient by id', () => {
    expect(logLines.length).toBeGreaterThanOrEqual(100);
    expect(logLines.some((line) => line.includes(patientId))).toBe(true);
    // The canary's data did leave the building where it should: in the messages sent to them.
    expect(sent.some((message) => message.body.includes(CANARY.givenName))).toBe(true);
  });

  it('appears in no log line, and nowhere on stdout, stderr or the console', () => {
    const canaries = [...Object.values(CANARY), phoneDigits, CANARY.email.split('@')[0]!, ...secrets].map((value) =>
      value.toLowerCase(),
    );
    const leaks = [...logLines, ...processOutput].flatMap((line) => {
      const lower = line.toLowerCase();
      return canaries.filter((value) => lower.includes(value)).map((value) => ({ value, line: line.slice(0, 2_000) }));
    });
    expect(leaks).toEqual([]);
  });
});

describe('correlation ids', () => {
  it("tie a request's lines in the subgraph that served it and in every consumer of its events", () => {
    const lines = parsed().filter((line) => line.correlationId === CORRELATION_ID);
    // The appointments subgraph, on the request's own logger.
    expect(lines).toContainEqual(
      expect.objectContaining({ subgraph: 'appointments', component: 'http', msg: 'event recorded in the outbox' }),
    );
    // Consumers in other subgraphs, for the AppointmentBooked event it raised.
    const consumers = new Set(lines.filter((line) => line.component === 'consumer').map((line) => line.subgraph));
    expect([...consumers]).toEqual(expect.arrayContaining(['notifications', 'billing']));
    // The notifications its event raised are delivered under the same id.
    expect(lines).toContainEqual(expect.objectContaining({ subgraph: 'notifications', msg: 'notification sent' }));
  });

  it('are listed by the outbox relay for the batch that published the request’s event', () => {
    const relay = parsed().filter(
      (line) =>
        line.component === 'outbox-relay' &&
        Array.isArray(line.correlationIds) &&
        (line.correlationIds as string[]).includes(CORRELATION_ID),
    );
    expect(relay.length).toBeGreaterThan(0);
  });

  it("tie the gateway's lines of the request to it as well", () => {
    const lines = parsed().filter((line) => line.correlationId === CORRELATION_ID);
    expect(lines.some((line) => line.component === 'gateway')).toBe(true);
  });
});
