/**
 * The read side of `npm run bench`: the federated query (a patient → appointments → doctor → department, and
 * bills → payments), the query mix both gateways are compared on, the data they read (set up through the API), and
 * the pure parts of the comparisons (the subgraph requests a query costs, answers compared field by field, ratios).
 */
import { isDeepStrictEqual } from 'node:util';
import type { GraphClient } from '../../platform/graphql/client.ts';
import type { SubgraphFetch } from './gateway-process.ts';
import { weekdayAfter, type BookingPlan } from './plan.ts';
import { ratioOf, summarise, type LatencySummary } from './stats.ts';

/** The federated query of the gateway-overhead scenario: five subgraphs, three levels of entity fetches. */
export const PATIENT_QUERY = `query BenchPatient($id: ID!) {
  patient(id: $id) {
    id mrn givenName familyName birthDate
    appointments(first: 10) {
      edges { node { id startsAt endsAt status doctor { id displayName department { id name } } } }
    }
    bills(first: 10) {
      edges { node { id number status total { amount currency } payments { id status amount { amount currency } } } }
    }
  }
}`;

/** A page of patients with their appointments, doctors and bills (also the growth scenario's page). */
export const PATIENT_PAGE_QUERY = `query BenchPatientPage($search: String, $first: Int) {
  patients(search: $search, first: $first) {
    edges { node {
      id mrn givenName familyName
      appointments(first: 5) { edges { node { id startsAt status doctor { id displayName department { id name } } } } }
      bills(first: 5) { edges { node { id status total { amount currency } } } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const SLOTS_QUERY = `query BenchSlots($id: ID!, $date: Date!) { doctor(id: $id) { id availableSlots(date: $date) } }`;

/** A request body as sent over HTTP. */
export const body = (query: string, variables: Record<string, unknown>) => JSON.stringify({ query, variables });

/** Patients read by the read scenarios, each with appointments and bills (one of them partly paid). */
export interface ReadFixture {
  patientIds: string[];
  appointments: number;
  bills: number;
  payments: number;
}

export const READER_FAMILY_NAME = 'Reader';
const APPOINTMENTS_PER_READER = 3;

/**
 * Registers `count` patients named `Bench Reader <n>`, books each `APPOINTMENTS_PER_READER` appointments with
 * `doctor` on the weekdays after the plan's first day (never more than the plan's slots a day: the daily cap), bills
 * each twice and pays part of the first bill. `untilKnown` waits until the subgraphs that learn of patients and bills
 * from events (appointments, billing, payments) know the ids given.
 */
export async function setUpReaders(
  admin: GraphClient,
  options: {
    count: number;
    doctor: { id: string; departmentId: string };
    plan: BookingPlan;
    untilKnown: (what: 'patients' | 'bills', ids: string[]) => Promise<void>;
  },
): Promise<ReadFixture> {
  const patientIds: string[] = [];
  for (let i = 0; i < options.count; i++) {
    const data = await admin.data<{ registerPatient: { id: string } }>(
      'mutation($input: RegisterPatientInput!) { registerPatient(input: $input) { id } }',
      {
        input: {
          givenName: 'Bench',
          familyName: `${READER_FAMILY_NAME} ${i + 1}`,
          birthDate: '1975-05-05',
          sex: 'FEMALE',
        },
      },
    );
    patientIds.push(data.registerPatient.id);
  }
  await options.untilKnown('patients', patientIds);
  const { plan } = options;
  let appointments = 0;
  for (const [i, patientId] of patientIds.entries()) {
    for (let r = 0; r < APPOINTMENTS_PER_READER; r++) {
      const slot = i * APPOINTMENTS_PER_READER + r;
      const day = weekdayAfter(plan.firstDay, 1 + Math.floor(slot / plan.slotMinutes.length));
      const startsAt = new Date(`${day}T00:00:00Z`);
      startsAt.setUTCMinutes(plan.slotMinutes[slot % plan.slotMinutes.length]!);
      await admin.data('mutation($input: BookAppointmentInput!) { bookAppointment(input: $input) { id } }', {
        input: {
          patientId,
          doctorId: options.doctor.id,
          departmentId: options.doctor.departmentId,
          startsAt: startsAt.toISOString(),
        },
      });
      appointments++;
    }
  }
  const billIds: string[] = [];
  for (const patientId of patientIds) {
    for (const lineItems of [
      [{ description: 'Consultation', unitPrice: 8_000 }],
      [
        { description: 'Blood panel', code: 'LAB-1', unitPrice: 2_500, quantity: 2 },
        { description: 'X-ray', unitPrice: 12_000 },
      ],
    ]) {
      const data = await admin.data<{ createBill: { id: string } }>(
        'mutation($input: CreateBillInput!) { createBill(input: $input) { id } }',
        { input: { patientId, lineItems } },
      );
      billIds.push(data.createBill.id);
    }
  }
  await options.untilKnown('bills', billIds);
  let payments = 0;
  for (let i = 0; i < billIds.length; i += 2) {
    await payOnce(admin, billIds[i]!, 5_000);
    payments++;
  }
  return { patientIds, appointments, bills: billIds.length, payments };
}

/** One `payBill` in cash under a fresh idempotency key; throws on any error. */
export async function payOnce(admin: GraphClient, billId: string, amount: number): Promise<void> {
  const response = await admin.request(
    'mutation($input: PayBillInput!) { payBill(input: $input) { id status } }',
    { input: { billId, amount, method: 'CASH' } },
    { 'idempotency-key': crypto.randomUUID() },
  );
  if (response.errors?.length || !response.data) {
    throw new Error(`payBill ${billId}: ${JSON.stringify(response.errors ?? response)}`);
  }
}

/** One request to a gateway and its answer's `data` (errors, HTTP status and all, if anything went wrong). */
export async function answer(
  url: string,
  token: string,
  requestBody: string,
): Promise<{ status: number; data?: unknown; errors?: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: requestBody,
  });
  const parsed = (await response.json().catch(() => ({}))) as { data?: unknown; errors?: unknown };
  return { status: response.status, ...parsed };
}

/**
 * The differences between two gateways' answers to the same requests: the index of each request whose `data`
 * differs (or that either answered with errors or without HTTP 200), with both answers shortened.
 */
export function answerDifferences(
  ours: readonly { status: number; data?: unknown; errors?: unknown }[],
  theirs: readonly { status: number; data?: unknown; errors?: unknown }[],
): string[] {
  const differences: string[] = [];
  const short = (value: unknown) => JSON.stringify(value)?.slice(0, 300) ?? 'undefined';
  for (let i = 0; i < Math.max(ours.length, theirs.length); i++) {
    const a = ours[i];
    const b = theirs[i];
    if (!a || !b) {
      differences.push(`request ${i}: answered by one gateway only`);
    } else if (a.status !== 200 || b.status !== 200 || a.errors || b.errors) {
      differences.push(
        `request ${i}: errors (ours ${a.status} ${short(a.errors)}; theirs ${b.status} ${short(b.errors)})`,
      );
    } else if (a.data == null || !isDeepStrictEqual(a.data, b.data)) {
      differences.push(`request ${i}: data differs (ours ${short(a.data)}; theirs ${short(b.data)})`);
    }
  }
  return differences;
}

/** The subgraph requests of one query, grouped by subgraph. */
export interface SubgraphShare {
  subgraph: string;
  url: string;
  /** Request bodies as captured, for every query captured. */
  bodies: string[];
  /** Requests to this subgraph per query. */
  perQuery: number;
}

/** Groups captured fetches by subgraph (`names`: URL → subgraph name), `queries` being the queries captured. */
export function sharesOf(
  fetches: readonly SubgraphFetch[],
  names: Record<string, string>,
  queries: number,
): SubgraphShare[] {
  const byUrl = new Map<string, string[]>();
  for (const fetch of fetches) {
    const list = byUrl.get(fetch.url) ?? [];
    list.push(JSON.stringify(fetch.body));
    byUrl.set(fetch.url, list);
  }
  return [...byUrl.entries()]
    .map(([url, bodies]) => {
      const subgraph = names[url];
      if (!subgraph) throw new Error(`a captured request went to ${url}, which is no subgraph of the run`);
      return { subgraph, url, bodies, perQuery: bodies.length / queries };
    })
    .sort((a, b) => a.subgraph.localeCompare(b.subgraph));
}

/** How many of `fetches` went to each subgraph (`names`: URL → subgraph name; another URL counts under itself). */
export function requestsBySubgraph(
  fetches: readonly SubgraphFetch[],
  names: Record<string, string>,
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const fetch of fetches) {
    const name = names[fetch.url] ?? fetch.url;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/** One measured read run, as figures. */
export interface ReadFigures {
  /** Correct answers per second. */
  perSecond: number;
  latency: LatencySummary;
  ok: number;
  errors: Record<string, number>;
  seconds: number;
  connectionErrors: number;
  timeouts: number;
}

/** Figures of a read run (`load.ts`'s `ReadRunResult`), over the run's nominal seconds. */
export function readFigures(
  run: {
    ok: number;
    errors: Record<string, number>;
    latenciesMs: number[];
    connectionErrors: number;
    timeouts: number;
  },
  seconds: number,
): ReadFigures {
  return {
    perSecond: run.ok / seconds,
    latency: summarise(run.latenciesMs),
    ok: run.ok,
    errors: run.errors,
    seconds,
    connectionErrors: run.connectionErrors,
    timeouts: run.timeouts,
  };
}

/**
 * The gateway-overhead figures: the gateway's queries per second against the slowest subgraph's own rate for the
 * same data (its requests per second divided by its requests per query), and the gateway's p99 against the highest
 * p99 of a single subgraph request. Also against the subgraphs' combined rate, `1 / Σ (requests per query ÷ requests
 * per second)`: what one process serving every subgraph (as the bench runs them) could do for the query if each
 * subgraph's share cost what it costs alone.
 */
export function overheadRatios(
  gateway: ReadFigures,
  direct: readonly { subgraph: string; perQuery: number; figures: ReadFigures }[],
): {
  slowest: string;
  slowestQueriesPerSecond: number;
  throughput: number;
  p99: number;
  combinedQueriesPerSecond: number;
  combinedThroughput: number;
} {
  const secondsPerQuery = direct.reduce((sum, share) => sum + share.perQuery / share.figures.perSecond, 0);
  const combinedQueriesPerSecond = direct.length > 0 ? 1 / secondsPerQuery : Number.NaN;
  let slowest = { subgraph: 'none', queriesPerSecond: Number.NaN };
  let worstP99 = Number.NaN;
  for (const share of direct) {
    const queriesPerSecond = share.figures.perSecond / share.perQuery;
    if (!(queriesPerSecond >= slowest.queriesPerSecond)) slowest = { subgraph: share.subgraph, queriesPerSecond };
    if (!(share.figures.latency.p99 <= worstP99)) worstP99 = share.figures.latency.p99;
  }
  return {
    slowest: slowest.subgraph,
    slowestQueriesPerSecond: slowest.queriesPerSecond,
    throughput: ratioOf(gateway.perSecond, slowest.queriesPerSecond),
    p99: ratioOf(gateway.latency.p99, worstP99),
    combinedQueriesPerSecond,
    combinedThroughput: ratioOf(gateway.perSecond, combinedQueriesPerSecond),
  };
}
