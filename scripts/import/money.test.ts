import { describe, expect, it } from '@jest/globals';
import { medianCents, parseDecimal } from './money.ts';

/** One amount in cents: the median of a single value is that value, rounded once. */
const cents = (text: string): number | null => medianCents([text]);

describe('an amount in cents (the median of one)', () => {
  it('converts dollars with two decimals to cents exactly', () => {
    expect(cents('83.87')).toBe(8387);
    expect(cents('129.16')).toBe(12916);
    // 0.29 * 100 is 28.999999999999996 in floating point; digit by digit it is 29.
    expect(cents('0.29')).toBe(29);
  });

  it('rounds a third decimal half up', () => {
    expect(cents('83.875')).toBe(8388);
    expect(cents('83.874')).toBe(8387);
    expect(cents('0.005')).toBe(1);
    expect(cents('0.0049999')).toBe(0);
    expect(cents('99.995')).toBe(10000);
  });

  it('accepts whole amounts and a single decimal', () => {
    expect(cents('120')).toBe(12000);
    expect(cents('7.5')).toBe(750);
    expect(cents(' 42.00 ')).toBe(4200);
  });

  it('refuses text that is not a plain non-negative decimal', () => {
    for (const text of ['', '-1.00', '1e3', '1,000.00', '12.', '.5', 'abc', 'NaN']) {
      expect(cents(text)).toBeNull();
    }
  });

  it('keeps every digit of a long fraction', () => {
    expect(parseDecimal('1.000000000000000000001')).toEqual({ units: 1000000000000000000001n, scale: 21 });
  });
});

describe('medianCents', () => {
  it('takes the middle value of an odd count, whatever the order', () => {
    expect(medianCents(['129.16', '83.87', '100.00'])).toBe(10000);
  });

  it('takes the exact mean of the two middle values of an even count, then rounds half up once', () => {
    // (83.87 + 83.88) / 2 = 83.875 → 8388 cents.
    expect(medianCents(['83.88', '83.87'])).toBe(8388);
    // (10.00 + 10.01) / 2 = 10.005 → 1001.
    expect(medianCents(['10.00', '10.01', '9.00', '11.00'])).toBe(1001);
    // (1.00 + 2.00) / 2 = 1.50, nothing to round.
    expect(medianCents(['1', '2.00'])).toBe(150);
  });

  it('compares values written with different numbers of decimals exactly', () => {
    expect(medianCents(['0.1', '0.09', '0.105'])).toBe(10);
    expect(medianCents(['83.875'])).toBe(8388);
  });

  it('ignores unusable amounts and returns null when none is left', () => {
    expect(medianCents(['', 'n/a', '50.00'])).toBe(5000);
    expect(medianCents(['', 'n/a'])).toBeNull();
    expect(medianCents([])).toBeNull();
  });
});
