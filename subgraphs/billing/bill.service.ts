/**
 * Reading bills and issuing and voiding them (SPEC §4): who may read which bill (SPEC §2: patients their own,
 * billing staff and admins all), manual bills of billing staff, voids, and one `billing-events` event per change,
 * written in the same transaction through the outbox. `issueBill` and `voidBill` are shared with the automatic
 * billing of appointment events (`automatic-billing.service.ts`).
 */
import { z } from 'zod';
import { hasAnyRole, type Principal, type Role } from '../../platform/auth/principal.ts';
import type { EntityManager } from '../../platform/db/orm.ts';
import { BadUserInputError, DomainError, ForbiddenError, NotFoundError } from '../../platform/errors.ts';
import { emitEvent } from '../../platform/events/outbox.ts';
import { observeBillCreation } from '../../platform/observability/business-metrics.ts';
import { secondsSince } from '../../platform/observability/metrics.ts';
import type { Actor } from '../../platform/graphql/context.ts';
import { countsPerParent } from '../../platform/graphql/loaders.ts';
import { pageRequest, toConnection, type Connection, type PageArgs } from '../../platform/graphql/pagination.ts';
import { Bill, BillLineItem } from './bill.entity.ts';
import { BILLING_TOPIC, BillingEvent, type BillEventPayload, type BillVoidedPayload } from './bill.events.ts';
import type { BillFilter, CreateBillInput } from './bill.inputs.ts';
import { BillRepository, type BillQuery } from './bill.repository.ts';
import {
  AUTOMATIC_KINDS,
  billingYear,
  exceedsMoneyLimit,
  formatBillNumber,
  issueWindow,
  MAX_MONEY_AMOUNT,
  priceBill,
  TAX_RATE_BASIS_POINTS,
  voidViolation,
  type BillKind,
  type BillStatus,
} from './bill.rules.ts';

/** Bills are listed newest first by (issued at, id). */
const ISSUED_CURSOR = z.tuple([z.iso.datetime(), z.uuid()]);

/** Roles that read every bill, issue manual bills, void bills and handle insurance claims (SPEC §2). */
export const BILLING_STAFF: readonly Role[] = ['ADMIN', 'BILLING'];

/** What the billing services work with. */
export interface BillingServiceDependencies {
  em: EntityManager;
  actor: Actor;
  clock: () => Date;
  /** The hospital's IANA time zone: bill numbers' years and the days of `BillFilter`. */
  timeZone: string;
  /** The hospital's ISO 4217 currency, for manual bills. */
  currency: string;
}

/** The bill as every `billing-events` event carries it (money in minor units, times ISO 8601 UTC). */
export const billPayloadOf = (bill: Bill): BillEventPayload => ({
  billId: bill.id,
  number: bill.number,
  patientId: bill.patientId,
  appointmentId: bill.appointmentId ?? null,
  kind: bill.kind,
  status: bill.status,
  subtotal: { amount: bill.subtotalAmount, currency: bill.currency },
  tax: { amount: bill.taxAmount, currency: bill.currency },
  total: { amount: bill.totalAmount, currency: bill.currency },
  issuedAt: bill.issuedAt.toISOString(),
});

/** SPEC §2: billing staff and admins read every bill; a patient only their own. */
export function mayReadBill(principal: Principal | null, bill: Pick<Bill, 'patientId'>): boolean {
  if (hasAnyRole(principal, BILLING_STAFF)) return true;
  return Boolean(principal?.roles.includes('PATIENT') && principal.patientId === bill.patientId);
}

/**
 * The query a caller may run: staff keep their filter; a patient's is held to their own bills whatever it names
 * (`BillFilter.patientId` is ignored for patients).
 *
 * @throws ForbiddenError for anyone else.
 */
export function scopeQuery(principal: Principal | null, query: BillQuery): BillQuery {
  if (hasAnyRole(principal, BILLING_STAFF)) return query;
  if (principal?.roles.includes('PATIENT') && principal.patientId) return { ...query, patientId: principal.patientId };
  throw new ForbiddenError('You may not read bills.');
}

/** A bill to issue: its lines in minor units of `currency`, priced (with the tax) by `issueBill`. */
export interface BillDraft {
  patientId: string;
  appointmentId: string | null;
  kind: BillKind;
  currency: string;
  note: string | null;
  lines: readonly { description: string; code: string | null; quantity: number; unitPrice: number }[];
}

/**
 * Issues a bill inside the caller's transaction: prices it (5 % tax on the subtotal, half up), numbers it from
 * the year's counter (`B-<year>-<6 digits>`, the year of `issuedAt` in `timeZone`), writes it with its line items
 * and emits `BillIssued`.
 *
 * @throws BadUserInputError when the total would exceed 2,147,483,647 minor units (GraphQL's `Int`).
 */
