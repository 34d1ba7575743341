/**
 * Billing policy (SPEC §4) as pure functions: no I/O and no clock of their own. Money is an integer number of minor
 * units; sums, products and the tax are computed with `bigint`, so no floating point ever touches an amount and no
 * intermediate value can lose precision, however large. What GraphQL can carry (a 32-bit `Int`) is checked apart
 * (`exceedsMoneyLimit`). Each rule returns the error code it guards, or null when the rule holds.
 */
import { DateTime } from 'luxon';
import { ErrorCode } from '../../platform/errors.ts';
import { dateIn } from '../../platform/time.ts';

/** Tax on every bill (SPEC §4): 5 %, in basis points (1 bp = 0.01 %). */
export const TAX_RATE_BASIS_POINTS = 500;

/** The largest amount GraphQL's 32-bit `Int` carries (2^31 − 1 minor units): no total may exceed it. */
export const MAX_MONEY_AMOUNT = 2_147_483_647;

export const BILL_STATUSES = ['ISSUED', 'PARTIALLY_PAID', 'PAID', 'VOID', 'REFUNDED'] as const;
export type BillStatus = (typeof BILL_STATUSES)[number];

export const BILL_KINDS = ['CONSULTATION', 'LATE_CANCELLATION', 'NO_SHOW', 'MANUAL'] as const;
export type BillKind = (typeof BILL_KINDS)[number];

/** Kinds the subgraph issues by itself from appointment events: at most one of each per appointment. */
export const AUTOMATIC_KINDS: readonly BillKind[] = ['CONSULTATION', 'LATE_CANCELLATION', 'NO_SHOW'];

export const CLAIM_STATUSES = ['SUBMITTED', 'APPROVED', 'DENIED'] as const;
export type ClaimStatus = (typeof CLAIM_STATUSES)[number];

/** Claims that block a new one on the same bill. */
export const OPEN_CLAIM_STATUSES: readonly ClaimStatus[] = ['SUBMITTED', 'APPROVED'];

/** Error codes of the billing rules (SPEC §4), next to the common ones of `platform/errors.ts`. */
export const BillingError = {
  /** A payment was recorded or an insurance claim approved: the bill is refunded, not voided; or nothing is due. */
  BILL_ALREADY_PAID: 'BILL_ALREADY_PAID',
  BILL_VOID: 'BILL_VOID',
  CLAIM_ALREADY_OPEN: 'CLAIM_ALREADY_OPEN',
  CLAIM_ALREADY_DECIDED: 'CLAIM_ALREADY_DECIDED',
} as const;

/** One charge as priced: `quantity` units of `unitPrice` minor units. */
export interface LineCharge {
  quantity: number;
  unitPrice: number;
}

/** A bill's amounts in minor units, exact. */
export interface BillPricing {
  /** `quantity × unitPrice` of each line, in the order given. */
  lineAmounts: bigint[];
  subtotal: bigint;
  taxRateBasisPoints: number;
  tax: bigint;
  total: bigint;
}

/**
 * `quantity × unitPrice` in minor units, exactly.
 *
 * @throws RangeError when either is not a non-negative safe integer (a programming error: inputs are validated).
 */
export function lineAmount(quantity: number, unitPrice: number): bigint {
  return toBigInt(quantity, 'quantity') * toBigInt(unitPrice, 'unitPrice');
}

/**
 * Tax on `subtotal` minor units at `basisPoints` (SPEC §4: 500 = 5 %), rounded half up to the minor unit:
 * `floor((subtotal × basisPoints + 5000) / 10000)`. Subtotals are never negative, so "half up" and "half away from
 * zero" agree.
 *
 * @throws RangeError for a negative subtotal or a rate outside 0–10,000 basis points.
 */
export function taxOn(subtotal: bigint, basisPoints: number = TAX_RATE_BASIS_POINTS): bigint {
  if (subtotal < 0n) throw new RangeError('subtotal must not be negative');
  if (!Number.isInteger(basisPoints) || basisPoints < 0 || basisPoints > 10_000) {
    throw new RangeError('basisPoints must be an integer from 0 to 10000');
  }
  return (subtotal * BigInt(basisPoints) + 5_000n) / 10_000n;
}

/** Prices a bill: line amounts, their subtotal, the tax on the subtotal (not per line) and the total. */
export function priceBill(lines: readonly LineCharge[], basisPoints: number = TAX_RATE_BASIS_POINTS): BillPricing {
  const lineAmounts = lines.map((line) => lineAmount(line.quantity, line.unitPrice));
  const subtotal = lineAmounts.reduce((sum, amount) => sum + amount, 0n);
  const tax = taxOn(subtotal, basisPoints);
  return { lineAmounts, subtotal, taxRateBasisPoints: basisPoints, tax, total: subtotal + tax };
}

/** True when the bill's total (hence any amount on it) does not fit GraphQL's 32-bit `Int`. */
export function exceedsMoneyLimit(pricing: Pick<BillPricing, 'total'>): boolean {
  return pricing.total > BigInt(MAX_MONEY_AMOUNT);
}

/** A bill's human-readable number, `B-<year>-<6 digits>` (e.g. `B-2026-000042`); more digits past 999,999. */
export function formatBillNumber(year: number, sequence: number): string {
  return `B-${year}-${String(sequence).padStart(6, '0')}`;
}

/** The year a bill issued at `issuedAt` is numbered in: its year on the hospital's calendar (`timeZone`). */
export function billingYear(issuedAt: Date, timeZone: string): number {
  return Number(dateIn(timeZone, issuedAt).slice(0, 4));
}

