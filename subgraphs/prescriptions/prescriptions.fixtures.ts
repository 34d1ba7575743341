/**
 * Builders and a test bed for the prescriptions subgraph's integration tests: the subgraph's own composition root
 * (its context factory, consumers and resolvers, as a request or a delivered event would get them) on a fresh
 * database — PostgreSQL when `TEST_DATABASE_URL` is set — with a clock the test sets, and the appointment and
 * patient events it consumes, built to their contracts.
 */
import { graphql, type GraphQLSchema } from 'graphql';
import type { Principal } from '../../platform/auth/principal.ts';
import { buildEnforcedSubgraphSchema } from '../../platform/graphql/subgraph-server.ts';
import { newId } from '../../platform/db/base.entity.ts';
import type { Orm } from '../../platform/db/orm.ts';
import { domainErrorFromDatabase, DomainError } from '../../platform/errors.ts';
import { createConsumer, type EventConsumer } from '../../platform/events/consumer.ts';
import { createEnvelope, type EventEnvelope } from '../../platform/events/envelope.ts';
import { InProcessTransport } from '../../platform/events/in-process-transport.ts';
import { OutboxMessage } from '../../platform/events/outbox.entity.ts';
import { createLogger } from '../../platform/logger.ts';
import type { SubgraphRuntime } from '../../platform/subgraph.ts';
import { openTestDatabase, type TestDatabaseHandle } from '../../platform/testing/orm.ts';
import { testLogLevel } from '../../platform/testing/services.ts';
import type { Context } from './context.ts';
import type { AddMedicalRecordEntryInput, MedicalRecordFilter } from './medical-record.inputs.ts';
import { prescriptionsSubgraph } from './subgraph.ts';

const logger = createLogger({ name: 'prescriptions-test', level: testLogLevel });

/** A Monday afternoon in March 2026 (UTC). */
export const NOW = new Date('2026-03-02T15:00:00Z');

/** What a GraphQL operation answered: data, and the codes and fields of its errors. */
export interface Answer {
  data: Record<string, unknown> | null | undefined;
  errors: { code: unknown; field: unknown; message: string }[];
}

export interface PrescriptionsTestBed {
  orm: Orm;
  /** The subgraph's request context for `principal`, as `createContext` builds it. */
  as(principal: Principal | null): Context;
  /** Runs an operation on the subgraph's schema (access policy enforced) as `principal`, as a request would. */
  execute(principal: Principal | null, source: string, variables?: Record<string, unknown>): Promise<Answer>;
  /** Hands `event` to the consumer of `topic`, as the transport would. */
  deliver(topic: string, event: EventEnvelope): ReturnType<EventConsumer['handle']>;
  /** Sets what the subgraph's clock reads from now on. */
  setNow(instant: Date): void;
  /** Rows of a table of the subgraph's schema. */
  count(table: string): Promise<number>;
  close(): Promise<void>;
}

/** Opens a migrated prescriptions database with its consumers (retrying quickly, as the platform would). */
export async function openPrescriptionsTestBed(): Promise<PrescriptionsTestBed> {
  const handle: TestDatabaseHandle = await openTestDatabase();
  const orm = await handle.orm(prescriptionsSubgraph);
  let now = NOW;
  const runtime = {
    orm,
    deps: { clock: () => now, hospital: { timeZone: 'UTC', currency: 'USD' }, logger },
  } as unknown as SubgraphRuntime;
  const transport = new InProcessTransport();
  await transport.start();
  const consumers = new Map<string, EventConsumer>();
  for (const spec of prescriptionsSubgraph.consumers!(runtime)) {
    consumers.set(spec.topics[0]!, createConsumer({ ...spec, orm, transport, logger, retryDelayMs: 5 }));
  }
  const as = (principal: Principal | null) =>
    prescriptionsSubgraph.createContext(
      { principal, correlationId: 'prescriptions-int-test', requestId: newId(), idempotencyKey: null, logger },
      runtime,
    );
  const schema: GraphQLSchema = buildEnforcedSubgraphSchema(
    prescriptionsSubgraph.typeDefs,
    prescriptionsSubgraph.resolvers,
  );
  return {
    orm,
    as,
    execute: async (principal, source, variables) => {
      const result = await graphql({ schema, source, variableValues: variables ?? {}, contextValue: as(principal) });
      return {
        data: result.data as Answer['data'],
        errors: (result.errors ?? []).map((error) => {
          const original = error.originalError;
          const domain =
            original instanceof DomainError
              ? original
              : domainErrorFromDatabase(original, prescriptionsSubgraph.constraints ?? {});
          return {
            code: domain?.code ?? error.extensions?.code ?? 'INTERNAL_SERVER_ERROR',
            field: domain?.details?.field,
            message: error.message,
          };
        }),
      };
    },
    deliver: (topic, event) => consumers.get(topic)!.handle(topic, event),
    setNow: (instant) => {
      now = instant;
    },
    count: async (table) => {
      const [row] = await orm.em
        .fork()
        .execute<{ count: string }[]>(`select count(*) as count from "prescriptions"."${table}"`);
      return Number(row!.count);
    },
    close: () => handle.close(),
  };
}