export async function issueBill(
  em: EntityManager,
  actor: Actor,
  draft: BillDraft,
  issuedAt: Date,
  timeZone: string,
): Promise<Bill> {
  const pricing = priceBill(draft.lines, TAX_RATE_BASIS_POINTS);
  if (exceedsMoneyLimit(pricing)) {
    throw new BadUserInputError(
      `input.lineItems: the total would be ${pricing.total} minor units, above the limit of ${MAX_MONEY_AMOUNT}`,
      'input.lineItems',
    );
  }
  const year = billingYear(issuedAt, timeZone);
  const sequence = await new BillRepository(em).nextNumber(year);
  const bill = em.create(Bill, {
    number: formatBillNumber(year, sequence),
    patientId: draft.patientId,
    appointmentId: draft.appointmentId,
    kind: draft.kind,
    status: 'ISSUED',
    currency: draft.currency,
    subtotalAmount: Number(pricing.subtotal),
    taxRateBasisPoints: pricing.taxRateBasisPoints,
    taxAmount: Number(pricing.tax),
    totalAmount: Number(pricing.total),
    amountPaid: 0,
    amountRefunded: 0,
    paymentSequence: 0,
    note: draft.note,
    issuedAt,
    paidAt: null,
    voidedAt: null,
    voidReason: null,
  });
  draft.lines.forEach((line, index) => {
    em.create(BillLineItem, {
      bill,
      position: index + 1,
      description: line.description,
      code: line.code,
      quantity: line.quantity,
      unitPriceAmount: line.unitPrice,
      amount: Number(pricing.lineAmounts[index]),
      currency: draft.currency,
    });
  });
  emitEvent(em, BILLING_TOPIC, actor, {
    type: BillingEvent.Issued,
    aggregateId: bill.id,
    payload: billPayloadOf(bill),
  });
  return bill;
}

/**
 * Voids a locked bill inside the caller's transaction and emits `BillVoided`, if the rules allow it.
 *
 * @returns the violated rule's code (`BILL_VOID`, `BILL_ALREADY_PAID`), or null when the bill was voided.
 */
export async function voidBill(
  em: EntityManager,
  actor: Actor,
  bill: Bill,
  reason: string | null,
  at: Date,
): Promise<string | null> {
  const approved = await new BillRepository(em).hasClaim(bill.id, ['APPROVED']);
  const violation = voidViolation(bill, approved);
  if (violation) return violation;
  Object.assign(bill, { status: 'VOID' satisfies BillStatus, voidedAt: at, voidReason: reason });
  const payload: BillVoidedPayload = { ...billPayloadOf(bill), voidedAt: at.toISOString(), reason };
  emitEvent(em, BILLING_TOPIC, actor, { type: BillingEvent.Voided, aggregateId: bill.id, payload });
  return null;
}

/** @throws ForbiddenError unless the caller is billing staff or an admin (SPEC §2). */
export function requireBillingStaff(actor: Actor): void {
  if (!hasAnyRole(actor.principal, BILLING_STAFF)) throw new ForbiddenError('Only billing staff may do this.');
}

const VOID_REFUSALS: Record<string, string> = {
  BILL_VOID: 'This bill was voided before.',
  BILL_ALREADY_PAID: 'Something was paid on this bill (or an insurance claim approved): refund it instead.',
};

/** Bills as a request sees them: reads scoped by SPEC §2, manual bills and voids by billing staff. */
export class BillService {
  readonly #em: EntityManager;
  readonly #actor: Actor;
  readonly #clock: () => Date;
  readonly #timeZone: string;
  readonly #currency: string;

  constructor(deps: BillingServiceDependencies) {
    this.#em = deps.em;
    this.#actor = deps.actor;
    this.#clock = deps.clock;
    this.#timeZone = deps.timeZone;
    this.#currency = deps.currency;
  }

