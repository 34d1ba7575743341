/** Queries of notifications, named by intent: the feed, writing once per source, and the dispatcher's claims. */
import { LockMode, type EntityDictionary } from '@mikro-orm/core';
import type { EntityManager } from '../../platform/db/orm.ts';
import type { PageRequest } from '../../platform/graphql/pagination.ts';
import { Notification } from './notification.entity.ts';
import type { NotificationChannel, Recipient } from './notification.rules.ts';

/** Which of a recipient's notifications a feed shows. */
export interface FeedQuery {
  /** The caller's identities (patient record, doctor profile, account): at least one. */
  recipients: readonly Recipient[];
  channel: NotificationChannel;
  unreadOnly: boolean;
}

/** A notification as it is first written (see `insertIfNew`). */
export type NewNotification = Omit<Notification, 'updatedAt' | 'readAt' | 'lastError'>;

/** Notifications on one entity manager. */
export class NotificationRepository {
  readonly #em: EntityManager;

  constructor(em: EntityManager) {
    this.#em = em;
  }

  findByIds(ids: readonly string[]): Promise<Notification[]> {
    return this.#em.find(Notification, { id: { $in: [...ids] } });
  }

  /** Locks the row for the rest of the transaction, read fresh. */
  findForUpdate(id: string): Promise<Notification | null> {
    return this.#em.findOne(Notification, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  }

  /**
   * One page of a feed, newest first by (created at, id), reading `limit + 1` rows. The caller's identities are read
   * each in a lateral subquery stopped at the page's size (a backward range scan of `notification_feed_idx` each),
   * then merged: the page costs the same however long each identity's history is.
   */
  async page(query: FeedQuery, page: PageRequest): Promise<Notification[]> {
    const qb = this.#em
      .createQueryBuilder(Notification, 'n')
      .select('*')
      .where('n.audience = recipient.audience and n.recipient_id = recipient.id')
      .andWhere({ channel: query.channel, ...(query.unreadOnly ? { readAt: null } : {}) });
    if (page.after) qb.andWhere('(n.created_at, n.id) < (?, ?)', [new Date(String(page.after[0])), page.after[1]]);
    const onePage = qb
      .orderBy({ createdAt: 'desc', id: 'desc' })
      .limit(page.limit + 1)
      .toQuery();
    const recipients = query.recipients.map(() => '(?, ?::uuid)').join(', ');
    const rows = await this.#em.execute<EntityDictionary<Notification>[]>(
      `select "page".* from (values ${recipients}) as "recipient"("audience", "id")
         cross join lateral (${onePage.sql}) as "page"
         order by "page"."created_at" desc, "page"."id" desc limit ?`,
      [
        ...query.recipients.flatMap(({ audience, recipientId }) => [audience, recipientId]),
        ...onePage.params,
        page.limit + 1,
      ],
    );
    return rows.map((row) => this.#em.map(Notification, row));
  }

  count(query: FeedQuery): Promise<number> {
    return this.#em.count(Notification, this.#condition(query));
  }

  #condition(query: FeedQuery): object {
    return {
      $and: [
        { $or: query.recipients.map(({ audience, recipientId }) => ({ audience, recipientId })) },
        { channel: query.channel },
        ...(query.unreadOnly ? [{ readAt: null }] : []),
      ],
    };
  }

  /**
   * Writes a notification unless one of the same source, recipient and channel exists (`on conflict do nothing` on
   * `notification_source_event_key` / `notification_source_key`). A concurrent writer of the same one waits for the
   * other's commit, then writes nothing.
   *
   * @returns true when this call wrote it.
   */
  async insertIfNew(notification: NewNotification): Promise<boolean> {
    const result = await this.#em
      .createQueryBuilder(Notification)
      .insert({ ...notification, updatedAt: notification.createdAt, readAt: null, lastError: null })
      .onConflict()
      .ignore()
      .execute('run');
    return (result as { affectedRows?: number }).affectedRows === 1;
  }

  /**
   * Claims up to `limit` due `PENDING` notifications for one delivery attempt each: in one statement, rows that no
   * other dispatcher holds (`for update skip locked`) get `attempts + 1` and a lease (`next_attempt_at` =
   * `leaseUntil`), so another replica skips them until the attempt is recorded or the lease runs out (a crash).
   *
   * @returns the ids claimed.
   */
  async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<string[]> {
    const rows = await this.#em.execute<{ id: string }[]>(
      `update "notifications"."notification" as n
       set "attempts" = n."attempts" + 1, "next_attempt_at" = ?, "updated_at" = ?
       where n."id" in (
         select "id" from "notifications"."notification"
         where "status" = 'PENDING' and "next_attempt_at" <= ?
         order by "next_attempt_at", "id"
         limit ?
         for update skip locked)
       returning n."id"`,
      [leaseUntil, now, now, limit],
    );
    return rows.map((row) => row.id);
  }
}
