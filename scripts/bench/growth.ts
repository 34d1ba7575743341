/**
 * The growth scenario of `npm run bench`: the same queries through the gateway with `SMALL` generated patients and
 * then with `LARGE` (`generate.ts`, 5 appointments each), each query's p95 at both sizes and their ratio. The queries:
 *
 * - a patient by id with appointments → doctor → department and bills → payments (`PATIENT_QUERY`), for patients
 *   drawn at random from all those generated so far (a different one each request);
 * - the first page of 100 patients in registration order with their appointments, doctors and bills;
 * - a patient found by MRN (`patients(search: <MRN>)`), MRNs drawn at random;
 * - `patients { totalCount }`, the number of patients;
 * - `Doctor.availableSlots` of a doctor whose generated history holds a share of every appointment.
 *
 * Each query runs on one connection, requests one after another (latency without queueing), for a warm-up and then,
 * once the subgraphs have handled the events of earlier requests, the measured seconds. Every answer must be HTTP 200 with data and no errors.
 */
import { onServer } from '../../platform/testing/database.ts';
import { body, PATIENT_PAGE_QUERY, PATIENT_QUERY, readFigures, SLOTS_QUERY, type ReadFigures } from './reads.ts';
import { generateHistory, type GenerateResult } from './generate.ts';
import type { ReadJob, ReadRunResult } from './load.ts';
import { ratioOf } from './stats.ts';

export const SMALL = 10_000;
export const LARGE = 1_000_000;
export const APPOINTMENTS_PER_PATIENT = 5;
/** Patients (and MRNs) drawn for the by-id and by-MRN queries at each size. */
const SAMPLE = 500;

export const GROWTH_QUERIES = [
  'patient by id',
  'page of 100 patients',
  'patient by MRN',
  'patient count',
  'available slots',
] as const;
export type GrowthQuery = (typeof GROWTH_QUERIES)[number];

export interface GrowthFigures {
  generated: { small: GenerateResult; large: GenerateResult };
  /** Patients and appointments in the database at each size (generated ones and the bench's own). */
  sizes: { small: { patients: number; appointments: number }; large: { patients: number; appointments: number } };
  queries: { query: GrowthQuery; small: ReadFigures; large: ReadFigures; p95Ratio: number }[];
  seconds: number;
  warmupSeconds: number;
}

/** Runs the scenario; `read` runs a read job in the load generator. */
export async function measureGrowth(options: {
  databaseUrl: string;
  gatewayUrl: string;
  token: string;
  seconds: number;
  warmupSeconds: number;
  clinic: { opensAt: number; closesAt: number; slotMinutes: number };
  /** A day in the future, and a doctor with generated history, for `availableSlots`. */
  slotsDay: string;
  read: (job: ReadJob) => Promise<ReadRunResult>;
  /** Waits until the subgraphs have handled the events earlier requests set off. */
  settle: (before: string) => Promise<void>;
  log: (message: string) => void;
}): Promise<GrowthFigures> {
  const generate = (from: number, to: number) =>
    generateHistory(options.databaseUrl, {
      from,
      to,
      maxPatients: LARGE,
      appointmentsPerPatient: APPOINTMENTS_PER_PATIENT,
      clinic: options.clinic,
      log: options.log,
    });
  const measureAt = async (generatedPatients: number) => {
    const sample = await sampleOf(options.databaseUrl, generatedPatients);
    const bodies: Record<GrowthQuery, string[]> = {
      'patient by id': sample.patientIds.map((id) => body(PATIENT_QUERY, { id })),
      'page of 100 patients': [body(PATIENT_PAGE_QUERY, { first: 100 })],
      'patient by MRN': sample.mrns.map((mrn) => body(PATIENT_PAGE_QUERY, { search: mrn, first: 1 })),
      'patient count': [body('query BenchPatientCount { patients(first: 1) { totalCount } }', {})],
      'available slots': [body(SLOTS_QUERY, { id: sample.busiestDoctorId, date: options.slotsDay })],
    };
    const figures = {} as Record<GrowthQuery, ReadFigures>;
    for (const query of GROWTH_QUERIES) {
      const job = (seconds: number): ReadJob => ({
        kind: 'reads',
        url: options.gatewayUrl,
        bearer: options.token,
        bodies: bodies[query],
        seconds,
        connections: 1,
      });
      await options.read(job(options.warmupSeconds));
      await options.settle(`growth: ${query} at ${generatedPatients} patients`);
      figures[query] = readFigures(await options.read(job(options.seconds)), options.seconds);
      options.log(`growth at ${generatedPatients} patients: ${query} p95 ${figures[query].latency.p95.toFixed(1)} ms`);
    }
    return { figures, size: sample.size };
  };

  options.log(`growth: generating ${SMALL} patients`);
  const small = await generate(0, SMALL);
  const atSmall = await measureAt(SMALL);
  options.log(`growth: generating up to ${LARGE} patients`);
  const large = await generate(SMALL, LARGE);
  const atLarge = await measureAt(LARGE);
  return {
    generated: { small, large },
    sizes: { small: atSmall.size, large: atLarge.size },
    queries: GROWTH_QUERIES.map((query) => ({
      query,
      small: atSmall.figures[query],
      large: atLarge.figures[query],
      p95Ratio: ratioOf(atLarge.figures[query].latency.p95, atSmall.figures[query].latency.p95),
    })),
    seconds: options.seconds,
    warmupSeconds: options.warmupSeconds,
  };
}

/**
 * `SAMPLE` generated patients drawn at random from the first `generated` (by their generated e-mail address, which
 * names their index), their MRNs, the doctor with the most appointments, and the table sizes.
 */
async function sampleOf(
  databaseUrl: string,
  generated: number,
): Promise<{
  patientIds: string[];
  mrns: string[];
  busiestDoctorId: string;
  size: { patients: number; appointments: number };
}> {
  const emails = Array.from({ length: SAMPLE }, () => `patient${Math.floor(Math.random() * generated)}@example.org`);
  return onServer(databaseUrl, async (client) => {
    const patients = await client.query<{ id: string; mrn: string }>(
      'select id, mrn from patients.patient where email = any($1::text[])',
      [emails],
    );
    if (patients.rows.length === 0) throw new Error('no generated patient found');
    const doctor = await client.query<{ doctor_id: string }>(
      `select doctor_id from appointments.doctor_replica where active order by doctor_id limit 1`,
    );
    const counts = await client.query<{ patients: number; appointments: number }>(
      `select (select count(*) from patients.patient)::int as patients,
              (select count(*) from appointments.appointment)::int as appointments`,
    );
    return {
      patientIds: patients.rows.map((row) => row.id),
      mrns: patients.rows.map((row) => row.mrn),
      // Generated patient 0 sees the first doctor in id order (`generate.ts`): it has as many appointments as any.
      busiestDoctorId: doctor.rows[0]!.doctor_id,
      size: counts.rows[0]!,
    };
  });
}