/** The code a rejected service call maps to at the transport (domain errors and known constraints). */
export async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return 'OK';
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    return domainErrorFromDatabase(error, prescriptionsSubgraph.constraints ?? {})?.code ?? 'INTERNAL_SERVER_ERROR';
  }
}

/** A signed-in doctor with a doctor profile. */
export const doctorUser = (doctorId: string = newId()): Principal & { doctorId: string } => ({
  userId: newId(),
  roles: ['DOCTOR'],
  doctorId,
});
/** A signed-in patient, linked to their `Patient` record. */
export const patientUser = (patientId: string): Principal => ({ userId: newId(), roles: ['PATIENT'], patientId });
/** A signed-in member of staff holding `roles`. */
export const staffUser = (...roles: Principal['roles']): Principal => ({ userId: newId(), roles });

/** An appointment as `appointment-events` describe it. */
export interface AppointmentFacts {
  appointmentId: string;
  patientId: string;
  doctorId: string;
}

export const anAppointment = (overrides: Partial<AppointmentFacts> = {}): AppointmentFacts => ({
  appointmentId: newId(),
  patientId: newId(),
  doctorId: newId(),
  ...overrides,
});

/** An `appointment-events` envelope of `type` for `appointment` in `status`, at `occurredAt`. */
export function appointmentEvent(
  type: string,
  appointment: AppointmentFacts,
  status: string,
  occurredAt: Date = NOW,
): EventEnvelope {
  return createEnvelope({
    type,
    aggregateId: appointment.appointmentId,
    actor: { userId: newId(), roles: ['RECEPTION'] },
    correlationId: `appointment-${appointment.appointmentId}`,
    occurredAt,
    payload: {
      appointmentId: appointment.appointmentId,
      patientId: appointment.patientId,
      doctorId: appointment.doctorId,
      departmentId: newId(),
      startsAt: '2026-03-02T10:00:00.000Z',
      endsAt: '2026-03-02T10:30:00.000Z',
      status,
      consultationFee: { amount: 8_000, currency: 'USD' },
      rescheduleCount: 0,
      imported: type === 'AppointmentImported',
    },
  });
}

/** A `patient-events` envelope: `active` false for an archived patient. */
export function patientEvent(patientId: string, active = true, type = 'PatientRegistered'): EventEnvelope {
  return createEnvelope({
    type,
    aggregateId: patientId,
    actor: { userId: null, roles: [] },
    correlationId: `patient-${patientId}`,
    payload: { patientId, mrn: '00000018', active, deceased: false },
  });
}

/** The events the subgraph wrote to its outbox keyed `key` (optionally of one type), oldest first. */
export async function outboxOf(orm: Orm, key: string, type?: string): Promise<EventEnvelope[]> {
  const messages = await orm.em
    .fork()
    .find(OutboxMessage, { messageKey: key, ...(type ? { type } : {}) }, { orderBy: { id: 'asc' } });
  return messages.map((message) => message.envelope);
}

/** An appointment `bed` heard was booked: its doctor now has a care relationship with its patient. */
export async function aBookedAppointment(
  bed: PrescriptionsTestBed,
  facts: Partial<AppointmentFacts> = {},
): Promise<AppointmentFacts> {
  const appointment = anAppointment(facts);
  const outcome = await bed.deliver(
    'appointment-events',
    appointmentEvent('AppointmentBooked', appointment, 'PENDING'),
  );
  if (outcome !== 'handled') throw new Error(`AppointmentBooked was ${outcome}`);
  return appointment;
}

/** A `VITALS` entry of a pulse and a blood pressure, effective now. */
export const vitalsInput = (
  patientId: string,
  overrides: Partial<AddMedicalRecordEntryInput> = {},
): AddMedicalRecordEntryInput => ({
  patientId,
  appointmentId: null,
  kind: 'VITALS',
  code: null,
  data: { heartRateBpm: 72, systolicMmHg: 120, diastolicMmHg: 80 },
  effectiveAt: null,
  supersedesId: null,
  ...overrides,
});

/** An active `DIAGNOSIS` coded `code` in ICD-10, effective now. */
export const diagnosisInput = (
  patientId: string,
  code: string,
  overrides: Partial<AddMedicalRecordEntryInput> = {},
): AddMedicalRecordEntryInput => ({
  patientId,
  appointmentId: null,
  kind: 'DIAGNOSIS',
  code: { system: 'ICD_10', code, display: null },
  data: { clinicalStatus: 'active' },
  effectiveAt: null,
  supersedesId: null,
  ...overrides,
});

/** A `MedicalRecordFilter` as parsed: current entries of every kind and time unless `overrides` say otherwise. */
export const recordFilter = (overrides: Partial<MedicalRecordFilter> = {}): MedicalRecordFilter => ({
  kinds: null,
  effectiveFrom: null,
  effectiveTo: null,
  includeSuperseded: false,
  ...overrides,
});
