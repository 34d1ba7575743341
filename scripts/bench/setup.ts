/**
 * The bench's hospital, set up through the API as an admin: departments, the booking run's doctors (plus one whose
 * day is full and one whose day is empty, for availableSlots) and patients; the bookings planned up front
 * (`plan.ts`); and the full day booked.
 */
import type { EmbeddedEnv } from '../../embedded/config.ts';
import { clinicHours } from '../../platform/config.ts';
import type { GraphClient } from '../../platform/graphql/client.ts';
import type { Subgraph } from '../../platform/subgraph.ts';
import { DoctorReplica, PatientReplica } from '../../subgraphs/appointments/appointment.entity.ts';
import { onServer } from '../../platform/testing/database.ts';
import { forEachConcurrently } from '../import/concurrency.ts';
import { checkPlan, DAYS_AHEAD, firstWeekday, type BookingPlan } from './plan.ts';

interface BenchHospital {
  /** The booking run's doctors and patients, days and slots. */
  plan: BookingPlan;
  /** Booked on `plan.firstDay` in every slot of `plan.slotMinutes` (as many as the daily cap allows). */
  fullDoctor: { id: string; departmentId: string };
  /** Nothing booked. */
  emptyDoctor: { id: string; departmentId: string };
  /** Slots of a clinic day. */
  slotsInDay: number;
}

/** Creates the hospital the bench books in and waits until scheduling knows everyone. */
export async function setUpHospital(
  graph: { subgraphs: readonly Subgraph[] },
  admin: GraphClient,
  options: { env: EmbeddedEnv; doctorCount: number; departmentCount: number },
): Promise<BenchHospital> {
  const { env, doctorCount, departmentCount } = options;
  const patientCount = 2 * doctorCount;
  const departments = await mapLimited(Array.from({ length: departmentCount }), 4, async (_, i) => {
    const data = await admin.data<{ createDepartment: { id: string } }>(
      'mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { id } }',
      { input: { name: `Bench department ${i + 1}`, code: `BENCH${i + 1}` } },
    );
    return data.createDepartment.id;
  });
  // The booking run's doctors, then one with a full day and one with an empty day for availableSlots.
  const doctors = await mapLimited(Array.from({ length: doctorCount + 2 }), 8, async (_, i) => {
    const departmentId = departments[i % departmentCount]!;
    const data = await admin.data<{ createDoctor: { id: string } }>(
      'mutation($input: CreateDoctorInput!) { createDoctor(input: $input) { id } }',
      {
        input: {
          givenName: 'Bench',
          familyName: `Doctor ${i + 1}`,
          departmentId,
          specialization: 'General Practice',
          consultationFeeAmount: 8_000,
        },
      },
    );
    return { id: data.createDoctor.id, departmentId };
  });
  const patientIds = await mapLimited(Array.from({ length: patientCount + 1 }), 8, async (_, i) => {
    const data = await admin.data<{ registerPatient: { id: string } }>(
      'mutation($input: RegisterPatientInput!) { registerPatient(input: $input) { id } }',
      { input: { givenName: 'Bench', familyName: `Patient ${i + 1}`, birthDate: '1980-01-01', sex: 'UNKNOWN' } },
    );
    return data.registerPatient.id;
  });
  await untilReplicated(
    graph,
    doctors.map((doctor) => doctor.id),
    patientIds,
  );

  const clinic = clinicHours(env.HMS_CLINIC_HOURS);
  const slotsInDay = Math.floor((clinic.closesAt - clinic.opensAt) / env.HMS_SLOT_MINUTES);
  const plan: BookingPlan = {
    doctors: doctors.slice(0, doctorCount),
    patientIds: patientIds.slice(0, patientCount),
    firstDay: firstWeekday(new Date(), DAYS_AHEAD),
    slotMinutes: Array.from(
      { length: Math.min(env.HMS_DOCTOR_DAILY_CAP, slotsInDay) },
      (_, k) => clinic.opensAt + k * env.HMS_SLOT_MINUTES,
    ),
  };
  checkPlan(plan, env.HMS_DOCTOR_DAILY_CAP);

  // The full day: as many bookings as the cap allows, for one patient at different times.
  const [fullDoctor, emptyDoctor] = [doctors[doctorCount]!, doctors[doctorCount + 1]!];
  const slotsDay = plan.firstDay;
  for (const minute of plan.slotMinutes) {
    const startsAt = new Date(`${slotsDay}T00:00:00Z`);
    startsAt.setUTCMinutes(minute);
    await admin.data('mutation($input: BookAppointmentInput!) { bookAppointment(input: $input) { id } }', {
      input: {
        patientId: patientIds[patientCount]!,
        doctorId: fullDoctor.id,
        departmentId: fullDoctor.departmentId,
        startsAt: startsAt.toISOString(),
      },
    });
  }
  return { plan, fullDoctor, emptyDoctor, slotsInDay };
}

