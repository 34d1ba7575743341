/**
 * Prometheus metrics (prom-client). Every component of the graph (the gateway, each subgraph) has its own
 * `Registry`, labelled `service="<name>"`, and serves it on its own port at `GET /metrics` together with the
 * process's Node metrics (`process_*`, `nodejs_*`, collected once per process). In the one-process graph
 * (`npm start`) every in-process subgraph and the gateway serve their own registry on their own port, so nothing is
 * counted twice under two names.
 *
 * Registries are kept per component name for the life of the process (`metricsOf`): a graph stopped and started
 * again in one process (tests do) finds its metrics where it left them instead of registering a metric twice. What
 * samples live state (an outbox relay, an event consumer) attaches itself while it runs and detaches when it stops.
 *
 * Label values chosen by clients are bounded (`BoundedLabel`): a scrape never grows with what clients send.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Buckets of request latencies, in seconds: 5 ms to 10 s. */
export const LATENCY_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Distinct client-chosen values one label keeps before the rest are counted together (see `BoundedLabel`). */
export const DEFAULT_LABEL_LIMIT = 200;

/**
 * A label whose values come from outside (operation names that clients choose, error codes that subgraphs send):
 * the first `limit` distinct values are kept as they are, any later new value becomes `overflow`. The overflow
 * value, `(other)`, cannot be a GraphQL name, so it is never mistaken for an operation called `other`.
 */
export class BoundedLabel {
  readonly #seen = new Set<string>();
  readonly #limit: number;
  readonly #overflow: string;

  constructor(limit = DEFAULT_LABEL_LIMIT, overflow = '(other)') {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
    this.#limit = limit;
    this.#overflow = overflow;
  }

