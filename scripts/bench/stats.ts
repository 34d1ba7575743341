/** Small statistics helpers for the benchmark's figures. */

/** The `p`-th percentile (0–100) of `values` by nearest rank; NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  return nearestRank(sortedCopy(values), p);
}

function sortedCopy(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** `percentile` of values already sorted in ascending order. */
function nearestRank(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** p50, p95, p99, mean and max of latencies in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

export function summarise(latenciesMs: readonly number[]): LatencySummary {
  const sorted = sortedCopy(latenciesMs);
  return {
    count: sorted.length,
    p50: nearestRank(sorted, 50),
    p95: nearestRank(sorted, 95),
    p99: nearestRank(sorted, 99),
    mean: mean(sorted),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

/** The share (0–1) of `values` below zero; NaN for no values. */
export function negativeShare(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  return values.filter((value) => value < 0).length / values.length;
}

/** `numerator ÷ denominator`; NaN unless both are finite and the denominator is above zero. */
export function ratioOf(numerator: number, denominator: number): number {
  if (!Number.isFinite(numerator) || !Number.isFinite(denominator) || denominator <= 0) return Number.NaN;
  return numerator / denominator;
}

/**
 * Subscription delivery next to kafkajs's own produce→consume latency on the same broker: each summarised, the share
 * of deliveries that arrived before the mutation's response had been read (negative latencies, kept as they are),
 * and the ratios delivery ÷ Kafka of the p50s and of the p99s.
 */
export interface DeliveryComparison {
  delivery: LatencySummary;
  kafka: LatencySummary;
  negativeShare: number;
  ratio: { p50: number; p99: number };
}

export function compareDelivery(deliveryMs: readonly number[], kafkaMs: readonly number[]): DeliveryComparison {
  const delivery = summarise(deliveryMs);
  const kafka = summarise(kafkaMs);
  return {
    delivery,
    kafka,
    negativeShare: negativeShare(deliveryMs),
    ratio: { p50: ratioOf(delivery.p50, kafka.p50), p99: ratioOf(delivery.p99, kafka.p99) },
  };
}
