/**
 * Transactional outbox. A service records an event with `recordEvent(em, …)` inside the transaction that makes
 * the change, so the event exists if and only if the change committed. The `OutboxRelay` then publishes
 * unpublished messages in creation order and marks them published. Publishing is at-least-once (a crash
 * between publish and mark publishes again); consumers deduplicate by event id.
 *
 * Only one relay per subgraph publishes at a time: it holds a lease row in `relay_lease`, renewed on every
 * round, which another replica takes over when it expires. That keeps one aggregate's events in order.
 *
 * Tracing: an event recorded inside a trace (a request's, a consumer's) carries its W3C `traceparent` (and
 * `tracestate`) in the envelope, stored with it in the outbox; the relay publishes them as message headers too.
 * Metrics: while it runs, the relay reports its subgraph's backlog (`outbox_unpublished_messages`,
 * `outbox_oldest_unpublished_age_seconds`, counted at scrape time) and counts what it publishes.
 */
import { hostname } from 'node:os';
import { Mutex } from 'async-mutex';
import type { EntityManager, Orm } from '../db/orm.ts';
import type { Logger } from '../logger.ts';
import { actorOf } from '../auth/principal.ts';
import type { Actor } from '../graphql/context.ts';
import { createEnvelope, type EventEnvelope, type Topic } from './envelope.ts';
import { OutboxMessage, RelayLease } from './outbox.entity.ts';
import type { EventTransport, MessageHeaders } from './transport.ts';
import { metricsOf, type ComponentMetrics } from '../observability/metrics.ts';
import { producerTraceContext, TRACEPARENT, TRACESTATE } from '../observability/tracing.ts';

/**
 * Adds `envelope` to the outbox of the unit of work `em`; it is written when `em` flushes, in the same
 * transaction as the rest of the change. Call it from inside `em.transactional(...)`. Inside a trace, the stored
 * envelope carries the trace context of a `create <topic>` span (unless the envelope has one already).
 *
 * @returns the envelope as stored (with its trace context).
 */
export function recordEvent<Payload extends object>(
  em: EntityManager,
  topic: Topic,
  envelope: EventEnvelope<Payload>,
): EventEnvelope<Payload> {
  const traced = envelope.traceparent ? envelope : { ...envelope, ...producerTraceContext(topic, envelope) };
  em.create(OutboxMessage, {
    id: envelope.id,
    topic,
    messageKey: envelope.aggregateId,
    type: envelope.type,
    envelope: traced as EventEnvelope,
    createdAt: new Date(envelope.occurredAt),
    publishedAt: null,
  });
  return traced;
}

export interface OutboxRelayOptions {
  orm: Orm;
  transport: EventTransport;
  logger: Logger;
  /** Messages published per round. */
  batchSize?: number;
  /** Pause between rounds when the outbox is empty, in milliseconds (a `nudge()` cuts it short). */
  idleMs?: number;
  /** Lifetime of the publishing lease, in milliseconds. */
  leaseMs?: number;
  /** The subgraph whose metrics show this outbox (default: the ORM's schema, which is the subgraph's name). */
  service?: string;
}

const LEASE_NAME = 'outbox';

export class OutboxRelay {
  readonly #orm: Orm;
  readonly #transport: EventTransport;
  readonly #log: Logger;
  readonly #batchSize: number;
  readonly #idleMs: number;
  readonly #leaseMs: number;
  readonly #holder = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 10)}`;
  /** Rounds never overlap, whether from the loop or from `drain()`. */
  readonly #roundLock = new Mutex();
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #pendingNudge = false;
  #lastPublishedAt: Date | undefined;
  readonly #metrics: ComponentMetrics;
  #detachMetrics: (() => void) | undefined;

  constructor(options: OutboxRelayOptions) {
    this.#orm = options.orm;
    this.#transport = options.transport;
    this.#log = options.logger.child({ component: 'outbox-relay' });
    this.#batchSize = options.batchSize ?? 100;
    this.#idleMs = options.idleMs ?? 500;
    this.#leaseMs = options.leaseMs ?? 15_000;
    this.#metrics = metricsOf(options.service ?? String(options.orm.config.get('schema')));
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#detachMetrics = this.#metrics.attach({ sample: (metrics) => this.#sampleBacklog(metrics) });
    this.#loop = this.#run();
  }

  /**
   * What the outbox holds unpublished, whichever replica will publish it: how many messages and how old the oldest
   * is. Two index-only queries on the partial index of unpublished messages.
   */
  async backlog(): Promise<{ count: number; oldestAt: Date | null }> {
    const em = this.#orm.em.fork();
    const [count, oldest] = await Promise.all([
      em.count(OutboxMessage, { publishedAt: null }),
      em.findOne(OutboxMessage, { publishedAt: null }, { orderBy: { id: 'asc' }, fields: ['id', 'createdAt'] }),
    ]);
    return { count, oldestAt: oldest?.createdAt ?? null };
  }

