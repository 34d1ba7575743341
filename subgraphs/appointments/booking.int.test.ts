/**
 * The SPEC §3 guarantees under concurrency, on the real database (PostgreSQL in CI): many requests race for one
 * doctor slot, for the last places of a doctor's day, for one patient's time, or to move and cancel the same
 * appointment — and exactly as many succeed as the rules allow.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newId } from '../../platform/db/base.entity.ts';
import type { Orm } from '../../platform/db/orm.ts';
import type { Actor } from '../../platform/graphql/context.ts';
import { openTestDatabase, type TestDatabaseHandle } from '../../platform/testing/orm.ts';
import { Appointment, DoctorDay, DoctorReplica, PatientReplica } from './appointment.entity.ts';
import { DEFAULT_POLICY } from './appointment.rules.ts';
import { AppointmentService } from './appointment.service.ts';
import { BookingService } from './booking.service.ts';
import { appointmentsSubgraph } from './subgraph.ts';

const NOW = new Date('2026-11-23T06:00:00Z'); // a Monday morning
const DAY = '2026-11-25'; // Wednesday
const at = (time: string) => new Date(`${DAY}T${time}:00Z`);
const admin: Actor = { principal: { userId: newId(), roles: ['ADMIN'] }, correlationId: 'booking-int-test' };

let handle: TestDatabaseHandle;
let orm: Orm;

beforeAll(async () => {
  handle = await openTestDatabase();
  orm = await handle.orm(appointmentsSubgraph(DEFAULT_POLICY));
});
afterAll(async () => {
  await handle?.close();
});

const deps = () => ({ em: orm.em.fork(), actor: admin, clock: () => NOW, timeZone: 'UTC', policy: DEFAULT_POLICY });
const booking = () => new BookingService(deps());
const lifecycle = () => new AppointmentService(deps());

async function seedDoctor(): Promise<{ doctorId: string; departmentId: string }> {
  const doctor = { doctorId: newId(), departmentId: newId() };
  const em = orm.em.fork();
  em.create(DoctorReplica, {
    ...doctor,
    consultationFeeAmount: 8_000,
    feeCurrency: 'USD',
    active: true,
    weeklyHours: null,
    timeOff: [],
    asOf: NOW,
  });
  await em.flush();
  return doctor;
}

async function seedPatients(count: number): Promise<string[]> {
  const em = orm.em.fork();
  const ids = Array.from({ length: count }, () => newId());
  for (const patientId of ids) em.create(PatientReplica, { patientId, active: true, asOf: NOW });
  await em.flush();
  return ids;
}

/** Runs every attempt at once; returns how many succeeded and the codes (or error names) of the rest. */
async function race(attempts: (() => Promise<unknown>)[]): Promise<{ succeeded: number; refusals: string[] }> {
  const outcomes = await Promise.allSettled(attempts.map((attempt) => attempt()));
  const refusals = outcomes.flatMap((outcome) => {
    if (outcome.status === 'fulfilled') return [];
    const error = outcome.reason as { code?: string; constraint?: string; name?: string };
    return [error.constraint ?? error.code ?? error.name ?? 'unknown'];
  });
  return { succeeded: outcomes.length - refusals.length, refusals };
}

