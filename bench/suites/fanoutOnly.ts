import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../lib/packageRoot';
import { removeDir, startServer, tempDir } from '../harness/serverProcess';
import { markdownTables, verdictLine } from '../report/markdown';
import { progress, startBaselines, type Measurement, type Ratio } from './context';
import { fanoutBenchmark } from './streams';

/** Issue 13's fan-out targets: p99 write-to-delivery per subscriber count, and every delivery seen. */
const P99_LIMIT_MS: Record<number, number> = { 100: 50, 1000: 250 };

/** The fan-out rows of a run as targets, for the verdict table (none when the run has no fan-out). */
export function fanoutTargets(measurements: Measurement[]): Ratio[] {
  const out: Ratio[] = [];
  for (const m of measurements.filter((x) => x.group === 'fan-out' && x.name.startsWith('SyncUsers'))) {
    const subscribers = Number(/(\d+) subscribers/.exec(m.name)?.[1]);
    const [seen, expected] = (m.note ?? '').match(/[\d,]+/g)?.map((n) => Number(n.replace(/,/g, ''))) ?? [NaN, NaN];
    out.push({
      name: `fan-out to ${subscribers} subscribers: deliveries seen / sent`,
      ours: m.name,
      baseline: 'writes × subscribers',
      value: seen / expected,
      target: 1,
      op: '>=',
    });
    const limit = P99_LIMIT_MS[subscribers];
    if (limit !== undefined)
      out.push({
        name: `fan-out to ${subscribers} subscribers: p99 write-to-delivery`,
        ours: m.name,
        baseline: '',
        value: m.p99ms ?? NaN,
        target: limit,
        op: '<',
        unit: 'ms',
      });
  }
  return out;
}

/**
 * `npm run bench -- --only fanout`: the SyncUsers fan-out alone (100 then 1,000 subscribers) on
 * a fresh embedded server, each next to the bare grpc-js fan-out (the transport's floor), for measuring a change to the stream path without the 8-minute run.
 * Prints the table and verdicts; writes bench/results/fanout.json, never RESULTS.md. With
 * `profileDir`, the server and every subscriber process write a V8 CPU profile there as they exit.
 */
export async function fanoutOnly(quick: boolean, tag: string, profileDir?: string, rounds = 3): Promise<void> {
  const started = Date.now();
  const dir = tempDir('bench-fanout');
  const nodeArgs = profileDir ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(profileDir)] : [];
  const server = await startServer(dir, [], nodeArgs);
  const bare = await startBaselines();
  const runs: Measurement[] = [];
  try {
    // Alternating rounds (ours, then the bare floor, per subscriber count): this machine moves
    // +-20% between runs, and a p99 of 200 writes is their second worst, so one round decides nothing.
    for (let round = 0; round < rounds; round++) {
      progress(`fan-out round ${round + 1} of ${rounds}`);
      for (const subscribers of [100, 1000]) {
        runs.push(
          await fanoutBenchmark({ addr: server.addr, pid: server.child.pid!, subscribers, writes: quick ? 50 : 200, tag: `${tag}r${round}`, nodeArgs }),
        );
        runs.push(await fanoutBenchmark({ addr: bare.grpc, pid: bare.pid, subscribers, writes: quick ? 50 : 200, tag: `${tag}r${round}b`, bare: true }));
      }
    }
  } finally {
    await server.stop();
    bare.child.kill();
    removeDir(dir);
  }
  const measurements = mediansOf(runs);
  const targets = fanoutTargets(measurements);
  process.stdout.write(`${markdownTables(measurements, targets)}\n${targets.map(verdictLine).join('\n')}\n`);
  const outDir = path.join(packageRoot(), 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const machine = `${os.cpus().length} cores, Node.js ${process.version}, load average ${os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')} at the end`;
  const command = `npm run bench -- --only fanout --rounds ${rounds}${quick ? ' --quick' : ''}`;
  writeFileSync(
    path.join(outDir, 'fanout.json'),
    `${JSON.stringify({ date: new Date().toISOString(), command, machine, targets, measurements: measurements.map(({ latenciesMs: _l, ...m }) => m) }, null, 2)}\n`,
  );
  progress(`fan-out done in ${Math.round((Date.now() - started) / 1000)} s; bench/results/fanout.json written`);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * One row per measured thing across rounds: the median of each figure, the fewest deliveries
 * seen (a round that lost one must show), and every round's p99 in the note.
 */
function mediansOf(runs: Measurement[]): Measurement[] {
  const byName = new Map<string, Measurement[]>();
  for (const run of runs) byName.set(run.name, [...(byName.get(run.name) ?? []), run]);
  return [...byName.values()].map((same) => {
    if (same.length === 1) return same[0];
    const fewest = same.reduce((a, b) => (a.rate <= b.rate ? a : b));
    const pick = (f: (m: Measurement) => number | undefined) => median(same.map(f).filter((v): v is number => v !== undefined));
    return {
      ...fewest,
      p50ms: pick((m) => m.p50ms),
      p99ms: pick((m) => m.p99ms),
      serverCpuMs: pick((m) => m.serverCpuMs),
      loadCpuMs: pick((m) => m.loadCpuMs),
      // The round that saw the fewest comes first: fanoutTargets reads "seen of expected" from the note's start.
      note: `${fewest.note}; medians of ${same.length} rounds, p99 per round ${same.map((m) => m.p99ms).join(', ')} ms`,
      latenciesMs: same.flatMap((m) => m.latenciesMs ?? []),
    };
  });
}
