/**
 * The load generator of `npm run bench`, in its own process (forked by `main.ts`) so that it never shares an
 * event loop with the graph it measures. It runs the jobs that `main.ts` sends over IPC (`child.ts`): autocannon for
 * reads (through a gateway, or straight to a subgraph with internal tokens), bookings, payments and availableSlots;
 * graphql-ws subscribers and a kafkajs producer and consumer for the realtime scenario (`realtime.ts`); and answers
 * with their figures. The booking and payment counters live here, so a warm-up and its measured run never repeat a
 * booking.
 *
 * Latencies are autocannon's own per-response times (from writing the request to the end of the response), kept
 * as floats: autocannon's histogram rounds them to whole milliseconds.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import { INTERNAL_TOKEN_HEADER, signInternalToken } from '../../platform/auth/internal-token.ts';
import type { Principal } from '../../platform/auth/principal.ts';
import { serveJobs } from './child.ts';
import { plannedBooking, type BookingPlan } from './plan.ts';
import {
  measureDelivery,
  measureKafkaLatency,
  type DeliveryRunResult,
  type KafkaLatencyResult,
  type RealtimeJobOptions,
} from './realtime.ts';

// autocannon is CommonJS without type declarations: the little of its API used here, typed.
interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (request: AutocannonRequest, context: Record<string, unknown>) => AutocannonRequest;
  onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
}
interface AutocannonOptions {
  url: string;
  connections: number;
  duration?: number;
  amount?: number;
  timeout?: number;
  sampleInt?: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  requests?: AutocannonRequest[];
}
interface AutocannonResult {
  errors: number;
  timeouts: number;
  non2xx: number;
  resets: number;
}
interface AutocannonInstance extends EventEmitter {
  stop(): void;
}
type Autocannon = (
  options: AutocannonOptions,
  done: (error: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const BOOK = `mutation Book($input: BookAppointmentInput!) {
  bookAppointment(input: $input) { id status startsAt }
}`;
const PAY = `mutation Pay($input: PayBillInput!) {
  payBill(input: $input) { id status }
}`;
const SLOTS = `query Slots($id: ID!, $date: Date!) { doctor(id: $id) { availableSlots(date: $date) } }`;

export type Job =
  | { kind: 'bookings'; url: string; token: string; plan: BookingPlan; seconds: number; connections: number }
  | {
      kind: 'payments';
      url: string;
      token: string;
      /** Bills paid in turn (payment `n` pays bill `n mod bills.length`), each with a balance that never runs out. */
      billIds: string[];
      /** Minor units per payment. */
      amount: number;
      seconds: number;
      connections: number;
    }
  | {
      kind: 'slots';
      url: string;
      token: string;
      doctorId: string;
      date: string;
      requests: number;
      expectedSlots: number;
    }
  | ReadJob
  | ({ kind: 'realtime' } & RealtimeJobOptions);

/**
 * Read load: `connections` clients for `seconds`, request `n` (over all connections) sending `bodies[n mod length]`.
 * With `bearer`, as a client of a gateway; with `internal`, as a gateway calling a subgraph: every request carries a
 * fresh internal token for that principal, signed as our gateway signs it (`signInternalToken`).
 */
export interface ReadJob {
  kind: 'reads';
  url: string;
  bodies: string[];
  bearer?: string;
  internal?: { secret: string; principal: Principal };
  seconds: number;
  connections: number;
}

export interface ReadRunResult {
  /** Requests answered 200 with `data` and without errors. */
  ok: number;
  /** Wrong answers, by `extensions.code` (or `HTTP <status>`). */
  errors: Record<string, number>;
  /** Seconds from the start to the last answer. */
  seconds: number;
  /** Latency of every answered request, ms. */
  latenciesMs: number[];
  connectionErrors: number;
  timeouts: number;
}

/** Subscription delivery, then kafkajs's own latency on the same broker (`realtime.ts`). */
export interface RealtimeRunResult {
  delivery: DeliveryRunResult;
  kafka: KafkaLatencyResult;
}

/** A timed run of mutations (bookings or payments), every one distinct. */
export interface WriteRunResult {
  /** Mutations sent (each a distinct planned booking, or a payment under its own idempotency key). */
  sent: number;
  /** Answered 200 with data and without errors. */
  ok: number;
  /** Answered with errors, by `extensions.code` (or `HTTP <status>`). */
  errorCodes: Record<string, number>;
  /** Sent but never answered (timed out or lost with their connection). */
  unanswered: number;
  /** Seconds from the start until the last mutation's answer. */
  seconds: number;
  /** Latency of every answered mutation, ms. */
  latenciesMs: number[];
  /** Successful mutations answered in each whole second of the run. */
  okPerSecond: number[];
  /** autocannon's connection errors and timeouts. */
  connectionErrors: number;
  timeouts: number;
}
export type BookingRunResult = WriteRunResult;

