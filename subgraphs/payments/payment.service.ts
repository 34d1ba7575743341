/**
 * Paying bills and refunding payments (SPEC §4), each an idempotent operation under the caller's `Idempotency-Key`.
 * A payment runs in three steps so that no money moves while a database transaction is open, and no race can pay a
 * bill past its total:
 *
 * 1. reserve — under the bill ledger's lock: check who pays and by which method, refuse what would exceed the total
 *    counting payments still in progress (`OVERPAYMENT`), record the payment `PENDING`; commit;
 * 2. charge — ask the method's provider, with a deadline; an unanswered charge is cancelled at the provider;
 * 3. settle — under the lock again: `SUCCEEDED` (paid) or `FAILED` (reservation released), the event, and the key's
 *    stored result, in one commit.
 */
import { randomBytes } from 'node:crypto';
import { hasAnyRole, type Principal } from '../../platform/auth/principal.ts';
import type { EntityManager } from '../../platform/db/orm.ts';
import { DomainError, ForbiddenError, NotFoundError, UnauthenticatedError } from '../../platform/errors.ts';
import { emitEvent } from '../../platform/events/outbox.ts';
import type { Actor } from '../../platform/graphql/context.ts';
import type { IdempotencyClaim, IdempotencyStore } from '../../platform/idempotency/idempotency.ts';
import { countFailedPayment } from '../../platform/observability/business-metrics.ts';
import type { Logger } from '../../platform/logger.ts';
import { Payment, paymentRecordOf, revivePaymentRecord, type PaymentRecord } from './payment.entity.ts';
import { PAYMENT_TOPIC, PaymentEvent, paymentEventPayload, type PaymentFailedPayload } from './payment.events.ts';
import type { PayBillInput, RefundPaymentInput } from './payment.inputs.ts';
import { PaymentRepository } from './payment.repository.ts';
import {
  FailureCode,
  mayUseMethod,
  PaymentError,
  refundable,
  reservationViolation,
  STAFF_PAYERS,
} from './payment.rules.ts';
import {
  callProvider,
  type ChargeResult,
  type PaymentProviders,
  type ProviderCall,
} from './providers/payment-provider.ts';
import type { RefundService } from './refund.service.ts';

export interface PaymentServiceDependencies {
  em: EntityManager;
  actor: Actor;
  /** The request's `Idempotency-Key` header, or null. */
  idempotencyKey: string | null;
  clock: () => Date;
  providers: PaymentProviders;
  refunds: RefundService;
  idempotency: IdempotencyStore;
  /** Deadline of one call to a payment provider, in milliseconds. */
  providerTimeoutMs: number;
  logger: Logger;
}

/** SPEC §2: staff read every payment; a patient those of their own bills. */
export function mayReadPayment(principal: Principal | null, payment: { patientId: string }): boolean {
  if (hasAnyRole(principal, STAFF_PAYERS)) return true;
  return Boolean(principal?.roles.includes('PATIENT') && principal.patientId === payment.patientId);
}

/** A receipt reference: `PAY-` and 16 characters of base32 (80 random bits). */
export function newPaymentReference(): string {
  const alphabet = 'ABCDEFGHJKMNPQRSTVWXYZ0123456789';
  return `PAY-${[...randomBytes(16)].map((byte) => alphabet[byte % 32]).join('')}`;
}

export class PaymentService {
  readonly #deps: PaymentServiceDependencies;

  constructor(deps: PaymentServiceDependencies) {
    this.#deps = deps;
  }

