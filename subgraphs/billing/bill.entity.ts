/**
 * Bills (FHIR R4 `Invoice`) with their line items (`Invoice.lineItem`), insurance claims (FHIR `Claim` and its
 * `ClaimResponse`), the per-year counter behind human-readable bill numbers, and this subgraph's read model of the
 * patients and appointments it bills for, fed by `patient-events` and `appointment-events` so that issuing a bill
 * never waits on another subgraph.
 *
 * Money columns are `int` minor units (what GraphQL's `Int` carries); CHECK constraints keep every amount
 * non-negative, `total = subtotal + tax`, and what was paid between 0 and the total. Partial unique indexes make
 * an appointment's automatic bill of each kind, and one open claim per bill, facts the database enforces.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { BaseEntity } from '../../platform/db/base.entity.ts';
import { BILL_KINDS, BILL_STATUSES, CLAIM_STATUSES } from './bill.rules.ts';

export const Bill = defineEntity({
  name: 'Bill',
  tableName: 'bill',
  extends: BaseEntity,
  properties: {
    /** `B-<year>-<6 digits>`, from `bill_number_counter`. */
    number: p.string().length(20).unique('bill_number_key'),
    patientId: p.uuid(),
    appointmentId: p.uuid().nullable().index('bill_appointment_idx'),
    kind: p.enum(BILL_KINDS),
    status: p.enum(BILL_STATUSES),
    /** ISO 4217 code of every amount on the bill. */
    currency: p.string().length(3),
    /** Minor units: the sum of the line items. */
    subtotalAmount: p.integer(),
    taxRateBasisPoints: p.integer(),
    /** Minor units: `subtotal × rate / 10,000`, rounded half up. */
    taxAmount: p.integer(),
    /** Minor units: `subtotal + tax`. */
    totalAmount: p.integer(),
    /** Minor units paid net of refunds, as the payments subgraph last reported (`payment-events`). */
    amountPaid: p.integer().default(0),
    /** Minor units refunded so far, as the payments subgraph last reported. */
    amountRefunded: p.integer().default(0),
    /** `ledger.sequence` of the last payment event applied; older ones are ignored. */
    paymentSequence: p.integer().default(0),
    note: p.text().nullable(),
    issuedAt: p.datetime(),
    paidAt: p.datetime().nullable(),
    voidedAt: p.datetime().nullable(),
    voidReason: p.text().nullable(),
    version: p.integer().version(),
  },
  checks: [
    {
      name: 'bill_amounts_check',
      expression:
        '"subtotal_amount" >= 0 and "tax_amount" >= 0 and ' +
        '"total_amount"::bigint = "subtotal_amount"::bigint + "tax_amount"::bigint',
    },
    { name: 'bill_amount_paid_check', expression: '"amount_paid" >= 0 and "amount_paid" <= "total_amount"' },
    { name: 'bill_amount_refunded_check', expression: '"amount_refunded" >= 0' },
    { name: 'bill_tax_rate_check', expression: '"tax_rate_basis_points" >= 0 and "tax_rate_basis_points" <= 10000' },
    { name: 'bill_automatic_appointment_check', expression: `"kind" = 'MANUAL' or "appointment_id" is not null` },
  ],
  uniques: [
    {
      // One automatic bill of each kind per appointment, however often its event is delivered or re-published.
      name: 'bill_appointment_kind_key',
      properties: ['appointmentId', 'kind'],
      where: `"kind" <> 'MANUAL'`,
    },
  ],
  indexes: [
    { name: 'bill_issued_idx', properties: ['issuedAt', 'id'] },
    { name: 'bill_patient_issued_idx', properties: ['patientId', 'issuedAt', 'id'] },
  ],
});
export type Bill = InferEntity<typeof Bill>;