/**
 * The instants a filter's issue days cover: [start of `from`, start of the day after `to`) in `timeZone`, each
 * bound absent when the day is. Days are `YYYY-MM-DD`, inclusive (`BillFilter.issuedFrom` / `issuedTo`).
 */
export function issueWindow(
  from: string | null | undefined,
  to: string | null | undefined,
  timeZone: string,
): { from: Date | null; to: Date | null } {
  const startOf = (date: string) => DateTime.fromISO(date, { zone: timeZone }).startOf('day');
  return {
    from: from ? startOf(from).toJSDate() : null,
    to: to ? startOf(to).plus({ days: 1 }).toJSDate() : null,
  };
}

/** What the payments subgraph reports of a bill's ledger: minor units, net of refunds, and refunds so far. */
export interface Ledger {
  amountPaid: number;
  amountRefunded: number;
}

/**
 * A bill's status once its ledger reads `ledger` (SPEC §4): a void bill stays `VOID`; payments covering the total
 * make it `PAID`, part of it `PARTIALLY_PAID`; nothing paid after refunds `REFUNDED`; nothing paid and nothing
 * refunded `ISSUED`. A bill of total 0 is not paid by nothing: it stays `ISSUED`.
 */
export function statusAfterPayments(current: BillStatus, total: number, ledger: Ledger): BillStatus {
  if (current === 'VOID') return 'VOID';
  if (ledger.amountPaid > 0 && ledger.amountPaid >= total) return 'PAID';
  if (ledger.amountPaid > 0) return 'PARTIALLY_PAID';
  return ledger.amountRefunded > 0 ? 'REFUNDED' : 'ISSUED';
}

/** What applying a newer ledger does to a bill: its new status, and which events that change raises. */
export interface LedgerOutcome {
  status: BillStatus;
  /** Payments cover the total for the first time (`paidAt` is set once, `BillPaid` emitted once). */
  firstPaid: boolean;
  /** Every payment has now been refunded (`BillRefunded`). */
  becameRefunded: boolean;
}

/**
 * The outcome of a ledger `sequence` for a bill that last applied `bill.paymentSequence`, or null when the ledger
 * is not newer (an older event delivered late never overwrites a newer state).
 */
export function ledgerOutcome(
  bill: { status: BillStatus; totalAmount: number; paidAt?: Date | null; paymentSequence: number },
  ledger: Ledger & { sequence: number },
): LedgerOutcome | null {
  if (ledger.sequence <= bill.paymentSequence) return null;
  const status = statusAfterPayments(bill.status, bill.totalAmount, ledger);
  return {
    status,
    firstPaid: status === 'PAID' && !bill.paidAt,
    becameRefunded: status === 'REFUNDED' && bill.status !== 'REFUNDED',
  };
}

/**
 * Whether a bill may be voided: `BILL_VOID` when it is void already; `BILL_ALREADY_PAID` unless it is `ISSUED`
 * with nothing paid and no approved insurance claim (an approved claim is a payment on its way). SPEC §4: a paid
 * bill is refunded, not voided.
 */
export function voidViolation(
  bill: { status: BillStatus; amountPaid: number },
  hasApprovedClaim: boolean,
): string | null {
  if (bill.status === 'VOID') return BillingError.BILL_VOID;
  if (bill.status !== 'ISSUED' || bill.amountPaid > 0 || hasApprovedClaim) return BillingError.BILL_ALREADY_PAID;
  return null;
}

/**
 * Whether an insurance claim of `amount` minor units may be submitted on a bill: `BILL_VOID`; `BILL_ALREADY_PAID`
 * when nothing is left to claim (the total is paid); `CLAIM_ALREADY_OPEN` while another claim is submitted or
 * approved (a denied one may be followed by a new claim); `BAD_USER_INPUT` for an amount outside 1 – the total.
 */
export function claimViolation(
  bill: { status: BillStatus; totalAmount: number; amountPaid: number },
  hasOpenClaim: boolean,
  amount: number,
): string | null {
  if (bill.status === 'VOID') return BillingError.BILL_VOID;
  if (bill.totalAmount - bill.amountPaid <= 0) return BillingError.BILL_ALREADY_PAID;
  if (hasOpenClaim) return BillingError.CLAIM_ALREADY_OPEN;
  if (!Number.isInteger(amount) || amount < 1 || amount > bill.totalAmount) return ErrorCode.BAD_USER_INPUT;
  return null;
}

/**
 * Whether the insurer's decision may be recorded: `CLAIM_ALREADY_DECIDED` unless the claim is `SUBMITTED`;
 * `BAD_USER_INPUT` for an approval without an amount of 1 – the claimed amount, or a denial with one;
 * `BILL_VOID` for an approval of a claim whose bill was voided meanwhile (nothing may be paid on it).
 */
export function decisionViolation(
  claim: { status: ClaimStatus; claimedAmount: number },
  billStatus: BillStatus,
  decision: 'APPROVED' | 'DENIED',
  approvedAmount: number | null,
): string | null {
  if (claim.status !== 'SUBMITTED') return BillingError.CLAIM_ALREADY_DECIDED;
  if (decision === 'DENIED') return approvedAmount === null ? null : ErrorCode.BAD_USER_INPUT;
  if (approvedAmount === null || !Number.isInteger(approvedAmount)) return ErrorCode.BAD_USER_INPUT;
  if (approvedAmount < 1 || approvedAmount > claim.claimedAmount) return ErrorCode.BAD_USER_INPUT;
  if (billStatus === 'VOID') return BillingError.BILL_VOID;
  return null;
}

function toBigInt(value: number, name: string): bigint {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative safe integer`);
  return BigInt(value);
}
