import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { appointmentsSubgraph } from '../../subgraphs/appointments/subgraph.ts';
import { DEFAULT_POLICY } from '../../subgraphs/appointments/appointment.rules.ts';
import { DoctorReplica } from '../../subgraphs/appointments/appointment.entity.ts';
import type { Orm } from '../db/orm.ts';
import { createLogger } from '../logger.ts';
import { eventually } from '../testing/graph.ts';
import { openTestDatabase, type TestDatabaseHandle } from '../testing/orm.ts';
import { createConsumer, type ConsumerOptions } from './consumer.ts';
import { createEnvelope, type EventEnvelope } from './envelope.ts';
import { InProcessTransport } from './in-process-transport.ts';
import { OutboxRelay, recordEvent } from './outbox.ts';
import { OutboxMessage, ProcessedEvent } from './outbox.entity.ts';

const logger = createLogger({ name: 'test', level: 'silent' });
const system = { userId: null, roles: [] };

function doctorEvent(doctorId: string, amount: number, type = 'DoctorUpdated'): EventEnvelope {
  return createEnvelope({
    type,
    aggregateId: doctorId,
    actor: system,
    correlationId: 'test',
    payload: {
      doctorId,
      departmentId: '0192f000-0000-7000-8000-0000000000d1',
      specialization: 'Cardiology',
      consultationFee: { amount, currency: 'USD' },
      active: true,
    },
  });
}

/** A transport whose subscribers record what they received. */
function recordingTransport() {
  const transport = new InProcessTransport();
  const received: { topic: string; value: EventEnvelope }[] = [];
  void transport.subscribe({
    groupId: 'recorder',
    topics: ['doctor-events', 'doctor-events.dlq'],
    handle: async (topic, value) => {
      received.push({ topic, value: value as EventEnvelope });
    },
  });
  return { transport, received };
}

describe('the transactional outbox', () => {
  let handle: TestDatabaseHandle;
  let orm: Orm;
  beforeAll(async () => {
    handle = await openTestDatabase();
    orm = await handle.orm(appointmentsSubgraph(DEFAULT_POLICY));
  });
  afterAll(async () => {
    await handle?.close();
  });

  it('publishes an event only when its transaction commits, exactly once and in order', async () => {
    const { transport, received } = recordingTransport();
    await transport.start();
    const doctorId = '0192f000-0000-7000-8000-00000000a001';
    const committed = [doctorEvent(doctorId, 100), doctorEvent(doctorId, 200), doctorEvent(doctorId, 300)];
    await orm.em.fork().transactional(async (em) => {
      for (const event of committed) recordEvent(em, 'doctor-events', event);
    });
    const rolledBack = doctorEvent(doctorId, 999);
    await expect(
      orm.em.fork().transactional(async (em) => {
        recordEvent(em, 'doctor-events', rolledBack);
        await em.flush();
        throw new Error('the change fails after the event was written');
      }),
    ).rejects.toThrow('the change fails');

    const relay = new OutboxRelay({ orm, transport, logger });
    expect(await relay.drain()).toBe(false);
    await relay.stop();

    expect(received.map((message) => message.value.id)).toEqual(committed.map((event) => event.id));
    expect(received.some((message) => message.value.id === rolledBack.id)).toBe(false);
    const unpublished = await orm.em.fork().count(OutboxMessage, { publishedAt: null });
    expect(unpublished).toBe(0);
  });

  it('lets only the relay holding the lease publish, so two replicas send each event once', async () => {
    const { transport, received } = recordingTransport();
    await transport.start();
    const events = Array.from({ length: 40 }, (_, index) => doctorEvent('0192f000-0000-7000-8000-00000000a002', index));
    await orm.em.fork().transactional(async (em) => {
      for (const event of events) recordEvent(em, 'doctor-events', event);
    });
    const first = new OutboxRelay({ orm, transport, logger, batchSize: 7, idleMs: 20 });
    const second = new OutboxRelay({ orm, transport, logger, batchSize: 7, idleMs: 20 });
    first.start();
    second.start();
    await eventually(async () => (await orm.em.fork().count(OutboxMessage, { publishedAt: null })) === 0);
    await Promise.all([first.stop(), second.stop()]);
    const ids = received.map((message) => message.value.id);
    expect(ids).toEqual(events.map((event) => event.id));
  });
});