/** Runs `work` over `items` with at most `limit` at a time, keeping the order of results. */
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

/** Waits until the appointments subgraph's copy knows every doctor and patient (it learns them from events). */
async function untilReplicated(
  graph: { subgraphs: readonly Subgraph[] },
  doctorIds: string[],
  patientIds: string[],
): Promise<void> {
  const appointments = graph.subgraphs.find((subgraph) => subgraph.name === 'appointments');
  if (!appointments) throw new Error('the graph has no appointments subgraph');
  const deadline = Date.now() + 60_000;
  for (;;) {
    const em = appointments.runtime.orm.em.fork();
    const doctors = await em.count(DoctorReplica, { doctorId: { $in: doctorIds } });
    const patients = await em.count(PatientReplica, { patientId: { $in: patientIds } });
    if (doctors === doctorIds.length && patients === patientIds.length) return;
    if (Date.now() > deadline) {
      throw new Error(
        `the appointments subgraph knows ${doctors}/${doctorIds.length} doctors and ` +
          `${patients}/${patientIds.length} patients after 60 s`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * `count` bills for the payment run, one per patient of `patientIds` in turn, each with a total (10,500,000.00 in
 * minor units: 1,000 × 1,000,000 and 5 % tax) that small payments never exhaust.
 */
export async function setUpPayableBills(
  admin: GraphClient,
  patientIds: readonly string[],
  count: number,
): Promise<string[]> {
  return mapLimited(Array.from({ length: count }), 8, async (_, i) => {
    const data = await admin.data<{ createBill: { id: string } }>(
      'mutation($input: CreateBillInput!) { createBill(input: $input) { id } }',
      {
        input: {
          patientId: patientIds[i % patientIds.length]!,
          lineItems: [{ description: 'Bench treatment', quantity: 1_000, unitPrice: 1_000_000 }],
        },
      },
    );
    return data.createBill.id;
  });
}

/**
 * Waits until the subgraphs that learn of patients and bills from events know every id: patients in the
 * appointments and billing subgraphs' copies, bills in the payments subgraph's ledgers.
 */
export async function untilKnown(
  databaseUrl: string,
  what: 'patients' | 'bills',
  ids: readonly string[],
): Promise<void> {
  const checks =
    what === 'patients'
      ? ['appointments.patient_replica where patient_id', 'billing.patient_replica where patient_id']
      : ['payments.bill_ledger where bill_id'];
  const deadline = Date.now() + 60_000;
  for (;;) {
    const counts = await onServer(databaseUrl, async (client) =>
      Promise.all(
        checks.map(async (check) => {
          const result = await client.query<{ count: number }>(
            `select count(*)::int as count from ${check} = any($1::uuid[])`,
            [ids],
          );
          return result.rows[0]!.count;
        }),
      ),
    );
    if (counts.every((count) => count === ids.length)) return;
    if (Date.now() > deadline) {
      throw new Error(`after 60 s the subgraphs know ${counts.join(' / ')} of ${ids.length} ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
