/**
 * Builders and a test bed for the audit subgraph's integration tests: its composition root (context factory,
 * consumer, retention worker) on a fresh database — PostgreSQL when `TEST_DATABASE_URL` is set — with a clock the
 * test sets, and events built to the SPEC §6 envelope.
 */
import { executeForTest } from '../../platform/testing/execute.ts';
import type { GraphQLSchema } from 'graphql';
import { randomUUID } from 'node:crypto';
import type { Principal, Role } from '../../platform/auth/principal.ts';
import { newId } from '../../platform/db/base.entity.ts';
import type { Orm } from '../../platform/db/orm.ts';
import { createConsumer, type EventConsumer } from '../../platform/events/consumer.ts';
import { createEnvelope, type EventEnvelope } from '../../platform/events/envelope.ts';
import { InProcessTransport } from '../../platform/events/in-process-transport.ts';
import { buildEnforcedSubgraphSchema } from '../../platform/graphql/subgraph-server.ts';
import { createLogger } from '../../platform/logger.ts';
import type { SubgraphRuntime, Worker } from '../../platform/subgraph.ts';
import { openTestDatabase, type TestDatabaseHandle } from '../../platform/testing/orm.ts';
import { testLogLevel } from '../../platform/testing/services.ts';
import type { PeriodicWorker } from '../../platform/worker.ts';
import { GENESIS_HASH } from './audit-chain.rules.ts';
import { verifyStoredChain, type ChainStatus, type RetentionRound } from './audit-chain.service.ts';
import { AUDIT_CONSUMER, auditConsumers } from './audit.consumers.ts';
import { AuditEvent } from './audit.entity.ts';
import type { Context } from './context.ts';
import { createRetentionWorker } from './retention.worker.ts';
import { auditSubgraph, type AuditSettings } from './subgraph.ts';

const logger = createLogger({ name: 'audit-test', level: testLogLevel });

/** A Monday morning in March 2026 (UTC). */
export const NOW = new Date('2026-03-02T08:00:00Z');

export const admin = (): Principal => ({ userId: randomUUID(), roles: ['ADMIN'] });
export const patientUser = (patientId: string): Principal => ({ userId: randomUUID(), roles: ['PATIENT'], patientId });
export const doctorUser = (): Principal => ({ userId: randomUUID(), roles: ['DOCTOR'], doctorId: randomUUID() });

/** An event on a topic, as a subgraph's outbox would publish it. */
export interface Delivery {
  topic: string;
  event: EventEnvelope;
}

/** An event of `type` on `topic` with `payload`, raised by `actor` (a random doctor by default). */
export function anEvent(
  topic: string,
  type: string,
  payload: Record<string, unknown>,
  options: { actor?: { userId: string | null; roles: Role[] }; occurredAt?: Date; correlationId?: string } = {},
): Delivery {
  const aggregateId = Object.entries(payload).find(([key]) => key.endsWith('Id'))?.[1];
  return {
    topic,
    event: createEnvelope({
      type,
      aggregateId: typeof aggregateId === 'string' ? aggregateId : randomUUID(),
      payload,
      actor: options.actor ?? { userId: randomUUID(), roles: ['DOCTOR'] },
      correlationId: options.correlationId ?? `corr-${randomUUID()}`,
      occurredAt: options.occurredAt ?? NOW,
    }),
  };
}

/** A `PatientRecordAccessed` of `patientId`'s `resourceType` objects by `actor`. */
export function aRecordRead(
  patientId: string | null,
  options: {
    actor?: { userId: string | null; roles: Role[] };
    outcome?: 'SUCCESS' | 'DENIED';
    resourceType?: string;
    resourceIds?: string[];
    occurredAt?: Date;
  } = {},
): Delivery {
  return anEvent(
    'access-events',
    'PatientRecordAccessed',
    {
      patientId,
      resourceType: options.resourceType ?? 'Prescription',
      resourceIds: options.resourceIds ?? (options.outcome === 'DENIED' ? [] : [randomUUID()]),
      action: 'READ',
      outcome: options.outcome ?? 'SUCCESS',
      subgraph: 'prescriptions',
      operationName: 'PatientChart',
      ...(options.outcome === 'DENIED' ? { field: 'Query.prescription', errorCode: 'FORBIDDEN' } : {}),
    },
    options,
  );
}

