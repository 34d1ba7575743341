/**
 * Notification templates for admins (SPEC §7: "templates per event type and channel, editable by admins"; SPEC §2:
 * templates are ADMIN's): listing them, editing one after `templateProblem` found nothing wrong with it, and the
 * defaults every start seeds where a template is missing (never over an admin's edit).
 */
import { hasAnyRole } from '../../platform/auth/principal.ts';
import type { EntityManager } from '../../platform/db/orm.ts';
import { BadUserInputError, ForbiddenError } from '../../platform/errors.ts';
import { emitEvent } from '../../platform/events/outbox.ts';
import type { Actor } from '../../platform/graphql/context.ts';
import { NotificationTemplate } from './notification.entity.ts';
import {
  NOTIFICATION_TOPIC,
  NotificationEvent,
  type NotificationTemplateUpdatedPayload,
} from './notification.events.ts';
import type { TemplateFilter, UpdateNotificationTemplateInput } from './notification.inputs.ts';
import { TemplateRepository } from './template.repository.ts';
import { DEFAULT_TEMPLATES, templateProblem } from './template.rules.ts';

export interface TemplateServiceDependencies {
  em: EntityManager;
  actor: Actor;
}

/**
 * Writes every default template that is missing (at start, by every replica: each is written once).
 *
 * @returns how many were written.
 */
export function seedDefaultTemplates(em: EntityManager, at: Date): Promise<number> {
  return new TemplateRepository(em).insertMissing(DEFAULT_TEMPLATES, at);
}

export class TemplateService {
  readonly #em: EntityManager;
  readonly #actor: Actor;

  constructor(deps: TemplateServiceDependencies) {
    this.#em = deps.em;
    this.#actor = deps.actor;
  }

  /** Every template, optionally of one event type and/or channel. @throws ForbiddenError unless an admin. */
  async list(filter: TemplateFilter): Promise<NotificationTemplate[]> {
    this.#requireAdmin();
    return new TemplateRepository(this.#em).list(filter);
  }

  /**
   * Replaces a template's subject and body (and `enabled`, when given); the next notification uses it. Emits
   * `NotificationTemplateUpdated`.
   *
   * @throws ForbiddenError unless an admin; BadUserInputError naming what is wrong (see `templateProblem`), with
   *   nothing changed.
   */
  async update(input: UpdateNotificationTemplateInput): Promise<NotificationTemplate> {
    this.#requireAdmin();
    const key = { eventType: input.eventType, channel: input.channel, audience: input.audience };
    const problem = templateProblem(key, { subject: input.subject, body: input.body });
    if (problem) throw new BadUserInputError(`${problem.field}: ${problem.message}`, problem.field);
    return this.#em.transactional(async (em) => {
      const template =
        (await new TemplateRepository(em).find(key)) ??
        em.create(NotificationTemplate, { ...key, subject: null, body: input.body, enabled: true, updatedBy: null });
      em.assign(template, {
        subject: input.subject,
        body: input.body,
        enabled: input.enabled ?? template.enabled,
        updatedBy: this.#actor.principal?.userId ?? null,
      });
      await em.flush();
      const payload: NotificationTemplateUpdatedPayload = {
        templateId: template.id,
        ...key,
        enabled: template.enabled,
        version: template.version,
      };
      emitEvent(em, NOTIFICATION_TOPIC, this.#actor, {
        type: NotificationEvent.TemplateUpdated,
        aggregateId: template.id,
        payload,
      });
      return template;
    });
  }

  #requireAdmin(): void {
    if (!hasAnyRole(this.#actor.principal, ['ADMIN'])) throw new ForbiddenError('Only admins manage templates.');
  }
}
