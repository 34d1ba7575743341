/**
 * The lifecycle every subgraph shares, so that each subgraph's `subgraph.ts` only names its parts: entities,
 * migrations, schema, resolvers, consumers, workers and context. `start()` connects the ORM, applies migrations,
 * runs start-up work, starts consumers, then workers and the outbox relay, then serves HTTP; `stop()` undoes it in
 * reverse order: workers first, then requests, publishing what is left in the outbox before consumers stop.
 */
import type { MigrationObject } from '@mikro-orm/core';
import type { EntityManager as BaseEntityManager, EventSubscriber } from '@mikro-orm/core';
import type { DocumentNode } from 'graphql';
import type { Express } from 'express';
import { BaseEntity } from './db/base.entity.ts';
import { createOrm, migrate, migrationsApplied, type DatabaseTarget, type Orm } from './db/orm.ts';
import type { ConstraintError } from './errors.ts';
import { createConsumer, type ConsumerOptions, type EventConsumer } from './events/consumer.ts';
import { mountEventIntake, type PeerUrl } from './events/direct-delivery.ts';
import { OutboxRelay } from './events/outbox.ts';
import { eventingEntities, OutboxMessage } from './events/outbox.entity.ts';
import type { EventTransport } from './events/transport.ts';
import type { RequestContext } from './graphql/context.ts';
import { createSubgraphServer, type SubgraphServer } from './graphql/subgraph-server.ts';
import type { Listening } from './http/server.ts';
import type { Logger } from './logger.ts';

/** Hospital-wide settings every subgraph may need (SPEC §3, §4). */
export interface HospitalSettings {
  /** IANA time zone in which scheduling rules are evaluated. */
  timeZone: string;
  /** ISO 4217 currency of all money. */
  currency: string;
  /** Clinic hours in minutes after midnight, in `timeZone` (SPEC §3). */
  clinicHours: { opensAt: number; closesAt: number };
}

/** What a process hands to each subgraph it runs. */
export interface SubgraphDependencies {
  database: DatabaseTarget;
  transport: EventTransport;
  logger: Logger;
  internalTokenSecret: string;
  hospital: HospitalSettings;
  /** The clock; injected so that rules can be tested at any instant. */
  clock: () => Date;
  /** Base URL of another subgraph of the graph (for direct delivery of events), or undefined. */
  peerUrl: PeerUrl;
}

/** A consumer as a subgraph declares it; the platform adds the ORM, transport and logger. */
export type ConsumerSpec = Omit<ConsumerOptions, 'orm' | 'transport' | 'logger'>;

/**
 * Background work a subgraph runs beside its consumers, e.g. a loop that delivers queued messages or one that
 * raises reminders on the clock. `start()` begins the loop and returns at once; `stop()` ends it and resolves
 * when the round in flight has finished, so that nothing it writes is lost. A worker that runs in rounds may
 * offer `runOnce()`, one round now, for tests and tools. Workers run in every replica of a subgraph: a round must
 * be safe against another replica's (row locks, unique keys), never rely on being alone.
 */
export interface Worker {
  /** Unique per subgraph, e.g. `notifications.dispatcher`; used in logs and to find a worker in tests. */
  readonly name: string;
  start(): void;
  stop(): Promise<void>;
  /** One round now (outside the loop's schedule); resolves with what the worker reports for it. */
  runOnce?(): Promise<unknown>;
}

/** Per-process pieces a subgraph's context factory may use. */
export interface SubgraphRuntime {
  orm: Orm;
  relay: OutboxRelay;
  deps: SubgraphDependencies;
}

export interface SubgraphDefinition<Context extends RequestContext> {
  /** Also the name of its PostgreSQL schema. */
  name: string;
  // Entity schemas of any shape; MikroORM validates them at discovery.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  entities: any[];
  migrations: MigrationObject[];
  typeDefs: DocumentNode;
  /** The subgraph's resolver map (typed by its generated `Resolvers`). */
  resolvers: object;
  constraints?: Record<string, ConstraintError>;
  createContext: (base: RequestContext, runtime: SubgraphRuntime) => Context;
  /** Event consumers, given the runtime (the platform fills in transport and logger). */
  consumers?: (runtime: SubgraphRuntime) => ConsumerSpec[];
  /** Background workers, created once per start and started after the consumers (see `Worker`). */
  workers?: (runtime: SubgraphRuntime) => Worker[];
  /** Work after migrations and before serving, e.g. creating the first admin. */
  onStart?: (runtime: SubgraphRuntime) => Promise<void>;
  routes?: (app: Express, runtime: SubgraphRuntime) => void;
}

