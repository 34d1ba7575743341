/** Queries of the billing subgraph, named by intent. */
import { LockMode, raw } from '@mikro-orm/core';
import type { EntityManager } from '../../platform/db/orm.ts';
import { applyReplica } from '../../platform/db/replica.ts';
import { pagesPerParent } from '../../platform/graphql/loaders.ts';
import type { PageRequest } from '../../platform/graphql/pagination.ts';
import { AppointmentReplica, Bill, BillLineItem, InsuranceClaim, PatientReplica } from './bill.entity.ts';
import type { BillKind, BillStatus, ClaimStatus } from './bill.rules.ts';

/** Which bills a list shows; issue times are instants, [issuedFrom, issuedTo). */
export interface BillQuery {
  patientId?: string | null;
  status?: readonly BillStatus[] | null;
  issuedFrom?: Date | null;
  issuedTo?: Date | null;
}

/** Bills, their line items and claims, the number counter and the replicas, on one entity manager. */
export class BillRepository {
  readonly #em: EntityManager;

  constructor(em: EntityManager) {
    this.#em = em;
  }

  findById(id: string): Promise<Bill | null> {
    return this.#em.findOne(Bill, { id });
  }

  findByIds(ids: readonly string[]): Promise<Bill[]> {
    return this.#em.find(Bill, { id: { $in: [...ids] } });
  }

  /** Locks the bill row for the rest of the transaction (every change of a bill or its claims takes it first). */
  findForUpdate(id: string): Promise<Bill | null> {
    return this.#em.findOne(Bill, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  }

  /** The appointment's automatic bill of `kind`, if it was issued. */
  findAutomatic(appointmentId: string, kind: BillKind): Promise<Bill | null> {
    return this.#em.findOne(Bill, { appointmentId, kind });
  }

  /** Every bill of these appointments, oldest first (for the `Appointment.bill(s)` DataLoader). */
  ofAppointments(appointmentIds: readonly string[]): Promise<Bill[]> {
    return this.#em.find(
      Bill,
      { appointmentId: { $in: [...appointmentIds] } },
      { orderBy: { issuedAt: 'asc', id: 'asc' } },
    );
  }

  /** The appointment's `ISSUED` bills nobody has paid anything of, locked, oldest first. */
  unpaidOfAppointmentForUpdate(appointmentId: string): Promise<Bill[]> {
    return this.#em.find(
      Bill,
      { appointmentId, status: 'ISSUED', amountPaid: 0 },
      { orderBy: { issuedAt: 'asc', id: 'asc' }, lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
  }

  /** Line items of many bills, in bill order then position (for the `lineItems` DataLoader). */
  lineItemsOf(billIds: readonly string[]): Promise<BillLineItem[]> {
    return this.#em.find(BillLineItem, { bill: { $in: [...billIds] } }, { orderBy: { bill: 'asc', position: 'asc' } });
  }

  /** Claims of many bills, latest first (for the `insuranceClaim` DataLoader, which keeps each bill's first). */
  claimsOf(billIds: readonly string[]): Promise<InsuranceClaim[]> {
    return this.#em.find(
      InsuranceClaim,
      { bill: { $in: [...billIds] } },
      { orderBy: { submittedAt: 'desc', id: 'desc' } },
    );
  }

  findClaim(id: string): Promise<InsuranceClaim | null> {
    return this.#em.findOne(InsuranceClaim, { id }, { refresh: true });
  }

  /** Whether the bill has a claim in one of `statuses` (call with the bill locked). */
  async hasClaim(billId: string, statuses: readonly ClaimStatus[]): Promise<boolean> {
    return (await this.#em.count(InsuranceClaim, { bill: billId, status: { $in: [...statuses] } })) > 0;
  }

  /**
   * The next bill number sequence of `year`: one atomic upsert of the year's counter, whose row lock serialises
   * concurrent issuers until they commit.
   */
  async nextNumber(year: number): Promise<number> {
    const rows = await this.#em.execute<{ last: number }[]>(
      `insert into "billing"."bill_number_counter" ("year", "last") values (?, 1)
       on conflict ("year") do update set "last" = "bill_number_counter"."last" + 1
       returning "last"`,
      [year],
    );
    return Number(rows[0]!.last);
  }

  /** One page of bills, newest first by (issued at, id), reading `limit + 1` rows. */
  page(query: BillQuery, page: PageRequest): Promise<Bill[]> {
    const qb = this.#em.createQueryBuilder(Bill, 'b').select('*').where(this.#condition(query));
    if (page.after) qb.andWhere('(b.issued_at, b.id) < (?, ?)', [new Date(String(page.after[0])), page.after[1]]);
    return qb
      .orderBy({ issuedAt: 'desc', id: 'desc' })
      .limit(page.limit + 1)
      .getResultList();
  }

  count(query: BillQuery): Promise<number> {
    return this.#em.count(Bill, this.#condition(query));
  }

  /**
   * The page, newest first by (issued at, id), of each of many patients, in one statement: a lateral subquery per
   * patient on `bill_patient_issued_idx`, read backwards. `query` must not name a patient.
   */
  pagesPerPatient(patientIds: readonly string[], query: BillQuery, page: PageRequest): Promise<Bill[]> {
    const qb = this.#em
      .createQueryBuilder(Bill, 'b')
      .select('*')
      .where(this.#condition(query))
      .andWhere('b.patient_id = parent.id');
    if (page.after) qb.andWhere('(b.issued_at, b.id) < (?, ?)', [new Date(String(page.after[0])), page.after[1]]);
    qb.orderBy({ issuedAt: 'desc', id: 'desc' }).limit(page.limit + 1);
    return pagesPerParent(this.#em, Bill, patientIds, qb);
  }

  /** How many bills matching `query` each of many patients has, in one grouped statement. */
  async countPerPatient(patientIds: readonly string[], query: BillQuery): Promise<Map<string, number>> {
    const rows = await this.#em
      .createQueryBuilder(Bill, 'b')
      .select([raw('b.patient_id as parent_id'), raw('count(*) as total')])
      .where({ $and: [this.#condition(query), { patientId: { $in: [...patientIds] } }] })
      .groupBy('b.patientId')
      .execute<{ parent_id: string; total: string | number }[]>('all', false);
    return new Map(rows.map((row) => [row.parent_id, Number(row.total)]));
  }

  #condition(query: BillQuery): object {
    const conditions: object[] = [];
    if (query.patientId) conditions.push({ patientId: query.patientId });
    if (query.status?.length) conditions.push({ status: { $in: [...query.status] } });
    if (query.issuedFrom) conditions.push({ issuedAt: { $gte: query.issuedFrom } });
    if (query.issuedTo) conditions.push({ issuedAt: { $lt: query.issuedTo } });
    return conditions.length > 0 ? { $and: conditions } : {};
  }

  patient(patientId: string): Promise<PatientReplica | null> {
    return this.#em.findOne(PatientReplica, { patientId });
  }

  appointment(appointmentId: string): Promise<AppointmentReplica | null> {
    return this.#em.findOne(AppointmentReplica, { appointmentId });
  }

  /** Applies a patient event to the read model, unless a newer one was applied already. */
  upsertPatient(replica: PatientReplica): Promise<void> {
    return applyReplica(this.#em, PatientReplica, { patientId: replica.patientId }, replica);
  }

  /** Applies an appointment event to the read model, unless a newer one was applied already. */
  upsertAppointment(replica: AppointmentReplica): Promise<void> {
    return applyReplica(this.#em, AppointmentReplica, { appointmentId: replica.appointmentId }, replica);
  }
}
