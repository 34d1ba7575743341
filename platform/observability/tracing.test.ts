import { afterEach, describe, expect, it } from '@jest/globals';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import express from 'express';
import { listen } from '../http/server.ts';
import {
  activeTraceId,
  inConsumerSpan,
  injectTraceContext,
  otlpTracesUrl,
  producerTraceContext,
  startTracing,
  traceRequests,
  type Tracing,
} from './tracing.ts';

const CLIENT_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CLIENT_PARENT = 'b7ad6b7169203331';
const TRACEPARENT = `00-${CLIENT_TRACE}-${CLIENT_PARENT}-01`;
const W3C = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

let tracing: Tracing | undefined;
afterEach(async () => {
  await tracing?.shutdown();
  tracing = undefined;
});

describe('otlpTracesUrl', () => {
  it('takes the traces endpoint as it is, else appends /v1/traces to the base endpoint', () => {
    expect(otlpTracesUrl({})).toBeUndefined();
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toBe(
      'http://collector:4318/v1/traces',
    );
    expect(
      otlpTracesUrl({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:9000/custom',
      }),
    ).toBe('http://traces:9000/custom');
  });
});

describe('tracing', () => {
  it('continues a caller’s traceparent in a server span that stays active through the request', async () => {
    const exporter = new InMemorySpanExporter();
    tracing = startTracing({ serviceName: 'unit', exporter });
    const app = express();
    let seen: string | undefined;
    let forwarded: Record<string, string> = {};
    app.use('/graphql', express.json(), traceRequests('unit'), async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen = activeTraceId();
      forwarded = {};
      injectTraceContext(forwarded);
      res.json({ ok: true });
    });
    const server = await listen(app, '127.0.0.1', 0);
    try {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: TRACEPARENT },
        body: '{}',
      });
      expect(response.status).toBe(200);
    } finally {
      await server.close();
    }
    await tracing.forceFlush();
    const [span] = exporter.getFinishedSpans();
    expect(span).toMatchObject({ name: 'POST /graphql', kind: SpanKind.SERVER });
    expect(span!.spanContext().traceId).toBe(CLIENT_TRACE);
    expect(span!.parentSpanContext?.spanId).toBe(CLIENT_PARENT);
    expect(span!.attributes).toMatchObject({ 'http.response.status_code': 200, 'hms.component': 'unit' });
    expect(seen).toBe(CLIENT_TRACE);
    // What goes on to the next hop names the server span as its parent.
    expect(forwarded.traceparent).toBe(`00-${CLIENT_TRACE}-${span!.spanContext().spanId}-01`);
  });

  it('gives an event recorded in a trace a producer span, and its consumer a span whose parent that is', async () => {
    const exporter = new InMemorySpanExporter();
    tracing = startTracing({ serviceName: 'unit', exporter });
    const request = trace.getTracer('unit').startSpan('request');
    const carrier = context.with(trace.setSpan(context.active(), request), () =>
      producerTraceContext('appointment-events', { id: 'e-1', type: 'AppointmentBooked' }),
    );
    request.end();
    expect(carrier.traceparent).toMatch(W3C);
    expect(carrier.traceparent).toContain(request.spanContext().traceId);

    const consumedIn = await inConsumerSpan(
      {
        component: 'billing',
        consumerGroup: 'billing.appointment-charges',
        topic: 'appointment-events',
        system: 'kafka',
        eventId: 'e-1',
        eventType: 'AppointmentBooked',
        carriers: [{}, carrier],
      },
      async () => activeTraceId(),
    );
    expect(consumedIn).toBe(request.spanContext().traceId);

    await tracing.forceFlush();
    const spans = exporter.getFinishedSpans();
    const producer = spans.find((span) => span.name === 'create appointment-events')!;
    const consumer = spans.find((span) => span.name === 'process appointment-events')!;
    expect(producer.kind).toBe(SpanKind.PRODUCER);
    expect(producer.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(consumer.kind).toBe(SpanKind.CONSUMER);
    expect(consumer.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
    expect(consumer.attributes).toMatchObject({
      'messaging.destination.name': 'appointment-events',
      'messaging.consumer.group.name': 'billing.appointment-charges',
      'messaging.message.id': 'e-1',
    });
  });

  it('starts a new trace for an event without trace context, and marks a failed handling', async () => {
    const exporter = new InMemorySpanExporter();
    tracing = startTracing({ serviceName: 'unit', exporter });
    expect(producerTraceContext('patient-events', { id: 'e-2', type: 'PatientRegistered' })).toEqual({});
    const options = {
      component: 'audit',
      consumerGroup: 'audit.log',
      topic: 'patient-events',
      system: 'in-process',
      carriers: [undefined, { traceparent: undefined }],
    };
    await expect(
      inConsumerSpan(options, async () => {
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    await tracing.forceFlush();
    const [span] = exporter.getFinishedSpans();
    expect(span!.parentSpanContext).toBeUndefined();
    expect(span!.status.code).toBe(2);
    expect(span!.events.map((event) => event.name)).toContain('exception');
  });

  it('without an exporter propagates ids but records nothing', async () => {
    tracing = startTracing({ serviceName: 'unit' });
    expect(tracing.exporting).toBe(false);
    const carrier = await inConsumerSpan(
      {
        component: 'billing',
        consumerGroup: 'g',
        topic: 'appointment-events',
        system: 'kafka',
        carriers: [{ traceparent: TRACEPARENT }],
      },
      async (span) => {
        expect(span.isRecording()).toBe(false);
        const next: Record<string, string> = {};
        injectTraceContext(next);
        return next;
      },
    );
    const [, traceId, spanId] = W3C.exec(carrier.traceparent!)!;
    expect(traceId).toBe(CLIENT_TRACE);
    expect(spanId).not.toBe(CLIENT_PARENT);
  });

  it('is started once per process', () => {
    tracing = startTracing({ serviceName: 'unit' });
    expect(() => startTracing({ serviceName: 'again' })).toThrow('already started');
  });
});
