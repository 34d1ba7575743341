/**
 * Distributed tracing with OpenTelemetry and W3C Trace Context (`traceparent`, `tracestate`). One trace follows a
 * client request: the gateway continues the client's `traceparent` (or starts a trace), every subgraph request
 * carries it, the transaction that records an event stores it with the event, the outbox relay publishes it (a
 * Kafka header, also in the envelope), and the consumer continues it in a span whose parent is the event's
 * producer span (OTel messaging conventions: `create <topic>` when recorded, `process <topic>` when consumed).
 * `@apollo/gateway` adds its own spans (`gateway.request`, `gateway.plan`, `gateway.fetch`, …) through
 * `@opentelemetry/api`.
 *
 * `startTracing` registers the tracer provider, the context manager (AsyncLocalStorage) and the propagator once per
 * process, before the gateway module is loaded: `@apollo/gateway` (with its own copy of `@opentelemetry/api`)
 * binds its tracer when it loads, and one bound before registration stays a no-op. Spans are exported over OTLP/HTTP (JSON) only when an endpoint is configured; otherwise ids are still
 * made and propagated (and logged as `traceId`), but spans are not recorded at all: the cost is a few ids per request.
 * Without `startTracing` (unit and most end-to-end tests) the API is a no-op and nothing is propagated.
 */
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import type { RequestHandler } from 'express';
import type { OtelEnv, SamplerName } from '../config.ts';

/** The instrumentation scope of the graph's own spans. */
export const TRACER_NAME = 'hms';

/** Span attribute naming the component (gateway or subgraph) that made a span: all share one process in `npm start`. */
export const COMPONENT_ATTRIBUTE = 'hms.component';

/** The W3C Trace Context header names (also the envelope's and Kafka headers' keys). */
export const TRACEPARENT = 'traceparent';
export const TRACESTATE = 'tracestate';

export interface TracingOptions {
  /** `service.name` of the spans' resource (`OTEL_SERVICE_NAME`). */
  serviceName: string;
  /** Where spans go (OTLP/HTTP JSON, e.g. `http://collector:4318/v1/traces`); unset: nothing is exported. */
  tracesUrl?: string | undefined;
  /** Which traces are recorded when exporting (`OTEL_TRACES_SAMPLER`; default `parentbased_always_on`). */
  sampler?: SamplerName;
  /** Ratio of `traceidratio` samplers, 0 to 1 (`OTEL_TRACES_SAMPLER_ARG`; default 1). */
  samplerArg?: number;
  /** An exporter instead of OTLP (tests). */
  exporter?: SpanExporter;
  /** Milliseconds between two exports of batched spans (default 1 s). */
  exportDelayMs?: number;
}

export interface Tracing {
  /** True when spans are recorded and exported. */
  readonly exporting: boolean;
  /** Exports the spans ended so far. */
  forceFlush(): Promise<void>;
  /** Exports what is left and unregisters everything `startTracing` registered. */
  shutdown(): Promise<void>;
}

