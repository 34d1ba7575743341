/**
 * The doctors' copy in `appointments` (department, fee, working hours, time off) stays right whatever order and
 * however often `doctor-events` arrive: redeliveries change nothing, and an older event replayed after a newer one
 * does not roll the copy back.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newId } from '../../platform/db/base.entity.ts';
import type { Orm } from '../../platform/db/orm.ts';
import { createConsumer, type EventConsumer } from '../../platform/events/consumer.ts';
import { createEnvelope, type EventEnvelope } from '../../platform/events/envelope.ts';
import { InProcessTransport } from '../../platform/events/in-process-transport.ts';
import { createLogger } from '../../platform/logger.ts';
import type { SubgraphRuntime } from '../../platform/subgraph.ts';
import { openTestDatabase, type TestDatabaseHandle } from '../../platform/testing/orm.ts';
import { DoctorReplica } from './appointment.entity.ts';
import { DEFAULT_POLICY } from './appointment.rules.ts';
import { appointmentsSubgraph } from './subgraph.ts';

let handle: TestDatabaseHandle;
let orm: Orm;
let consumer: EventConsumer;

beforeAll(async () => {
  handle = await openTestDatabase();
  const definition = appointmentsSubgraph(DEFAULT_POLICY);
  orm = await handle.orm(definition);
  const spec = definition.consumers!({ orm } as SubgraphRuntime).find(
    (candidate) => candidate.name === 'appointments.doctor-replica',
  )!;
  consumer = createConsumer({
    ...spec,
    orm,
    transport: new InProcessTransport(),
    logger: createLogger({ name: 'test', level: 'silent' }),
  });
});
afterAll(async () => {
  await handle?.close();
});

function doctorEvent(type: string, doctorId: string, at: string, changes: Record<string, unknown> = {}): EventEnvelope {
  return createEnvelope({
    type,
    aggregateId: doctorId,
    actor: { userId: null, roles: [] },
    correlationId: 'replica-test',
    occurredAt: new Date(at),
    payload: {
      doctorId,
      departmentId: '0192f000-0000-7000-8000-0000000000d1',
      specialization: 'Cardiology',
      consultationFee: { amount: 10_000, currency: 'USD' },
      active: true,
      weeklyHours: null,
      timeOff: [],
      ...changes,
    },
  });
}

const replica = (doctorId: string) => orm.em.fork().findOneOrFail(DoctorReplica, { doctorId });

describe("appointments' copy of a doctor", () => {
  it('takes the whole scheduling state from each event', async () => {
    const doctorId = newId();
    await consumer.handle('doctor-events', doctorEvent('DoctorCreated', doctorId, '2026-11-01T10:00:00Z'));
    const hours = [{ weekday: 1, opens: '10:00', closes: '12:00' }];
    const off = [{ startsAt: '2026-12-01T10:00:00.000Z', endsAt: '2026-12-02T10:00:00.000Z', reason: 'Congress' }];
    await consumer.handle(
      'doctor-events',
      doctorEvent('DoctorAvailabilitySet', doctorId, '2026-11-02T10:00:00Z', { weeklyHours: hours, timeOff: off }),
    );
    expect(await replica(doctorId)).toMatchObject({ consultationFeeAmount: 10_000, weeklyHours: hours, timeOff: off });
  });

  it('changes nothing when an event is delivered again', async () => {
    const doctorId = newId();
    const created = doctorEvent('DoctorCreated', doctorId, '2026-11-01T10:00:00Z');
    expect(await consumer.handle('doctor-events', created)).toBe('handled');
    expect(await consumer.handle('doctor-events', structuredClone(created))).toBe('duplicate');
  });

  it('keeps the newer state when an older event is replayed after it', async () => {
    const doctorId = newId();
    await consumer.handle('doctor-events', doctorEvent('DoctorCreated', doctorId, '2026-11-01T10:00:00Z'));
    await consumer.handle(
      'doctor-events',
      doctorEvent('DoctorUpdated', doctorId, '2026-11-03T10:00:00Z', {
        consultationFee: { amount: 15_000, currency: 'USD' },
      }),
    );
    await consumer.handle(
      'doctor-events',
      doctorEvent('DoctorUpdated', doctorId, '2026-11-02T10:00:00Z', {
        consultationFee: { amount: 12_000, currency: 'USD' },
      }),
    );
    expect((await replica(doctorId)).consultationFeeAmount).toBe(15_000);
  });

  it('reads events published before doctors had working hours', async () => {
    const doctorId = newId();
    const legacy = doctorEvent('DoctorCreated', doctorId, '2026-11-01T10:00:00Z');
    const { weeklyHours: _hours, timeOff: _off, ...payload } = legacy.payload as Record<string, unknown>;
    expect(await consumer.handle('doctor-events', { ...legacy, payload })).toBe('handled');
    expect(await replica(doctorId)).toMatchObject({ weeklyHours: null, timeOff: [] });
  });
});