  async #sampleBacklog(metrics: ComponentMetrics): Promise<void> {
    const { count, oldestAt } = await this.backlog();
    metrics.outboxUnpublished.set(count);
    metrics.outboxOldestAge.set(oldestAt ? Math.max(0, (Date.now() - oldestAt.getTime()) / 1000) : 0);
  }

  /** Asks the relay to look at the outbox now (after a commit that recorded events). */
  nudge(): void {
    this.#pendingNudge = true;
    this.#wake?.();
  }

  /**
   * Stops after the current round. With `drain`, first publishes what is in the outbox, for at most `drainMs`
   * (default 10 s): a long backlog is left for the next start rather than holding up a shutdown.
   */
  async stop(options: { drain?: boolean; drainMs?: number } = {}): Promise<void> {
    if (options.drain && this.#running) {
      try {
        const left = await this.drain(Date.now() + (options.drainMs ?? 10_000));
        if (left) this.#log.warn('outbox not empty at stop; the rest is published at the next start');
      } catch (error) {
        this.#log.warn({ err: error }, 'could not drain the outbox before stopping');
      }
    }
    this.#running = false;
    this.#detachMetrics?.();
    this.#detachMetrics = undefined;
    this.#wake?.();
    await this.#loop;
    await this.#releaseLease();
  }

  /**
   * Publishes until the outbox is empty, this relay does not hold the lease, or `deadline` (epoch ms) has passed.
   *
   * @returns true when it stopped at the deadline with messages possibly left.
   */
  async drain(deadline = Number.POSITIVE_INFINITY): Promise<boolean> {
    for (;;) {
      if ((await this.#round()) < this.#batchSize) return false;
      if (Date.now() >= deadline) return true;
    }
  }

  /** When this relay last published something (for metrics and readiness). */
  get lastPublishedAt(): Date | undefined {
    return this.#lastPublishedAt;
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (this.#running) {
      try {
        this.#pendingNudge = false;
        const sent = await this.#round();
        failures = 0;
        if (sent === this.#batchSize) continue;
      } catch (error) {
        failures++;
        this.#log.error({ err: error, failures }, 'outbox relay round failed');
      }
      const pause = failures > 0 ? Math.min(this.#idleMs * 2 ** failures, 30_000) : this.#idleMs;
      if (!this.#pendingNudge) await this.#sleep(pause);
    }
  }

  #round(): Promise<number> {
    return this.#roundLock.runExclusive(() => this.#publishBatch());
  }

  async #publishBatch(): Promise<number> {
    if (!(await this.#holdLease())) return 0;
    const em = this.#orm.em.fork();
    const batch = await em.find(
      OutboxMessage,
      { publishedAt: null },
      { orderBy: { id: 'asc' }, limit: this.#batchSize },
    );
    if (batch.length === 0) return 0;
    await this.#transport.publish(
      batch.map((message) => ({
        topic: message.topic,
        key: message.messageKey,
        value: message.envelope,
        headers: traceHeadersOf(message.envelope),
      })),
    );
    const publishedAt = new Date();
    await em.nativeUpdate(OutboxMessage, { id: { $in: batch.map((message) => message.id) } }, { publishedAt });
    this.#lastPublishedAt = publishedAt;
    for (const message of batch) this.#metrics.outboxPublished.inc({ topic: message.topic });
    this.#log.debug(
      {
        count: batch.length,
        eventIds: batch.map((message) => message.id),
        correlationIds: [...new Set(batch.map((message) => message.envelope.correlationId))],
      },
      'published outbox messages',
    );
    return batch.length;
  }

  /** Takes or renews the lease; false when another live relay holds it. */
  async #holdLease(): Promise<boolean> {
    const em = this.#orm.em.fork();
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.#leaseMs);
    const renewed = await em.nativeUpdate(
      RelayLease,
      { name: LEASE_NAME, $or: [{ holder: this.#holder }, { expiresAt: { $lt: now } }] },
      { holder: this.#holder, expiresAt },
    );
    if (renewed > 0) return true;
    const inserted = await em
      .createQueryBuilder(RelayLease)
      .insert({ name: LEASE_NAME, holder: this.#holder, expiresAt })
      .onConflict('name')
      .ignore()
      .execute('run');
    return (inserted as { affectedRows?: number }).affectedRows === 1;
  }

  async #releaseLease(): Promise<void> {
    try {
      await this.#orm.em
        .fork()
        .nativeUpdate(RelayLease, { name: LEASE_NAME, holder: this.#holder }, { expiresAt: new Date(0) });
    } catch (error) {
      this.#log.warn({ err: error }, 'could not release the outbox lease');
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}

/** The W3C trace context an envelope carries, as message headers (`traceparent`, `tracestate`). */
function traceHeadersOf(envelope: EventEnvelope): MessageHeaders {
  return { [TRACEPARENT]: envelope.traceparent, [TRACESTATE]: envelope.tracestate };
}

/**
 * Records a domain event raised by `actor` in the unit of work `em` (see `recordEvent`). When the actor is a
 * request context (it has the request's `logger`), a debug line ties the event to the request: its ids only,
 * never the payload.
 *
 * @returns the envelope as stored (with its trace context), e.g. for direct delivery and tests.
 */
export function emitEvent<Payload extends object>(
  em: EntityManager,
  topic: Topic,
  actor: Actor & { logger?: Logger },
  event: { type: string; aggregateId: string; payload: Payload; version?: number },
): EventEnvelope<Payload> {
  const envelope = recordEvent(
    em,
    topic,
    createEnvelope({
      ...event,
      actor: actorOf(actor.principal),
      correlationId: actor.correlationId,
    }),
  );
  actor.logger?.debug(
    { eventId: envelope.id, type: envelope.type, aggregateId: envelope.aggregateId, topic },
    'event recorded in the outbox',
  );
  return envelope;
}
