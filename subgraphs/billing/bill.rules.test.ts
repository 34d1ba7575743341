import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  billingYear,
  claimViolation,
  decisionViolation,
  exceedsMoneyLimit,
  formatBillNumber,
  issueWindow,
  ledgerOutcome,
  lineAmount,
  MAX_MONEY_AMOUNT,
  priceBill,
  statusAfterPayments,
  TAX_RATE_BASIS_POINTS,
  taxOn,
  voidViolation,
  type BillStatus,
} from './bill.rules.ts';

/** Half up by long division: an independent statement of the SPEC §4 rounding, for the property tests. */
function referenceTax(subtotal: bigint, basisPoints: bigint): bigint {
  const exact = subtotal * basisPoints;
  const quotient = exact / 10_000n;
  const remainder = exact % 10_000n;
  return remainder * 2n >= 10_000n ? quotient + 1n : quotient;
}

describe('tax: 5 % of the subtotal, rounded half up to the minor unit (SPEC §4)', () => {
  it.each([
    // subtotal, exact 5 %, tax, total
    [0, '0', 0, 0],
    [1, '0.05', 0, 1],
    [9, '0.45', 0, 9],
    [10, '0.5', 1, 11],
    [11, '0.55', 1, 12],
    [29, '1.45', 1, 30],
    [30, '1.5', 2, 32],
    [50, '2.5', 3, 53],
    [1_999, '99.95', 100, 2_099],
    [4_000, '200', 200, 4_200],
    [8_000, '400', 400, 8_400],
    [2_045_222_521, '102261126.05', 102_261_126, 2_147_483_647],
    [2_045_222_522, '102261126.1', 102_261_126, 2_147_483_648],
    [2_147_483_647, '107374182.35', 107_374_182, 2_254_857_829],
  ])('prices a subtotal of %i (5 %% = %s) with a tax of %i and a total of %i', (subtotal, _exact, tax, total) => {
    const pricing = priceBill([{ quantity: 1, unitPrice: subtotal }]);
    expect(pricing).toMatchObject({
      subtotal: BigInt(subtotal),
      taxRateBasisPoints: 500,
      tax: BigInt(tax),
      total: BigInt(total),
    });
  });

  it('is 500 basis points', () => {
    expect(TAX_RATE_BASIS_POINTS).toBe(500);
  });

  it('taxes the subtotal once, not each line: three lines of 10 owe 2, not 3 × 1', () => {
    const pricing = priceBill([
      { quantity: 1, unitPrice: 10 },
      { quantity: 1, unitPrice: 10 },
      { quantity: 1, unitPrice: 10 },
    ]);
    expect(pricing.tax).toBe(2n);
  });

  it('is exact against long division for any subtotal and rate, however large', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 80n }), fc.integer({ min: 0, max: 10_000 }), (subtotal, rate) => {
        expect(taxOn(subtotal, rate)).toBe(referenceTax(subtotal, BigInt(rate)));
      }),
      { numRuns: 2_000 },
    );
  });

  it('is never more than half a minor unit from the exact tax, and a half always rounds up', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n }), (subtotal) => {
        // 10,000 × (tax − exact) lies in (−5,000, 5,000]: off by less than a half, or by exactly a half upwards.
        const error = taxOn(subtotal) * 10_000n - subtotal * 500n;
        expect(error > -5_000n && error <= 5_000n).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuses a negative subtotal and a rate outside 0–10,000 basis points', () => {
    expect(() => taxOn(-1n)).toThrow(RangeError);
    expect(() => taxOn(100n, 10_001)).toThrow(RangeError);
    expect(() => taxOn(100n, 2.5)).toThrow(RangeError);
  });
});

