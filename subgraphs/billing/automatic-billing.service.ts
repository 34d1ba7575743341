/**
 * What billing does by itself when other domains report (SPEC §4): it charges completed appointments (the
 * consultation fee), late cancellations and no-shows (the fee owed, as `appointment-events` computed it), voids
 * the unpaid bills of an appointment cancelled in time (anything paid is refunded by the payments subgraph), and
 * follows each bill's ledger from `payment-events` to its status. Every method runs inside the consumer's
 * transaction, which also records the event as processed; events raised carry the original event's actor and
 * correlation id.
 *
 * Idempotency: the consumer drops a redelivered event by its id. An appointment event re-published under a new id
 * finds the automatic bill it issued before (`findAutomatic`); two such events racing both insert, and the loser
 * hits `bill_appointment_kind_key`, throws, is retried by the consumer and then finds the winner's bill.
 */
import type { EntityManager } from '../../platform/db/orm.ts';
import { emitEvent } from '../../platform/events/outbox.ts';
import type { Actor } from '../../platform/graphql/context.ts';
import { dateIn } from '../../platform/time.ts';
import type { Bill } from './bill.entity.ts';
import {
  BILLING_TOPIC,
  BillingEvent,
  type AppointmentPayload,
  type BillPaymentsPayload,
  type MoneyPayload,
  type PaymentLedgerPayload,
} from './bill.events.ts';
import { BillRepository } from './bill.repository.ts';
import { ledgerOutcome, type BillKind } from './bill.rules.ts';
import { billPayloadOf, issueBill, voidBill } from './bill.service.ts';

/** The reason recorded on bills voided because their appointment was cancelled in time. */
export const FREE_CANCELLATION_VOID_REASON = 'The appointment was cancelled more than 2 h before its start.';

export interface AutomaticBillingDependencies {
  /** The consumer's entity manager, inside its transaction. */
  em: EntityManager;
  /** Who raised the event being handled, and its correlation id. */
  actor: Actor;
  clock: () => Date;
  /** The hospital's IANA time zone (bill numbers' years, the day named on a line item). */
  timeZone: string;
  /** Told of each bill this service issues (not of one it finds issued before), e.g. to count it once committed. */
  onIssued?: (bill: Bill) => void;
}

/** Billing's own reactions to appointment and payment events, inside the consumer's transaction. */
export class AutomaticBillingService {
  readonly #em: EntityManager;
  readonly #actor: Actor;
  readonly #clock: () => Date;
  readonly #timeZone: string;
  readonly #onIssued: ((bill: Bill) => void) | undefined;

  constructor(deps: AutomaticBillingDependencies) {
    this.#em = deps.em;
    this.#actor = deps.actor;
    this.#clock = deps.clock;
    this.#timeZone = deps.timeZone;
    this.#onIssued = deps.onIssued;
  }

