/**
 * Idempotent event consumers (SPEC §6). Each message is validated against the envelope schema, then handled
 * inside one transaction that also records `(consumer, event id)` in `processed_event`; a redelivered event
 * finds its id there and has no second effect. A message that keeps failing is retried with backoff, then sent
 * to the topic's dead-letter topic so it does not block its partition.
 *
 * Each message is handled in a `process <topic>` span continuing the trace of the request that raised the event
 * (its `traceparent` header, else the envelope's), and counted per consumer group (`events_handled_total`,
 * `events_failed_total`, `events_dead_lettered_total`, `events_handling_duration_seconds`); while the consumer
 * runs, its lag is sampled at every scrape (`events_consumer_lag_messages`).
 */
import { ProcessedEvent } from './outbox.entity.ts';
import { deadLetterTopicOf, eventEnvelopeSchema, type EventEnvelope } from './envelope.ts';
import type { EntityManager, Orm } from '../db/orm.ts';
import type { Logger } from '../logger.ts';
import type { EventTransport, MessageHeaders } from './transport.ts';
import { metricsOf, secondsSince } from '../observability/metrics.ts';
import { activeTraceId, inConsumerSpan } from '../observability/tracing.ts';

/**
 * Handles one event type inside the consumer's transaction; throw to have the event retried. `log` is tagged with
 * the event's id, type, aggregate and correlation id: a handler that logs uses it, so that its lines join the
 * request that caused the event.
 */
export type EventHandler = (
  em: EntityManager,
  event: EventEnvelope,
  log: Logger,
  delivery: EventDelivery,
) => Promise<void>;

/** How an event reached its handler. */
export interface EventDelivery {
  /** The topic it was read from (without any deployment prefix), e.g. `appointment-events`. */
  topic: string;
  /**
   * Runs `work` once the handler's transaction has committed (never when it rolls back, e.g. to count a fact in
   * a metric). `work` must not throw; an error it throws is logged and ignored.
   */
  afterCommit(work: () => void): void;
}

export interface ConsumerOptions {
  /** Unique per subgraph and purpose, e.g. `appointments.doctor-replica`; it is also the consumer group. */
  name: string;
  topics: readonly string[];
  /** Handlers by event `type`; other types on the topics are acknowledged and ignored (unless `defaultHandler`). */
  handlers: Record<string, EventHandler>;
  /** Handles every type without a handler in `handlers` (e.g. the audit log, which records every event). */
  defaultHandler?: EventHandler;
  orm: Orm;
  transport: EventTransport;
  logger: Logger;
  /** Attempts before a message is dead-lettered. */
  maxAttempts?: number;
  /** First retry delay in milliseconds; doubles on every attempt. */
  retryDelayMs?: number;
  /** The subgraph whose metrics count this consumer (default: the ORM's schema, which is the subgraph's name). */
  service?: string;
}

/** What the dead-letter topic receives for a message that could not be handled. */
export interface DeadLetter {
  consumer: string;
  topic: string;
  failedAt: string;
  attempts: number;
  error: string;
  value: unknown;
}

