// Small statistics helpers for the bench: exact percentiles over recorded samples.

/** The q-quantile (0..1) of `sorted` (ascending), nearest-rank; NaN when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export type LatencySummary = {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
};

/** p50/p90/p99/p99.9/max/mean of `values` (milliseconds in, milliseconds out, 0.1 ms rounding). */
export function summarize(values: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  const list = Array.from(sorted);
  const round = (n: number) => (Number.isFinite(n) ? Math.round(n * 10) / 10 : Number.NaN);
  const sum = list.reduce((a, b) => a + b, 0);
  return {
    count: list.length,
    p50: round(quantile(list, 0.5)),
    p90: round(quantile(list, 0.9)),
    p99: round(quantile(list, 0.99)),
    p999: round(quantile(list, 0.999)),
    max: round(list.at(-1) ?? Number.NaN),
    mean: round(list.length ? sum / list.length : Number.NaN),
  };
}

/** The median of a list (NaN when empty). */
export function median(values: readonly number[]): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}