  /** `value` itself while it is one of the first `limit` distinct values, else the overflow value. */
  value(value: string): string {
    if (this.#seen.has(value)) return value;
    if (this.#seen.size >= this.#limit) return this.#overflow;
    this.#seen.add(value);
    return value;
  }

  /** Distinct values admitted so far. */
  get size(): number {
    return this.#seen.size;
  }
}

/** Something sampled at scrape time (an outbox relay, a consumer); registered with `ComponentMetrics.attach`. */
export interface ScrapeSource {
  /** Sets the gauges it owns; called at every scrape, bounded by `SCRAPE_TIMEOUT_MS`. */
  sample(metrics: ComponentMetrics): Promise<void>;
}

/** How long one source may take to sample at a scrape, in milliseconds; a slower one keeps its last values. */
export const SCRAPE_TIMEOUT_MS = 2_000;

/** The metrics of one component (the gateway or one subgraph) in this process. */
export class ComponentMetrics {
  readonly service: string;
  readonly registry: Registry;
  /** Distinct operation names kept per component (GraphQL request metrics; 200 unless told). */
  readonly operationNames: BoundedLabel;
  /** Distinct error codes kept per component (100). */
  readonly errorCodes = new BoundedLabel(100);
  readonly #sources = new Set<ScrapeSource>();

  /** `graphql_requests_total{operation_type,operation_name,outcome}`. */
  readonly graphqlRequests: Counter<'operation_type' | 'operation_name' | 'outcome'>;
  /** `graphql_request_duration_seconds{operation_type,operation_name}`. */
  readonly graphqlDuration: Histogram<'operation_type' | 'operation_name'>;
  /** `graphql_errors_total{code}`. */
  readonly graphqlErrors: Counter<'code'>;
  /** `outbox_unpublished_messages`. */
  readonly outboxUnpublished: Gauge;
  /** `outbox_oldest_unpublished_age_seconds`. */
  readonly outboxOldestAge: Gauge;
  /** `outbox_published_total{topic}`. */
  readonly outboxPublished: Counter<'topic'>;
  /** `events_consumer_lag_messages{consumer_group,topic,partition}`. */
  readonly consumerLag: Gauge<'consumer_group' | 'topic' | 'partition'>;
  /** `events_handled_total{consumer_group,topic,outcome}`. */
  readonly eventsHandled: Counter<'consumer_group' | 'topic' | 'outcome'>;
  /** `events_failed_total{consumer_group,topic}`. */
  readonly eventsFailed: Counter<'consumer_group' | 'topic'>;
  /** `events_dead_lettered_total{consumer_group,topic}`. */
  readonly eventsDeadLettered: Counter<'consumer_group' | 'topic'>;
  /** `events_handling_duration_seconds{consumer_group,topic}`. */
  readonly eventDuration: Histogram<'consumer_group' | 'topic'>;

  constructor(service: string, options: { operationNameLimit?: number } = {}) {
    this.service = service;
    this.operationNames = new BoundedLabel(options.operationNameLimit ?? DEFAULT_LABEL_LIMIT);
    this.registry = new Registry();
    this.registry.setDefaultLabels({ service });
    const registers = [this.registry];
    this.graphqlRequests = new Counter({
      name: 'graphql_requests_total',
      help:
        'GraphQL requests answered, by operation type (query, mutation, subscription; "unknown" when the ' +
        'document did not parse or validate), operation name ("(anonymous)", "(invalid)" before validation, ' +
        '"(other)" past 200 distinct names) and outcome (success: no errors; partial: data and errors; error: ' +
        'errors without data).',
      labelNames: ['operation_type', 'operation_name', 'outcome'],
      registers,
    });
    this.graphqlDuration = new Histogram({
      name: 'graphql_request_duration_seconds',
      help: 'Time from receiving a GraphQL request to sending its response, in seconds (labels as graphql_requests_total).',
      labelNames: ['operation_type', 'operation_name'],
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    });
    this.graphqlErrors = new Counter({
      name: 'graphql_errors_total',
      help: 'Errors in GraphQL responses, by extensions.code (at most 100 distinct codes, then "(other)").',
      labelNames: ['code'],
      registers,
    });
    this.outboxUnpublished = new Gauge({
      name: 'outbox_unpublished_messages',
      help: "Events in this subgraph's transactional outbox not yet published, counted at scrape time.",
      registers,
    });
    this.outboxOldestAge = new Gauge({
      name: 'outbox_oldest_unpublished_age_seconds',
      help: 'Age of the oldest unpublished outbox event at scrape time, in seconds (0 when the outbox is empty).',
      registers,
    });
    this.outboxPublished = new Counter({
      name: 'outbox_published_total',
      help: 'Events the outbox relay of this process published, by topic.',
      labelNames: ['topic'],
      registers,
    });
    this.consumerLag = new Gauge({
      name: 'events_consumer_lag_messages',
      help:
        'Messages a consumer group has yet to handle, sampled at scrape time: on Kafka the partition high ' +
        'watermark minus the committed offset; in-process the messages handed to the transport and not yet ' +
        'handled (partition "0").',
      labelNames: ['consumer_group', 'topic', 'partition'],
      registers,
    });
    this.eventsHandled = new Counter({
      name: 'events_handled_total',
      help:
        'Events a consumer finished with, by outcome: handled (its effect committed), duplicate (handled ' +
        'before), ignored (a type it does not handle).',
      labelNames: ['consumer_group', 'topic', 'outcome'],
      registers,
    });
    this.eventsFailed = new Counter({
      name: 'events_failed_total',
      help: 'Failed attempts at handling an event (each retry that fails counts once).',
      labelNames: ['consumer_group', 'topic'],
      registers,
    });
    this.eventsDeadLettered = new Counter({
      name: 'events_dead_lettered_total',
      help: 'Events sent to the dead-letter topic after their last attempt failed, or because they were invalid.',
      labelNames: ['consumer_group', 'topic'],
      registers,
    });
    this.eventDuration = new Histogram({
      name: 'events_handling_duration_seconds',
      help: 'Time to handle one event, retries included, in seconds.',
      labelNames: ['consumer_group', 'topic'],
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    });
  }

  /** Samples `source` at every scrape until the returned function is called. */
  attach(source: ScrapeSource): () => void {
    this.#sources.add(source);
    return () => {
      this.#sources.delete(source);
    };
  }

  /**
   * One scrape: the attached sources sampled, then this registry (business metrics of the component's domain
   * included, see `business-metrics.ts`) and the process's Node metrics, in the Prometheus text format.
   */
  async exposition(): Promise<{ contentType: string; body: string }> {
    await this.sample();
    const parts = await Promise.all([this.registry.metrics(), processMetrics().metrics()]);
    return { contentType: this.registry.contentType, body: parts.filter(Boolean).join('\n') };
  }

  /** Lets every attached source sample (each bounded by `SCRAPE_TIMEOUT_MS`; a failure keeps the last values). */
  async sample(): Promise<void> {
    await Promise.all(
      [...this.#sources].map((source) => withTimeout(source.sample(this), SCRAPE_TIMEOUT_MS).catch(() => undefined)),
    );
  }
}

const components = new Map<string, ComponentMetrics>();

/** The metrics of the component `service` (`gateway`, `appointments`, …) in this process, created on first use. */
export function metricsOf(service: string): ComponentMetrics {
  let metrics = components.get(service);
  if (!metrics) {
    metrics = new ComponentMetrics(service);
    components.set(service, metrics);
  }
  return metrics;
}

let processRegistry: Registry | undefined;

/** The process's Node metrics (prom-client's default metrics), collected once per process. */
export function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * One scrape of `service` (see `ComponentMetrics.exposition`), for `mountMetricsRoute`.
 */
export function scrape(service: string): Promise<{ contentType: string; body: string }> {
  return metricsOf(service).exposition();
}

/** Seconds elapsed since `startedAt` (a `performance.now()` reading). */
export const secondsSince = (startedAt: number): number => (performance.now() - startedAt) / 1000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
