/**
 * Composition root of the notifications subgraph (SPEC §7): the in-app feed (`myNotifications`, `Notification`),
 * templates for admins, the consumers that turn other domains' events into notifications (and keep the directory of
 * patients and doctors and the copy of appointments), and two workers: the dispatcher that delivers email and SMS,
 * and the reminders raised 24 h before appointments. Email is on when `HMS_SMTP_URL` is set, SMS when `HMS_SMS_URL`
 * is; in-app always.
 */
import type { EventSubscriber } from '@mikro-orm/core';
import { gql } from 'graphql-tag';
import { z } from 'zod';
import { ErrorCode } from '../../platform/errors.ts';
import { OutboxMessage } from '../../platform/events/outbox.entity.ts';
import { loaderById } from '../../platform/graphql/loaders.ts';
import {
  defineSubgraph,
  type SubgraphDependencies,
  type SubgraphDefinition,
  type Worker,
} from '../../platform/subgraph.ts';
import { readSdl } from '../../schema/catalog.ts';
import type { DeliveryChannel } from './channels/delivery-channel.ts';
import { createHttpSmsProvider } from './channels/http-sms.provider.ts';
import { createSmtpEmailChannel } from './channels/smtp-email.channel.ts';
import { smsChannel } from './channels/sms-provider.ts';
import type { Context } from './context.ts';
import { createDispatcher } from './dispatch.worker.ts';
import { migrations } from './migrations/index.ts';
import { notificationsConsumers } from './notification.consumers.ts';
import { MAX_TEMPLATE_BODY_LENGTH, notificationsEntities } from './notification.entity.ts';
import { NotificationEvent, type NotificationCreatedPayload } from './notification.events.ts';
import { NotificationRepository } from './notification.repository.ts';
import type { ChannelAvailability } from './notification.rules.ts';
import { NotificationService } from './notification.service.ts';
import { createReminderWorker } from './reminder.worker.ts';
import { resolvers } from './resolvers/index.ts';
import { seedDefaultTemplates, TemplateService } from './template.service.ts';

const urlWithScheme = (schemes: RegExp, message: string) =>
  z
    .string()
    .url()
    .refine((url) => schemes.test(url), message);