  /** A bill, or null. @throws ForbiddenError for someone else's bill. */
  async get(id: string): Promise<Bill | null> {
    const bill = await new BillRepository(this.#em).findById(id);
    if (bill) this.authorizeRead(bill);
    return bill;
  }

  /** @throws ForbiddenError unless the caller may read `bill` (SPEC §2). */
  authorizeRead(bill: Pick<Bill, 'patientId'>): void {
    if (!mayReadBill(this.#actor.principal, bill)) throw new ForbiddenError('You may not read this bill.');
  }

  /**
   * The bill that charges an appointment itself, among `bills` (all of the appointment's, oldest first): its
   * automatic bill. An appointment has at most one (completed, late-cancelled and no-show exclude one another); the
   * newest should there be more. @throws ForbiddenError when it is someone else's.
   */
  automaticOf(bills: readonly Bill[]): Bill | null {
    const bill = bills.filter((candidate) => AUTOMATIC_KINDS.includes(candidate.kind)).at(-1) ?? null;
    if (bill) this.authorizeRead(bill);
    return bill;
  }

  /** `bills` after `authorizeRead` of each. @throws ForbiddenError when any is someone else's. */
  readable<B extends Pick<Bill, 'patientId'>>(bills: B[]): B[] {
    for (const bill of bills) this.authorizeRead(bill);
    return bills;
  }

  /**
   * Billing history, newest first (issued at, then id, descending), scoped to what the caller may see. Issue days
   * are read in the hospital's time zone.
   *
   * @throws BadUserInputError for a bad `first` or `after`; ForbiddenError for callers who read no bills.
   */
  async list(filter: BillFilter, page: PageArgs): Promise<Connection<Bill>> {
    const window = issueWindow(filter.issuedFrom, filter.issuedTo, this.#timeZone);
    const query = scopeQuery(this.#actor.principal, {
      patientId: filter.patientId ?? null,
      status: filter.status ?? null,
      issuedFrom: window.from,
      issuedTo: window.to,
    });
    const request = pageRequest(page, ISSUED_CURSOR);
    const repository = new BillRepository(this.#em);
    const rows = await repository.page(query, request);
    return toConnection(
      rows,
      request,
      (bill) => [bill.issuedAt.toISOString(), bill.id],
      () => repository.count(query),
    );
  }

  /** `Patient.bills`: one patient's bills, newest first. @throws ForbiddenError for another patient's. */
  async listOfPatient(
    patientId: string,
    status: readonly BillStatus[] | null,
    page: PageArgs,
  ): Promise<Connection<Bill>> {
    const principal = this.#actor.principal;
    if (!hasAnyRole(principal, BILLING_STAFF) && principal?.patientId !== patientId) {
      throw new ForbiddenError("You may not read another patient's bills.");
    }
    return this.list({ patientId, status: status ? [...status] : null }, page);
  }

  /**
   * `Patient.bills` of many patients at once (a page of patients): each one's page as `listOfPatient` reads it, in
   * one statement for all of them, their counts in one more when asked.
   *
   * @returns one connection per patient id, in order; a ForbiddenError in place of another patient's bills.
   * @throws BadUserInputError for a bad `first` or `after`.
   */
  async listOfPatients(
    patientIds: readonly string[],
    status: readonly BillStatus[] | null,
    page: PageArgs,
  ): Promise<(Connection<Bill> | Error)[]> {
    const principal = this.#actor.principal;
    const request = pageRequest(page, ISSUED_CURSOR);
    const query: BillQuery = { status: status ? [...status] : null };
    const readable = patientIds.filter(
      (patientId) => hasAnyRole(principal, BILLING_STAFF) || principal?.patientId === patientId,
    );
    const repository = new BillRepository(this.#em);
    const rows = Map.groupBy(await repository.pagesPerPatient(readable, query, request), (bill) => bill.patientId);
    const count = countsPerParent(readable, (ids) => repository.countPerPatient(ids, query));
    return patientIds.map((patientId) =>
      readable.includes(patientId)
        ? toConnection(
            rows.get(patientId) ?? [],
            request,
            (bill) => [bill.issuedAt.toISOString(), bill.id],
            () => count(patientId),
          )
        : new ForbiddenError("You may not read another patient's bills."),
    );
  }

  /**
   * Issues a bill of manual line items in the hospital's currency (kind `MANUAL`). Emits `BillIssued`.
   *
   * @throws ForbiddenError unless billing staff or an admin.
   * @throws BadUserInputError for an unknown or archived patient, an unknown appointment or one of another patient,
   *   or a total above 2,147,483,647 minor units.
   */
  async create(input: CreateBillInput): Promise<Bill> {
    requireBillingStaff(this.#actor);
    const startedAt = performance.now();
    const bill = await this.#em.transactional(async (em) => {
      const repository = new BillRepository(em);
      const patient = await repository.patient(input.patientId);
      if (!patient?.active) {
        throw new BadUserInputError(`input.patientId: no billable patient ${input.patientId}`, 'input.patientId');
      }
      if (input.appointmentId) {
        const appointment = await repository.appointment(input.appointmentId);
        if (appointment?.patientId !== input.patientId) {
          throw new BadUserInputError(
            `input.appointmentId: billing knows no appointment ${input.appointmentId} of this patient`,
            'input.appointmentId',
          );
        }
      }
      return issueBill(
        em,
        this.#actor,
        {
          patientId: input.patientId,
          appointmentId: input.appointmentId,
          kind: 'MANUAL',
          currency: this.#currency,
          note: input.note,
          lines: input.lineItems,
        },
        this.#clock(),
        this.#timeZone,
      );
    });
    observeBillCreation(bill.kind, secondsSince(startedAt));
    return bill;
  }

  /**
   * Voids an `ISSUED` bill nothing has been paid of and no insurance claim approved for. Emits `BillVoided`.
   *
   * @throws ForbiddenError; NotFoundError; DomainError `BILL_VOID` (voided before) or `BILL_ALREADY_PAID`.
   */
  async void(id: string, reason: string | null): Promise<Bill> {
    requireBillingStaff(this.#actor);
    return this.#em.transactional(async (em) => {
      const bill = await new BillRepository(em).findForUpdate(id);
      if (!bill) throw new NotFoundError('Bill', id);
      const violation = await voidBill(em, this.#actor, bill, reason, this.#clock());
      if (violation) throw new DomainError(violation, VOID_REFUSALS[violation] ?? 'This bill cannot be voided.');
      return bill;
    });
  }
}