describe('line amounts and bill totals', () => {
  it('multiplies quantity by unit price exactly, beyond what a 32-bit Int holds', () => {
    expect(lineAmount(3, 1_999)).toBe(5_997n);
    expect(lineAmount(1, 0)).toBe(0n);
    expect(lineAmount(1_000, 100_000_000)).toBe(100_000_000_000n);
  });

  it('refuses quantities and prices that are not non-negative safe integers', () => {
    expect(() => lineAmount(1.5, 100)).toThrow(RangeError);
    expect(() => lineAmount(1, -1)).toThrow(RangeError);
    expect(() => lineAmount(2 ** 53, 1)).toThrow(RangeError);
  });

  it('sums the lines into the subtotal and adds the tax to make the total, for any valid bill', () => {
    const line = fc.record({
      quantity: fc.integer({ min: 1, max: 1_000 }),
      unitPrice: fc.integer({ min: 0, max: 100_000_000 }),
    });
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 50 }), (lines) => {
        const pricing = priceBill(lines);
        const amounts = lines.map((item) => BigInt(item.quantity) * BigInt(item.unitPrice));
        const subtotal = amounts.reduce((sum, amount) => sum + amount, 0n);
        expect(pricing.lineAmounts).toEqual(amounts);
        expect(pricing.subtotal).toBe(subtotal);
        expect(pricing.tax).toBe(referenceTax(subtotal, 500n));
        expect(pricing.total).toBe(pricing.subtotal + pricing.tax);
        expect(exceedsMoneyLimit(pricing)).toBe(pricing.total > 2_147_483_647n);
      }),
      { numRuns: 1_000 },
    );
  });

  it('lets a total of exactly 2,147,483,647 through and refuses one minor unit more', () => {
    expect(MAX_MONEY_AMOUNT).toBe(2_147_483_647);
    expect(exceedsMoneyLimit(priceBill([{ quantity: 1, unitPrice: 2_045_222_521 }]))).toBe(false);
    expect(exceedsMoneyLimit(priceBill([{ quantity: 1, unitPrice: 2_045_222_522 }]))).toBe(true);
    // 50 lines at the largest quantity and price: 5 × 10^12 minor units, refused, and still exact.
    const largest = priceBill(Array.from({ length: 50 }, () => ({ quantity: 1_000, unitPrice: 100_000_000 })));
    expect(largest.total).toBe(5_250_000_000_000n);
    expect(exceedsMoneyLimit(largest)).toBe(true);
  });
});

describe('bill numbers', () => {
  it('reads B-<year>-<6 digits>, with more digits past 999,999', () => {
    expect(formatBillNumber(2026, 42)).toBe('B-2026-000042');
    expect(formatBillNumber(2026, 999_999)).toBe('B-2026-999999');
    expect(formatBillNumber(2027, 1_000_000)).toBe('B-2027-1000000');
  });

  it("takes the year from the hospital's calendar: New Year's Eve 23:30 UTC is already next year in Berlin", () => {
    const instant = new Date('2026-12-31T23:30:00Z');
    expect(billingYear(instant, 'UTC')).toBe(2026);
    expect(billingYear(instant, 'Europe/Berlin')).toBe(2027);
  });
});

describe('issue-day filters', () => {
  it("cover whole days in the hospital's time zone, both ends inclusive", () => {
    expect(issueWindow('2026-03-02', '2026-03-02', 'UTC')).toEqual({
      from: new Date('2026-03-02T00:00:00Z'),
      to: new Date('2026-03-03T00:00:00Z'),
    });
  });

  it('follow daylight saving: the day summer time starts in Berlin is 23 hours long', () => {
    const { from, to } = issueWindow('2026-03-29', '2026-03-29', 'Europe/Berlin');
    expect(from).toEqual(new Date('2026-03-28T23:00:00Z'));
    expect(to).toEqual(new Date('2026-03-29T22:00:00Z'));
  });

  it('leave an absent end open', () => {
    expect(issueWindow(null, undefined, 'UTC')).toEqual({ from: null, to: null });
  });
});

describe('status after payments (payment-events ledger)', () => {
  it.each<[BillStatus, number, number, number, BillStatus]>([
    // current, total, amount paid (net), refunded → status
    ['ISSUED', 1_050, 0, 0, 'ISSUED'],
    ['ISSUED', 1_050, 400, 0, 'PARTIALLY_PAID'],
    ['ISSUED', 1_050, 1_050, 0, 'PAID'],
    ['PARTIALLY_PAID', 1_050, 1_050, 0, 'PAID'],
    ['PAID', 1_050, 650, 400, 'PARTIALLY_PAID'],
    ['PAID', 1_050, 0, 1_050, 'REFUNDED'],
    ['PARTIALLY_PAID', 1_050, 0, 300, 'REFUNDED'],
    ['REFUNDED', 1_050, 1_050, 1_050, 'PAID'],
    ['VOID', 1_050, 0, 0, 'VOID'],
    ['VOID', 1_050, 1_050, 0, 'VOID'],
    ['ISSUED', 0, 0, 0, 'ISSUED'],
  ])('a bill %s of total %i with %i paid and %i refunded becomes %s', (current, total, paid, refunded, expected) => {
    expect(statusAfterPayments(current, total, { amountPaid: paid, amountRefunded: refunded })).toBe(expected);
  });

  const bill = { status: 'ISSUED' as BillStatus, totalAmount: 1_050, paidAt: null, paymentSequence: 3 };

  it('ignores a ledger that is not newer than the one applied', () => {
    expect(ledgerOutcome(bill, { amountPaid: 1_050, amountRefunded: 0, sequence: 3 })).toBeNull();
    expect(ledgerOutcome(bill, { amountPaid: 1_050, amountRefunded: 0, sequence: 2 })).toBeNull();
  });

  it('reports the first time payments cover the total, and only the first', () => {
    expect(ledgerOutcome(bill, { amountPaid: 1_050, amountRefunded: 0, sequence: 4 })).toEqual({
      status: 'PAID',
      firstPaid: true,
      becameRefunded: false,
    });
    const paidBefore = { ...bill, status: 'PARTIALLY_PAID' as BillStatus, paidAt: new Date('2026-03-02T10:00:00Z') };
    expect(ledgerOutcome(paidBefore, { amountPaid: 1_050, amountRefunded: 100, sequence: 9 })?.firstPaid).toBe(false);
  });

  it('reports a bill becoming refunded, not one that already was', () => {
    const paid = { ...bill, status: 'PAID' as BillStatus };
    expect(ledgerOutcome(paid, { amountPaid: 0, amountRefunded: 1_050, sequence: 4 })?.becameRefunded).toBe(true);
    const refunded = { ...bill, status: 'REFUNDED' as BillStatus };
    expect(ledgerOutcome(refunded, { amountPaid: 0, amountRefunded: 1_050, sequence: 4 })?.becameRefunded).toBe(false);
  });
});

