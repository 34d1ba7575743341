/** The payment rules of SPEC §2 and §4, one table each. */
import { describe, expect, it } from '@jest/globals';
import type { Principal } from '../../platform/auth/principal.ts';
import {
  balanceDue,
  mayUseMethod,
  PAYMENT_METHODS,
  refundable,
  refundViolation,
  reservationViolation,
  statusAfterRefund,
} from './payment.rules.ts';

const as = (...roles: Principal['roles']): Principal => ({ userId: '0192f000-0000-7000-8000-000000000001', roles });

describe('who records which method', () => {
  it.each(PAYMENT_METHODS)('lets billing staff and admins record %s', (method) => {
    expect(mayUseMethod(as('BILLING'), method)).toBe(true);
    expect(mayUseMethod(as('ADMIN'), method)).toBe(true);
  });

  it('lets a patient pay online only, and nobody else pay at all', () => {
    expect(PAYMENT_METHODS.filter((method) => mayUseMethod(as('PATIENT'), method))).toEqual(['ONLINE']);
    expect(PAYMENT_METHODS.filter((method) => mayUseMethod(as('DOCTOR', 'RECEPTION'), method))).toEqual([]);
    expect(mayUseMethod(null, 'ONLINE')).toBe(false);
  });
});

describe('reserving an amount on a bill', () => {
  it.each([
    { reserved: 0, amount: 10_500, expected: null },
    { reserved: 10_000, amount: 500, expected: null },
    { reserved: 10_000, amount: 501, expected: 'OVERPAYMENT' },
    { reserved: 10_500, amount: 1, expected: 'OVERPAYMENT' },
  ])('of a 105.00 bill with $reserved reserved: $amount → $expected', ({ reserved, amount, expected }) => {
    expect(reservationViolation({ status: 'OPEN', totalAmount: 10_500, reservedAmount: reserved }, amount)).toBe(
      expected,
    );
  });

  it('refuses anything on a void bill', () => {
    expect(reservationViolation({ status: 'VOID', totalAmount: 10_500, reservedAmount: 0 }, 1)).toBe('BILL_VOID');
  });
});

describe('refunds', () => {
  it.each([
    { status: 'SUCCEEDED', refunded: 0, amount: 8_000, expected: null },
    { status: 'PARTIALLY_REFUNDED', refunded: 3_000, amount: 5_000, expected: null },
    { status: 'PARTIALLY_REFUNDED', refunded: 3_000, amount: 5_001, expected: 'REFUND_EXCEEDS_PAYMENT' },
    { status: 'REFUNDED', refunded: 8_000, amount: 1, expected: 'PAYMENT_NOT_REFUNDABLE' },
    { status: 'FAILED', refunded: 0, amount: 1, expected: 'PAYMENT_NOT_REFUNDABLE' },
    { status: 'PENDING', refunded: 0, amount: 1, expected: 'PAYMENT_NOT_REFUNDABLE' },
  ] as const)('$amount of an 80.00 payment $status with $refunded refunded → $expected', (row) => {
    const payment = { status: row.status, amount: 8_000, refundedAmount: row.refunded };
    expect(refundViolation(payment, row.amount)).toBe(row.expected);
  });

  it('names the status after refunds', () => {
    expect([0, 1, 7_999, 8_000].map((refunded) => statusAfterRefund(8_000, refunded))).toEqual([
      'SUCCEEDED',
      'PARTIALLY_REFUNDED',
      'PARTIALLY_REFUNDED',
      'REFUNDED',
    ]);
    expect(refundable({ status: 'PARTIALLY_REFUNDED', amount: 8_000, refundedAmount: 3_000 })).toBe(5_000);
  });
});

describe('the balance due', () => {
  it('is the total less what was paid, nothing on a void bill, the total before payments knows the bill', () => {
    expect(balanceDue(10_500, { status: 'OPEN', paidAmount: 4_000 })).toBe(6_500);
    expect(balanceDue(10_500, { status: 'VOID', paidAmount: 0 })).toBe(0);
    expect(balanceDue(10_500, null)).toBe(10_500);
  });
});
