/**
 * Builders and a test bed for the notifications subgraph's integration tests: its own composition root (context
 * factory, consumers, workers, start-up seeding) on a fresh database — PostgreSQL when `TEST_DATABASE_URL` is set —
 * with a clock the test sets, settings the test chooses (quick retries), and the events it consumes, built to their
 * contracts.
 */
import { executeForTest } from '../../platform/testing/execute.ts';
import type { GraphQLSchema } from 'graphql';
import { z } from 'zod';
import type { Principal } from '../../platform/auth/principal.ts';
import { loadConfig } from '../../platform/config.ts';
import { newId } from '../../platform/db/base.entity.ts';
import type { Orm } from '../../platform/db/orm.ts';
import { createConsumer, type EventConsumer } from '../../platform/events/consumer.ts';
import { createEnvelope, type EventEnvelope } from '../../platform/events/envelope.ts';
import { InProcessTransport } from '../../platform/events/in-process-transport.ts';
import { OutboxMessage } from '../../platform/events/outbox.entity.ts';
import { buildEnforcedSubgraphSchema } from '../../platform/graphql/subgraph-server.ts';
import { createLogger } from '../../platform/logger.ts';
import type { SubgraphRuntime } from '../../platform/subgraph.ts';
import { openTestDatabase, type TestDatabaseHandle } from '../../platform/testing/orm.ts';
import { testLogLevel } from '../../platform/testing/services.ts';
import type { PeriodicWorker } from '../../platform/worker.ts';
import type { Context } from './context.ts';
import { DISPATCHER, type DispatchRound } from './dispatch.worker.ts';
import { Notification } from './notification.entity.ts';
import type { ContactPayload } from './notification.events.ts';
import { REMINDERS, type ReminderRound } from './reminder.worker.ts';
import {
  notificationSettings,
  notificationsEnv,
  notificationsSubgraph,
  type NotificationSettings,
} from './subgraph.ts';

const logger = createLogger({ name: 'notifications-test', level: testLogLevel });

/** A Monday morning in March 2026 (UTC, the test hospital's time zone). */
export const NOW = new Date('2026-03-02T08:00:00Z');

/** Settings of the environment `env` (e.g. `HMS_SMTP_URL`), with quick retries for tests. */
export function testSettings(
  env: Record<string, string> = {},
  overrides: Partial<NotificationSettings> = {},
): NotificationSettings {
  return {
    ...notificationSettings(loadConfig(z.object(notificationsEnv), env)),
    maxAttempts: 3,
    retryBaseMs: 20,
    ...overrides,
  };
}

