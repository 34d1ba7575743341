/**
 * Batching (issue 10): what one federated page of patients with their appointments, doctors, departments, bills and
 * payments costs in subgraph requests and SQL statements, for several page sizes. Counted, not timed: a graph without
 * N+1 reads costs the same whatever the page size. `measureBatching` seeds its own patients and is independent of the
 * tests (`test/e2e/batching.test.ts` asserts on it).
 */
import { randomUUID } from 'node:crypto';
import type { Graph } from '../../embedded/graph.ts';
import type { GraphClient } from '../../platform/graphql/client.ts';
import { QueryCounter, total, type RequestCounts } from '../../platform/testing/query-count.ts';
import { DoctorReplica, PatientReplica } from '../../subgraphs/appointments/appointment.entity.ts';
import { AppointmentReplica, PatientReplica as BillingPatientReplica } from '../../subgraphs/billing/bill.entity.ts';
import { BillLedger } from '../../subgraphs/payments/payment.entity.ts';
import { forEachConcurrently } from '../import/concurrency.ts';

/**
 * The page every size is measured with: real fields of `schema/api.graphql`, through five subgraphs (patients,
 * appointments, doctors, billing, payments). `$search` keeps the page to the seeded patients; `$perPatient` (their
 * appointments and bills each) keeps it under the gateway's cost limit (`gateway/query-safety.ts`).
 */
export const PATIENT_PAGE_QUERY = `query BatchingPage($first: Int!, $search: String, $perPatient: Int!) {
  patients(first: $first, search: $search) {
    totalCount
    edges { node {
      id mrn givenName familyName
      appointments(first: $perPatient) {
        totalCount
        edges { node {
          id startsAt status
          doctor { id displayName department { id name } }
          bill { id }
          bills { id number status total { amount currency } amountPaid { amount } balanceDue { amount }
                  payments { id amount { amount } method status } }
        } }
      }
      bills(first: $perPatient) {
        totalCount
        edges { node { id number status total { amount } amountPaid { amount } balanceDue { amount }
                       payments { id amount { amount } status } } }
      }
    } }
  }
}`;

/** One page size's cost, and what the page held (to show it was the full page). */
export interface BatchingMeasurement {
  pageSize: number;
  counts: RequestCounts;
  /** Sum over subgraphs. */
  subgraphRequests: number;
  /** Sum over subgraphs. */
  sqlStatements: number;
  /** Objects in the answer: patients, their appointments, their bills (both paths), payments (both paths). */
  returned: { patients: number; appointments: number; bills: number; payments: number };
}

export interface BatchingOptions {
  /** The whole graph running in this process (`startGraph`): counting needs its subgraphs' ORMs and ports. */
  graph: Pick<Graph, 'subgraphs' | 'subgraphUrls'>;
  /** A gateway client signed in as an admin (it seeds and reads); its URL is the gateway's `/graphql`. */
  admin: GraphClient;
  /** Page sizes to measure, each 1..100 (default 10, 50, 100); the largest is how many patients are seeded. */
  pageSizes?: readonly number[];
  /** Appointments per patient (default 2, each with another doctor of another department); the first is billed. */
  appointmentsPerPatient?: number;
  /** Requests in flight while seeding (default 8). */
  concurrency?: number;
  /** Called with progress lines while seeding (default: none). */
  progress?: (line: string) => void;
}

/**
 * Seeds `max(pageSizes)` patients, each with `appointmentsPerPatient` past appointments (imported, COMPLETED) with
 * doctors of different departments, and a manual bill on the first of them, part-paid in cash; then, for each page size K,
 * sends `PATIENT_PAGE_QUERY` with `first: K` once and counts the gateway's requests to each subgraph and the SQL
 * statements each subgraph ran for it (`platform/testing/query-count.ts`).
 *
 * @returns one measurement per page size, in the order given; the page must hold K patients with everything seeded
 *   (else it throws), so that equal counts mean batching and not an empty page.
 * @throws Error for a page size outside 1..100, a failed seed request, or an answer with errors.
 */
