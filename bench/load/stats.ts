/** Latency percentiles in ms from samples in ms (sorted in place). */
export function percentiles(samples: number[]): { p50: number; p99: number; max: number } {
  if (samples.length === 0) return { p50: NaN, p99: NaN, max: NaN };
  samples.sort((a, b) => a - b);
  const at = (q: number) => round(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]);
  return { p50: at(0.5), p99: at(0.99), max: round(samples[samples.length - 1]) };
}

export const round = (n: number, digits = 2): number => Number(n.toFixed(digits));
