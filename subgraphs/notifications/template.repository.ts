/** Queries of notification templates. */
import { newId } from '../../platform/db/base.entity.ts';
import type { EntityManager } from '../../platform/db/orm.ts';
import { NotificationTemplate } from './notification.entity.ts';
import type { NotificationChannel, NotificationEventType } from './notification.rules.ts';
import type { TemplateKey, TemplateText } from './template.rules.ts';

/** Templates on one entity manager. */
export class TemplateRepository {
  readonly #em: EntityManager;

  constructor(em: EntityManager) {
    this.#em = em;
  }

  /** Templates ordered by event type, audience, channel; optionally of one event type and/or channel. */
  list(filter: { eventType?: NotificationEventType | null; channel?: NotificationChannel | null }) {
    return this.#em.find(
      NotificationTemplate,
      {
        ...(filter.eventType ? { eventType: filter.eventType } : {}),
        ...(filter.channel ? { channel: filter.channel } : {}),
      },
      { orderBy: { eventType: 'asc', audience: 'asc', channel: 'asc' } },
    );
  }

  /** The enabled templates of an event type, every audience and channel. */
  enabledOf(eventType: NotificationEventType): Promise<NotificationTemplate[]> {
    return this.#em.find(NotificationTemplate, { eventType, enabled: true });
  }

  find(key: TemplateKey): Promise<NotificationTemplate | null> {
    return this.#em.findOne(NotificationTemplate, key, { refresh: true });
  }

  /**
   * Writes each template that does not exist yet (`on conflict do nothing` on `notification_template_key`), so an
   * admin's edit is never overwritten and replicas starting together write each once.
   *
   * @returns how many were written.
   */
  async insertMissing(templates: readonly (TemplateKey & TemplateText)[], at: Date): Promise<number> {
    if (templates.length === 0) return 0;
    const result = await this.#em
      .createQueryBuilder(NotificationTemplate)
      .insert(
        templates.map((template) => ({
          id: newId(),
          ...template,
          enabled: true,
          updatedBy: null,
          version: 1,
          createdAt: at,
          updatedAt: at,
        })),
      )
      .onConflict(['eventType', 'channel', 'audience'])
      .ignore()
      .execute('run');
    return (result as { affectedRows?: number }).affectedRows ?? 0;
  }
}
