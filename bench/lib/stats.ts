/** Small statistics helpers for the benchmarks: medians and tail percentiles of raw samples. */

/** Summary of one series of samples (milliseconds unless said otherwise). */
export interface Summary {
  n: number;
  median: number;
  p99: number;
  min: number;
  max: number;
}

/** Nearest-rank percentile (p in 0–100) of unsorted samples; NaN when there are none. */
export const percentile = (samples: readonly number[], p: number): number => {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
};

/** Median (mean of the two middle values for an even count). */
export const median = (samples: readonly number[]): number => {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

export const summarize = (samples: readonly number[]): Summary => {
  // No Math.min(...samples): a spread of 100,000+ samples overflows the stack.
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of samples) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return {
    n: samples.length,
    median: median(samples),
    p99: percentile(samples, 99),
    min: samples.length === 0 ? Number.NaN : min,
    max: samples.length === 0 ? Number.NaN : max,
  };
};

/** Milliseconds with a precision that suits the magnitude (0.0123, 1.23, 123). */
export const ms = (v: number): string => {
  if (!Number.isFinite(v)) return 'n/a';
  if (v < 0.1) return v.toFixed(4);
  if (v < 10) return v.toFixed(2);
  if (v < 100) return v.toFixed(1);
  return v.toFixed(0);
};

/** A ratio as `2.31×`. */
export const ratio = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(2)}×` : 'n/a');

/** Bytes as KB (1 KB = 1,024 bytes) with one decimal. */
export const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

/** Seeded PRNG (mulberry32): the same seed gives the same workloads on every run. */
export const rng = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};
