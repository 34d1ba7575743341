/**
 * The payment rules of SPEC §2 and §4 as pure functions: who may record which method, whether a payment fits the
 * balance (no overpayment, counting payments still in progress), what may be refunded, and the status a payment
 * has after refunds. Amounts are integers in minor units.
 */
import { hasAnyRole, type Principal } from '../../platform/auth/principal.ts';

export const PAYMENT_METHODS = ['CASH', 'CARD', 'INSURANCE', 'ONLINE'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export const PAYMENT_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED', 'PARTIALLY_REFUNDED', 'REFUNDED'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** Error codes of the payments subgraph (besides the idempotency codes of `platform/idempotency`). */
export const PaymentError = {
  /** SPEC §4: the payment would take the bill past its total. */
  OVERPAYMENT: 'OVERPAYMENT',
  BILL_VOID: 'BILL_VOID',
  PAYMENT_NOT_REFUNDABLE: 'PAYMENT_NOT_REFUNDABLE',
  REFUND_EXCEEDS_PAYMENT: 'REFUND_EXCEEDS_PAYMENT',
  /** The processor refused a refund, or did not answer (then repeating the same refund settles it). */
  PAYMENT_PROVIDER_ERROR: 'PAYMENT_PROVIDER_ERROR',
  /** The processor did not answer a charge and it could not be cancelled: the payment stays PENDING. */
  PAYMENT_OUTCOME_UNKNOWN: 'PAYMENT_OUTCOME_UNKNOWN',
  /** No processor is configured for the method (online payments in production without a real processor). */
  PAYMENT_METHOD_UNAVAILABLE: 'PAYMENT_METHOD_UNAVAILABLE',
} as const;
export type PaymentErrorCode = (typeof PaymentError)[keyof typeof PaymentError];

/** Why a failed payment failed (`Payment.failureCode`). */
export const FailureCode = {
  CARD_DECLINED: 'CARD_DECLINED',
  PROVIDER_TIMEOUT: 'PROVIDER_TIMEOUT',
  PROVIDER_ERROR: 'PROVIDER_ERROR',
} as const;

/** Roles that record payments of any bill, by any method (SPEC §2 "Payments: pay — any"). */
export const STAFF_PAYERS = ['ADMIN', 'BILLING'] as const;

/**
 * Whether `principal` may record a payment by `method`. Staff record every method; a patient pays online only:
 * cash, a card at the desk and an insurer's remittance are money the hospital receives, which only staff can attest.
 */
export function mayUseMethod(principal: Principal | null, method: PaymentMethod): boolean {
  if (hasAnyRole(principal, STAFF_PAYERS)) return true;
  return method === 'ONLINE' && Boolean(principal?.roles.includes('PATIENT'));
}

/** What a ledger needs for the reservation rule. */
export interface LedgerState {
  status: 'OPEN' | 'VOID';
  totalAmount: number;
  reservedAmount: number;
}

/**
 * Whether `amount` may be reserved on a ledger: not on a void bill, and never past the total counting payments in
 * progress (SPEC §4 "no bill is ever paid more than its total").
 *
 * @returns the violated rule's code, or null.
 */
export function reservationViolation(ledger: LedgerState, amount: number): PaymentErrorCode | null {
  if (ledger.status === 'VOID') return PaymentError.BILL_VOID;
  if (amount > ledger.totalAmount - ledger.reservedAmount) return PaymentError.OVERPAYMENT;
  return null;
}

/**
 * What is still owed on a bill of `total` minor units (`Bill.balanceDue`): the total less what was paid, nothing on
 * a void bill.
 */
export function balanceDue(total: number, ledger: { status: 'OPEN' | 'VOID'; paidAmount: number } | null): number {
  if (ledger?.status === 'VOID') return 0;
  return total - (ledger?.paidAmount ?? 0);
}

/** What is left to refund of a payment, in minor units (0 unless it succeeded). */
export function refundable(payment: { status: PaymentStatus; amount: number; refundedAmount: number }): number {
  if (payment.status !== 'SUCCEEDED' && payment.status !== 'PARTIALLY_REFUNDED') return 0;
  return payment.amount - payment.refundedAmount;
}

/**
 * Whether `amount` may be refunded from a payment.
 *
 * @returns PAYMENT_NOT_REFUNDABLE (nothing left: failed, pending or refunded in full), REFUND_EXCEEDS_PAYMENT, or null.
 */
export function refundViolation(
  payment: { status: PaymentStatus; amount: number; refundedAmount: number },
  amount: number,
): PaymentErrorCode | null {
  const left = refundable(payment);
  if (left === 0) return PaymentError.PAYMENT_NOT_REFUNDABLE;
  if (amount > left) return PaymentError.REFUND_EXCEEDS_PAYMENT;
  return null;
}

/** The status of a succeeded payment once `refundedAmount` of its `amount` was given back. */
export function statusAfterRefund(amount: number, refundedAmount: number): PaymentStatus {
  if (refundedAmount === 0) return 'SUCCEEDED';
  return refundedAmount >= amount ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
}
