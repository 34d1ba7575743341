/**
 * Builders and a test bed for billing's integration tests: the subgraph's own composition root (its context factory
 * and consumers, as a request or a delivered event would get them) on a fresh database — PostgreSQL when
 * `TEST_DATABASE_URL` is set — with a clock the test sets, and the events billing consumes, built to their contracts.
 */
import type { Principal } from '../../platform/auth/principal.ts';
import { newId } from '../../platform/db/base.entity.ts';
import type { Orm } from '../../platform/db/orm.ts';
import { createConsumer, type EventConsumer } from '../../platform/events/consumer.ts';
import { createEnvelope, type EventEnvelope } from '../../platform/events/envelope.ts';
import { InProcessTransport } from '../../platform/events/in-process-transport.ts';
import { OutboxMessage } from '../../platform/events/outbox.entity.ts';
import { createLogger } from '../../platform/logger.ts';
import type { SubgraphRuntime } from '../../platform/subgraph.ts';
import { openTestDatabase, type TestDatabaseHandle } from '../../platform/testing/orm.ts';
import { testLogLevel } from '../../platform/testing/services.ts';
import type { Context } from './context.ts';
import { billingSubgraph } from './subgraph.ts';

const logger = createLogger({ name: 'billing-test', level: testLogLevel });

/** A Monday afternoon in March 2026 (UTC, the test hospital's time zone). */
export const NOW = new Date('2026-03-02T15:00:00Z');

export interface BillingTestBed {
  orm: Orm;
  /** The subgraph's request context for `principal`, as `createContext` builds it. */
  as(principal: Principal): Context;
  /** Hands `event` to the consumer of `topic`, as the transport would. */
  deliver(topic: string, event: EventEnvelope): ReturnType<EventConsumer['handle']>;
  /** Sets what the subgraph's clock reads from now on. */
  setNow(instant: Date): void;
  close(): Promise<void>;
}

/** Opens a migrated billing database with its consumers (retrying quickly, as the platform would, only faster). */
export async function openBillingTestBed(): Promise<BillingTestBed> {
  const handle: TestDatabaseHandle = await openTestDatabase();
  const orm = await handle.orm(billingSubgraph);
  let now = NOW;
  const runtime = {
    orm,
    deps: { clock: () => now, hospital: { timeZone: 'UTC', currency: 'USD' }, logger },
  } as unknown as SubgraphRuntime;
  // Started, so that a message that keeps failing is dead-lettered at once and the test sees it as such.
  const transport = new InProcessTransport();
  await transport.start();
  const consumers = new Map<string, EventConsumer>();
  for (const spec of billingSubgraph.consumers!(runtime)) {
    const consumer = createConsumer({ ...spec, orm, transport, logger, retryDelayMs: 5 });
    consumers.set(spec.topics[0]!, consumer);
  }
  return {
    orm,
    as: (principal) =>
      billingSubgraph.createContext(
        { principal, correlationId: 'billing-int-test', requestId: newId(), idempotencyKey: null, logger },
        runtime,
      ),
    deliver: (topic, event) => consumers.get(topic)!.handle(topic, event),
    setNow: (instant) => {
      now = instant;
    },
    close: () => handle.close(),
  };
}

/** A signed-in member of the billing staff. */
export const billingClerk = (): Principal => ({ userId: newId(), roles: ['BILLING'] });
/** A signed-in patient, linked to their `Patient` record. */
export const patientUser = (patientId: string): Principal => ({ userId: newId(), roles: ['PATIENT'], patientId });

/** The doctor who acts in appointment events. */
export const DOCTOR_ACTOR = { userId: newId(), roles: ['DOCTOR' as const] };

/** An appointment as `appointment-events` describe it; the fee in minor units. */
export interface AppointmentFacts {
  appointmentId: string;
  patientId: string;
  doctorId: string;
  startsAt: string;
  consultationFee: number;
  currency: string;
}

