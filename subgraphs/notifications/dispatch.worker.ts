/**
 * The dispatcher: delivers `PENDING` email and SMS notifications (SPEC §7). Each round claims due rows
 * (`NotificationRepository.claimDue`: `for update skip locked` plus a lease, so two replicas never send the same
 * row at once and a crashed one's rows come back when the lease runs out), sends each outside any database
 * transaction, then records the outcome in a short transaction: `SENT`; or, after a failure, another attempt after
 * `retryBaseMs × 2^(attempt − 1)`; or `FAILED` after `maxAttempts` or at once for a permanent refusal — with
 * `NotificationSent` / `NotificationFailed` through the outbox. Each row is one channel to one recipient, so one
 * channel failing never holds up another. A final row has its secrets (a reset token) redacted. Logs name the
 * notification, channel and attempt, never the message or the full address.
 */
import type { Orm } from '../../platform/db/orm.ts';
import { emitEvent } from '../../platform/events/outbox.ts';
import type { Logger } from '../../platform/logger.ts';
import { periodicWorker, type PeriodicWorker } from '../../platform/worker.ts';
import { PermanentDeliveryError, type DeliveryChannel } from './channels/delivery-channel.ts';
import type { Notification } from './notification.entity.ts';
import { NOTIFICATION_TOPIC, NotificationEvent, type NotificationDeliveryPayload } from './notification.events.ts';
import { NotificationRepository } from './notification.repository.ts';
import {
  afterFailure,
  failureDescription,
  maskAddress,
  type DeliveredChannel,
  type RetryPolicy,
} from './notification.rules.ts';
import { redactSecrets } from './template.rules.ts';

export const DISPATCHER = 'notifications.dispatcher';

export interface DispatcherOptions {
  orm: Orm;
  /** The configured channels; a row of a channel that is not (any longer) configured fails like an unreachable one. */
  channels: Partial<Record<DeliveredChannel, DeliveryChannel>>;
  policy: RetryPolicy;
  clock: () => Date;
  logger: Logger;
  /** Pause between rounds when nothing is due, in milliseconds. */
  intervalMs: number;
  /** How long a claimed row is held by one attempt (longer than any send may take), in milliseconds. */
  leaseMs: number;
  /** Rows claimed per round. */
  batchSize?: number;
}

/** What one round did. */
export interface DispatchRound {
  claimed: number;
  sent: number;
  retried: number;
  failed: number;
}

/** How an attempt ended. */
type Outcome =
  | { status: 'SENT' }
  | { status: 'PENDING'; nextAttemptAt: Date; lastError: string }
  | { status: 'FAILED'; lastError: string };

/** The dispatcher worker (`runOnce()`: one round, for tests); nothing runs until `start()`. */
export function createDispatcher(options: DispatcherOptions): PeriodicWorker<DispatchRound> {
  const log = options.logger.child({ component: DISPATCHER });
  const batchSize = options.batchSize ?? 20;

  async function attempt(notification: Notification): Promise<Outcome> {
    const { policy } = options;
    if (notification.attempts > policy.maxAttempts) {
      // The last allowed attempt was interrupted (its lease ran out): it may or may not have reached the provider.
      return { status: 'FAILED', lastError: 'the last delivery attempt was interrupted' };
    }
    const channel = options.channels[notification.channel as DeliveredChannel];
    try {
      if (!channel || !notification.address) throw new Error(`${notification.channel} is not configured`);
      await channel.send({
        notificationId: notification.id,
        to: notification.address,
        subject: notification.subject ?? null,
        body: notification.message,
      });
      return { status: 'SENT' };
    } catch (error) {
      const lastError = failureDescription(error, notification.address ?? null);
      const next = afterFailure(
        notification.attempts,
        error instanceof PermanentDeliveryError,
        options.clock(),
        policy,
      );
      return next.status === 'PENDING'
        ? { status: 'PENDING', nextAttemptAt: next.nextAttemptAt, lastError }
        : { status: 'FAILED', lastError };
    }
  }

  /** Records the outcome of attempt number `attempts`, unless the row has moved on since (another replica's lease). */
  async function record(claimed: Notification, outcome: Outcome): Promise<boolean> {
    return options.orm.em.fork().transactional(async (em) => {
      const notification = await new NotificationRepository(em).findForUpdate(claimed.id);
      if (!notification || notification.status !== 'PENDING' || notification.attempts !== claimed.attempts) {
        return false;
      }
      const at = options.clock();
      if (outcome.status === 'PENDING') {
        em.assign(notification, { nextAttemptAt: outcome.nextAttemptAt, lastError: outcome.lastError });
        return true;
      }
      const content = redactSecrets(notification.eventType, {
        subject: notification.subject ?? null,
        message: notification.message,
        metadata: notification.metadata,
      });
      const attempts = Math.min(notification.attempts, options.policy.maxAttempts);
      em.assign(notification, {
        ...content,
        status: outcome.status,
        attempts,
        nextAttemptAt: null,
        sentAt: outcome.status === 'SENT' ? at : null,
        lastError: outcome.status === 'SENT' ? null : outcome.lastError,
      });
      const payload: NotificationDeliveryPayload = {
        notificationId: notification.id,
        channel: notification.channel,
        attempts,
        at: at.toISOString(),
      };
      emitEvent(
        em,
        NOTIFICATION_TOPIC,
        { principal: null, correlationId: notification.correlationId },
        {
          type: outcome.status === 'SENT' ? NotificationEvent.Sent : NotificationEvent.Failed,
          aggregateId: notification.id,
          payload,
        },
      );
      return true;
    });
  }

  async function deliver(notification: Notification, round: DispatchRound): Promise<void> {
    const outcome = await attempt(notification);
    const context = {
      notificationId: notification.id,
      // The request (or event) that caused the notification, so that its delivery joins that request's lines.
      correlationId: notification.correlationId,
      channel: notification.channel,
      attempt: notification.attempts,
      to: notification.address ? maskAddress(notification.address) : null,
    };
    if (!(await record(notification, outcome))) {
      log.warn(context, 'delivery outcome not recorded: the notification was taken over by another dispatcher');
      return;
    }
    if (outcome.status === 'SENT') {
      round.sent++;
      log.info(context, 'notification sent');
    } else if (outcome.status === 'PENDING') {
      round.retried++;
      log.warn({ ...context, error: outcome.lastError, retryAt: outcome.nextAttemptAt }, 'delivery failed; will retry');
    } else {
      round.failed++;
      log.error({ ...context, error: outcome.lastError }, 'notification could not be delivered');
    }
  }

  return periodicWorker<DispatchRound>({
    name: DISPATCHER,
    intervalMs: options.intervalMs,
    logger: options.logger,
    more: (round) => round.claimed === batchSize,
    round: async () => {
      const now = options.clock();
      const em = options.orm.em.fork();
      const repository = new NotificationRepository(em);
      const ids = await repository.claimDue(now, new Date(now.getTime() + options.leaseMs), batchSize);
      const round: DispatchRound = { claimed: ids.length, sent: 0, retried: 0, failed: 0 };
      if (ids.length === 0) return round;
      const claimed = await repository.findByIds(ids);
      // Rows are independent (one channel, one recipient each): a slow or failing one holds up no other.
      await Promise.all(claimed.map((notification) => deliver(notification, round)));
      return round;
    },
  });
}