/** The notifications subgraph's own environment variables. */
export const notificationsEnv = {
  /** The mail server, `smtp://[user:pass@]host:port` or `smtps://…`. Unset: no email notifications. */
  HMS_SMTP_URL: urlWithScheme(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  /** The sender of notification emails. */
  HMS_EMAIL_FROM: z
    .string()
    .refine(
      (from) => /^[^<>@\s]+@[^<>@\s]+$|<[^<>@\s]+@[^<>@\s]+>$/.test(from.trim()),
      'must be an address or Name <address>',
    )
    .default('HMS <no-reply@hms.local>'),
  /** The SMS gateway (`POST { to, body, reference }`, see channels/README.md). Unset: no SMS notifications. */
  HMS_SMS_URL: urlWithScheme(/^https?:\/\//, 'must be an http:// or https:// URL').optional(),
  /** Bearer token for the SMS gateway, if it wants one. */
  HMS_SMS_TOKEN: z.string().min(1).optional(),
  /** Delivery attempts of an email or SMS before it is FAILED (the first included). */
  HMS_NOTIFICATION_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  /** Pause after the first failed attempt, in milliseconds; doubles after each further one. */
  HMS_NOTIFICATION_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(30_000),
  /** How often appointment reminders are looked for, in milliseconds. */
  HMS_REMINDER_INTERVAL_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(60_000),
};
export type NotificationsEnv = z.infer<z.ZodObject<typeof notificationsEnv>>;

export interface NotificationSettings {
  /** The EMAIL channel, or null when email is off. */
  email: DeliveryChannel | null;
  /** The SMS channel, or null when SMS is off. */
  sms: DeliveryChannel | null;
  /** Attempts of one email or SMS before it is `FAILED`. */
  maxAttempts: number;
  /** Pause after the first failed attempt, in milliseconds; doubles after each further one. */
  retryBaseMs: number;
  /** How often the dispatcher looks for due email and SMS when nothing nudges it, in milliseconds. */
  dispatchIntervalMs: number;
  /** How often reminders are looked for, in milliseconds. */
  reminderIntervalMs: number;
  /** How long one delivery attempt holds its row (longer than any send may take), in milliseconds. */
  leaseMs: number;
}

/** Deadline of one SMTP step and of one SMS request, in milliseconds. */
const SEND_TIMEOUT_MS = { email: 30_000, sms: 10_000 };

/** Notification settings from the environment. */
export function notificationSettings(env: NotificationsEnv): NotificationSettings {
  return {
    email: env.HMS_SMTP_URL
      ? createSmtpEmailChannel({ url: env.HMS_SMTP_URL, from: env.HMS_EMAIL_FROM, timeoutMs: SEND_TIMEOUT_MS.email })
      : null,
    sms: env.HMS_SMS_URL
      ? smsChannel(
          createHttpSmsProvider({
            url: env.HMS_SMS_URL,
            token: env.HMS_SMS_TOKEN ?? null,
            timeoutMs: SEND_TIMEOUT_MS.sms,
          }),
        )
      : null,
    maxAttempts: env.HMS_NOTIFICATION_MAX_ATTEMPTS,
    retryBaseMs: env.HMS_NOTIFICATION_RETRY_BASE_MS,
    dispatchIntervalMs: 1_000,
    reminderIntervalMs: env.HMS_REMINDER_INTERVAL_MS,
    leaseMs: 5 * 60_000,
  };
}

/**
 * Nudges the dispatcher as soon as a transaction that queued an email or SMS commits, so it leaves without waiting
 * for the next round.
 */
function dispatchNudger(nudge: () => void): EventSubscriber {
  const queued = new WeakSet<object>();
  return {
    getSubscribedEntities: () => [OutboxMessage],
    afterCreate: ({ entity, em }) => {
      const message = entity as OutboxMessage;
      const payload = message.envelope.payload as Partial<NotificationCreatedPayload>;
      if (message.type === NotificationEvent.Created && payload.channel !== 'IN_APP') queued.add(em);
    },
    afterFlush: ({ em }) => {
      if (queued.has(em) && !em.isInTransaction()) {
        queued.delete(em);
        nudge();
      }
    },
    afterTransactionCommit: ({ em }) => {
      if (queued.has(em)) {
        queued.delete(em);
        nudge();
      }
    },
  };
}

/** The notifications subgraph's definition: entities, migrations, schema, resolvers, constraints, context, consumers, workers. */
export function notificationsSubgraph(settings: NotificationSettings): SubgraphDefinition<Context> {
  const available: ChannelAvailability = { email: settings.email !== null, sms: settings.sms !== null };
  const invalidTemplate = (message: string) => ({ code: ErrorCode.BAD_USER_INPUT, message });

  return {
    name: 'notifications',
    entities: notificationsEntities,
    migrations,
    typeDefs: gql(readSdl('notifications')),
    resolvers,
    constraints: {
      notification_template_key: {
        code: ErrorCode.CONFLICT,
        message: 'This template was written at the same time by someone else; try again.',
      },
      notification_template_subject_check: invalidTemplate(
        'An EMAIL template needs a subject; other channels have none.',
      ),
      notification_template_body_check: invalidTemplate(
        `A template body must be 1–${MAX_TEMPLATE_BODY_LENGTH.toLocaleString('en-US')} characters.`,
      ),
    },
    createContext: (base, { orm, deps }) => {
      const em = orm.em.fork();
      const repository = new NotificationRepository(em);
      return {
        ...base,
        em,
        notifications: new NotificationService({ em, actor: base, clock: deps.clock }),
        templates: new TemplateService({ em, actor: base }),
        loaders: {
          notificationById: loaderById(
            (ids) => repository.findByIds(ids),
            (notification) => notification.id,
          ),
        },
      };
    },
    onStart: async ({ orm, deps }) => {
      const seeded = await seedDefaultTemplates(orm.em.fork(), deps.clock());
      const channels = ['IN_APP', ...(available.email ? ['EMAIL'] : []), ...(available.sms ? ['SMS'] : [])];
      deps.logger.info({ subgraph: 'notifications', channels, templatesSeeded: seeded }, 'notification channels');
    },
    consumers: ({ deps }) => notificationsConsumers({ clock: deps.clock, timeZone: deps.hospital.timeZone, available }),
    workers: ({ orm, deps }): Worker[] => {
      const logger = deps.logger.child({ subgraph: 'notifications' });
      const dispatcher = createDispatcher({
        orm,
        channels: {
          ...(settings.email ? { EMAIL: settings.email } : {}),
          ...(settings.sms ? { SMS: settings.sms } : {}),
        },
        policy: { maxAttempts: settings.maxAttempts, retryBaseMs: settings.retryBaseMs },
        clock: deps.clock,
        logger,
        intervalMs: settings.dispatchIntervalMs,
        leaseMs: settings.leaseMs,
      });
      orm.em.getEventManager().registerSubscriber(dispatchNudger(() => dispatcher.nudge()));
      const reminders = createReminderWorker({
        orm,
        clock: deps.clock,
        timeZone: deps.hospital.timeZone,
        available,
        logger,
        intervalMs: settings.reminderIntervalMs,
      });
      return [dispatcher, reminders];
    },
  };
}

/** The notifications subgraph, ready to start. */
export const createNotificationsSubgraph = (deps: SubgraphDependencies, settings: NotificationSettings) =>
  defineSubgraph(notificationsSubgraph(settings), deps);