  /** Keeps billing's copy of the appointment (whose it is, its status) as of the event at `occurredAt`. */
  replicateAppointment(appointment: AppointmentPayload, occurredAt: Date): Promise<void> {
    return new BillRepository(this.#em).upsertAppointment({
      appointmentId: appointment.appointmentId,
      patientId: appointment.patientId,
      startsAt: new Date(appointment.startsAt),
      status: appointment.status,
      asOf: occurredAt,
    });
  }

  /** `AppointmentCompleted`: a `CONSULTATION` bill of the consultation fee; nothing for a free consultation. */
  chargeConsultation(appointment: AppointmentPayload): Promise<Bill | null> {
    return this.#charge(appointment, 'CONSULTATION', appointment.consultationFee, 'Consultation on');
  }

  /** `AppointmentCancelled` with band `LATE`: a `LATE_CANCELLATION` bill of the fee owed (none when it is 0). */
  chargeLateCancellation(appointment: AppointmentPayload, feeOwed: MoneyPayload): Promise<Bill | null> {
    return this.#charge(appointment, 'LATE_CANCELLATION', feeOwed, 'Late cancellation of the appointment on');
  }

  /** `AppointmentMarkedNoShow`: a `NO_SHOW` bill of the fee owed (none when it is 0). */
  chargeNoShow(appointment: AppointmentPayload, feeOwed: MoneyPayload): Promise<Bill | null> {
    return this.#charge(appointment, 'NO_SHOW', feeOwed, 'No-show at the appointment on');
  }

  /**
   * `AppointmentCancelled` with band `FREE`: voids every `ISSUED` bill of the appointment that nothing was paid of
   * and no claim approved for (each emits `BillVoided`). Paid bills are left to the payments subgraph's refund.
   *
   * @returns the bills voided.
   */
  async voidUnpaidOfAppointment(appointmentId: string): Promise<Bill[]> {
    const bills = await new BillRepository(this.#em).unpaidOfAppointmentForUpdate(appointmentId);
    const voided: Bill[] = [];
    for (const bill of bills) {
      const refusal = await voidBill(this.#em, this.#actor, bill, FREE_CANCELLATION_VOID_REASON, this.#clock());
      if (!refusal) voided.push(bill);
    }
    return voided;
  }

  /**
   * `PaymentSucceeded` / `PaymentFailed` / `PaymentRefunded`: applies the bill's ledger when it is newer than the
   * one applied last (`ledger.sequence`), derives the status (`statusAfterPayments`), sets `paidAt` and emits
   * `BillPaid` the first time payments cover the total, and `BillRefunded` when every payment was refunded.
   * A ledger of a bill this subgraph does not know changes nothing.
   *
   * @throws Error when the ledger reports more paid than the bill's total (the payments subgraph never allows it;
   *   the event is retried, then dead-lettered, rather than recorded).
   */
  async applyPaymentLedger(event: PaymentLedgerPayload, occurredAt: Date): Promise<Bill | null> {
    const bill = await new BillRepository(this.#em).findForUpdate(event.billId);
    if (!bill) return null;
    const outcome = ledgerOutcome(bill, event.ledger);
    if (!outcome) return bill;
    if (event.ledger.amountPaid > bill.totalAmount) {
      throw new Error(`ledger of bill ${bill.id} reports ${event.ledger.amountPaid} paid of ${bill.totalAmount}`);
    }
    Object.assign(bill, {
      amountPaid: event.ledger.amountPaid,
      amountRefunded: event.ledger.amountRefunded,
      paymentSequence: event.ledger.sequence,
      status: outcome.status,
    });
    if (outcome.firstPaid) {
      bill.paidAt = event.occurredAt ? new Date(event.occurredAt) : occurredAt;
      this.#emitPayments(BillingEvent.Paid, bill);
    }
    if (outcome.becameRefunded) this.#emitPayments(BillingEvent.Refunded, bill);
    return bill;
  }

  /** Issues the appointment's automatic bill of `kind` for `fee`, unless it is free or was issued before. */
  async #charge(
    appointment: AppointmentPayload,
    kind: BillKind,
    fee: MoneyPayload,
    description: string,
  ): Promise<Bill | null> {
    if (fee.amount === 0) return null;
    const existing = await new BillRepository(this.#em).findAutomatic(appointment.appointmentId, kind);
    if (existing) return existing;
    const day = dateIn(this.#timeZone, new Date(appointment.startsAt));
    const bill = await issueBill(
      this.#em,
      this.#actor,
      {
        patientId: appointment.patientId,
        appointmentId: appointment.appointmentId,
        kind,
        currency: fee.currency,
        note: null,
        lines: [{ description: `${description} ${day}`, code: null, quantity: 1, unitPrice: fee.amount }],
      },
      this.#clock(),
      this.#timeZone,
    );
    this.#onIssued?.(bill);
    return bill;
  }

  #emitPayments(type: string, bill: Bill): void {
    const payload: BillPaymentsPayload = {
      ...billPayloadOf(bill),
      amountPaid: { amount: bill.amountPaid, currency: bill.currency },
      amountRefunded: { amount: bill.amountRefunded, currency: bill.currency },
      paidAt: bill.paidAt?.toISOString() ?? null,
    };
    emitEvent(this.#em, BILLING_TOPIC, this.#actor, { type, aggregateId: bill.id, payload });
  }
}