describe('voiding (SPEC §4: only before any payment)', () => {
  it.each<[string, string | null, BillStatus, number, boolean]>([
    ['an issued bill with nothing paid', null, 'ISSUED', 0, false],
    ['a bill voided before', 'BILL_VOID', 'VOID', 0, false],
    ['a bill with a payment', 'BILL_ALREADY_PAID', 'PARTIALLY_PAID', 500, false],
    ['a paid bill', 'BILL_ALREADY_PAID', 'PAID', 1_050, false],
    ['a refunded bill', 'BILL_ALREADY_PAID', 'REFUNDED', 0, false],
    ['an issued bill with an approved claim', 'BILL_ALREADY_PAID', 'ISSUED', 0, true],
  ])('of %s → %s', (_case, expected, status, amountPaid, approvedClaim) => {
    expect(voidViolation({ status, amountPaid }, approvedClaim)).toBe(expected);
  });
});

describe('insurance claims', () => {
  const issued = { status: 'ISSUED' as BillStatus, totalAmount: 1_050, amountPaid: 0 };

  it.each<[string, string | null, typeof issued, boolean, number]>([
    ['the whole total of an issued bill', null, issued, false, 1_050],
    ['part of a partly paid bill', null, { ...issued, status: 'PARTIALLY_PAID', amountPaid: 50 }, false, 1_000],
    ['a void bill', 'BILL_VOID', { ...issued, status: 'VOID' }, false, 1_050],
    ['a paid bill', 'BILL_ALREADY_PAID', { ...issued, status: 'PAID', amountPaid: 1_050 }, false, 1_050],
    ['a bill with an open claim', 'CLAIM_ALREADY_OPEN', issued, true, 1_050],
    ['more than the total', 'BAD_USER_INPUT', issued, false, 1_051],
    ['an amount of 0', 'BAD_USER_INPUT', issued, false, 0],
  ])('submitting %s → %s', (_case, expected, bill, open, amount) => {
    expect(claimViolation(bill, open, amount)).toBe(expected);
  });

  const submitted = { status: 'SUBMITTED' as const, claimedAmount: 1_000 };
  type Claim = { status: 'SUBMITTED' | 'APPROVED' | 'DENIED'; claimedAmount: number };

  it.each<[string, string | null, Claim, BillStatus, 'APPROVED' | 'DENIED', number | null]>([
    ['an approval of the whole claim', null, submitted, 'ISSUED', 'APPROVED', 1_000],
    ['an approval of 1', null, submitted, 'ISSUED', 'APPROVED', 1],
    ['a denial', null, submitted, 'ISSUED', 'DENIED', null],
    [
      'a second decision on an approved claim',
      'CLAIM_ALREADY_DECIDED',
      { ...submitted, status: 'APPROVED' },
      'ISSUED',
      'DENIED',
      null,
    ],
    [
      'a second decision on a denied claim',
      'CLAIM_ALREADY_DECIDED',
      { ...submitted, status: 'DENIED' },
      'ISSUED',
      'APPROVED',
      5,
    ],
    ['an approval without an amount', 'BAD_USER_INPUT', submitted, 'ISSUED', 'APPROVED', null],
    ['an approval above the claimed amount', 'BAD_USER_INPUT', submitted, 'ISSUED', 'APPROVED', 1_001],
    ['an approval of 0', 'BAD_USER_INPUT', submitted, 'ISSUED', 'APPROVED', 0],
    ['a denial with an amount', 'BAD_USER_INPUT', submitted, 'ISSUED', 'DENIED', 10],
    ['an approval on a bill voided meanwhile', 'BILL_VOID', submitted, 'VOID', 'APPROVED', 500],
    ['a denial on a bill voided meanwhile', null, submitted, 'VOID', 'DENIED', null],
  ])('%s → %s', (_case, expected, claim, billStatus, decision, approved) => {
    expect(decisionViolation(claim, billStatus, decision, approved)).toBe(expected);
  });
});
