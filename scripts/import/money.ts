/**
 * Money from CSV text without floating point (SPEC §4): decimal strings such as `"83.875"` are parsed digit by
 * digit into exact integers (BigInt), and rounded once, half up, to minor units (cents).
 */

/** A non-negative decimal as an exact integer: `value = units × 10^-scale`, e.g. "83.875" → 83875n, scale 3. */
interface ExactDecimal {
  units: bigint;
  scale: number;
}

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * Parses a plain non-negative decimal (`"83.87"`, `"120"`, `"0.005"`; surrounding spaces allowed).
 *
 * @returns the exact value, or null for anything else: empty, negative, exponent notation, thousands separators.
 */
export function parseDecimal(text: string): ExactDecimal | null {
  const match = DECIMAL.exec(text.trim());
  if (!match) return null;
  const fraction = match[2] ?? '';
  return { units: BigInt(match[1]! + fraction), scale: fraction.length };
}

/** `numerator / denominator` rounded half up, for non-negative integers (denominator > 0). */
function divideRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (2n * numerator + denominator) / (2n * denominator);
}

/** `units / 10^scale` in cents, rounded half up; throws past Number.MAX_SAFE_INTEGER cents. */
function toCents(units: bigint, denominator: bigint): number {
  const cents = divideRoundHalfUp(units * 100n, denominator);
  if (cents > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('amount too large');
  return Number(cents);
}

/**
 * The median of decimal amounts (major units) in cents, rounded half up once at the end.
 *
 * Median rule, exact for any count: sort the exact values; for an odd count take the middle one; for an even
 * count take the exact mean of the two middle ones, `(a + b) / 2`, which may have one more decimal than the
 * inputs (83.87 and 83.88 → 83.875), and only then round half up to the cent (→ 8388). No value is rounded
 * before the median is taken, so the result does not depend on the order or precision of the inputs.
 *
 * @param amounts decimal strings; entries that are not plain non-negative decimals are ignored.
 * @returns cents, or null when no amount is usable.
 */
export function medianCents(amounts: Iterable<string>): number | null {
  const decimals = [...amounts].map(parseDecimal).filter((decimal): decimal is ExactDecimal => decimal !== null);
  if (decimals.length === 0) return null;
  // Bring every value to the largest scale so that they compare and add as plain integers.
  const scale = Math.max(...decimals.map((decimal) => decimal.scale));
  const units = decimals
    .map((decimal) => decimal.units * 10n ** BigInt(scale - decimal.scale))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const denominator = 10n ** BigInt(scale);
  const middle = Math.floor(units.length / 2);
  if (units.length % 2 === 1) return toCents(units[middle]!, denominator);
  return toCents(units[middle - 1]! + units[middle]!, 2n * denominator);
}