/** One charge on a bill, in the bill's currency (FHIR `Invoice.lineItem` with its price component). */
export const BillLineItem = defineEntity({
  name: 'BillLineItem',
  tableName: 'bill_line_item',
  extends: BaseEntity,
  properties: {
    bill: () => p.manyToOne(Bill),
    /** Order on the bill, from 1. */
    position: p.integer(),
    description: p.string().length(200),
    /** A code of the hospital's charge master, if any. */
    code: p.string().length(50).nullable(),
    quantity: p.integer(),
    /** Minor units of `currency`. */
    unitPriceAmount: p.integer(),
    /** Minor units: `quantity × unitPriceAmount`. */
    amount: p.integer(),
    /** The bill's currency, kept with each amount (FHIR `Money` carries its currency). */
    currency: p.string().length(3),
  },
  checks: [
    { name: 'bill_line_item_quantity_check', expression: '"quantity" >= 1 and "quantity" <= 1000' },
    {
      name: 'bill_line_item_amount_check',
      expression: '"unit_price_amount" >= 0 and "amount"::bigint = "quantity"::bigint * "unit_price_amount"::bigint',
    },
  ],
  uniques: [{ name: 'bill_line_item_position_key', properties: ['bill', 'position'] }],
});
export type BillLineItem = InferEntity<typeof BillLineItem>;

/** A claim on the patient's insurer for (part of) a bill, and the insurer's decision. */
export const InsuranceClaim = defineEntity({
  name: 'InsuranceClaim',
  tableName: 'insurance_claim',
  extends: BaseEntity,
  properties: {
    bill: () => p.manyToOne(Bill).index('insurance_claim_bill_idx'),
    payer: p.string().length(200),
    policyNumber: p.string().length(100),
    status: p.enum(CLAIM_STATUSES),
    /** The bill's currency. */
    currency: p.string().length(3),
    /** Minor units asked of the insurer: 1 – the bill's total. */
    claimedAmount: p.integer(),
    /** Minor units the insurer agreed to pay: 1 – `claimedAmount`; set exactly when `APPROVED`. */
    approvedAmount: p.integer().nullable(),
    decisionReason: p.text().nullable(),
    submittedAt: p.datetime(),
    decidedAt: p.datetime().nullable(),
    version: p.integer().version(),
  },
  checks: [
    { name: 'insurance_claim_claimed_amount_check', expression: '"claimed_amount" > 0' },
    {
      name: 'insurance_claim_approved_amount_check',
      expression:
        `("status" = 'APPROVED') = ("approved_amount" is not null) and ` +
        '("approved_amount" is null or ("approved_amount" >= 1 and "approved_amount" <= "claimed_amount"))',
    },
  ],
  uniques: [
    {
      // At most one submitted or approved claim per bill; a denied one may be followed by a new claim.
      name: 'insurance_claim_open_key',
      properties: ['bill'],
      where: `"status" in ('SUBMITTED', 'APPROVED')`,
    },
  ],
});
export type InsuranceClaim = InferEntity<typeof InsuranceClaim>;

/**
 * The last bill number handed out in a year. Taken with `insert … on conflict do update set last = last + 1
 * returning last`, so concurrent bills get distinct numbers (a rolled-back bill leaves a gap; `bill_number_key`
 * guarantees uniqueness whatever happens).
 */
export const BillNumberCounter = defineEntity({
  name: 'BillNumberCounter',
  tableName: 'bill_number_counter',
  properties: {
    year: p.integer().primary().autoincrement(false),
    last: p.integer(),
  },
  checks: [{ name: 'bill_number_counter_last_check', expression: '"last" > 0' }],
});
export type BillNumberCounter = InferEntity<typeof BillNumberCounter>;

/** What billing knows of a patient, copied from `patient-events`. */
export const PatientReplica = defineEntity({
  name: 'PatientReplica',
  tableName: 'patient_replica',
  properties: {
    patientId: p.uuid().primary(),
    /** Billable by staff: not archived. */
    active: p.boolean(),
    /** `occurredAt` of the event this row reflects; older events are ignored. */
    asOf: p.datetime(),
  },
});
export type PatientReplica = InferEntity<typeof PatientReplica>;

/** What billing knows of an appointment, copied from `appointment-events`: whose it is, and where it stands. */
export const AppointmentReplica = defineEntity({
  name: 'AppointmentReplica',
  tableName: 'appointment_replica',
  properties: {
    appointmentId: p.uuid().primary(),
    patientId: p.uuid(),
    startsAt: p.datetime(),
    status: p.string().length(20),
    asOf: p.datetime(),
  },
});
export type AppointmentReplica = InferEntity<typeof AppointmentReplica>;

export const billingEntities = [
  Bill,
  BillLineItem,
  InsuranceClaim,
  BillNumberCounter,
  PatientReplica,
  AppointmentReplica,
];
