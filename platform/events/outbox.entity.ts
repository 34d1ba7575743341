/**
 * Tables every event-producing or event-consuming subgraph has in its own schema:
 * - `outbox_message`: events written in the same transaction as the change they describe (transactional
 *   outbox), published afterwards by the relay;
 * - `relay_lease`: which process's relay currently publishes (one at a time, so per-aggregate order holds);
 * - `processed_event`: ids of events each consumer has handled, written in the same transaction as the effect.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { EventEnvelope } from './envelope.ts';

export const OutboxMessage = defineEntity({
  name: 'OutboxMessage',
  tableName: 'outbox_message',
  properties: {
    /** The envelope's id (UUIDv7, so ids order messages by creation). */
    id: p.uuid().primary(),
    topic: p.string().length(100),
    /** Kafka message key: the aggregate id. */
    messageKey: p.string().length(100),
    type: p.string().length(100),
    envelope: p.json<EventEnvelope>(),
    createdAt: p.datetime(),
    publishedAt: p.datetime().nullable(),
  },
  indexes: [{ name: 'outbox_message_unpublished_idx', properties: ['id'], where: { publishedAt: null } }],
});
export type OutboxMessage = InferEntity<typeof OutboxMessage>;

export const RelayLease = defineEntity({
  name: 'RelayLease',
  tableName: 'relay_lease',
  properties: {
    name: p.string().length(50).primary(),
    holder: p.string().length(100),
    expiresAt: p.datetime(),
  },
});
export type RelayLease = InferEntity<typeof RelayLease>;

export const ProcessedEvent = defineEntity({
  name: 'ProcessedEvent',
  tableName: 'processed_event',
  properties: {
    /** Consumer name, e.g. `appointments.doctor-replica`. */
    consumer: p.string().length(100).primary(),
    eventId: p.uuid().primary(),
    processedAt: p.datetime(),
  },
  primaryKeys: ['consumer', 'eventId'],
});
export type ProcessedEvent = InferEntity<typeof ProcessedEvent>;

/** The entities to register with every subgraph's ORM. */
export const eventingEntities = [OutboxMessage, RelayLease, ProcessedEvent];
