/**
 * The event envelope of SPEC §6, shared by every topic. `id` is the dedupe key consumers record; `aggregateId`
 * is the Kafka message key, so one aggregate's events stay in order on one partition.
 */
import { z } from 'zod';
import { roleSchema } from '../auth/principal.ts';
import { newId } from '../db/base.entity.ts';

/** Kafka topics, one per domain (SPEC §6). */
export const TOPICS = [
  'identity-events',
  'patient-events',
  'doctor-events',
  'appointment-events',
  'billing-events',
  'payment-events',
  'prescription-events',
  'notification-events',
  'access-events',
] as const;
export type Topic = (typeof TOPICS)[number];

/** Where a message goes after it failed `maxAttempts` times, so it does not block its partition. */
export const deadLetterTopicOf = (topic: string): string => `${topic}.dlq`;

export const eventEnvelopeSchema = z.object({
  id: z.string().uuid(),
  /** Past tense, PascalCase: `AppointmentBooked`. */
  type: z.string().regex(/^[A-Z][A-Za-z]+$/),
  /** ISO 8601 UTC. */
  occurredAt: z.string().datetime({ offset: true }),
  aggregateId: z.string().min(1),
  actor: z.object({ userId: z.string().uuid().nullable(), roles: z.array(roleSchema) }),
  correlationId: z.string().min(1),
  /** Version of the payload's shape for this `type`; bumped on breaking changes. */
  version: z.number().int().positive(),
  payload: z.record(z.string(), z.unknown()),
  /**
   * W3C Trace Context of the span that recorded the event (the CloudEvents distributed-tracing extension's
   * attributes), so that its consumers continue the request's trace. Optional: events recorded outside a trace,
   * or before tracing existed, have none. Kafka messages also carry them as headers of the same names.
   */
  traceparent: z.string().max(512).optional(),
  tracestate: z.string().max(512).optional(),
});

export type EventEnvelope<Payload extends object = Record<string, unknown>> = Omit<
  z.infer<typeof eventEnvelopeSchema>,
  'payload' | 'traceparent' | 'tracestate'
> & { payload: Payload; traceparent?: string; tracestate?: string };

/** What a service supplies to raise an event; the rest of the envelope is filled in. */
export interface NewEvent<Payload extends object> {
  type: string;
  aggregateId: string;
  payload: Payload;
  actor: EventEnvelope['actor'];
  correlationId: string;
  version?: number;
  occurredAt?: Date;
}

/** Builds a complete envelope with a fresh id. */
export function createEnvelope<Payload extends object>(event: NewEvent<Payload>): EventEnvelope<Payload> {
  return {
    id: newId(),
    type: event.type,
    occurredAt: (event.occurredAt ?? new Date()).toISOString(),
    aggregateId: event.aggregateId,
    actor: event.actor,
    correlationId: event.correlationId,
    version: event.version ?? 1,
    payload: event.payload,
  };
}

/** The principal an event was raised by, for work done on its behalf by a consumer. */
export function principalOfEvent(
  event: EventEnvelope,
): { userId: string; roles: EventEnvelope['actor']['roles'] } | null {
  return event.actor.userId ? { userId: event.actor.userId, roles: event.actor.roles } : null;
}