export interface EventConsumer {
  readonly name: string;
  readonly topics: readonly string[];
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Handles one message as the transport would deliver it, with its headers (exposed for tests of redelivery and
   * replay, and for direct delivery).
   */
  handle(
    topic: string,
    value: unknown,
    headers?: MessageHeaders,
  ): Promise<'handled' | 'duplicate' | 'ignored' | 'dead-lettered'>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What every log line about an event carries: its id, type, aggregate and correlation id (read leniently, from a
 * message that may not be a valid envelope).
 */
function idsOf(value: unknown): Record<string, string> {
  const envelope = (value ?? {}) as Partial<Record<'id' | 'type' | 'aggregateId' | 'correlationId', unknown>>;
  const ids: Record<string, string> = {};
  if (typeof envelope.id === 'string') ids.eventId = envelope.id;
  if (typeof envelope.type === 'string') ids.type = envelope.type;
  if (typeof envelope.aggregateId === 'string') ids.aggregateId = envelope.aggregateId;
  if (typeof envelope.correlationId === 'string') ids.correlationId = envelope.correlationId;
  return ids;
}

/** Creates a consumer; `start()` subscribes it to its topics under consumer group `name`. */
export function createConsumer(options: ConsumerOptions): EventConsumer {
  const log = options.logger.child({ component: 'consumer', consumer: options.name });
  const maxAttempts = options.maxAttempts ?? 5;
  const retryDelayMs = options.retryDelayMs ?? 200;
  const service = options.service ?? String(options.orm.config.get('schema'));
  const metrics = metricsOf(service);
  let subscription: { stop(): Promise<void> } | undefined;
  let detachMetrics: (() => void) | undefined;

  async function handleOnce(
    event: EventEnvelope,
    handler: EventHandler,
    eventLog: Logger,
    topic: string,
  ): Promise<'handled' | 'duplicate'> {
    const committed: (() => void)[] = [];
    const delivery: EventDelivery = { topic, afterCommit: (work) => committed.push(work) };
    const outcome = await options.orm.em.fork().transactional(async (em) => {
      const inserted = await em
        .createQueryBuilder(ProcessedEvent)
        .insert({ consumer: options.name, eventId: event.id, processedAt: new Date() })
        .onConflict(['consumer', 'eventId'])
        .ignore()
        .execute('run');
      if ((inserted as { affectedRows?: number }).affectedRows !== 1) return 'duplicate' as const;
      await handler(em, event, eventLog, delivery);
      return 'handled' as const;
    });
    for (const work of committed) {
      try {
        work();
      } catch (error) {
        eventLog.warn({ err: error }, 'after-commit work of a consumer failed');
      }
    }
    return outcome;
  }

  async function deadLetter(
    topic: string,
    value: unknown,
    attempts: number,
    error: unknown,
    eventLog: Logger = log.child(idsOf(value)),
  ): Promise<'dead-lettered'> {
    const letter: DeadLetter = {
      consumer: options.name,
      topic,
      failedAt: new Date().toISOString(),
      attempts,
      error: error instanceof Error ? error.message : String(error),
      value,
    };
    const key = (value as { aggregateId?: unknown } | null)?.aggregateId;
    await options.transport.publish([
      { topic: deadLetterTopicOf(topic), key: typeof key === 'string' ? key : options.name, value: letter },
    ]);
    metrics.eventsDeadLettered.inc({ consumer_group: options.name, topic });
    eventLog.error({ topic, attempts, err: error }, 'event dead-lettered');
    return 'dead-lettered';
  }

  async function handleTraced(
    topic: string,
    value: unknown,
    headers: MessageHeaders | undefined,
  ): Promise<'handled' | 'duplicate' | 'ignored' | 'dead-lettered'> {
    const envelope = (value ?? {}) as Partial<Record<'id' | 'type' | 'traceparent' | 'tracestate', unknown>>;
    const text = (field: unknown) => (typeof field === 'string' ? field : undefined);
    return inConsumerSpan(
      {
        component: service,
        consumerGroup: options.name,
        topic,
        system: options.transport.kind,
        eventId: text(envelope.id),
        eventType: text(envelope.type),
        carriers: [headers, { traceparent: text(envelope.traceparent), tracestate: text(envelope.tracestate) }],
      },
      () => handle(topic, value),
    );
  }

  async function handle(topic: string, value: unknown): Promise<'handled' | 'duplicate' | 'ignored' | 'dead-lettered'> {
    const startedAt = performance.now();
    const labels = { consumer_group: options.name, topic };
    const parsed = eventEnvelopeSchema.safeParse(value);
    if (!parsed.success) return deadLetter(topic, value, 0, new Error(`invalid envelope: ${parsed.error.message}`));
    const event = parsed.data as EventEnvelope;
    const handler = options.handlers[event.type] ?? options.defaultHandler;
    if (!handler) {
      metrics.eventsHandled.inc({ ...labels, outcome: 'ignored' });
      return 'ignored';
    }
    const traceId = activeTraceId();
    const eventLog = log.child(traceId ? { ...idsOf(event), traceId } : idsOf(event));

    try {
      for (let attempt = 1; ; attempt++) {
        try {
          const outcome = await handleOnce(event, handler, eventLog, topic);
          eventLog.debug({ outcome }, 'event consumed');
          metrics.eventsHandled.inc({ ...labels, outcome });
          return outcome;
        } catch (error) {
          metrics.eventsFailed.inc(labels);
          if (attempt >= maxAttempts) return await deadLetter(topic, value, attempt, error, eventLog);
          eventLog.warn({ attempt, err: error }, 'event handling failed; retrying');
          await sleep(retryDelayMs * 2 ** (attempt - 1));
        }
      }
    } finally {
      metrics.eventDuration.observe(labels, secondsSince(startedAt));
    }
  }

  return {
    name: options.name,
    topics: options.topics,
    handle: handleTraced,
    async start() {
      subscription = await options.transport.subscribe({
        groupId: options.name,
        topics: options.topics,
        handle: async (topic, value, headers) => {
          await handleTraced(topic, value, headers);
        },
      });
      detachMetrics = metrics.attach({
        sample: async (target) => {
          for (const { topic, partition, lag } of await options.transport.consumerLag(options.name, options.topics)) {
            target.consumerLag.set({ consumer_group: options.name, topic, partition: String(partition) }, lag);
          }
        },
      });
    },
    async stop() {
      detachMetrics?.();
      detachMetrics = undefined;
      await subscription?.stop();
      subscription = undefined;
    },
  };
}