export async function measureBatching(options: BatchingOptions): Promise<BatchingMeasurement[]> {
  const pageSizes = options.pageSizes ?? [10, 50, 100];
  if (pageSizes.length === 0 || pageSizes.some((size) => !Number.isInteger(size) || size < 1 || size > 100)) {
    throw new Error(`page sizes must be integers in 1..100, got ${pageSizes.join(', ')}`);
  }
  const perPatient = options.appointmentsPerPatient ?? 2;
  const marker = await seed(options, Math.max(...pageSizes), perPatient);

  const counter = QueryCounter.attach(options.graph);
  try {
    const measurements: BatchingMeasurement[] = [];
    for (const pageSize of pageSizes) {
      const { result, counts } = await counter.count((headers) =>
        options.admin.request<PageData>(PATIENT_PAGE_QUERY, { first: pageSize, search: marker, perPatient }, headers),
      );
      if (result.errors?.length || !result.data) {
        throw new Error(`page of ${pageSize} answered with errors: ${JSON.stringify(result.errors)}`);
      }
      const returned = tally(result.data);
      const expected = { patients: pageSize, appointments: pageSize * perPatient };
      if (returned.patients !== expected.patients || returned.appointments !== expected.appointments) {
        throw new Error(`page of ${pageSize} is not the seeded page: ${JSON.stringify(returned)}`);
      }
      measurements.push({
        pageSize,
        counts,
        subgraphRequests: total(counts.subgraphRequests),
        sqlStatements: total(counts.sqlStatements),
        returned,
      });
    }
    return measurements;
  } finally {
    counter.detach();
  }
}

/** "page 10/50/100 → subgraph requests 9/9/9, SQL statements 14/14/14", for reports. */
export function describeBatching(measurements: readonly BatchingMeasurement[]): string {
  const join = (pick: (m: BatchingMeasurement) => number) => measurements.map(pick).join('/');
  return `page ${join((m) => m.pageSize)} → subgraph requests ${join((m) => m.subgraphRequests)}, SQL statements ${join((m) => m.sqlStatements)}`;
}

interface PageData {
  patients: {
    edges: {
      node: {
        appointments: { edges: { node: { bills: { payments: unknown[] }[] } }[] };
        bills: { edges: { node: { payments: unknown[] } }[] };
      };
    }[];
  };
}

function tally(data: PageData): BatchingMeasurement['returned'] {
  const returned = { patients: 0, appointments: 0, bills: 0, payments: 0 };
  for (const { node: patient } of data.patients.edges) {
    returned.patients += 1;
    for (const { node: appointment } of patient.appointments.edges) {
      returned.appointments += 1;
      for (const bill of appointment.bills) {
        returned.bills += 1;
        returned.payments += bill.payments.length;
      }
    }
    for (const { node: bill } of patient.bills.edges) {
      returned.bills += 1;
      returned.payments += bill.payments.length;
    }
  }
  return returned;
}

