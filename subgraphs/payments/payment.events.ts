/**
 * Events the payments subgraph publishes on `payment-events`, and the shapes of the billing and appointment events
 * it consumes (validated on consume). Payment events are keyed by **bill id**: the bill's ledger is the aggregate
 * whose invariant (never more paid than the total) payments guards, so one bill's payment events stay in order.
 * Money is `{ amount, currency }`, `amount` an integer in minor units.
 */
import { z } from 'zod';
import { moneyPayloadSchema } from '../../platform/money.ts';

export const PAYMENT_TOPIC = 'payment-events';

export const PaymentEvent = {
  Succeeded: 'PaymentSucceeded',
  Failed: 'PaymentFailed',
  Refunded: 'PaymentRefunded',
} as const;

export interface MoneyPayload {
  amount: number;
  currency: string;
}

/** The bill's ledger after the change. `sequence` grows by one with every change of the ledger. */
export interface LedgerPayload {
  total: number;
  amountPaid: number;
  amountRefunded: number;
  sequence: number;
}

/** What every payment event carries. Times are ISO 8601 UTC. */
export interface PaymentEventPayload {
  paymentId: string;
  billId: string;
  patientId: string;
  amount: MoneyPayload;
  method: 'CASH' | 'CARD' | 'INSURANCE' | 'ONLINE';
  reference: string;
  status: string;
  ledger: LedgerPayload;
}

export interface PaymentFailedPayload extends PaymentEventPayload {
  failureCode: string;
  failureMessage: string;
}

export interface PaymentRefundedPayload extends PaymentEventPayload {
  refundId: string;
  refundAmount: MoneyPayload;
  reason: string | null;
}

/** `BillIssued` from `billing-events`: opens the bill's ledger. */
export const billIssuedPayload = z.object({
  billId: z.uuid(),
  patientId: z.uuid(),
  appointmentId: z.uuid().nullable(),
  total: moneyPayloadSchema,
});

/** `BillVoided` from `billing-events`: nothing more can be paid. */
export const billVoidedPayload = z.object({ billId: z.uuid() });

/** `InsuranceClaimApproved` from `billing-events`: the insurer pays `approvedAmount`. */
export const claimApprovedPayload = z.object({
  claimId: z.uuid(),
  billId: z.uuid(),
  payer: z.string(),
  approvedAmount: moneyPayloadSchema,
});

/** `AppointmentCancelled` from `appointment-events`: band `FREE` refunds in full what was paid for it. */
export const appointmentCancelledPayload = z.object({
  appointmentId: z.uuid(),
  band: z.enum(['FREE', 'LATE']),
});

/** The payload every payment event starts from: the payment and its bill's ledger after the change. */
export function paymentEventPayload(
  payment: {
    id: string;
    billId: string;
    patientId: string;
    amount: number;
    currency: string;
    method: PaymentEventPayload['method'];
    reference: string;
    status: string;
  },
  ledger: { totalAmount: number; paidAmount: number; refundedAmount: number; sequence: number },
): PaymentEventPayload {
  return {
    paymentId: payment.id,
    billId: payment.billId,
    patientId: payment.patientId,
    amount: { amount: payment.amount, currency: payment.currency },
    method: payment.method,
    reference: payment.reference,
    status: payment.status,
    ledger: {
      total: ledger.totalAmount,
      amountPaid: ledger.paidAmount,
      amountRefunded: ledger.refundedAmount,
      sequence: ledger.sequence,
    },
  };
}
