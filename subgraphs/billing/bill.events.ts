/**
 * Events the billing subgraph publishes on `billing-events` (keyed by bill id), and the shapes of the appointment,
 * patient and payment events it consumes (validated on consume). Money is always `{ amount, currency }` with
 * `amount` an integer in minor units of the ISO 4217 `currency`.
 */
import { z } from 'zod';
import { moneyPayloadSchema } from '../../platform/money.ts';

export const BILLING_TOPIC = 'billing-events';

export const BillingEvent = {
  /** A bill was issued (automatically or by billing staff): the payments subgraph opens its ledger from it. */
  Issued: 'BillIssued',
  /** A bill was voided before any payment: nothing is owed, nothing more can be paid. */
  Voided: 'BillVoided',
  /** Payments first covered the bill's total. */
  Paid: 'BillPaid',
  /** Every payment of a bill was refunded. */
  Refunded: 'BillRefunded',
  InsuranceClaimSubmitted: 'InsuranceClaimSubmitted',
  /** The insurer approved a claim: the payments subgraph records an `INSURANCE` payment of `approvedAmount`. */
  InsuranceClaimApproved: 'InsuranceClaimApproved',
  InsuranceClaimDenied: 'InsuranceClaimDenied',
} as const;

export interface MoneyPayload {
  amount: number;
  currency: string;
}

/** What every bill event carries: the bill after the change. Times are ISO 8601 UTC. */
export interface BillEventPayload {
  billId: string;
  number: string;
  patientId: string;
  appointmentId: string | null;
  kind: 'CONSULTATION' | 'LATE_CANCELLATION' | 'NO_SHOW' | 'MANUAL';
  status: 'ISSUED' | 'PARTIALLY_PAID' | 'PAID' | 'VOID' | 'REFUNDED';
  subtotal: MoneyPayload;
  tax: MoneyPayload;
  total: MoneyPayload;
  issuedAt: string;
}

export interface BillVoidedPayload extends BillEventPayload {
  voidedAt: string;
  reason: string | null;
}

/** `BillPaid` / `BillRefunded`: the bill after a payment event changed its ledger (amounts net of refunds). */
export interface BillPaymentsPayload extends BillEventPayload {
  amountPaid: MoneyPayload;
  amountRefunded: MoneyPayload;
  paidAt: string | null;
}

/** `InsuranceClaimSubmitted` / `InsuranceClaimApproved` / `InsuranceClaimDenied`, keyed by the bill id. */
export interface InsuranceClaimPayload {
  claimId: string;
  billId: string;
  patientId: string;
  status: 'SUBMITTED' | 'APPROVED' | 'DENIED';
  payer: string;
  claimedAmount: MoneyPayload;
  /** Set for `APPROVED`. */
  approvedAmount: MoneyPayload | null;
}

/** Every `appointment-events` event this subgraph reads: the appointment after the change. */
export const appointmentPayload = z.object({
  appointmentId: z.uuid(),
  patientId: z.uuid(),
  doctorId: z.uuid(),
  startsAt: z.iso.datetime(),
  status: z.string(),
  consultationFee: moneyPayloadSchema,
  imported: z.boolean().default(false),
});

export type AppointmentPayload = z.infer<typeof appointmentPayload>;

/** `AppointmentCancelled`: `band` `FREE` owes nothing (anything paid is refunded), `LATE` owes `feeOwed`. */
export const appointmentCancelledPayload = appointmentPayload.extend({
  band: z.enum(['FREE', 'LATE']),
  feeOwed: moneyPayloadSchema,
});

/** `AppointmentMarkedNoShow`: the whole fee is owed (`feeOwed`). */
export const appointmentNoShowPayload = appointmentPayload.extend({ feeOwed: moneyPayloadSchema });

/** `PatientRegistered` / `PatientUpdated` / `PatientArchived` from `patient-events`. */
export const patientChangedPayload = z.object({
  patientId: z.uuid(),
  active: z.boolean(),
});

/**
 * `PaymentSucceeded` / `PaymentFailed` / `PaymentRefunded` from `payment-events` (keyed by bill id), as billing
 * reads them: the bill's ledger after the payment. `ledger.sequence` grows with every change of the ledger, so an
 * older event arriving late never overwrites a newer state.
 */
export const paymentLedgerPayload = z.object({
  billId: z.uuid(),
  paymentId: z.uuid(),
  ledger: z.object({
    /** Succeeded payments less refunds, minor units. */
    amountPaid: z.number().int().nonnegative(),
    /** Refunds so far, minor units. */
    amountRefunded: z.number().int().nonnegative(),
    sequence: z.number().int().positive(),
  }),
  occurredAt: z.iso.datetime().optional(),
});
export type PaymentLedgerPayload = z.infer<typeof paymentLedgerPayload>;
