/**
 * Metrics and tracing of the whole graph, as an operator sees them: each component's `/metrics` read over HTTP
 * after a booking, a completed visit's bill, a declined payment and a refused one; and one request sent with a
 * known W3C `traceparent` followed through the gateway, a subgraph, the outbox (and the Kafka message's header)
 * to the consumer of the event it raised, in spans received by a real OTLP/HTTP receiver on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import type { GraphClient } from '../../platform/graphql/client.ts';
import { startTracing, type Tracing } from '../../platform/observability/tracing.ts';
import type { TestGraph } from '../../platform/testing/graph.ts';
import { testKafkaBrokers } from '../../platform/testing/services.ts';

// The graph and the builders (which load the gateway) are imported once tracing is registered, as `npm start`
// does: `@apollo/gateway` binds its tracer when it loads.
let eventually: (typeof import('../../platform/testing/graph.ts'))['eventually'];
let builders: typeof import('../builders.ts');

/** A span as the OTLP/HTTP JSON export carries it, flattened. */
interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}
const SPAN_KIND = { SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 };

/** A tiny OTLP/HTTP traces receiver: what the graph's exporter really sends, decoded. */
async function startOtlpReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      expect(req.url).toBe('/v1/traces');
      expect(req.headers['content-type']).toContain('application/json');
      const request = JSON.parse(body.toString('utf8')) as {
        resourceSpans: {
          scopeSpans: {
            spans: (Omit<ReceivedSpan, 'attributes'> & {
              attributes?: { key: string; value: Record<string, unknown> }[];
            })[];
          }[];
        }[];
      };
      for (const resource of request.resourceSpans) {
        for (const scope of resource.scopeSpans) {
          for (const span of scope.spans) {
            spans.push({
              ...span,
              parentSpanId: span.parentSpanId ?? '',
              attributes: Object.fromEntries(
                (span.attributes ?? []).map(({ key, value }) => [key, Object.values(value)[0]]),
              ),
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The value of the sample `name{labels…}` (labels matched as given, others ignored), or undefined. */
function sampleOf(body: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const values = samplesOf(body, name, labels);
  return values.length === 0 ? undefined : values.reduce((sum, value) => sum + value, 0);
}

/** Every sample value of `name` whose labels include `labels`. */
function samplesOf(body: string, name: string, labels: Record<string, string> = {}): number[] {
  return body
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`)))
    .map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)));
}

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let tracing: Tracing;
let graph: TestGraph;
let admin: GraphClient;
let billing: GraphClient;
let reception: GraphClient;
let doctor: Awaited<ReturnType<(typeof import('../builders.ts'))['aDoctorWithAccount']>>;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  tracing = startTracing({ serviceName: 'hms-e2e', tracesUrl: `${receiver.url}/v1/traces`, exportDelayMs: 100 });
  const testing = await import('../../platform/testing/graph.ts');
  eventually = testing.eventually;
  builders = await import('../builders.ts');
  const { aDepartment, aDoctorWithAccount, aStaffMember } = builders;
  graph = await testing.startTestGraph({
    logLevel: 'debug',
    logDestination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
        done();
      },
    }),
  });
  // Where the tests have a broker, the graph runs on it (and the Kafka header is checked below).
  expect(graph.transport.kind).toBe(testKafkaBrokers() ? 'kafka' : 'in-process');
  admin = await graph.admin();
  billing = (await aStaffMember(admin, ['BILLING'])).client;
  reception = (await aStaffMember(admin, ['RECEPTION'])).client;
  const department = await aDepartment(admin);
  doctor = await aDoctorWithAccount(graph, admin, department.id, { consultationFeeAmount: 5_000 });
});
afterAll(async () => {
  await graph?.stop();
  await tracing?.shutdown();
  await receiver?.close();
});

/** `/metrics` of a component, over HTTP: the gateway's port, or a subgraph's. */
async function metricsOf(component: string): Promise<string> {
  const base = component === 'gateway' ? graph.url : graph.subgraphUrls[component]!;
  const response = await fetch(new URL('/metrics', base));
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
}

async function aBookablePatient() {
  const { aSignedUpPatient, untilBillable, untilBookable } = builders;
  const patient = await aSignedUpPatient(graph);
  await untilBookable(graph, { patientIds: [patient.patientId] });
  await untilBillable(graph, { patientIds: [patient.patientId] });
  return patient;
}

let nextSlot = 0;
const BOOK_NAMED = `mutation BookForMetrics($input: BookAppointmentInput!) { bookAppointment(input: $input) { id } }`;
const book = (client: GraphClient, patientId: string, headers: Record<string, string> = {}) =>
  client.request<{ bookAppointment: { id: string } }>(
    BOOK_NAMED,
    {
      input: {
        patientId,
        doctorId: doctor.id,
        departmentId: doctor.departmentId,
        startsAt: builders.slotAt(4 + Math.floor(nextSlot / 6), 9 + (nextSlot++ % 6)),
      },
    },
    headers,
  );
const PAY = `mutation PayForMetrics($input: PayBillInput!) { payBill(input: $input) { id status failureCode } }`;

describe('/metrics', () => {
  it('shows requests by operation, business counters, and outbox and consumer lag on every component', async () => {
    const before = {
      booked: sampleOf(await metricsOf('appointments'), 'appointments_created_total', { source: 'booked' }) ?? 0,
      declined:
        sampleOf(await metricsOf('payments'), 'payments_failed_total', { method: 'ONLINE', reason: 'CARD_DECLINED' }) ??
        0,
    };
    const patient = await aBookablePatient();

    const booked = await book(patient.client, patient.patientId);
    expect(booked.errors).toBeUndefined();
    const appointmentId = booked.data!.bookAppointment.id;
    const second = await book(patient.client, patient.patientId);
    expect(second.errors).toBeUndefined();
    // A booking refused by a rule is no appointment: it counts as an error, not as created.
    const clash = await patient.client.request(BOOK_NAMED, {
      input: {
        patientId: patient.patientId,
        doctorId: doctor.id,
        departmentId: doctor.departmentId,
        startsAt: builders.slotAt(1, 3),
      },
    });
    expect(clash.errors?.[0]?.extensions?.code).toBe('OUTSIDE_CLINIC_HOURS');

    // The visit happens and billing bills it from the event; then a manual bill, declined, then overpaid.
    await builders.untilBillable(graph, { appointmentIds: [appointmentId] });
    for (const [client, step] of [
      [doctor.client, 'acceptAppointment'],
      [reception, 'checkInAppointment'],
      [doctor.client, 'completeAppointment'],
    ] as const) {
      await client.data(`mutation($id: ID!) { ${step}(id: $id) { status } }`, { id: appointmentId });
    }
    const created = await billing.data<{ createBill: { id: string } }>(
      `mutation($input: CreateBillInput!) { createBill(input: $input) { id } }`,
      { input: { patientId: patient.patientId, lineItems: [{ description: 'X-ray', unitPrice: 2_000 }] } },
    );
    const billId = created.createBill.id;
    await builders.untilPayable(graph, billId);
    const declined = await patient.client.request<{ payBill: { status: string; failureCode: string } }>(
      PAY,
      { input: { billId, amount: 2_100, method: 'ONLINE', paymentToken: 'tok_decline' } },
      { 'Idempotency-Key': randomUUID() },
    );
    expect(declined.data?.payBill).toMatchObject({ status: 'FAILED', failureCode: 'CARD_DECLINED' });
    const overpaid = await patient.client.request(
      PAY,
      { input: { billId, amount: 999_999, method: 'ONLINE', paymentToken: 'tok_visa' } },
      { 'Idempotency-Key': randomUUID() },
    );
    expect(overpaid.errors?.[0]?.extensions?.code).toBe('OVERPAYMENT');

    // The gateway: the client's operations by name, timed, and the refusals by code.
    const gateway = await metricsOf('gateway');
    const bookings = { service: 'gateway', operation_type: 'mutation', operation_name: 'BookForMetrics' };
    expect(sampleOf(gateway, 'graphql_requests_total', { ...bookings, outcome: 'success' })).toBe(2);
    expect(sampleOf(gateway, 'graphql_requests_total', { ...bookings, outcome: 'error' })).toBe(1);
    expect(sampleOf(gateway, 'graphql_request_duration_seconds_count', bookings)).toBe(3);
    expect(sampleOf(gateway, 'graphql_request_duration_seconds_bucket', { ...bookings, le: '+Inf' })).toBe(3);
    expect(sampleOf(gateway, 'graphql_request_duration_seconds_sum', bookings)).toBeGreaterThan(0);
    expect(sampleOf(gateway, 'graphql_errors_total', { code: 'OUTSIDE_CLINIC_HOURS' })).toBe(1);
    expect(sampleOf(gateway, 'graphql_errors_total', { code: 'OVERPAYMENT' })).toBe(1);
    expect(sampleOf(gateway, 'process_resident_memory_bytes')).toBeGreaterThan(0);

    // A subgraph counts the operations the gateway sent it (named after the client's operation).
    const appointments = await metricsOf('appointments');
    const planned = appointments
      .split('\n')
      .filter((line) => line.startsWith('graphql_requests_total{') && line.includes('BookForMetrics'));
    expect(planned.length).toBeGreaterThan(0);
    expect(planned.every((line) => line.includes('service="appointments"'))).toBe(true);
    expect(sampleOf(appointments, 'appointments_created_total', { source: 'booked' })).toBe(before.booked + 2);
    expect(sampleOf(await metricsOf('patients'), 'appointments_created_total')).toBeUndefined();

    // Billing: the automatic bill timed from the event, the manual one from its call.
    const billingMetrics = await eventually(async () => {
      const body = await metricsOf('billing');
      return sampleOf(body, 'bill_creation_latency_seconds_count', { kind: 'CONSULTATION' }) === 1 ? body : null;
    });
    expect(sampleOf(billingMetrics, 'bill_creation_latency_seconds_count', { kind: 'MANUAL' })).toBe(1);
    const consultationSeconds = sampleOf(billingMetrics, 'bill_creation_latency_seconds_sum', {
      kind: 'CONSULTATION',
    })!;
    expect(consultationSeconds).toBeGreaterThan(0);
    expect(consultationSeconds).toBeLessThan(60);

    const payments = await metricsOf('payments');
    expect(sampleOf(payments, 'payments_failed_total', { method: 'ONLINE', reason: 'CARD_DECLINED' })).toBe(
      before.declined + 1,
    );
    expect(sampleOf(payments, 'graphql_errors_total', { service: 'payments', code: 'OVERPAYMENT' })).toBe(1);

    // Outbox and consumer lag: present, and drained once the events are through.
    for (const component of ['appointments', 'billing', 'payments']) {
      const body = await eventually(async () => {
        const text = await metricsOf(component);
        return sampleOf(text, 'outbox_unpublished_messages', { service: component }) === 0 ? text : null;
      });
      expect(sampleOf(body, 'outbox_oldest_unpublished_age_seconds', { service: component })).toBe(0);
      expect(sampleOf(body, 'outbox_published_total', { service: component })).toBeGreaterThan(0);
    }
    const lag = { service: 'billing', consumer_group: 'billing.appointment-charges', topic: 'appointment-events' };
    const drained = await eventually(async () => {
      const body = await metricsOf('billing');
      const values = samplesOf(body, 'events_consumer_lag_messages', lag);
      return values.length > 0 && values.every((value) => value === 0) ? body : null;
    }, 30_000);
    expect(samplesOf(drained, 'events_consumer_lag_messages', lag)).toHaveLength(
      graph.transport.kind === 'kafka' ? graph.env.KAFKA_TOPIC_PARTITIONS : 1,
    );
    expect(sampleOf(drained, 'events_handled_total', { ...lag, outcome: 'handled' })).toBeGreaterThanOrEqual(5);
    expect(sampleOf(drained, 'events_handling_duration_seconds_count', lag)).toBeGreaterThanOrEqual(5);
    expect(sampleOf(drained, 'events_dead_lettered_total', lag)).toBeUndefined();
  });
});

describe('tracing', () => {
  it('follows one request from the client’s traceparent through gateway, subgraph and event to its consumer', async () => {
    const traceId = randomBytes(16).toString('hex');
    const clientSpanId = randomBytes(8).toString('hex');
    const patient = await aBookablePatient();
    let kafka: { consumer: Consumer; headers: Map<string, string> } | undefined;
    if (graph.transport.kind === 'kafka') kafka = await readTraceHeaders(graph.brokerTopic('appointment-events'));
    try {
      const booked = await book(patient.client, patient.patientId, { traceparent: `00-${traceId}-${clientSpanId}-01` });
      expect(booked.errors).toBeUndefined();
      const appointmentId = booked.data!.bookAppointment.id;

      const spans = await eventually(async () => {
        await tracing.forceFlush();
        const mine = receiver.spans.filter((span) => span.traceId === traceId);
        const groups = new Set(
          mine
            // audit.log also consumes the request's access-events: wait for its span of the appointment's event.
            .filter(
              (span) =>
                span.kind === SPAN_KIND.CONSUMER &&
                span.attributes['messaging.destination.name'] === 'appointment-events',
            )
            .map((span) => span.attributes['messaging.consumer.group.name']),
        );
        return groups.has('billing.appointment-charges') && groups.has('audit.log') ? mine : null;
      }, 30_000);
      const byId = new Map(spans.map((span) => [span.spanId, span]));
      const component = (span: ReceivedSpan) => span.attributes['hms.component'];

      const gatewayServer = spans.find((span) => span.kind === SPAN_KIND.SERVER && component(span) === 'gateway')!;
      expect(gatewayServer.parentSpanId).toBe(clientSpanId);
      expect(gatewayServer.attributes).toMatchObject({
        'graphql.operation.name': 'BookForMetrics',
        'http.response.status_code': 200,
      });
      expect(spans.map((span) => span.name)).toEqual(expect.arrayContaining(['gateway.request', 'gateway.fetch']));

      // The subgraph's server span is a child of the gateway's fetch to it.
      const subgraphServer = spans.find(
        (span) => span.kind === SPAN_KIND.SERVER && component(span) === 'appointments',
      )!;
      expect(byId.get(subgraphServer.parentSpanId)?.name).toBe('gateway.fetch');

      // The event was recorded in the booking's transaction, under the subgraph's span.
      const producer = spans.find(
        (span) =>
          span.kind === SPAN_KIND.PRODUCER && span.attributes['messaging.destination.name'] === 'appointment-events',
      )!;
      expect(ancestorsOf(producer, byId)).toContain(subgraphServer.spanId);

      // Each consumer of the event continues the trace from the producer span.
      const consumers = spans.filter(
        (span) =>
          span.kind === SPAN_KIND.CONSUMER && span.attributes['messaging.destination.name'] === 'appointment-events',
      );
      expect(consumers.map((span) => span.attributes['messaging.consumer.group.name'])).toEqual(
        expect.arrayContaining(['billing.appointment-charges', 'audit.log']),
      );
      for (const consumer of consumers) {
        expect(consumer.parentSpanId).toBe(producer.spanId);
        expect(consumer.attributes['messaging.system']).toBe(graph.transport.kind);
      }

      // On Kafka, the message carries the producer's context as a header.
      if (kafka) {
        const header = await eventually(async () => kafka!.headers.get(appointmentId));
        expect(header).toBe(`00-${traceId}-${producer.spanId}-01`);
      }

      // Log lines of the request and of the event's consumers name the trace.
      const traced = logLines.filter((line) => line.traceId === traceId);
      expect(traced.some((line) => line.component === 'gateway')).toBe(true);
      expect(traced.some((line) => line.consumer === 'billing.appointment-charges')).toBe(true);
    } finally {
      await kafka?.consumer.disconnect();
    }
  });
});

/** Span ids from `span`'s parent up to the root of what was received. */
function ancestorsOf(span: ReceivedSpan, byId: Map<string, ReceivedSpan>): string[] {
  const ancestors: string[] = [];
  for (let parent = byId.get(span.parentSpanId); parent; parent = byId.get(parent.parentSpanId)) {
    ancestors.push(parent.spanId);
  }
  return ancestors;
}

/** Reads `topic` from its start and keeps each message's `traceparent` header by message key. */
async function readTraceHeaders(topic: string): Promise<{ consumer: Consumer; headers: Map<string, string> }> {
  const kafka = new Kafka({ clientId: 'hms-e2e', brokers: testKafkaBrokers() ?? [], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `hms-e2e-${randomUUID()}` });
  const headers = new Map<string, string>();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const traceparent = message.headers?.traceparent;
      if (message.key && traceparent) headers.set(message.key.toString(), traceparent.toString());
    },
  });
  return { consumer, headers };
}
