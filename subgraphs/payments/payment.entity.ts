/**
 * The payments subgraph's tables: each bill's ledger (opened from `BillIssued`), the payments made against it
 * (FHIR R4 `PaymentReconciliation` details) and their refunds. The ledger is where "never more paid than the total"
 * is enforced: a payment reserves its amount on the ledger row, under the row's lock, before any money moves, and
 * CHECK constraints refuse any state that would break the rule whatever code runs.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { BaseEntity } from '../../platform/db/base.entity.ts';
import { PAYMENT_METHODS, PAYMENT_STATUSES, type PaymentMethod, type PaymentStatus } from './payment.rules.ts';

export const LEDGER_STATUSES = ['OPEN', 'VOID'] as const;

/**
 * A bill as payments sees it, all amounts in minor units of `currency`: `reservedAmount` counts payments in progress
 * and succeeded ones (less refunds); `paidAmount` only succeeded ones (less refunds). `sequence` grows with every
 * change, so billing can apply payment events in order.
 */
export const BillLedger = defineEntity({
  name: 'BillLedger',
  tableName: 'bill_ledger',
  properties: {
    billId: p.uuid().primary(),
    patientId: p.uuid().index('bill_ledger_patient_idx'),
    appointmentId: p.uuid().nullable().index('bill_ledger_appointment_idx'),
    currency: p.string().length(3),
    totalAmount: p.integer(),
    status: p.enum(LEDGER_STATUSES),
    reservedAmount: p.integer().default(0),
    paidAmount: p.integer().default(0),
    refundedAmount: p.integer().default(0),
    sequence: p.integer().default(0),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
  checks: [
    { name: 'bill_ledger_total_check', expression: '"total_amount" >= 0' },
    { name: 'bill_ledger_paid_check', expression: '"paid_amount" >= 0 and "paid_amount" <= "reserved_amount"' },
    { name: 'bill_ledger_no_overpayment_check', expression: '"reserved_amount" <= "total_amount"' },
    { name: 'bill_ledger_refunded_check', expression: '"refunded_amount" >= 0' },
  ],
});
export type BillLedger = InferEntity<typeof BillLedger>;

export const Payment = defineEntity({
  name: 'Payment',
  tableName: 'payment',
  extends: BaseEntity,
  properties: {
    billId: p.uuid(),
    patientId: p.uuid().index('payment_patient_idx'),
    /** Minor units of `currency`. */
    amount: p.integer(),
    currency: p.string().length(3),
    method: p.enum(PAYMENT_METHODS),
    status: p.enum(PAYMENT_STATUSES),
    /** Unique receipt reference; also the idempotency reference the processor receives. */
    reference: p.string().length(100).unique('payment_reference_key'),
    providerReference: p.string().length(200).nullable(),
    failureCode: p.string().length(50).nullable(),
    failureMessage: p.text().nullable(),
    refundedAmount: p.integer().default(0),
    /** How many refunds were made: numbers the next refund's reference. */
    refundCount: p.integer().default(0),
    processedAt: p.datetime().nullable(),
    /** The user who paid or recorded the payment; null for payments made by the system (insurance). */
    recordedBy: p.uuid().nullable(),
  },
  indexes: [{ name: 'payment_bill_created_idx', properties: ['billId', 'createdAt'] }],
  checks: [
    { name: 'payment_amount_check', expression: '"amount" > 0' },
    { name: 'payment_refunded_check', expression: '"refunded_amount" >= 0 and "refunded_amount" <= "amount"' },
  ],
});
export type Payment = InferEntity<typeof Payment>;

export const Refund = defineEntity({
  name: 'Refund',
  tableName: 'refund',
  extends: BaseEntity,
  properties: {
    paymentId: p.uuid().index('refund_payment_idx'),
    billId: p.uuid(),
    amount: p.integer(),
    currency: p.string().length(3),
    reason: p.text().nullable(),
    /** `<payment reference>-R<n>`: a retried refund reaches the processor under the same reference. */
    reference: p.string().length(120).unique('refund_reference_key'),
    providerReference: p.string().length(200).nullable(),
    recordedBy: p.uuid().nullable(),
  },
  checks: [{ name: 'refund_amount_check', expression: '"amount" > 0' }],
});
export type Refund = InferEntity<typeof Refund>;

/**
 * A payment as `payBill` returns it and as an idempotent repeat replays it: a plain snapshot, identical for the
 * first answer and every repeat.
 */
export interface PaymentRecord {
  id: string;
  billId: string;
  patientId: string;
  amount: number;
  currency: string;
  method: PaymentMethod;
  status: PaymentStatus;
  reference: string;
  providerReference: string | null;
  failureCode: string | null;
  failureMessage: string | null;
  refundedAmount: number;
  processedAt: Date | null;
  createdAt: Date;
}

/** The snapshot of a payment. */
export function paymentRecordOf(payment: Payment): PaymentRecord {
  return {
    id: payment.id,
    billId: payment.billId,
    patientId: payment.patientId,
    amount: payment.amount,
    currency: payment.currency,
    method: payment.method,
    status: payment.status,
    reference: payment.reference,
    providerReference: payment.providerReference ?? null,
    failureCode: payment.failureCode ?? null,
    failureMessage: payment.failureMessage ?? null,
    refundedAmount: payment.refundedAmount,
    processedAt: payment.processedAt ?? null,
    createdAt: payment.createdAt,
  };
}

/** A snapshot stored as JSON, back to a `PaymentRecord` (times were ISO strings). */
export function revivePaymentRecord(stored: unknown): PaymentRecord {
  const record = stored as Omit<PaymentRecord, 'processedAt' | 'createdAt'> & {
    processedAt: string | null;
    createdAt: string;
  };
  return {
    ...record,
    processedAt: record.processedAt === null ? null : new Date(record.processedAt),
    createdAt: new Date(record.createdAt),
  };
}

export const paymentEntities = [BillLedger, Payment, Refund];
