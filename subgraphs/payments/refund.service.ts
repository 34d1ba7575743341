/**
 * Giving money back, inside the caller's transaction and under the bill ledger's lock: through the provider that
 * took it, then the payment, the ledger and a `PaymentRefunded` event in one commit. Used by `refundPayment` and by
 * the automatic refunds (a bill voided while paid, a free cancellation of a paid appointment).
 *
 * A refund's processor reference is `<payment reference>-R<n>-<amount>`, n counting the payment's refunds: a refund
 * that timed out or whose commit failed, repeated with the same amount, reaches the processor under the same
 * reference, which it answers without paying twice; a different amount is a different refund.
 */
import type { EntityManager } from '../../platform/db/orm.ts';
import { DomainError } from '../../platform/errors.ts';
import { emitEvent } from '../../platform/events/outbox.ts';
import type { Actor } from '../../platform/graphql/context.ts';
import type { BillLedger, Payment, Refund as RefundEntity } from './payment.entity.ts';
import { Refund } from './payment.entity.ts';
import { PAYMENT_TOPIC, PaymentEvent, paymentEventPayload, type PaymentRefundedPayload } from './payment.events.ts';
import { PaymentError, refundViolation, statusAfterRefund } from './payment.rules.ts';
import {
  callProvider,
  type PaymentProviders,
  type ProviderCall,
  type RefundResult,
} from './providers/payment-provider.ts';

function refusal(call: ProviderCall<RefundResult>): string {
  const unknown = 'so whether it refunded is unknown: repeat the same refund (same amount) to settle it';
  if (call.kind === 'timed-out') return `The payment processor did not answer in time, ${unknown}.`;
  if (call.kind === 'failed') return `The payment processor could not be reached, ${unknown}.`;
  const why = call.answer.outcome === 'REFUSED' ? call.answer.message : 'unexpected answer';
  return `The payment processor refused the refund (${why}); nothing was refunded.`;
}

export class RefundService {
  readonly #providers: PaymentProviders;
  readonly #timeoutMs: number;

  constructor(providers: PaymentProviders, providerTimeoutMs: number) {
    this.#providers = providers;
    this.#timeoutMs = providerTimeoutMs;
  }

  /**
   * Refunds `amount` (minor units) of `payment`, whose bill's `ledger` the transaction `em` has locked.
   *
   * @throws PAYMENT_NOT_REFUNDABLE, REFUND_EXCEEDS_PAYMENT (nothing changes); PAYMENT_METHOD_UNAVAILABLE;
   *   PAYMENT_PROVIDER_ERROR when the processor refuses or does not answer (nothing is recorded).
   */
  async refund(
    em: EntityManager,
    payment: Payment,
    ledger: BillLedger,
    amount: number,
    reason: string | null,
    actor: Actor,
  ): Promise<RefundEntity> {
    const violation = refundViolation(payment, amount);
    if (violation === PaymentError.PAYMENT_NOT_REFUNDABLE) {
      throw new DomainError(violation, `Payment ${payment.reference} has nothing left to refund (${payment.status}).`);
    }
    if (violation) {
      throw new DomainError(
        violation,
        `At most ${payment.amount - payment.refundedAmount} can be refunded of payment ${payment.reference}.`,
      );
    }
    const provider = this.#providers[payment.method];
    if (!provider) {
      throw new DomainError(
        PaymentError.PAYMENT_METHOD_UNAVAILABLE,
        `No processor is configured for ${payment.method}.`,
      );
    }
    const reference = `${payment.reference}-R${payment.refundCount + 1}-${amount}`;
    const call = await callProvider(this.#timeoutMs, (signal) =>
      provider.refund(
        {
          reference,
          paymentReference: payment.reference,
          providerReference: payment.providerReference ?? null,
          amount,
          currency: payment.currency,
        },
        signal,
      ),
    );
    if (call.kind !== 'answered' || call.answer.outcome === 'REFUSED') {
      throw new DomainError(PaymentError.PAYMENT_PROVIDER_ERROR, refusal(call));
    }

    payment.refundedAmount += amount;
    payment.refundCount += 1;
    payment.status = statusAfterRefund(payment.amount, payment.refundedAmount);
    ledger.paidAmount -= amount;
    ledger.reservedAmount -= amount;
    ledger.refundedAmount += amount;
    ledger.sequence += 1;
    const refund = em.create(Refund, {
      paymentId: payment.id,
      billId: payment.billId,
      amount,
      currency: payment.currency,
      reason,
      reference,
      providerReference: call.answer.providerReference,
      recordedBy: actor.principal?.userId ?? null,
    });
    const payload: PaymentRefundedPayload = {
      ...paymentEventPayload(payment, ledger),
      refundId: refund.id,
      refundAmount: { amount, currency: payment.currency },
      reason,
    };
    emitEvent(em, PAYMENT_TOPIC, actor, { type: PaymentEvent.Refunded, aggregateId: payment.billId, payload });
    return refund;
  }
}
