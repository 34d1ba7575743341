/** Queries of the audit log for its readers: filtered pages, newest first, and their totals. */
import type { EntityManager } from '../../platform/db/orm.ts';
import type { PageRequest } from '../../platform/graphql/pagination.ts';
import { AuditEvent } from './audit.entity.ts';
import type { AuditAction, AuditOutcome } from './audit.rules.ts';

/** Which entries a page shows; every condition optional, all of them must hold. */
export interface AuditQuery {
  actorId?: string | null | undefined;
  patientId?: string | null | undefined;
  action?: AuditAction | null | undefined;
  resourceType?: string | null | undefined;
  /** One of the entry's resource ids. */
  resourceId?: string | null | undefined;
  outcome?: AuditOutcome | null | undefined;
  /** `occurredAt` at or after. */
  from?: Date | null | undefined;
  /** `occurredAt` before. */
  to?: Date | null | undefined;
  correlationId?: string | null | undefined;
}

/** The audit log on one entity manager. */
export class AuditRepository {
  readonly #em: EntityManager;

  constructor(em: EntityManager) {
    this.#em = em;
  }

  /** One page, newest first by (occurred at, position), reading `limit + 1` rows. */
  page(query: AuditQuery, page: PageRequest): Promise<AuditEvent[]> {
    const qb = this.#em.createQueryBuilder(AuditEvent, 'a').select('*').where(this.#condition(query));
    if (page.after) {
      qb.andWhere('(a.occurred_at, a.position) < (?, ?)', [new Date(String(page.after[0])), Number(page.after[1])]);
    }
    return qb
      .orderBy({ occurredAt: 'desc', position: 'desc' })
      .limit(page.limit + 1)
      .getResultList();
  }

  count(query: AuditQuery): Promise<number> {
    return this.#em.count(AuditEvent, this.#condition(query));
  }

  #condition(query: AuditQuery): object {
    const occurredAt = {
      ...(query.from ? { $gte: query.from } : {}),
      ...(query.to ? { $lt: query.to } : {}),
    };
    return {
      ...(query.actorId ? { actorId: query.actorId } : {}),
      ...(query.patientId ? { patientId: query.patientId } : {}),
      ...(query.action ? { action: query.action } : {}),
      ...(query.resourceType ? { resourceType: query.resourceType } : {}),
      ...(query.resourceId ? { resourceIds: { $contains: [query.resourceId] } } : {}),
      ...(query.outcome ? { outcome: query.outcome } : {}),
      ...(query.correlationId ? { correlationId: query.correlationId } : {}),
      ...(Object.keys(occurredAt).length > 0 ? { occurredAt } : {}),
    };
  }
}
