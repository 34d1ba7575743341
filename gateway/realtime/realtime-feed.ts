/**
 * Feeds the gateway's subscriptions: reads `appointment-events`, `payment-events` and `notification-events` (Kafka,
 * or in-process in the one-process graph) and publishes what subscribers may receive to the `EventHub`. Every gateway
 * replica must see every event, so each is its own consumer group, starting at what is published from now on (live
 * events only: a client that reconnects refetches what it shows). Kafka delivers at least once (a rebalance, a
 * relay that published twice): the ids of recent events are remembered, so a redelivered event reaches nobody twice.
 * Nothing here waits for a subscriber.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { eventEnvelopeSchema } from '../../platform/events/envelope.ts';
import type { EventTransport } from '../../platform/events/transport.ts';
import type { Logger } from '../../platform/logger.ts';
import type { EventHub } from './event-hub.ts';

/** `AppointmentUpdateType` of `schema/gateway.graphql`, by `appointment-events` event type. */
export const APPOINTMENT_UPDATE_TYPES = {
  AppointmentBooked: 'BOOKED',
  AppointmentConfirmed: 'CONFIRMED',
  AppointmentRejected: 'REJECTED',
  AppointmentRescheduled: 'RESCHEDULED',
  AppointmentCancelled: 'CANCELLED',
  AppointmentCheckedIn: 'CHECKED_IN',
  AppointmentCompleted: 'COMPLETED',
  AppointmentMarkedNoShow: 'MARKED_NO_SHOW',
} as const;

export type AppointmentUpdateType = (typeof APPOINTMENT_UPDATE_TYPES)[keyof typeof APPOINTMENT_UPDATE_TYPES];

/** Who a notification is for (the notifications subgraph's `NotificationRecipient`). */
export type RecipientKind = 'PATIENT' | 'PRACTITIONER' | 'USER';

/** An event a subscriber may receive: ids and who it concerns, never clinical or personal data. */
export type RealtimeEvent =
  | {
      kind: 'appointment';
      eventId: string;
      type: AppointmentUpdateType;
      occurredAt: string;
      appointmentId: string;
      patientId: string;
      doctorId: string;
    }
  | { kind: 'payment'; eventId: string; occurredAt: string; paymentId: string; billId: string; patientId: string }
  | {
      kind: 'notification';
      eventId: string;
      occurredAt: string;
      notificationId: string;
      recipient: { kind: RecipientKind; id: string };
    };

export const REALTIME_TOPICS = ['appointment-events', 'payment-events', 'notification-events'] as const;

const appointmentPayload = z.object({
  appointmentId: z.uuid(),
  patientId: z.uuid(),
  doctorId: z.uuid(),
  imported: z.boolean().default(false),
});
const paymentPayload = z.object({ paymentId: z.uuid(), billId: z.uuid(), patientId: z.uuid() });
const notificationPayload = z.object({
  notificationId: z.uuid(),
  channel: z.string(),
  recipient: z.object({ kind: z.enum(['PATIENT', 'PRACTITIONER', 'USER']), id: z.string().min(1) }),
});

/**
 * What subscribers may receive of one message, or null: appointment transitions (not history imports), succeeded
 * payments, and new in-app notifications. Malformed messages are null too (the owning subgraphs' consumers
 * dead-letter them; the gateway only skips them).
 */
export function realtimeEventOf(topic: string, value: unknown): RealtimeEvent | null {
  const envelope = eventEnvelopeSchema.safeParse(value);
  if (!envelope.success) return null;
  const { id: eventId, type, occurredAt, payload } = envelope.data;
  if (topic === 'appointment-events' && type in APPOINTMENT_UPDATE_TYPES) {
    const appointment = appointmentPayload.safeParse(payload);
    if (!appointment.success || appointment.data.imported) return null;
    const { appointmentId, patientId, doctorId } = appointment.data;
    const updateType = APPOINTMENT_UPDATE_TYPES[type as keyof typeof APPOINTMENT_UPDATE_TYPES];
    return { kind: 'appointment', eventId, type: updateType, occurredAt, appointmentId, patientId, doctorId };
  }
  if (topic === 'payment-events' && type === 'PaymentSucceeded') {
    const payment = paymentPayload.safeParse(payload);
    return payment.success ? { kind: 'payment', eventId, occurredAt, ...payment.data } : null;
  }
  if (topic === 'notification-events' && type === 'NotificationCreated') {
    const notification = notificationPayload.safeParse(payload);
    if (!notification.success || notification.data.channel !== 'IN_APP') return null;
    const { notificationId, recipient } = notification.data;
    return { kind: 'notification', eventId, occurredAt, notificationId, recipient };
  }
  return null;
}

export interface RealtimeFeed {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** How many recent event ids a replica remembers to drop redeliveries (a few minutes of a busy hospital). */
const RECENT_EVENT_IDS = 50_000;

/** Subscribes this gateway replica to the realtime topics and publishes what they carry to `hub`. */
export function createRealtimeFeed(options: {
  transport: EventTransport;
  hub: EventHub<RealtimeEvent>;
  logger: Logger;
}): RealtimeFeed {
  const log = options.logger.child({ component: 'realtime-feed' });
  const seen = new LRUCache<string, true>({ max: RECENT_EVENT_IDS });
  let subscription: { stop(): Promise<void> } | undefined;
  return {
    async start() {
      subscription = await options.transport.subscribe({
        groupId: `gateway.realtime.${hostname()}.${process.pid}.${randomUUID().slice(0, 8)}`,
        topics: REALTIME_TOPICS,
        fromBeginning: false,
        handle: async (topic, value) => {
          const event = realtimeEventOf(topic, value);
          if (!event) return;
          const correlationId = (value as { correlationId?: unknown }).correlationId;
          if (seen.has(event.eventId)) {
            log.debug({ eventId: event.eventId, correlationId }, 'redelivered live event dropped');
            return;
          }
          seen.set(event.eventId, true);
          log.debug(
            { eventId: event.eventId, correlationId, kind: event.kind, subscribers: options.hub.size },
            'live event',
          );
          options.hub.publish(event);
        },
      });
    },
    async stop() {
      await subscription?.stop();
      subscription = undefined;
    },
  };
}