export interface SlotsRunResult {
  /** Requests to make. */
  requests: number;
  /** Answered 200 with data, without errors and with the expected number of slots. */
  ok: number;
  /** Wrong answers, by error code (or `WRONG_SLOT_COUNT(<n>)`). */
  errors: Record<string, number>;
  /** autocannon's connection errors and timeouts: requests that got no answer. */
  connectionErrors: number;
  timeouts: number;
  latenciesMs: number[];
}

function authorised(token: string): Record<string, string> {
  return { 'content-type': 'application/json', authorization: `Bearer ${token}` };
}

/** A GraphQL response's `data`, or the codes of what is wrong with it: no `data`, errors, not HTTP 200. */
export function answerOf(status: number, body: string): { data: Record<string, unknown> } | { codes: string[] } {
  if (status !== 200) return { codes: [`HTTP ${status}`] };
  let parsed: { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    return { codes: ['UNPARSEABLE_RESPONSE'] };
  }
  if (parsed.errors?.length) return { codes: parsed.errors.map((error) => error.extensions?.code ?? 'NO_CODE') };
  if (parsed.data == null) return { codes: ['NO_DATA'] };
  return { data: parsed.data };
}

let nextBooking = 0;
let nextPayment = 0;

/** The next mutation of a write job: its body and extra headers. */
function nextWrite(job: Extract<Job, { kind: 'bookings' | 'payments' }>): {
  body: string;
  headers?: Record<string, string>;
} {
  if (job.kind === 'bookings') {
    const booking = plannedBooking(job.plan, nextBooking++);
    return { body: JSON.stringify({ query: BOOK, variables: { input: booking } }) };
  }
  const billId = job.billIds[nextPayment++ % job.billIds.length]!;
  return {
    body: JSON.stringify({ query: PAY, variables: { input: { billId, amount: job.amount, method: 'CASH' } } }),
    headers: { 'idempotency-key': randomUUID() },
  };
}

/**
 * Sends mutations for `seconds` with `connections` concurrent clients, each request the next planned booking (or
 * payment). When the time is up, no mutation is sent any more and the run ends as soon as every one in flight has
 * been answered (connections still free meanwhile ask `{ __typename }`), so that every mutation sent is accounted for.
 */
function runWrites(job: Extract<Job, { kind: 'bookings' | 'payments' }>): Promise<WriteRunResult> {
  const path = new URL(job.url).pathname;
  const graceSeconds = 20;
  const result: WriteRunResult = {
    sent: 0,
    ok: 0,
    errorCodes: {},
    unanswered: 0,
    seconds: 0,
    latenciesMs: [],
    okPerSecond: [],
    connectionErrors: 0,
    timeouts: 0,
  };
  let outstanding = 0;
  // onResponse (which sees the request's context) runs right before autocannon's 'response' event (which has
  // the latency) for the same response, synchronously: it leaves what it learnt here.
  let answered: { write: boolean; ok: boolean } | undefined;
  const idleBody = JSON.stringify({ query: '{ __typename }' });
  const headers = authorised(job.token);

  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const deadline = startedAt + job.seconds * 1000;
    let lastWriteAt = startedAt;
    const instance = autocannon(
      {
        url: job.url,
        connections: job.connections,
        duration: job.seconds + graceSeconds,
        timeout: graceSeconds - 5,
        sampleInt: 100,
        requests: [
          {
            method: 'POST',
            path,
            headers,
            setupRequest: (request, context) => {
              if (performance.now() >= deadline) {
                context.write = false;
                return { ...request, headers, body: idleBody };
              }
              const write = nextWrite(job);
              context.write = true;
              outstanding++;
              result.sent++;
              return { ...request, headers: { ...headers, ...write.headers }, body: write.body };
            },
            onResponse: (status, body, context) => {
              if (context.write !== true) {
                answered = { write: false, ok: true };
                return;
              }
              outstanding--;
              const answer = answerOf(status, body);
              if ('codes' in answer) {
                for (const code of answer.codes) result.errorCodes[code] = (result.errorCodes[code] ?? 0) + 1;
              } else {
                result.ok++;
              }
              answered = { write: true, ok: 'data' in answer };
            },
          },
        ],
      },
      (error, summary) => {
        if (error) return reject(error);
        result.unanswered = outstanding;
        result.connectionErrors = summary.errors - summary.timeouts;
        result.timeouts = summary.timeouts;
        result.seconds = (lastWriteAt - startedAt) / 1000;
        resolve(result);
      },
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTimeMs: number) => {
      const now = performance.now();
      if (answered?.write) {
        result.latenciesMs.push(responseTimeMs);
        lastWriteAt = now;
        if (answered.ok) {
          const second = Math.floor((now - startedAt) / 1000);
          result.okPerSecond[second] = (result.okPerSecond[second] ?? 0) + 1;
        }
      }
      answered = undefined;
      if (now >= deadline && outstanding === 0) instance.stop();
    });
  });
}