describe('concurrent booking', () => {
  it('lets exactly 1 of 200 concurrent bookings of one doctor slot succeed', async () => {
    const doctor = await seedDoctor();
    const patients = await seedPatients(200);
    const { succeeded, refusals } = await race(
      patients.map((patientId) => () => booking().book({ ...doctor, patientId, startsAt: at('10:00') })),
    );
    expect(succeeded).toBe(1);
    expect(new Set(refusals)).toEqual(new Set(['appointment_doctor_slot_excl']));
    expect(await orm.em.fork().count(Appointment, { doctorId: doctor.doctorId })).toBe(1);
  });

  it('lets exactly 8 of 100 concurrent bookings across a doctor’s free slots of one day succeed', async () => {
    const doctor = await seedDoctor();
    const patients = await seedPatients(100);
    const slots = Array.from({ length: 18 }, (_, index) => new Date(at('09:00').getTime() + index * 30 * 60_000));
    const { succeeded, refusals } = await race(
      patients.map(
        (patientId, index) => () => booking().book({ ...doctor, patientId, startsAt: slots[index % slots.length]! }),
      ),
    );
    expect(succeeded).toBe(8);
    expect(
      refusals.every((code) => code === 'DOCTOR_DAILY_CAP_REACHED' || code === 'appointment_doctor_slot_excl'),
    ).toBe(true);
    const em = orm.em.fork();
    expect(await em.count(Appointment, { doctorId: doctor.doctorId })).toBe(8);
    expect((await em.findOneOrFail(DoctorDay, { doctorId: doctor.doctorId, day: DAY })).activeCount).toBe(8);
  });

  it('lets exactly 1 of one patient’s concurrent bookings at one time with different doctors succeed', async () => {
    const doctors = await Promise.all(Array.from({ length: 10 }, () => seedDoctor()));
    const [patientId] = await seedPatients(1);
    const { succeeded, refusals } = await race(
      doctors.map((doctor) => () => booking().book({ ...doctor, patientId: patientId!, startsAt: at('11:00') })),
    );
    expect(succeeded).toBe(1);
    expect(new Set(refusals)).toEqual(new Set(['appointment_patient_slot_excl']));
  });

  it('leaves one consistent state when a reschedule and a cancellation of one appointment race', async () => {
    const doctor = await seedDoctor();
    const [patientId, otherPatientId] = await seedPatients(2);
    for (let round = 0; round < 8; round++) {
      const hour = String(9 + round).padStart(2, '0');
      const original = at(`${hour}:00`);
      const appointment = await booking().book({ ...doctor, patientId: patientId!, startsAt: original });
      const movedTo = new Date(`2026-11-26T${hour}:30:00Z`);
      const [moved, cancelled] = await Promise.allSettled([
        booking().reschedule(appointment.id, movedTo),
        lifecycle().cancel(appointment.id, 'race'),
      ]);
      // Either order is fine, but only these two histories are: the cancellation always wins in the end.
      expect(cancelled.status).toBe('fulfilled');
      const final = await orm.em.fork().findOneOrFail(Appointment, { id: appointment.id });
      expect(final.status).toBe('CANCELLED');
      if (moved.status === 'fulfilled') {
        // Moved, then cancelled.
        expect(final).toMatchObject({ rescheduleCount: 1, startsAt: movedTo });
      } else {
        // Cancelled first: the move found a cancelled appointment.
        expect((moved.reason as { code?: string }).code).toBe('INVALID_STATUS_TRANSITION');
        expect(final).toMatchObject({ rescheduleCount: 0, startsAt: original });
      }
      // The slot it ended in is free again.
      await booking().book({ ...doctor, patientId: otherPatientId!, startsAt: final.startsAt });
    }
    // Each day's counter is exactly that day's active appointments.
    const em = orm.em.fork();
    const active = await em.find(Appointment, {
      doctorId: doctor.doctorId,
      status: { $in: ['PENDING', 'CONFIRMED', 'CHECKED_IN'] },
    });
    const perDay = new Map<string, number>();
    for (const { startsAt } of active) {
      const day = startsAt.toISOString().slice(0, 10);
      perDay.set(day, (perDay.get(day) ?? 0) + 1);
    }
    const counters = await em.find(DoctorDay, { doctorId: doctor.doctorId });
    expect(counters.length).toBeGreaterThan(0);
    for (const counter of counters) {
      expect({ day: counter.day, count: counter.activeCount }).toEqual({
        day: counter.day,
        count: perDay.get(counter.day) ?? 0,
      });
    }
  });
});