/** The OTLP traces URL from the standard variables: the traces endpoint as is, else `<endpoint>/v1/traces`. */
export function otlpTracesUrl(env: {
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string | undefined;
}): string | undefined {
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) return `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
  return undefined;
}

/**
 * Starts tracing as the standard variables say (see `otelEnv`), as `defaultServiceName` unless
 * `OTEL_SERVICE_NAME` names the service.
 */
export function startTracingFromEnv(env: OtelEnv, defaultServiceName: string): Tracing {
  return startTracing({
    serviceName: env.OTEL_SERVICE_NAME ?? defaultServiceName,
    tracesUrl: otlpTracesUrl(env),
    sampler: env.OTEL_TRACES_SAMPLER,
    samplerArg: env.OTEL_TRACES_SAMPLER_ARG,
  });
}

/** The sampler `name` stands for, with `ratio` for the ratio-based ones. */
export function samplerOf(name: SamplerName, ratio = 1): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
}

/**
 * Records nothing: spans get their ids (a new trace id, or the parent's) and propagate them, and are dropped at
 * once. Used when nothing exports, so that tracing costs next to nothing.
 */
const idsOnly: Sampler = {
  shouldSample: () => ({ decision: SamplingDecision.NOT_RECORD }),
  toString: () => 'IdsOnlySampler',
};

let active: Tracing | undefined;

/**
 * Registers tracing for this process (see the file comment).
 *
 * @throws Error when tracing was started in this process already and not shut down.
 */
export function startTracing(options: TracingOptions): Tracing {
  if (active) throw new Error('tracing is already started in this process');
  const exporter =
    options.exporter ?? (options.tracesUrl ? new OTLPTraceExporter({ url: options.tracesUrl }) : undefined);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    sampler: exporter ? samplerOf(options.sampler ?? 'parentbased_always_on', options.samplerArg ?? 1) : idsOnly,
    spanProcessors: exporter
      ? [new BatchSpanProcessor({ exporter, scheduledDelayMillis: options.exportDelayMs ?? 1_000 })]
      : [],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  const tracing: Tracing = {
    exporting: Boolean(exporter),
    forceFlush: () => provider.forceFlush(),
    async shutdown() {
      if (active !== tracing) return;
      try {
        await provider.shutdown();
      } finally {
        trace.disable();
        propagation.disable();
        context.disable();
        active = undefined;
      }
    },
  };
  active = tracing;
  return tracing;
}

const tracer = () => trace.getTracer(TRACER_NAME);

/** The trace id of the active span, or undefined when there is none (for log lines). */
export function activeTraceId(): string | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

/** Writes the active trace context (or `ctx`'s) into `carrier` as `traceparent` / `tracestate`. */
export function injectTraceContext(carrier: Record<string, string>, ctx: Context = context.active()): void {
  propagation.inject(ctx, carrier);
}

/** The context a carrier's `traceparent` / `tracestate` describe (a root context when it has none, or a bad one). */
export function extractTraceContext(carrier: Record<string, string | string[] | undefined>): Context {
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/**
 * Express middleware: a `SERVER` span for each request, continuing the caller's `traceparent`, active for the rest
 * of the request (mount it after the body parser: body parsing leaves the async context). Named `POST /graphql`
 * (HTTP semantic conventions), with the status code when the response is sent.
 */
export function traceRequests(component: string): RequestHandler {
  return (req, res, next) => {
    const parent = extractTraceContext(req.headers);
    const route = `${req.baseUrl}${req.route?.path ?? ''}` || req.path;
    const span = tracer().startSpan(
      `${req.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': req.method, 'http.route': route, [COMPONENT_ATTRIBUTE]: component },
      },
      parent,
    );
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    context.with(trace.setSpan(parent, span), next);
  };
}

/** Adds `attributes` to the active span, if there is one that records. */
export function annotateActiveSpan(attributes: Attributes): void {
  const span = trace.getActiveSpan();
  if (span?.isRecording()) span.setAttributes(attributes);
}

/** The trace context an event carries: `traceparent` and, when there is one, `tracestate`. */
export type EventTraceContext = {
  traceparent?: string;
  tracestate?: string;
};

/**
 * The trace context of an event recorded now, on `topic`: a `PRODUCER` span `create <topic>` (child of the active
 * span, e.g. the request's) whose context the event carries. Empty when no trace is active (a worker's loop): the
 * event's consumer then starts a trace of its own.
 */
export function producerTraceContext(topic: string, event: { id: string; type: string }): EventTraceContext {
  const parent = trace.getActiveSpan()?.spanContext();
  if (!parent || !trace.isSpanContextValid(parent)) return {};
  const span = tracer().startSpan(`create ${topic}`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      'messaging.operation.type': 'create',
      'messaging.destination.name': topic,
      'messaging.message.id': event.id,
      'hms.event.type': event.type,
    },
  });
  const carrier: Record<string, string> = {};
  injectTraceContext(carrier, trace.setSpan(context.active(), span));
  span.end();
  return carrier;
}

/** What a consumer span describes: one event handled by one consumer group. */
export interface ConsumeSpanOptions {
  component: string;
  consumerGroup: string;
  topic: string;
  /** `kafka`, or `in-process` for the one-process graph's transport. */
  system: string;
  eventId?: string | undefined;
  eventType?: string | undefined;
  /** Where the producer's context comes from: the message headers first, then the envelope. */
  carriers: readonly (Record<string, string | undefined> | undefined)[];
}

/**
 * Runs `work` in a `CONSUMER` span `process <topic>` whose parent is the producer's context (the first carrier
 * with a `traceparent`), or in a new trace when none has one (an event recorded before tracing, or outside a
 * request). A thrown error marks the span failed and is rethrown.
 */
export function inConsumerSpan<T>(options: ConsumeSpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  const carrier = options.carriers.find((candidate) => typeof candidate?.[TRACEPARENT] === 'string');
  const parent = carrier ? extractTraceContext(carrier) : ROOT_CONTEXT;
  const attributes: Attributes = {
    'messaging.system': options.system,
    'messaging.operation.type': 'process',
    'messaging.destination.name': options.topic,
    'messaging.consumer.group.name': options.consumerGroup,
    [COMPONENT_ATTRIBUTE]: options.component,
  };
  if (options.eventId) attributes['messaging.message.id'] = options.eventId;
  if (options.eventType) attributes['hms.event.type'] = options.eventType;
  return tracer().startActiveSpan(
    `process ${options.topic}`,
    { kind: SpanKind.CONSUMER, attributes },
    parent,
    async (span) => {
      try {
        return await work(span);
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
