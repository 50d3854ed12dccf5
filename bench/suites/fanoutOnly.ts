import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../lib/packageRoot';
import { removeDir, startServer, tempDir } from '../harness/serverProcess';
import { markdownTables, verdictLine } from '../report/markdown';
import { progress, startBaselines, type Measurement, type Ratio } from './context';
import { inRounds, mediansOf } from './rounds';
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

/** One round of the fan-out: ours (then the bare grpc-js floor, if asked), at 100 and then 1,000 subscribers. */
export async function fanoutRound(env: {
  ours: { addr: string; pid: number };
  bare: { grpc: string; pid: number };
  writes: number;
  tag: string;
  nodeArgs?: string[];
  /** The bare fan-out too: it shows the transport's floor, but no target is judged against it. */
  withBare: boolean;
}): Promise<Measurement[]> {
  const out: Measurement[] = [];
  for (const subscribers of [100, 1000]) {
    out.push(await fanoutBenchmark({ ...env.ours, subscribers, writes: env.writes, tag: env.tag, nodeArgs: env.nodeArgs }));
    if (env.withBare)
      out.push(await fanoutBenchmark({ addr: env.bare.grpc, pid: env.bare.pid, subscribers, writes: env.writes, tag: `${env.tag}b`, bare: true }));
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
  let runs: Measurement[] = [];
  try {
    // Alternating rounds (ours, then the bare floor, per subscriber count): this machine moves
    // +-20% between runs, and a p99 of 200 writes is their second worst, so one round decides nothing.
    runs = await inRounds(
      rounds,
      (round) =>
        fanoutRound({ ours: { addr: server.addr, pid: server.child.pid! }, bare, writes: quick ? 50 : 200, tag: `${tag}r${round}`, nodeArgs, withBare: true }),
      (round) => progress(`fan-out round ${round + 1} of ${rounds}`),
    );
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