export interface NotificationsTestBed {
  orm: Orm;
  /** The subgraph's request context for `principal`, as `createContext` builds it. */
  as(principal: Principal): Context;
  /** Runs a GraphQL operation on the subgraph's schema (access policy enforced) as `principal`. */
  execute(
    principal: Principal | null,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<{ data: Record<string, unknown> | null; errors: { message: string; code: string | undefined }[] }>;
  /** Hands `event` to the consumer of `topic`, as the transport would. */
  deliver(topic: string, event: EventEnvelope): ReturnType<EventConsumer['handle']>;
  /** A second consumer of `topic` with the same handlers under another name: the event's id is new to it. */
  replayConsumer(topic: string): EventConsumer;
  /** Runs the subgraph's start-up work again (template seeding), as a restart would. */
  restart(): Promise<void>;
  dispatcher: PeriodicWorker<DispatchRound>;
  reminders: PeriodicWorker<ReminderRound>;
  /** New workers on the same database, as a restarted process (or another replica) would have. */
  restartWorkers(): { dispatcher: PeriodicWorker<DispatchRound>; reminders: PeriodicWorker<ReminderRound> };
  /** Sets what the subgraph's clock reads from now on. */
  setNow(instant: Date): void;
  now(): Date;
  /** Stored notifications matching `where`, oldest first. */
  notifications(where?: Partial<Pick<Notification, 'recipientId' | 'eventType' | 'channel'>>): Promise<Notification[]>;
  /** Events this subgraph wrote to its outbox (of `type`), oldest first. */
  outbox(type?: string): Promise<EventEnvelope[]>;
  close(): Promise<void>;
}

/** Opens a migrated notifications database with its consumers, workers (not started) and seeded templates. */
export async function openNotificationsTestBed(
  settings: NotificationSettings = testSettings(),
): Promise<NotificationsTestBed> {
  const handle: TestDatabaseHandle = await openTestDatabase();
  const definition = notificationsSubgraph(settings);
  const orm = await handle.orm(definition);
  let now = NOW;
  const runtime = {
    orm,
    deps: { clock: () => now, hospital: { timeZone: 'UTC', currency: 'USD' }, logger },
  } as unknown as SubgraphRuntime;
  await definition.onStart!(runtime);
  const transport = new InProcessTransport();
  await transport.start();
  const consumers = new Map<string, EventConsumer>();
  const specs = definition.consumers!(runtime);
  for (const spec of specs) {
    // Retried quickly, so that an event naming someone the directory does not know is dead-lettered at once.
    const consumer = createConsumer({ ...spec, orm, transport, logger, retryDelayMs: 2 });
    for (const topic of spec.topics) consumers.set(topic, consumer);
  }
  const workers = () => {
    const all = definition.workers!(runtime);
    return {
      dispatcher: all.find((worker) => worker.name === DISPATCHER) as PeriodicWorker<DispatchRound>,
      reminders: all.find((worker) => worker.name === REMINDERS) as PeriodicWorker<ReminderRound>,
    };
  };
  const first = workers();
  const schema: GraphQLSchema = buildEnforcedSubgraphSchema(definition.typeDefs, definition.resolvers);
  const contextOf = (principal: Principal | null) =>
    definition.createContext(
      { principal, correlationId: 'notifications-int-test', requestId: newId(), idempotencyKey: null, logger },
      runtime,
    );
  return {
    orm,
    as: (principal) => contextOf(principal),
    execute: (principal, query, variables = {}) => executeForTest(schema, query, variables, contextOf(principal)),
    deliver: (topic, event) => consumers.get(topic)!.handle(topic, event),
    replayConsumer: (topic) => {
      const spec = specs.find((candidate) => candidate.topics.includes(topic))!;
      return createConsumer({ ...spec, name: `${spec.name}.replay`, orm, transport, logger, retryDelayMs: 2 });
    },
    restart: () => definition.onStart!(runtime),
    ...first,
    restartWorkers: workers,
    setNow: (instant) => {
      now = instant;
    },
    now: () => now,
    notifications: (where = {}) =>
      orm.em.fork().find(Notification, where, { orderBy: { createdAt: 'asc', channel: 'asc', id: 'asc' } }),
    async outbox(type) {
      const messages = await orm.em
        .fork()
        .find(OutboxMessage, type ? { type } : {}, { orderBy: { createdAt: 'asc', id: 'asc' } });
      return messages.map((message) => message.envelope);
    },
    close: () => handle.close(),
  };
}

/** A signed-in patient, linked to their `Patient` record. */
export const patientUser = (patientId: string): Principal => ({ userId: newId(), roles: ['PATIENT'], patientId });
/** A signed-in doctor, linked to their `Doctor` profile. */
export const doctorUser = (doctorId: string): Principal => ({ userId: newId(), roles: ['DOCTOR'], doctorId });
export const admin = (): Principal => ({ userId: newId(), roles: ['ADMIN'] });

const SYSTEM = { userId: null, roles: [] };

/** A person's name and contact points; `email`/`phone` null where unknown. */
export function aContact(overrides: Partial<ContactPayload> = {}): ContactPayload {
  return { givenName: 'Ada', familyName: 'Lovelace', email: null, phone: null, ...overrides };
}

/** A `patient-events` envelope; `contact` undefined stands for an event from before contact points were published. */
export function patientEvent(
  patientId: string,
  contact: ContactPayload | undefined,
  options: { type?: string; active?: boolean; occurredAt?: Date } = {},
): EventEnvelope {
  return createEnvelope({
    type: options.type ?? 'PatientRegistered',
    aggregateId: patientId,
    actor: SYSTEM,
    correlationId: `patient-${patientId}`,
    occurredAt: options.occurredAt ?? NOW,
    payload: {
      patientId,
      mrn: '00000000',
      active: options.active ?? true,
      deceased: false,
      ...(contact ? { contact } : {}),
    },
  });
}

/** A `doctor-events` envelope (`DoctorCreated` by default). */
export function doctorEvent(
  doctorId: string,
  contact: ContactPayload,
  options: { type?: string; active?: boolean; occurredAt?: Date } = {},
): EventEnvelope {
  return createEnvelope({
    type: options.type ?? 'DoctorCreated',
    aggregateId: doctorId,
    actor: SYSTEM,
    correlationId: `doctor-${doctorId}`,
    occurredAt: options.occurredAt ?? NOW,
    payload: {
      doctorId,
      departmentId: newId(),
      specialization: 'General Practice',
      consultationFee: { amount: 8_000, currency: 'USD' },
      active: options.active ?? true,
      weeklyHours: null,
      timeOff: [],
      contact,
    },
  });
}

/** An appointment as `appointment-events` describe it. */
export interface AppointmentFacts {
  appointmentId: string;
  patientId: string;
  doctorId: string;
  startsAt: string;
}

/** An `appointment-events` envelope of `type`; `extra` adds type-specific fields (reason, previous start, fee owed). */
export function appointmentEvent(
  type: string,
  appointment: AppointmentFacts,
  status: string,
  options: { extra?: Record<string, unknown>; occurredAt?: Date; imported?: boolean } = {},
): EventEnvelope {
  return createEnvelope({
    type,
    aggregateId: appointment.appointmentId,
    actor: { userId: newId(), roles: ['RECEPTION'] },
    correlationId: `appointment-${appointment.appointmentId}`,
    occurredAt: options.occurredAt ?? NOW,
    payload: {
      ...appointment,
      departmentId: newId(),
      endsAt: new Date(Date.parse(appointment.startsAt) + 30 * 60_000).toISOString(),
      status,
      consultationFee: { amount: 8_000, currency: 'USD' },
      rescheduleCount: 0,
      imported: options.imported ?? false,
      ...options.extra,
    },
  });
}

/** A `BillIssued` envelope for a bill of `total` minor units. */
export function billIssuedEvent(patientId: string, total: number, number = 'B-2026-000042'): EventEnvelope {
  const billId = newId();
  return createEnvelope({
    type: 'BillIssued',
    aggregateId: billId,
    actor: SYSTEM,
    correlationId: `bill-${billId}`,
    occurredAt: NOW,
    payload: {
      billId,
      number,
      patientId,
      appointmentId: null,
      kind: 'MANUAL',
      status: 'ISSUED',
      subtotal: { amount: total, currency: 'USD' },
      tax: { amount: 0, currency: 'USD' },
      total: { amount: total, currency: 'USD' },
      issuedAt: NOW.toISOString(),
    },
  });
}

/** A `PasswordResetRequested` envelope carrying `resetToken`, valid 30 minutes from `NOW`. */
export function passwordResetEvent(userId: string, email: string, resetToken: string): EventEnvelope {
  return createEnvelope({
    type: 'PasswordResetRequested',
    aggregateId: userId,
    actor: SYSTEM,
    correlationId: `reset-${userId}`,
    occurredAt: NOW,
    payload: { userId, email, resetToken, expiresAt: new Date(NOW.getTime() + 30 * 60_000).toISOString() },
  });
}

/** A registered patient and a doctor the directory knows, with the contact points given. */
export async function knownPeople(
  bed: NotificationsTestBed,
  patient: Partial<ContactPayload> = {},
  doctor: Partial<ContactPayload> = {},
): Promise<{ patientId: string; doctorId: string }> {
  const ids = { patientId: newId(), doctorId: newId() };
  await bed.deliver('patient-events', patientEvent(ids.patientId, aContact(patient)));
  await bed.deliver(
    'doctor-events',
    doctorEvent(ids.doctorId, aContact({ givenName: 'Grace', familyName: 'Hopper', ...doctor })),
  );
  return ids;
}

/** An appointment of these people starting `hoursAhead` hours after `NOW`. */
export const anAppointment = (people: { patientId: string; doctorId: string }, hoursAhead = 48): AppointmentFacts => ({
  appointmentId: newId(),
  ...people,
  startsAt: new Date(NOW.getTime() + hoursAhead * 60 * 60_000).toISOString(),
});
