/** Latency percentiles in ms from samples in ms (sorted in place). */
export function percentiles(samples: number[]): { p50: number; p99: number; max: number } {
  if (samples.length === 0) return { p50: NaN, p99: NaN, max: NaN };
  samples.sort((a, b) => a - b);
  const at = (q: number) => round(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]);
  return { p50: at(0.5), p99: at(0.99), max: round(samples[samples.length - 1]) };
}

export const round = (n: number, digits = 2): number => Number(n.toFixed(digits));

/** A histogram of samples (ms) on log-spaced buckets, for the latency plots. */
export function histogram(samples: number[], buckets = 40): { upperMs: number; fraction: number }[] {
  if (samples.length === 0) return [];
  const sorted = [...samples].sort((a, b) => a - b);
  const lo = Math.max(0.01, sorted[0]);
  const hi = Math.max(lo * 1.01, sorted[sorted.length - 1]);
  const ratio = Math.pow(hi / lo, 1 / buckets);
  const out: { upperMs: number; fraction: number }[] = [];
  let i = 0;
  for (let b = 1; b <= buckets; b++) {
    const upper = lo * Math.pow(ratio, b);
    let n = 0;
    while (i < sorted.length && (sorted[i] <= upper || b === buckets)) (i++, n++);
    out.push({ upperMs: round(upper, 3), fraction: n / sorted.length });
  }
  return out;
}
