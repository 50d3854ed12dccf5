import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../lib/packageRoot';
import { removeDir, startServer, tempDir } from '../../test/support/serverProcess';
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
    out.push({ name: `fan-out to ${subscribers} subscribers: deliveries seen / sent`, ours: m.name, baseline: 'writes × subscribers', value: seen / expected, target: 1, op: '>=' });
    const limit = P99_LIMIT_MS[subscribers];
    if (limit !== undefined) out.push({ name: `fan-out to ${subscribers} subscribers: p99 write-to-delivery`, ours: m.name, baseline: '', value: m.p99ms ?? NaN, target: limit, op: '<', unit: 'ms' });
  }
  return out;
}

/**
 * `npm run bench -- --only fanout`: the SyncUsers fan-out alone (100 then 1,000 subscribers) on
 * a fresh embedded server, each next to the bare grpc-js fan-out (the transport's floor), for measuring a change to the stream path without the 8-minute run.
 * Prints the table and verdicts; writes bench/results/fanout.json, never RESULTS.md. With
 * `profileDir`, the server and every subscriber process write a V8 CPU profile there as they exit.
 */
export async function fanoutOnly(quick: boolean, tag: string, profileDir?: string): Promise<void> {
  const started = Date.now();
  const dir = tempDir('bench-fanout');
  const nodeArgs = profileDir ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(profileDir)] : [];
  const server = await startServer(dir, [], nodeArgs);
  const bare = await startBaselines();
  const measurements: Measurement[] = [];
  try {
    for (const subscribers of [100, 1000]) {
      measurements.push(await fanoutBenchmark({ addr: server.addr, pid: server.child.pid!, subscribers, writes: quick ? 50 : 200, tag, nodeArgs }));
      measurements.push(await fanoutBenchmark({ addr: bare.grpc, pid: bare.pid, subscribers, writes: quick ? 50 : 200, tag: `${tag}b`, bare: true }));
    }
  } finally {
    await server.stop();
    bare.child.kill();
    removeDir(dir);
  }
  const targets = fanoutTargets(measurements);
  process.stdout.write(`${markdownTables(measurements, targets)}\n${targets.map(verdictLine).join('\n')}\n`);
  const outDir = path.join(packageRoot(), 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const machine = `${os.cpus().length} cores, Node.js ${process.version}, load average ${os.loadavg().map((n) => n.toFixed(2)).join(' ')} at the end`;
  const command = `npm run bench -- --only fanout${quick ? ' --quick' : ''}`;
  writeFileSync(path.join(outDir, 'fanout.json'), `${JSON.stringify({ date: new Date().toISOString(), command, machine, targets, measurements: measurements.map(({ latenciesMs: _l, ...m }) => m) }, null, 2)}\n`);
  progress(`fan-out done in ${Math.round((Date.now() - started) / 1000)} s; bench/results/fanout.json written`);
}