export interface Subgraph {
  readonly name: string;
  /** Starts everything and listens on `host:port` (0: a free port). */
  start(host: string, port: number): Promise<Listening>;
  /** First half of stopping: workers stopped, no new requests, and the outbox published. Consumers keep running. */
  quiesce(): Promise<void>;
  /** Stops everything (quiescing first if that has not happened). */
  stop(): Promise<void>;
  /** Available after `start()`; for tests and tools. */
  readonly runtime: SubgraphRuntime;
  readonly consumers: readonly EventConsumer[];
  /** The running workers (empty before `start()` and after `stop()`); tests call their `runOnce()`. */
  readonly workers: readonly Worker[];
}

/**
 * Nudges the relay as soon as a transaction that wrote outbox messages commits, so events leave without
 * waiting for the next polling round.
 */
function relayNudger(relay: () => OutboxRelay | undefined): EventSubscriber {
  const wroteEvents = new WeakSet<BaseEntityManager>();
  return {
    getSubscribedEntities: () => [OutboxMessage],
    afterCreate: (args) => {
      wroteEvents.add(args.em);
    },
    afterFlush: (args) => {
      // A flush outside an explicit transaction commits by itself.
      if (wroteEvents.has(args.em) && !args.em.isInTransaction()) {
        wroteEvents.delete(args.em);
        relay()?.nudge();
      }
    },
    afterTransactionCommit: (args) => {
      if (wroteEvents.has(args.em)) {
        wroteEvents.delete(args.em);
        relay()?.nudge();
      }
    },
  };
}

/** Assembles a subgraph from its definition; nothing runs until `start()`. */
export function defineSubgraph<Context extends RequestContext>(
  definition: SubgraphDefinition<Context>,
  deps: SubgraphDependencies,
): Subgraph {
  const log = deps.logger.child({ subgraph: definition.name });
  let runtime: SubgraphRuntime | undefined;
  let server: SubgraphServer | undefined;
  let consumers: EventConsumer[] = [];
  let workers: Worker[] = [];

  async function startAll(host: string, port: number): Promise<Listening> {
    const orm = await createOrm({
      target: deps.database,
      schema: definition.name,
      entities: [BaseEntity, ...eventingEntities, ...definition.entities],
      migrations: definition.migrations,
      logger: log,
    });
    const relay = new OutboxRelay({ orm, transport: deps.transport, logger: log, service: definition.name });
    runtime = { orm, relay, deps };
    const ready = runtime;

    const applied = await migrate(orm);
    if (applied.length > 0) log.info({ migrations: applied }, 'migrations applied');
    orm.em.getEventManager().registerSubscriber(relayNudger(() => relay));

    await definition.onStart?.(ready);
    consumers = (definition.consumers?.(ready) ?? []).map((options) =>
      createConsumer({ ...options, orm, transport: deps.transport, logger: log, service: definition.name }),
    );
    for (const consumer of consumers) await consumer.start();
    workers = definition.workers?.(ready) ?? [];
    for (const worker of workers) worker.start();
    relay.start();

    server = createSubgraphServer<Context>({
      name: definition.name,
      typeDefs: definition.typeDefs,
      resolvers: definition.resolvers,
      internalTokenSecret: deps.internalTokenSecret,
      logger: log,
      constraints: definition.constraints ?? {},
      createContext: (base) => definition.createContext(base, ready),
      accessEvents: (write) => orm.em.fork().transactional(async (em) => write(em)),
      readiness: {
        database: async () => (await orm.checkConnection()).ok,
        migrations: () => migrationsApplied(orm),
        events: async () => deps.transport.isReady(),
      },
      routes: (app: Express) => {
        mountEventIntake(app, deps.internalTokenSecret, () => consumers);
        definition.routes?.(app, ready);
      },
    });
    return server.start(host, port);
  }

  return {
    name: definition.name,
    get runtime() {
      if (!runtime) throw new Error(`subgraph ${definition.name} has not started`);
      return runtime;
    },
    get consumers() {
      return consumers;
    },
    get workers() {
      return workers;
    },
    async start(host, port) {
      try {
        return await startAll(host, port);
      } catch (error) {
        // Undo what did start, so that a failed start leaves no connection or consumer behind.
        await this.stop().catch(() => {});
        throw error;
      }
    },
    async quiesce() {
      // Workers first: what their last round wrote to the outbox is then published below.
      await Promise.all(workers.map((worker) => worker.stop()));
      await server?.stop();
      server = undefined;
      await runtime?.relay.stop({ drain: true });
    },
    async stop() {
      await this.quiesce();
      await Promise.all(consumers.map((consumer) => consumer.stop()));
      await runtime?.orm.close();
      runtime = undefined;
      consumers = [];
      workers = [];
    },
  };
}
