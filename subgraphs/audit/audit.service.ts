/**
 * The audit log as its readers see it (SPEC §2: "audit log: read — all" for admins, "who accessed my record" for
 * patients). Admins page through every entry with filters; a patient sees the reads (and refused read attempts) of
 * their own record only: the patient is the one in the verified token, never an argument.
 */
import { z } from 'zod';
import { hasAnyRole } from '../../platform/auth/principal.ts';
import type { EntityManager } from '../../platform/db/orm.ts';
import { ForbiddenError, UnauthenticatedError } from '../../platform/errors.ts';
import type { Actor } from '../../platform/graphql/context.ts';
import { pageRequest, toConnection, type Connection, type PageArgs } from '../../platform/graphql/pagination.ts';
import { verifyStoredChain, type ChainStatus } from './audit-chain.service.ts';
import type { AuditEvent } from './audit.entity.ts';
import type { AuditEventFilterInput } from './audit.inputs.ts';
import { AuditRepository, type AuditQuery } from './audit.repository.ts';

/** Lists are newest first by (occurred at, position). */
const OCCURRED_CURSOR = z.tuple([z.iso.datetime(), z.number().int().positive()]);

export interface AuditServiceDependencies {
  em: EntityManager;
  actor: Actor;
  clock: () => Date;
}

export class AuditService {
  readonly #em: EntityManager;
  readonly #actor: Actor;
  readonly #clock: () => Date;

  constructor(deps: AuditServiceDependencies) {
    this.#em = deps.em;
    this.#actor = deps.actor;
    this.#clock = deps.clock;
  }

  /**
   * Verifies the whole stored chain now (admins): valid, or the first broken position and why.
   *
   * @throws ForbiddenError unless an admin.
   */
  chainStatus(): Promise<ChainStatus> {
    if (!hasAnyRole(this.#actor.principal, ['ADMIN'])) throw new ForbiddenError();
    return verifyStoredChain(this.#em, this.#clock());
  }

  /**
   * Every entry matching `filter`, newest first (admins).
   *
   * @throws ForbiddenError unless an admin; BadUserInputError for a bad `first` or `after`.
   */
  events(filter: AuditEventFilterInput, page: PageArgs): Promise<Connection<AuditEvent>> {
    if (!hasAnyRole(this.#actor.principal, ['ADMIN'])) throw new ForbiddenError();
    return this.#page(filter, page);
  }

  /**
   * Who read the caller's patient record, and who tried and was refused: the `READ` entries of the patient in the
   * caller's token, newest first. A caller without a patient record has none.
   *
   * @throws UnauthenticatedError without a caller; ForbiddenError unless a patient.
   */
  async recordAccessLog(page: PageArgs): Promise<Connection<AuditEvent>> {
    const principal = this.#actor.principal;
    if (!principal) throw new UnauthenticatedError();
    if (!hasAnyRole(principal, ['PATIENT'])) throw new ForbiddenError();
    const request = pageRequest(page, OCCURRED_CURSOR);
    if (!principal.patientId)
      return toConnection(
        [],
        request,
        () => [],
        async () => 0,
      );
    return this.#page({ patientId: principal.patientId, action: 'READ' }, page);
  }

  async #page(query: AuditQuery, page: PageArgs): Promise<Connection<AuditEvent>> {
    const request = pageRequest(page, OCCURRED_CURSOR);
    const repository = new AuditRepository(this.#em);
    const rows = await repository.page(query, request);
    return toConnection(
      rows,
      request,
      (entry) => [entry.occurredAt.toISOString(), entry.position],
      () => repository.count(query),
    );
  }
}
