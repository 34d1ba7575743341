/**
 * Turns one happening (an event, or a reminder's time) into notifications: for each recipient, each channel they can
 * be reached on whose template is enabled, one rendered notification, written at most once per source, recipient
 * and channel (the database's unique keys decide), each announced by `NotificationCreated` through the outbox in
 * the same transaction. In-app notifications are `SENT` on creation; email and SMS ones `PENDING`, for the
 * dispatcher.
 */
import { newId } from '../../platform/db/base.entity.ts';
import type { EntityManager } from '../../platform/db/orm.ts';
import { emitEvent } from '../../platform/events/outbox.ts';
import type { Actor } from '../../platform/graphql/context.ts';
import type { Notification } from './notification.entity.ts';
import { NOTIFICATION_TOPIC, NotificationEvent, type NotificationCreatedPayload } from './notification.events.ts';
import { NotificationRepository, type NewNotification } from './notification.repository.ts';
import {
  channelsFor,
  type ChannelAvailability,
  type ContactPoints,
  type NotificationEventType,
} from './notification.rules.ts';
import { TemplateRepository } from './template.repository.ts';
import { renderTemplate, secretVariablesOf } from './template.rules.ts';

/** A recipient with the contact points the directory (or the event) gives. */
export interface RecipientContact extends ContactPoints {
  recipientId: string;
}

/** Where a notification comes from: the event that caused it, or a key for those raised on the clock. */
export type NotificationSource = { eventId: string; eventType: string } | { key: string };

export interface NotificationRequest {
  eventType: NotificationEventType;
  source: NotificationSource;
  /** Who caused it (the source event's actor; nobody for reminders), and the correlation id to carry on. */
  actor: Actor;
  recipients: readonly RecipientContact[];
  /** The values of the event type's template variables. */
  variables: Readonly<Record<string, string>>;
  /** Ids of what it is about, e.g. `{ appointmentId }`. */
  metadata: Readonly<Record<string, unknown>>;
}

export interface NotifierDependencies {
  em: EntityManager;
  clock: () => Date;
  /** Which of email and SMS this deployment sends. */
  available: ChannelAvailability;
}

/**
 * Writes the notifications of `request` inside the caller's transaction (call it from `em.transactional`).
 * Secret variables (a reset token) are also kept in `metadata` until the notification is final, so that the
 * dispatcher knows what to redact then.
 *
 * @returns the notifications this call wrote (those written before for the same source are left as they are).
 */
export async function notify(deps: NotifierDependencies, request: NotificationRequest): Promise<Notification[]> {
  const templates = new Map(
    (await new TemplateRepository(deps.em).enabledOf(request.eventType)).map((template) => [
      `${template.audience}:${template.channel}`,
      template,
    ]),
  );
  const repository = new NotificationRepository(deps.em);
  const now = deps.clock();
  const secrets = Object.fromEntries(
    secretVariablesOf(request.eventType).map((name) => [name, request.variables[name] ?? null]),
  );
  const source =
    'eventId' in request.source
      ? {
          sourceEventId: request.source.eventId,
          sourceKey: null,
          metadata: { sourceEventType: request.source.eventType },
        }
      : { sourceEventId: null, sourceKey: request.source.key, metadata: { sourceKey: request.source.key } };

  const written: Notification[] = [];
  for (const recipient of request.recipients) {
    for (const channel of channelsFor(recipient, deps.available)) {
      const template = templates.get(`${recipient.audience}:${channel}`);
      if (!template) continue;
      const rendered = renderTemplate(
        channel,
        { subject: template.subject ?? null, body: template.body },
        request.variables,
      );
      const inApp = channel === 'IN_APP';
      const notification: NewNotification = {
        id: newId(),
        createdAt: now,
        eventType: request.eventType,
        channel,
        audience: recipient.audience,
        recipientId: recipient.recipientId,
        address: channel === 'EMAIL' ? recipient.email : channel === 'SMS' ? recipient.phone : null,
        subject: rendered.subject,
        message: rendered.message,
        metadata: { ...request.metadata, ...source.metadata, ...secrets },
        status: inApp ? 'SENT' : 'PENDING',
        attempts: 0,
        nextAttemptAt: inApp ? null : now,
        sentAt: inApp ? now : null,
        sourceEventId: source.sourceEventId,
        sourceKey: source.sourceKey,
        correlationId: request.actor.correlationId,
      };
      if (!(await repository.insertIfNew(notification))) continue;
      const payload: NotificationCreatedPayload = {
        notificationId: notification.id,
        eventType: notification.eventType,
        channel,
        recipient: { kind: notification.audience, id: notification.recipientId },
        createdAt: now.toISOString(),
      };
      emitEvent(deps.em, NOTIFICATION_TOPIC, request.actor, {
        type: NotificationEvent.Created,
        aggregateId: notification.id,
        payload,
      });
      written.push({ ...notification, updatedAt: now, readAt: null, lastError: null } as Notification);
    }
  }
  return written;
}