  /** @throws ForbiddenError unless the caller may read payments of the patient. */
  authorizeRead(payment: { patientId: string }): void {
    if (!mayReadPayment(this.#deps.actor.principal, payment)) {
      throw new ForbiddenError('You may not read payments of this bill.');
    }
  }

  /**
   * Pays `input.amount` of a bill (see the file comment for the steps); repeats under the same key return the first
   * result. A declined or unanswered charge returns the payment `FAILED`.
   *
   * @throws BAD_USER_INPUT, IDEMPOTENCY_KEY_REUSED, IDEMPOTENCY_KEY_IN_USE, NOT_FOUND, FORBIDDEN,
   *   PAYMENT_METHOD_UNAVAILABLE, BILL_VOID, OVERPAYMENT.
   */
  async pay(input: PayBillInput): Promise<PaymentRecord> {
    const principal = this.#principal();
    if (!mayUseMethod(principal, input.method)) {
      throw new ForbiddenError('Patients pay online; cash, card and insurance payments are recorded by billing staff.');
    }
    const provider = this.#deps.providers[input.method];
    if (!provider) {
      throw new DomainError(PaymentError.PAYMENT_METHOD_UNAVAILABLE, `No processor is configured for ${input.method}.`);
    }
    return this.#deps.idempotency.run(
      { scope: principal.userId, key: this.#deps.idempotencyKey, operation: 'payBill', input },
      async (claim) => {
        const payment = await this.#reserve(input, principal);
        claim.pointOfNoReturn();
        const timeoutMs = this.#deps.providerTimeoutMs;
        const call = await callProvider(timeoutMs, (signal) =>
          provider.charge(
            {
              reference: payment.reference,
              amount: payment.amount,
              currency: payment.currency,
              method: payment.method,
              paymentToken: input.paymentToken,
              description: `Hospital bill ${payment.billId}`,
            },
            signal,
          ),
        );
        if (call.kind !== 'answered') {
          // No answer (or an error) leaves the outcome unknown: only a confirmed cancellation makes it "not charged".
          const cancelled = await callProvider(timeoutMs, (signal) => provider.cancel(payment.reference, signal));
          if (cancelled.kind !== 'answered') {
            this.#deps.logger.error(
              { paymentId: payment.id, reference: payment.reference },
              'charge outcome unknown: the payment stays PENDING, holding its amount, until it is reconciled',
            );
            throw new DomainError(
              PaymentError.PAYMENT_OUTCOME_UNKNOWN,
              'The payment processor did not answer and the charge could not be cancelled. The payment stays ' +
                'pending until the hospital reconciles it with the processor: do not pay again.',
              { paymentId: payment.id, reference: payment.reference },
            );
          }
        }
        const settled = await this.#settle(payment, call, claim);
        if (settled.record.status === 'FAILED') countFailedPayment(settled.record.method, settled.record.failureCode);
        if (settled.refundNow) await this.#refundVoided(settled.record);
        return settled.record;
      },
      revivePaymentRecord,
    );
  }

