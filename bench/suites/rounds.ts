import type { Measurement, Ratio } from './context';

/**
 * Rounds: this machine moves +-20% between runs, so every figure a target is judged on is
 * measured in alternating rounds (baseline, ours, baseline, ours, ...) and the verdict is the
 * median of the per-round values. A ratio is taken within each round first, so ours and its
 * baseline always come from neighbouring minutes, and a slow minute cannot pass or fail a target.
 */

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Tags each measurement `work` returns with the round it was taken in. */
export async function inRounds(rounds: number, work: (round: number) => Promise<Measurement[]>, onRound?: (round: number) => void): Promise<Measurement[]> {
  const out: Measurement[] = [];
  for (let round = 0; round < rounds; round++) {
    onRound?.(round);
    out.push(...(await work(round)).map((m) => ({ ...m, round })));
  }
  return out;
}

const key = (m: Pick<Measurement, 'group' | 'name'>) => `${m.group}\u0000${m.name}`;

/**
 * One row per measured thing across rounds: the median of each figure, every round's rate in the
 * note, and the samples of all rounds for the plots. The fan-out rows keep the fewest deliveries
 * seen in front of their note (a round that lost one must show, and fanoutTargets reads it).
 */
export function mediansOf(runs: Measurement[]): Measurement[] {
  const byKey = new Map<string, Measurement[]>();
  for (const run of runs) byKey.set(key(run), [...(byKey.get(key(run)) ?? []), run]);
  return [...byKey.values()].map((same) => {
    if (same.length === 1) return same[0];
    const fewest = same.reduce((a, b) => (a.rate <= b.rate ? a : b));
    const pick = (f: (m: Measurement) => number | undefined) => {
      const values = same.map(f).filter((v): v is number => v !== undefined && !Number.isNaN(v));
      return values.length === 0 ? undefined : median(values);
    };
    const perRound = `median of ${same.length} rounds: ${same.map((m) => m.rate.toLocaleString('en')).join(', ')} ${same[0].unit}`;
    return {
      ...same[0],
      rate: pick((m) => m.rate) ?? NaN,
      p50ms: pick((m) => m.p50ms),
      p99ms: pick((m) => m.p99ms),
      serverCpuMs: pick((m) => m.serverCpuMs),
      loadCpuMs: pick((m) => m.loadCpuMs),
      bytesPerMessage: pick((m) => m.bytesPerMessage),
      round: undefined,
      note: fewest.group === 'fan-out' ? `${fewest.note}; ${perRound}, p99 per round ${same.map((m) => m.p99ms).join(', ')} ms` : perRound,
      latenciesMs: same.flatMap((m) => m.latenciesMs ?? []),
    };
  });
}

/** Which figure of a measurement a target reads. */
export type Figure = 'rate' | 'p50ms' | 'p99ms' | 'serverCpuMs';

/** A target: a figure of ours, alone or over the same figure of a baseline measured in the same rounds. */
export interface TargetSpec {
  name: string;
  ours: { group: string; name: string };
  baseline?: { group: string; name: string };
  figure?: Figure;
  target: number;
  op: Ratio['op'];
  unit?: Ratio['unit'];
}

/**
 * The verdict of each target from the per-round measurements: the per-round values (ours over its
 * baseline from the same round, or ours alone) and their median. A target whose rows are missing
 * (a part left out with --no-kafka) is left out too.
 */
export function judge(runs: Measurement[], specs: TargetSpec[]): Ratio[] {
  const out: Ratio[] = [];
  for (const spec of specs) {
    const figure = spec.figure ?? 'rate';
    const ours = runs.filter((m) => key(m) === key(spec.ours));
    if (ours.length === 0) continue;
    const values = ours.map((m) => {
      const mine = m[figure] ?? NaN;
      if (!spec.baseline) return mine;
      const base = runs.find((b) => key(b) === key(spec.baseline!) && b.round === m.round);
      return base ? mine / (base[figure] ?? NaN) : NaN;
    });
    out.push({
      name: spec.name,
      ours: spec.ours.name,
      baseline: spec.baseline?.name ?? '',
      value: median(values),
      rounds: values,
      target: spec.target,
      op: spec.op,
      unit: spec.unit,
    });
  }
  return out;
}