/** Read load for a fixed time (see `ReadJob`); every answer is checked, none is left unanswered at the end. */
function runReads(job: ReadJob): Promise<ReadRunResult> {
  const result: ReadRunResult = { ok: 0, errors: {}, seconds: 0, latenciesMs: [], connectionErrors: 0, timeouts: 0 };
  const base: Record<string, string> = job.bearer ? authorised(job.bearer) : { 'content-type': 'application/json' };
  let next = 0;
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    let lastAt = startedAt;
    const instance = autocannon(
      {
        url: job.url,
        connections: job.connections,
        duration: job.seconds,
        timeout: 10,
        sampleInt: 100,
        requests: [
          {
            method: 'POST',
            path: new URL(job.url).pathname,
            headers: base,
            setupRequest: (request) => {
              const body = job.bodies[next++ % job.bodies.length]!;
              if (!job.internal) return { ...request, headers: base, body };
              const correlationId = randomUUID();
              const token = signInternalToken(job.internal.secret, {
                principal: job.internal.principal,
                correlationId,
              });
              return {
                ...request,
                headers: { ...base, [INTERNAL_TOKEN_HEADER]: token, 'x-correlation-id': correlationId },
                body,
              };
            },
            onResponse: (status, text) => {
              const answer = answerOf(status, text);
              if ('codes' in answer) {
                for (const code of answer.codes) result.errors[code] = (result.errors[code] ?? 0) + 1;
              } else {
                result.ok++;
              }
            },
          },
        ],
      },
      (error, summary) => {
        if (error) return reject(error);
        result.connectionErrors = summary.errors - summary.timeouts;
        result.timeouts = summary.timeouts;
        result.seconds = (lastAt - startedAt) / 1000;
        resolve(result);
      },
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTimeMs: number) => {
      lastAt = performance.now();
      result.latenciesMs.push(responseTimeMs);
    });
  });
}

/** `requests` sequential `availableSlots` queries (one connection), each checked for the expected slot count. */
function runSlots(job: Extract<Job, { kind: 'slots' }>): Promise<SlotsRunResult> {
  const result: SlotsRunResult = {
    requests: job.requests,
    ok: 0,
    errors: {},
    connectionErrors: 0,
    timeouts: 0,
    latenciesMs: [],
  };
  const body = JSON.stringify({ query: SLOTS, variables: { id: job.doctorId, date: job.date } });
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: job.url,
        connections: 1,
        amount: job.requests,
        timeout: 10,
        sampleInt: 100,
        requests: [
          {
            method: 'POST',
            path: new URL(job.url).pathname,
            headers: authorised(job.token),
            body,
            onResponse: (status, text) => {
              const answer = answerOf(status, text);
              let problem: string | undefined;
              if ('codes' in answer) {
                problem = answer.codes.join(',');
              } else {
                const slots = (answer.data as { doctor?: { availableSlots?: string[] } | null }).doctor?.availableSlots;
                if (slots?.length !== job.expectedSlots) problem = `WRONG_SLOT_COUNT(${slots?.length ?? 'none'})`;
              }
              if (problem) result.errors[problem] = (result.errors[problem] ?? 0) + 1;
              else result.ok++;
            },
          },
        ],
      },
      (error, summary) => {
        if (error) return reject(error);
        result.connectionErrors = summary.errors - summary.timeouts;
        result.timeouts = summary.timeouts;
        resolve(result);
      },
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTimeMs: number) => {
      result.latenciesMs.push(responseTimeMs);
    });
  });
}

/** Delivery first, then Kafka alone: the two never run at the same time. */
async function runRealtime(job: Extract<Job, { kind: 'realtime' }>): Promise<RealtimeRunResult> {
  const delivery = await measureDelivery(job);
  const kafka = await measureKafkaLatency({
    ...job.kafka,
    warmup: job.warmup,
    messages: job.events,
    timeoutMs: job.timeoutMs,
  });
  return { delivery, kafka };
}

function runJob(job: Job): Promise<unknown> {
  switch (job.kind) {
    case 'bookings':
    case 'payments':
      return runWrites(job);
    case 'reads':
      return runReads(job);
    case 'slots':
      return runSlots(job);
    case 'realtime':
      return runRealtime(job);
  }
}

/** Jobs from the parent, one at a time (`child.ts`). */
if (process.send) serveJobs<Job>(runJob);