/** `count` appointment events of different kinds, one a minute from `NOW`. */
export function someEvents(count: number, start = NOW): Delivery[] {
  return Array.from({ length: count }, (_, index) =>
    anEvent(
      'appointment-events',
      index % 3 === 0 ? 'AppointmentBooked' : index % 3 === 1 ? 'AppointmentConfirmed' : 'AppointmentCancelled',
      { appointmentId: randomUUID(), patientId: randomUUID(), doctorId: randomUUID(), status: 'PENDING' },
      { occurredAt: new Date(start.getTime() + index * 60_000) },
    ),
  );
}

export interface AuditTestBed {
  orm: Orm;
  /** The test database's `DATABASE_URL`; undefined on embedded PGlite. */
  databaseUrl: string | undefined;
  consumer: EventConsumer;
  /** A second consumer under another name (another consumer group): a replay from the first offset. */
  replayConsumer(name: string): EventConsumer;
  deliver(delivery: Delivery): ReturnType<EventConsumer['handle']>;
  deliverAll(deliveries: Delivery[]): Promise<void>;
  execute(
    principal: Principal | null,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<{ data: Record<string, unknown> | null; errors: { message: string; code: string | undefined }[] }>;
  /** A retention worker on the test's clock (the subgraph's is `workers()`). */
  retention(options?: { retentionDays?: number; batchSize?: number }): PeriodicWorker<RetentionRound>;
  /** The workers the subgraph would start. */
  workers(): Worker[];
  setNow(instant: Date): void;
  /** Raw SQL on the audit schema (tampering, as someone with database access would). */
  sql<T = Record<string, unknown>>(statement: string, params?: unknown[]): Promise<T[]>;
  /** Every stored entry, in position order. */
  entries(): Promise<AuditEvent[]>;
  verify(pageSize?: number): Promise<ChainStatus>;
  /** Empties the log and resets both ends of the chain to genesis (a fresh chain). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Opens a migrated audit database with its consumer and a retention worker factory. */
export async function openAuditTestBed(): Promise<AuditTestBed> {
  const handle: TestDatabaseHandle = await openTestDatabase();
  const settings: AuditSettings = { retentionDays: 365, retentionIntervalMs: 60_000 };
  const definition = auditSubgraph(settings);
  const orm = await handle.orm(definition);
  let now = NOW;
  const clock = () => now;
  const runtime = { orm, deps: { clock, logger } } as unknown as SubgraphRuntime;
  const transport = new InProcessTransport();
  await transport.start();
  const consumerNamed = (name: string) =>
    createConsumer({ ...auditConsumers(clock, name)[0]!, orm, transport, logger, retryDelayMs: 2 });
  const consumer = consumerNamed(AUDIT_CONSUMER);
  const schema: GraphQLSchema = buildEnforcedSubgraphSchema(definition.typeDefs, definition.resolvers);
  const contextOf = (principal: Principal | null): Context =>
    definition.createContext(
      { principal, correlationId: 'audit-int-test', requestId: newId(), idempotencyKey: null, logger },
      runtime,
    );
  const sql = <T>(statement: string, params: unknown[] = []) => orm.em.fork().execute<T[]>(statement, params);
  return {
    orm,
    databaseUrl: handle.db.url,
    consumer,
    replayConsumer: consumerNamed,
    deliver: ({ topic, event }) => consumer.handle(topic, event),
    async deliverAll(deliveries) {
      for (const { topic, event } of deliveries) await consumer.handle(topic, event);
    },
    execute: (principal, query, variables = {}) => executeForTest(schema, query, variables, contextOf(principal)),
    retention: (options = {}) =>
      createRetentionWorker({
        orm,
        clock,
        logger,
        retentionDays: options.retentionDays ?? settings.retentionDays,
        intervalMs: settings.retentionIntervalMs,
        ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      }),
    workers: () => definition.workers!(runtime),
    setNow(instant) {
      now = instant;
    },
    sql,
    entries: () => orm.em.fork().find(AuditEvent, {}, { orderBy: { position: 'asc' } }),
    verify: (pageSize) => verifyStoredChain(orm.em, now, pageSize),
    async reset() {
      await sql('delete from "audit"."audit_event"');
      await sql('delete from "audit"."processed_event"');
      await sql(`update "audit"."audit_chain_head" set "last_position" = 0, "last_hash" = ?`, [GENESIS_HASH]);
      await sql(`update "audit"."audit_chain_anchor" set "position" = 0, "hash" = ?`, [GENESIS_HASH]);
    },
    async close() {
      await transport.stop();
      await handle.close();
    },
  };
}