  /**
   * Refunds (part of) a succeeded payment through its provider; repeats under the same key return the first result.
   *
   * @throws BAD_USER_INPUT, IDEMPOTENCY_KEY_REUSED, IDEMPOTENCY_KEY_IN_USE, NOT_FOUND, FORBIDDEN,
   *   PAYMENT_NOT_REFUNDABLE, REFUND_EXCEEDS_PAYMENT, PAYMENT_PROVIDER_ERROR.
   */
  async refund(input: RefundPaymentInput): Promise<PaymentRecord> {
    const principal = this.#principal();
    if (!hasAnyRole(principal, STAFF_PAYERS)) throw new ForbiddenError('Only billing staff refund payments.');
    return this.#deps.idempotency.run(
      { scope: principal.userId, key: this.#deps.idempotencyKey, operation: 'refundPayment', input },
      (claim) =>
        this.#deps.em.fork().transactional(async (em) => {
          const repository = new PaymentRepository(em);
          const billId = await repository.billOfPayment(input.paymentId);
          if (!billId) throw new NotFoundError('Payment', input.paymentId);
          // Lock order everywhere: the ledger, then its payments.
          const ledger = await repository.ledgerForUpdate(billId);
          const payment = await repository.findPayment(input.paymentId);
          if (!ledger || !payment) throw new NotFoundError('Payment', input.paymentId);
          await this.#deps.refunds.refund(
            em,
            payment,
            ledger,
            input.amount ?? refundable(payment),
            input.reason,
            this.#deps.actor,
          );
          const record = paymentRecordOf(payment);
          await claim.complete(em, record);
          return record;
        }),
      revivePaymentRecord,
    );
  }

  #principal(): Principal {
    const principal = this.#deps.actor.principal;
    if (!principal) throw new UnauthenticatedError();
    return principal;
  }

  /** Step 1: the payment `PENDING`, its amount reserved on the ledger. */
  #reserve(input: PayBillInput, principal: Principal): Promise<Payment> {
    return this.#deps.em.fork().transactional(async (em) => {
      const ledger = await new PaymentRepository(em).ledgerForUpdate(input.billId);
      if (!ledger) throw new NotFoundError('Bill', input.billId);
      if (!hasAnyRole(principal, STAFF_PAYERS) && principal.patientId !== ledger.patientId) {
        throw new ForbiddenError("You may not pay someone else's bill.");
      }
      const violation = reservationViolation(ledger, input.amount);
      if (violation === PaymentError.BILL_VOID) throw new DomainError(violation, 'The bill is void: nothing is owed.');
      if (violation) {
        throw new DomainError(
          violation,
          `The payment exceeds the balance due: at most ${ledger.totalAmount - ledger.reservedAmount} can be paid now.`,
          { payable: ledger.totalAmount - ledger.reservedAmount },
        );
      }
      ledger.reservedAmount += input.amount;
      return em.create(Payment, {
        billId: ledger.billId,
        patientId: ledger.patientId,
        amount: input.amount,
        currency: ledger.currency,
        method: input.method,
        status: 'PENDING',
        reference: newPaymentReference(),
        providerReference: null,
        failureCode: null,
        failureMessage: null,
        refundedAmount: 0,
        refundCount: 0,
        processedAt: null,
        recordedBy: principal.userId,
      });
    });
  }

  /**
   * Step 3: the charge's outcome recorded with its event and the key's result. `refundNow`: the bill was voided
   * while the charge ran, so the money is to go straight back (after this commit, so that a refused refund cannot
   * undo the record of the charge).
   */
  #settle(
    pending: Payment,
    call: ProviderCall<ChargeResult>,
    claim: IdempotencyClaim,
  ): Promise<{ record: PaymentRecord; refundNow: boolean }> {
    return this.#deps.em.fork().transactional(async (em) => {
      const repository = new PaymentRepository(em);
      const ledger = await repository.ledgerForUpdate(pending.billId);
      const payment = await repository.findPayment(pending.id);
      if (!ledger || !payment) throw new Error(`payment ${pending.id} vanished while it was processed`);
      payment.processedAt = this.#deps.clock();
      if (call.kind === 'answered' && call.answer.outcome === 'APPROVED') {
        payment.status = 'SUCCEEDED';
        payment.providerReference = call.answer.providerReference;
        ledger.paidAmount += payment.amount;
        ledger.sequence += 1;
        emitEvent(em, PAYMENT_TOPIC, this.#deps.actor, {
          type: PaymentEvent.Succeeded,
          aggregateId: payment.billId,
          payload: paymentEventPayload(payment, ledger),
        });
      } else {
        const failure = failureOf(call);
        if (call.kind === 'failed') this.#deps.logger.error({ err: call.error }, 'payment provider failed');
        Object.assign(payment, { status: 'FAILED', failureCode: failure.code, failureMessage: failure.message });
        ledger.reservedAmount -= payment.amount;
        ledger.sequence += 1;
        const payload: PaymentFailedPayload = {
          ...paymentEventPayload(payment, ledger),
          failureCode: failure.code,
          failureMessage: failure.message,
        };
        emitEvent(em, PAYMENT_TOPIC, this.#deps.actor, {
          type: PaymentEvent.Failed,
          aggregateId: payment.billId,
          payload,
        });
      }
      const record = paymentRecordOf(payment);
      await claim.complete(em, record);
      return { record, refundNow: payment.status === 'SUCCEEDED' && ledger.status === 'VOID' };
    });
  }

  /** Gives back a payment that succeeded on a bill voided meanwhile; a refused refund is logged for staff. */
  async #refundVoided(record: PaymentRecord): Promise<void> {
    await this.#deps.em
      .fork()
      .transactional(async (em) => {
        const repository = new PaymentRepository(em);
        const ledger = await repository.ledgerForUpdate(record.billId);
        const payment = await repository.findPayment(record.id);
        if (!ledger || !payment || refundable(payment) === 0) return;
        await this.#deps.refunds.refund(
          em,
          payment,
          ledger,
          refundable(payment),
          'The bill was voided.',
          this.#deps.actor,
        );
      })
      .catch((error: unknown) =>
        this.#deps.logger.error(
          { err: error, paymentId: record.id },
          'a payment on a voided bill could not be refunded: refund it by hand',
        ),
      );
  }
}

function failureOf(call: ProviderCall<ChargeResult>): { code: string; message: string } {
  if (call.kind === 'answered' && call.answer.outcome === 'DECLINED') {
    return { code: call.answer.code, message: call.answer.message };
  }
  if (call.kind === 'timed-out') {
    return {
      code: FailureCode.PROVIDER_TIMEOUT,
      message: 'The payment processor did not answer in time; the charge was cancelled and nothing was taken.',
    };
  }
  return {
    code: FailureCode.PROVIDER_ERROR,
    message: 'The payment processor could not be reached; nothing was taken.',
  };
}
