/**
 * Notifications as their recipients see them (SPEC §2: "notifications feed — own" for every role): the in-app feed,
 * one notification, marking one read. "Own" is decided from the verified token (`recipientsOf`: the caller's patient
 * record, doctor profile and account), never from an argument; someone else's notification is indistinguishable
 * from one that does not exist.
 */
import { z } from 'zod';
import type { EntityManager } from '../../platform/db/orm.ts';
import { NotFoundError, UnauthenticatedError } from '../../platform/errors.ts';
import type { Actor } from '../../platform/graphql/context.ts';
import { pageRequest, toConnection, type Connection, type PageArgs } from '../../platform/graphql/pagination.ts';
import type { Notification } from './notification.entity.ts';
import { NotificationRepository } from './notification.repository.ts';
import { ownsNotification, recipientsOf } from './notification.rules.ts';

/** The feed is listed newest first by (created at, id). */
const CREATED_CURSOR = z.tuple([z.iso.datetime(), z.uuid()]);

export interface NotificationServiceDependencies {
  em: EntityManager;
  actor: Actor;
  clock: () => Date;
}

/** Notifications as the caller (from the verified token) may see and change them. */
export class NotificationService {
  readonly #em: EntityManager;
  readonly #actor: Actor;
  readonly #clock: () => Date;

  constructor(deps: NotificationServiceDependencies) {
    this.#em = deps.em;
    this.#actor = deps.actor;
    this.#clock = deps.clock;
  }

  /**
   * The caller's in-app notifications, newest first; only unread ones with `unreadOnly`.
   *
   * @throws UnauthenticatedError without a caller; BadUserInputError for a bad `first` or `after`.
   */
  async feed(unreadOnly: boolean, page: PageArgs): Promise<Connection<Notification>> {
    const recipients = recipientsOf(this.#actor.principal);
    if (recipients.length === 0) throw new UnauthenticatedError();
    const request = pageRequest(page, CREATED_CURSOR);
    const query = { recipients, channel: 'IN_APP' as const, unreadOnly };
    const repository = new NotificationRepository(this.#em);
    const rows = await repository.page(query, request);
    return toConnection(
      rows,
      request,
      (notification) => [notification.createdAt.toISOString(), notification.id],
      () => repository.count(query),
    );
  }

  /** `notification` as the caller may see it: itself when it is theirs, else null. */
  readable(notification: Notification | null): Notification | null {
    return notification && ownsNotification(this.#actor.principal, notification) ? notification : null;
  }

  /**
   * Marks one of the caller's notifications read, keeping the time of the first call.
   *
   * @throws NotFoundError when it does not exist or is someone else's.
   */
  async markRead(id: string): Promise<Notification> {
    return this.#em.transactional(async (em) => {
      const notification = await new NotificationRepository(em).findForUpdate(id);
      if (!notification || !this.readable(notification)) throw new NotFoundError('Notification', id);
      notification.readAt ??= this.#clock();
      return notification;
    });
  }
}