describe('idempotent consumers', () => {
  let handle: TestDatabaseHandle;
  let orm: Orm;
  beforeAll(async () => {
    handle = await openTestDatabase();
    orm = await handle.orm(appointmentsSubgraph(DEFAULT_POLICY));
  });
  afterAll(async () => {
    await handle?.close();
  });

  /** A consumer of `doctor-events` on this test's database. */
  const consumerOf = (name: string, handlers: ConsumerOptions['handlers'], options: Partial<ConsumerOptions> = {}) =>
    createConsumer({
      name,
      topics: ['doctor-events'],
      orm,
      transport: new InProcessTransport(),
      logger,
      handlers,
      ...options,
    });

  it('apply a redelivered event once', async () => {
    let effects = 0;
    const consumer = consumerOf('test.replica', {
      DoctorUpdated: async (em, event) => {
        effects++;
        const payload = event.payload as { doctorId: string; consultationFee: { amount: number } };
        em.create(DoctorReplica, {
          doctorId: payload.doctorId,
          departmentId: '0192f000-0000-7000-8000-0000000000d1',
          consultationFeeAmount: payload.consultationFee.amount,
          feeCurrency: 'USD',
          active: true,
          asOf: new Date(event.occurredAt),
        });
      },
    });
    const event = doctorEvent('0192f000-0000-7000-8000-00000000b001', 4200);
    expect(await consumer.handle('doctor-events', event)).toBe('handled');
    expect(await consumer.handle('doctor-events', structuredClone(event))).toBe('duplicate');
    expect(effects).toBe(1);
    expect(await orm.em.fork().count(DoctorReplica, { doctorId: '0192f000-0000-7000-8000-00000000b001' })).toBe(1);
  });

  it('handle the same event once even when it arrives twice at the same time', async () => {
    let effects = 0;
    const consumer = consumerOf('test.concurrent', {
      DoctorUpdated: async () => {
        effects++;
      },
    });
    const event = doctorEvent('0192f000-0000-7000-8000-00000000b002', 1);
    const outcomes = await Promise.all([
      consumer.handle('doctor-events', event),
      consumer.handle('doctor-events', event),
    ]);
    expect(outcomes.sort()).toEqual(['duplicate', 'handled']);
    expect(effects).toBe(1);
  });

  it('roll back a failed attempt, retry, and dead-letter a message that keeps failing', async () => {
    const { transport, received } = recordingTransport();
    await transport.start();
    let attempts = 0;
    const failing = async () => {
      attempts++;
      throw new Error('downstream is broken');
    };
    const consumer = consumerOf(
      'test.failing',
      { DoctorUpdated: failing },
      { transport, maxAttempts: 3, retryDelayMs: 1 },
    );
    const event = doctorEvent('0192f000-0000-7000-8000-00000000b003', 1);
    expect(await consumer.handle('doctor-events', event)).toBe('dead-lettered');
    expect(attempts).toBe(3);
    expect(await orm.em.fork().count(ProcessedEvent, { consumer: 'test.failing' })).toBe(0);
    const letter = received.find((message) => message.topic === 'doctor-events.dlq')?.value as unknown as {
      consumer: string;
      attempts: number;
      error: string;
      value: EventEnvelope;
    };
    expect(letter).toMatchObject({ consumer: 'test.failing', attempts: 3, error: 'downstream is broken' });
    expect(letter.value.id).toBe(event.id);
  });

  it('dead-letter a message that is not an event envelope without calling any handler', async () => {
    const { transport, received } = recordingTransport();
    await transport.start();
    const consumer = consumerOf('test.garbage', {}, { transport });
    expect(await consumer.handle('doctor-events', { hello: 'world' })).toBe('dead-lettered');
    expect(received.filter((message) => message.topic === 'doctor-events.dlq')).toHaveLength(1);
  });
});