/** Seeds the hospital and returns the search term that finds exactly its patients. */
async function seed(options: BatchingOptions, patientCount: number, perPatient: number): Promise<string> {
  const { admin, graph } = options;
  const concurrency = options.concurrency ?? 8;
  const log = options.progress ?? (() => {});
  const marker = `Batching${randomUUID().slice(0, 8)}`;

  // One doctor per department, so that each appointment of a patient has another doctor and department.
  const doctors = await mapLimited(Array.from({ length: perPatient }), concurrency, async (_, i) => {
    // Department codes are 2-10 upper-case letters or digits.
    const code = `B${marker.slice(-8).toUpperCase()}${i}`;
    const { createDepartment } = await admin.data<{ createDepartment: { id: string } }>(
      'mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { id } }',
      { input: { name: `${marker} department ${i + 1}`, code } },
    );
    const { createDoctor } = await admin.data<{ createDoctor: { id: string } }>(
      'mutation($input: CreateDoctorInput!) { createDoctor(input: $input) { id } }',
      {
        input: {
          givenName: 'Batching',
          familyName: `Doctor ${i + 1}`,
          departmentId: createDepartment.id,
          specialization: 'General Practice',
          consultationFeeAmount: 8_000,
        },
      },
    );
    return { id: createDoctor.id, departmentId: createDepartment.id };
  });
  const patientIds = await mapLimited(Array.from({ length: patientCount }), concurrency, async (_, i) => {
    const { registerPatient } = await admin.data<{ registerPatient: { id: string } }>(
      'mutation($input: RegisterPatientInput!) { registerPatient(input: $input) { id } }',
      { input: { givenName: 'Patient', familyName: `${marker} ${i + 1}`, birthDate: '1980-01-01', sex: 'UNKNOWN' } },
    );
    return registerPatient.id;
  });
  log(`seeded ${doctors.length} doctors and ${patientIds.length} patients`);
  await until(graph, 'appointments', async (em) => {
    const known =
      (await em.count(DoctorReplica, { doctorId: { $in: doctors.map((doctor) => doctor.id) } })) +
      (await em.count(PatientReplica, { patientId: { $in: patientIds } }));
    return known === doctors.length + patientIds.length;
  });

  // Past visits at 12:00, 13:00… UTC on weekdays of 2023-2024: whole slots in clinic hours under the default
  // settings (UTC, 09:00-18:00, slots of 30 minutes) and in any time zone from UTC-3 to UTC+3.
  const appointments = await mapLimited(
    patientIds.flatMap((patientId, p) => doctors.map((doctor, d) => ({ patientId, doctor, p, d }))),
    concurrency,
    async ({ patientId, doctor, p, d }) => {
      const day = new Date(Date.UTC(2024, 0, 8 + (p % 5)));
      day.setUTCHours(12 + d, 0, 0, 0);
      const startsAt = new Date(day.getTime() - Math.floor(p / 5) * 7 * 24 * 3_600_000);
      const { importAppointment } = await admin.data<{ importAppointment: { id: string } }>(
        'mutation($input: ImportAppointmentInput!) { importAppointment(input: $input) { id } }',
        {
          input: {
            patientId,
            doctorId: doctor.id,
            departmentId: doctor.departmentId,
            startsAt: startsAt.toISOString(),
            status: 'COMPLETED',
            identifier: { system: `urn:hms:bench:${marker}`, value: `${p}-${d}` },
          },
        },
      );
      return { id: importAppointment.id, patientId };
    },
  );
  log(`imported ${appointments.length} appointments`);
  await until(graph, 'billing', async (em) => {
    const known =
      (await em.count(BillingPatientReplica, { patientId: { $in: patientIds } })) +
      (await em.count(AppointmentReplica, { appointmentId: { $in: appointments.map((a) => a.id) } }));
    return known === patientIds.length + appointments.length;
  });

  // One bill per patient, on their first appointment: the other appointments answer an empty `bills`.
  const billed = appointments.filter((_, index) => index % perPatient === 0);
  const billIds = await mapLimited(billed, concurrency, async (appointment) => {
    const { createBill } = await admin.data<{ createBill: { id: string } }>(
      'mutation($input: CreateBillInput!) { createBill(input: $input) { id } }',
      {
        input: {
          patientId: appointment.patientId,
          appointmentId: appointment.id,
          lineItems: [{ description: 'Consultation', unitPrice: 8_000 }],
        },
      },
    );
    return createBill.id;
  });
  await until(
    graph,
    'payments',
    async (em) => (await em.count(BillLedger, { billId: { $in: billIds } })) === billIds.length,
  );
  await forEachConcurrently(billIds, concurrency, async (billId) => {
    const paid = await admin.request<{ payBill: { status: string } }>(
      'mutation($input: PayBillInput!) { payBill(input: $input) { status } }',
      { input: { billId, amount: 3_000, method: 'CASH' } },
      { 'Idempotency-Key': randomUUID() },
    );
    if (paid.errors?.length || paid.data?.payBill.status !== 'SUCCEEDED') {
      throw new Error(`paying bill ${billId} failed: ${JSON.stringify(paid.errors ?? paid.data)}`);
    }
  });
  log(`issued and part-paid ${billIds.length} bills`);
  return marker;
}

type Em = ReturnType<Graph['subgraphs'][number]['runtime']['orm']['em']['fork']>;

/** Polls `ready` on a fork of the subgraph's ORM until it holds (events reach the other subgraphs asynchronously). */
async function until(
  graph: BatchingOptions['graph'],
  subgraphName: string,
  ready: (em: Em) => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const subgraph = graph.subgraphs.find((candidate) => candidate.name === subgraphName);
  if (!subgraph) throw new Error(`the graph has no subgraph ${subgraphName}`);
  const deadline = Date.now() + timeoutMs;
  while (!(await ready(subgraph.runtime.orm.em.fork()))) {
    if (Date.now() > deadline) throw new Error(`${subgraphName} did not learn of the seeded data in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function mapLimited<Item, Result>(
  items: readonly Item[],
  limit: number,
  work: (item: Item, index: number) => Promise<Result>,
): Promise<Result[]> {
  const results: Result[] = new Array(items.length);
  await forEachConcurrently(items, limit, async (item, index) => {
    results[index] = await work(item, index);
  });
  return results;
}
