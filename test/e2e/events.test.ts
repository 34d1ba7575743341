/**
 * Events leave through the outbox to a real Kafka broker: a booking made through the gateway appears on
 * `appointment-events` exactly once, keyed by the appointment, in the envelope of SPEC §6, carrying the
 * request's correlation id.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { eventEnvelopeSchema, type EventEnvelope } from '../../platform/events/envelope.ts';
import { OutboxMessage } from '../../platform/events/outbox.entity.ts';
import type { GraphClient } from '../../platform/graphql/client.ts';
import { eventually, startTestGraph, subgraphOf, type TestGraph } from '../../platform/testing/graph.ts';
import { testKafkaBrokers } from '../../platform/testing/services.ts';
import { aDepartment, aDoctor, aPatient, BOOK, slotAt, untilBookable } from '../builders.ts';

const brokers = testKafkaBrokers();
// Needs a broker: skipped when KAFKA_BROKERS is unset, and failing instead under HMS_REQUIRE_SERVICES=1.
const describeWithKafka = brokers ? describe : describe.skip;

describeWithKafka('events on Kafka', () => {
  let graph: TestGraph;
  let admin: GraphClient;
  let consumer: Consumer;
  const kafka = new Kafka({ clientId: 'hms-e2e', brokers: brokers ?? [], logLevel: logLevel.NOTHING });
  const seen: { key: string; partition: number; envelope: unknown }[] = [];
  /** The message an event arrived in. */
  const message = (event: { id: string }) =>
    seen.find((candidate) => (candidate.envelope as { id: string }).id === event.id)!;
  const consumedTo = new Map<number, bigint>();

  beforeAll(async () => {
    graph = await startTestGraph();
    expect(graph.transport.kind).toBe('kafka');
    admin = await graph.admin();
    consumer = kafka.consumer({ groupId: `hms-e2e-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: graph.brokerTopic('appointment-events'), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.push({ key: message.key?.toString() ?? '', partition, envelope: JSON.parse(message.value!.toString()) });
        consumedTo.set(partition, BigInt(message.offset) + 1n);
      },
    });
  });
  afterAll(async () => {
    await consumer?.disconnect();
    await graph?.stop();
  });

  /** Resolves once this test's consumer has read every message the topic holds now. */
  async function consumedEverything(): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(graph.brokerTopic('appointment-events'));
    await admin.disconnect();
    await eventually(
      async () => offsets.every(({ partition, high }) => (consumedTo.get(partition) ?? 0n) >= BigInt(high)),
      30_000,
    );
  }

  it("publishes a booking's AppointmentBooked exactly once, with the envelope and the request's correlation id", async () => {
    const department = await aDepartment(admin);
    const doctor = await aDoctor(admin, department.id);
    const patient = await aPatient(admin);
    await untilBookable(graph, { doctorIds: [doctor.id], patientIds: [patient.id] });

    const correlationId = `e2e-${randomUUID()}`;
    const response = await admin.request<{ bookAppointment: { id: string } }>(
      BOOK,
      { input: { patientId: patient.id, doctorId: doctor.id, departmentId: department.id, startsAt: slotAt(5, 10) } },
      { 'x-correlation-id': correlationId },
    );
    const appointmentId = response.data!.bookAppointment.id;

    // The relay has published it once the outbox row is marked; then read the topic to its end.
    const appointments = subgraphOf(graph, 'appointments');
    await eventually(async () => {
      const row = await appointments.runtime.orm.em.fork().findOne(OutboxMessage, { messageKey: appointmentId });
      return row?.publishedAt ? row : undefined;
    });
    await consumedEverything();

    const mine = seen.filter((message) => message.key === appointmentId);
    expect(mine).toHaveLength(1);
    const envelope = eventEnvelopeSchema.parse(mine[0]!.envelope) as EventEnvelope;
    const me = await admin.data<{ me: { id: string } }>('{ me { id } }');
    expect(envelope).toMatchObject({
      type: 'AppointmentBooked',
      aggregateId: appointmentId,
      correlationId,
      version: 1,
      actor: { userId: me.me.id, roles: ['ADMIN'] },
      payload: {
        appointmentId,
        patientId: patient.id,
        doctorId: doctor.id,
        departmentId: department.id,
        status: 'PENDING',
      },
    });
  });

  it('publishes book → accept → check in → complete in order, once each, the completion carrying the fee', async () => {
    const department = await aDepartment(admin);
    const doctor = await aDoctor(admin, department.id, { consultationFeeAmount: 12_345 });
    const patient = await aPatient(admin);
    await untilBookable(graph, { doctorIds: [doctor.id], patientIds: [patient.id] });
    const booked = await admin.data<{ bookAppointment: { id: string } }>(BOOK, {
      input: { patientId: patient.id, doctorId: doctor.id, departmentId: department.id, startsAt: slotAt(6, 11) },
    });
    const id = booked.bookAppointment.id;
    for (const step of ['acceptAppointment', 'checkInAppointment', 'completeAppointment']) {
      await admin.data(`mutation($id: ID!) { ${step}(id: $id) { status } }`, { id });
    }

    const appointments = subgraphOf(graph, 'appointments');
    await eventually(
      async () =>
        (await appointments.runtime.orm.em
          .fork()
          .count(OutboxMessage, { messageKey: id, publishedAt: { $ne: null } })) === 4,
    );
    await consumedEverything();

    const mine = seen
      .filter((message) => message.key === id)
      .map((message) => eventEnvelopeSchema.parse(message.envelope));
    expect(mine.map((event) => event.type)).toEqual([
      'AppointmentBooked',
      'AppointmentConfirmed',
      'AppointmentCheckedIn',
      'AppointmentCompleted',
    ]);
    expect(new Set(mine.map((event) => message(event).partition)).size).toBe(1);
    expect(mine.at(-1)!.payload).toMatchObject({
      status: 'COMPLETED',
      consultationFee: { amount: 12_345, currency: 'USD' },
    });
  });
});
