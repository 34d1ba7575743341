/**
 * How the payments subgraph follows billing and scheduling (consumers are idempotent: see platform/events/consumer.ts):
 *
 * - `BillIssued` opens the bill's ledger, so the bill becomes payable;
 * - `BillVoided` closes it; a payment that got in before the void (the two subgraphs decide apart) is refunded;
 * - `InsuranceClaimApproved` records the insurer's `INSURANCE` payment of the approved amount, at most what is left
 *   to pay, under the reference `CLAIM-<claim id>` (one per claim however often the event arrives);
 * - `AppointmentCancelled` in band `FREE` (more than 2 h ahead, SPEC §3) closes the appointment's bills and refunds
 *   in full what was paid for them.
 *
 * Refunds run inside the consumer's transaction, under the ledger's lock, so that a redelivered event finds them
 * done; a refund that fails is logged and left to staff rather than retried (see `refundAll`).
 */
import { principalOfEvent, type EventEnvelope } from '../../platform/events/envelope.ts';
import type { EventHandler } from '../../platform/events/consumer.ts';
import { emitEvent } from '../../platform/events/outbox.ts';
import type { Actor } from '../../platform/graphql/context.ts';
import { DomainError } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';
import { Payment } from './payment.entity.ts';
import {
  appointmentCancelledPayload,
  billIssuedPayload,
  billVoidedPayload,
  claimApprovedPayload,
  PAYMENT_TOPIC,
  PaymentEvent,
  paymentEventPayload,
} from './payment.events.ts';
import { PaymentRepository } from './payment.repository.ts';
import { refundable } from './payment.rules.ts';
import type { RefundService } from './refund.service.ts';

/** Work done for an event acts as the event's actor, in its correlation. */
const actorOfEvent = (event: EventEnvelope): Actor => ({
  principal: principalOfEvent(event),
  correlationId: event.correlationId,
});

/** The handlers of the ledger's consumers; they log with the consumer's per-event logger (the event's ids). */
export function ledgerHandlers(refunds: RefundService) {
  const openLedger: EventHandler = async (em, event) => {
    const bill = billIssuedPayload.parse(event.payload);
    await new PaymentRepository(em).openLedger({
      billId: bill.billId,
      patientId: bill.patientId,
      appointmentId: bill.appointmentId,
      currency: bill.total.currency,
      totalAmount: bill.total.amount,
    });
  };

  /**
   * Refunds whatever is left of every payment of a locked ledger's bill. A refund the processor refuses or leaves
   * unanswered changes nothing (it throws before any write) and is logged for staff to repeat with `refundPayment`,
   * so that it cannot undo the rest of the event's effect (the ledger closed).
   */
  const refundAll = async (
    em: Parameters<EventHandler>[0],
    billId: string,
    reason: string,
    actor: Actor,
    log: Logger,
  ): Promise<void> => {
    const repository = new PaymentRepository(em);
    const ledger = await repository.ledgerForUpdate(billId);
    if (!ledger) return;
    for (const payment of await repository.refundablePaymentsOfBill(billId)) {
      try {
        await refunds.refund(em, payment, ledger, refundable(payment), reason, actor);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        log.error(
          { err: error, billId, paymentId: payment.id, reference: payment.reference },
          'automatic refund failed: refund the payment by hand',
        );
      }
    }
  };

  const voidLedger: EventHandler = async (em, event, log) => {
    const { billId } = billVoidedPayload.parse(event.payload);
    const repository = new PaymentRepository(em);
    const ledger = await repository.ledgerForUpdate(billId);
    if (!ledger) return;
    ledger.status = 'VOID';
    ledger.sequence += 1;
    await refundAll(em, billId, 'The bill was voided.', actorOfEvent(event), log);
  };

  const payApprovedClaim: EventHandler = async (em, event, log) => {
    const claim = claimApprovedPayload.parse(event.payload);
    const repository = new PaymentRepository(em);
    const ledger = await repository.ledgerForUpdate(claim.billId);
    const reference = `CLAIM-${claim.claimId}`;
    if (!ledger || (await repository.findPaymentByReference(reference))) return;
    const amount = Math.min(claim.approvedAmount.amount, ledger.totalAmount - ledger.reservedAmount);
    if (ledger.status === 'VOID' || amount <= 0) {
      log.warn({ billId: claim.billId, claimId: claim.claimId }, 'approved claim finds nothing left to pay');
      return;
    }
    const actor = actorOfEvent(event);
    const payment = em.create(Payment, {
      billId: ledger.billId,
      patientId: ledger.patientId,
      amount,
      currency: ledger.currency,
      method: 'INSURANCE',
      status: 'SUCCEEDED',
      reference,
      providerReference: claim.claimId,
      failureCode: null,
      failureMessage: null,
      refundedAmount: 0,
      refundCount: 0,
      processedAt: new Date(event.occurredAt),
      recordedBy: actor.principal?.userId ?? null,
    });
    ledger.reservedAmount += amount;
    ledger.paidAmount += amount;
    ledger.sequence += 1;
    emitEvent(em, PAYMENT_TOPIC, actor, {
      type: PaymentEvent.Succeeded,
      aggregateId: ledger.billId,
      payload: paymentEventPayload(payment, ledger),
    });
  };

  const refundFreeCancellation: EventHandler = async (em, event, log) => {
    const cancellation = appointmentCancelledPayload.parse(event.payload);
    if (cancellation.band !== 'FREE') return;
    const ledgers = await new PaymentRepository(em).ledgersOfAppointmentForUpdate(cancellation.appointmentId);
    for (const ledger of ledgers) {
      // Nothing is owed any more: the bill takes no further payment, and one still running is refunded as it settles.
      ledger.status = 'VOID';
      ledger.sequence += 1;
      await refundAll(
        em,
        ledger.billId,
        'The appointment was cancelled more than 2 h before its start: refunded in full.',
        actorOfEvent(event),
        log,
      );
    }
  };

  return {
    billing: { BillIssued: openLedger, BillVoided: voidLedger, InsuranceClaimApproved: payApprovedClaim },
    appointments: { AppointmentCancelled: refundFreeCancellation },
  };
}