/** A new appointment on 2026-03-02 with a fee of 83.90 (5 % of it is 4.195: a half cent that rounds up). */
export function anAppointment(overrides: Partial<AppointmentFacts> = {}): AppointmentFacts {
  return {
    appointmentId: newId(),
    patientId: newId(),
    doctorId: newId(),
    startsAt: '2026-03-02T10:00:00.000Z',
    consultationFee: 8_390,
    currency: 'USD',
    ...overrides,
  };
}

/** An `appointment-events` envelope of `type` for `appointment`; `extra` adds type-specific fields (band, fee owed). */
export function appointmentEvent(
  type: string,
  appointment: AppointmentFacts,
  status: string,
  extra: Record<string, unknown> = {},
): EventEnvelope {
  return createEnvelope({
    type,
    aggregateId: appointment.appointmentId,
    actor: DOCTOR_ACTOR,
    correlationId: `appointment-${appointment.appointmentId}`,
    payload: {
      appointmentId: appointment.appointmentId,
      patientId: appointment.patientId,
      doctorId: appointment.doctorId,
      departmentId: newId(),
      startsAt: appointment.startsAt,
      endsAt: new Date(Date.parse(appointment.startsAt) + 30 * 60_000).toISOString(),
      status,
      consultationFee: { amount: appointment.consultationFee, currency: appointment.currency },
      rescheduleCount: 0,
      imported: false,
      ...extra,
    },
  });
}

/** `AppointmentCompleted`: billing charges the consultation fee. */
export const completed = (appointment: AppointmentFacts) =>
  appointmentEvent('AppointmentCompleted', appointment, 'COMPLETED');

/** `AppointmentCancelled` in `band`, owing `feeOwed` minor units (appointments computed it). */
export const cancelled = (appointment: AppointmentFacts, band: 'FREE' | 'LATE', feeOwed: number) =>
  appointmentEvent('AppointmentCancelled', appointment, 'CANCELLED', {
    cancelledAt: NOW.toISOString(),
    reason: null,
    band,
    feeOwed: { amount: feeOwed, currency: appointment.currency },
  });

/** `AppointmentMarkedNoShow`: the whole fee is owed. */
export const markedNoShow = (appointment: AppointmentFacts) =>
  appointmentEvent('AppointmentMarkedNoShow', appointment, 'NO_SHOW', {
    feeOwed: { amount: appointment.consultationFee, currency: appointment.currency },
  });

/** A `patient-events` envelope: `active` false for an archived patient. */
export function patientEvent(patientId: string, active = true, type = 'PatientRegistered'): EventEnvelope {
  return createEnvelope({
    type,
    aggregateId: patientId,
    actor: { userId: null, roles: [] },
    correlationId: `patient-${patientId}`,
    payload: { patientId, active, deceased: false },
  });
}

/** A `payment-events` envelope carrying the bill's ledger after the payment (minor units). */
export function ledgerEvent(
  billId: string,
  ledger: { amountPaid: number; amountRefunded?: number; sequence: number },
  type = 'PaymentSucceeded',
): EventEnvelope {
  return createEnvelope({
    type,
    aggregateId: billId,
    actor: { userId: newId(), roles: ['PATIENT'] },
    correlationId: `payment-${billId}-${ledger.sequence}`,
    payload: {
      paymentId: newId(),
      billId,
      patientId: newId(),
      amount: { amount: 100, currency: 'USD' },
      method: 'CARD',
      reference: `ref-${ledger.sequence}`,
      status: type === 'PaymentRefunded' ? 'REFUNDED' : 'SUCCEEDED',
      ledger: { amountRefunded: 0, ...ledger },
    },
  });
}

/** The events billing wrote to its outbox about `billId` (optionally of one type), oldest first. */
export async function outboxOf(orm: Orm, billId: string, type?: string): Promise<EventEnvelope[]> {
  const messages = await orm.em
    .fork()
    .find(OutboxMessage, { messageKey: billId, ...(type ? { type } : {}) }, { orderBy: { id: 'asc' } });
  return messages.map((message) => message.envelope);
}
