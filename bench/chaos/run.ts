import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkHistory } from './checker';
import { SharedBroker, type ChaosCluster } from './cluster';
import { startCluster } from './clusterStart';
import { rebuiltChecksum, settledChecksums } from './convergence';
import { CpuUse } from './cpuUse';
import { FULL_PLAN, QUICK_PLAN, faultsNamed, type FaultContext } from './faults';
import { checkFeed } from './feedCheck';
import { Load } from './load';
import { readEventLog } from './logHistory';
import { Replicas } from './replicas';
import { faultRow, table, type FaultWindow } from './report';

/**
 * npm run chaos [-- --quick | --faults a,b,...] [-- --single]: three service replicas on a three-node Kafka cluster,
 * a steady load of writes and min-cursor reads, faults one after another with recovery between,
 * then the checks of issue 14. Exits 1 on any loss, duplicate, divergence or stale read.
 * --single runs the load and the checks on the shared broker with no faults (development).
 */
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    single: { type: 'boolean', default: false },
    rate: { type: 'string', default: '20' },
    'run-dir': { type: 'string', default: '/tmp/chaos-run' },
    'settle-s': { type: 'string' },
    faults: { type: 'string' },
  },
});
const quick = values.quick!;
const plan = values.faults ? values.faults.split(',') : quick ? QUICK_PLAN : FULL_PLAN;
faultsNamed(plan); // an unknown name ends the run before a cluster starts
const runDir = values['run-dir']!;
const settleMs = Number(values['settle-s'] ?? (quick ? 5 : 15)) * 1000;
const began = Date.now();
const progress = (line: string) => process.stdout.write(`[${((Date.now() - began) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
/** How long writes may take to become steady again once a fault is undone before that is a finding. */
const RECOVERY_LIMIT_MS = 120_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once the last 20 writes all succeeded in under a second (or after `timeoutMs`). */
async function settled(load: Load, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const last = load.writes.slice(-20);
    if (last.length === 20 && last.every((w) => w.ok && w.endedAt - w.startedAt < 1000)) return true;
    await sleep(250);
  }
  return false;
}

async function main(): Promise<number> {
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const cluster: ChaosCluster = values.single ? new SharedBroker() : await startCluster(progress);
  const runId = `chaos${Date.now().toString(36)}`;
  const prefix = `${runId}.`;
  const kafkaArgs = ['--log', 'kafka', '--brokers', cluster.brokers.join(','), '--kafka-replication', String(cluster.replication), '--kafka-prefix', prefix];
  const replicas = new Replicas(runDir, kafkaArgs, 47051);
  progress(`cluster ${cluster.brokers.join(',')}; prefix ${prefix}; replicas ${replicas.addrs.join(', ')}; run dir ${runDir}`);
  await replicas.startAll();
  const rate = Number(values.rate);
  // One write per second per writer: a writer waiting out a stall does not slow the others.
  const load = new Load(replicas.addrs, (i) => replicas.running(i), runId, rate, rate);
  const ticker = setInterval(() => {
    const ok = load.writes.filter((w) => w.ok).length;
    progress(`  writes acked ${ok}, failed ${load.writes.length - ok}; reads ${load.reads.length}`);
  }, 10_000);
  const windows: FaultWindow[] = [];
  const unrecovered: string[] = [];
  const cpu = new CpuUse();
  let exitCode = 0;
  try {
    load.start();
    // The replicas' decider group settles after the last one joins: the stall until then is a
    // row of its own, not part of the first fault's numbers.
    windows.push({ name: 'start-up (until 20 writes in a row succeed under 1 s)', from: Date.now(), to: 0, forbiddenAcks: 0 });
    progress((await settled(load, 120_000)) ? 'writes steady' : 'writes did not become steady in 120 s: going on with the faults');
    windows[windows.length - 1].to = Date.now();
    windows.push({ name: 'none (steady load)', from: Date.now(), to: 0, forbiddenAcks: 0 });
    await sleep(settleMs);
    const faults = cluster.faulty ? faultsNamed(plan) : [];
    const ctx: FaultContext = { cluster, replicas, physical: (t) => `${prefix}${t}`, progress };
    for (const fault of faults) {
      windows[windows.length - 1].to = Date.now();
      progress(`fault: ${fault.name}`);
      const window: FaultWindow = { name: fault.name, from: Date.now(), to: 0, forbiddenAcks: 0 };
      windows.push(window);
      await fault.run(ctx);
      if (fault.noAckWindow) {
        const { from, to } = fault.noAckWindow;
        window.forbiddenAcks = load.writes.filter((w) => w.ok && w.endedAt >= from && w.endedAt < to).length;
      }
      // Each fault's row measures that fault alone: the next one waits until writes are steady.
      const undone = Date.now();
      if (await settled(load, RECOVERY_LIMIT_MS))
        progress(`  undone; writes steady ${((Date.now() - undone) / 1000).toFixed(1)} s later; ${settleMs / 1000} s of load before the next`);
      else {
        progress(`  writes not steady ${RECOVERY_LIMIT_MS / 1000} s after the fault was undone`);
        unrecovered.push(`writes not steady ${RECOVERY_LIMIT_MS / 1000} s after "${fault.name}" was undone`);
      }
      await sleep(settleMs);
    }
    windows[windows.length - 1].to = Date.now();
    progress('quiescing: load stopped');
    await load.stop();
    clearInterval(ticker);
    cpu.stop();
    for (let i = 0; i < replicas.addrs.length; i++) if (!replicas.running(i)) await replicas.start(i);

    const sums = await settledChecksums(replicas.addrs.map((_, i) => replicas.dataDir(i)));
    progress(`checksums: ${sums.map((s) => `${s.checksum.slice(0, 12)} (cursor ${s.cursor}, ${s.users} users)`).join('; ')}`);
    // A rebuild that fails is a finding (the log cannot be replayed), not the end of the checks.
    const rebuilt = await rebuiltChecksum(kafkaArgs, runDir).catch((error: Error) => ({
      checksum: `rebuild failed: ${error.message.trim()}`,
      cursor: '',
      users: 0,
    }));
    const rebuiltText = rebuilt.cursor ? rebuilt.checksum.slice(0, 16) : rebuilt.checksum;
    progress(`fresh rebuild: ${rebuiltText} (cursor ${rebuilt.cursor}, ${rebuilt.users} users)`);
    const events = await readEventLog(cluster.brokers, prefix, path.join(runDir, 'log-reader'));
    progress(`users.events holds ${events.length} events`);
    const verdict = checkHistory(load.writes, load.reads, events);
    const divergent = sums.some((s) => s.checksum !== rebuilt.checksum || s.cursor !== rebuilt.cursor);
    if (divergent) verdict.findings.push(`divergence: replicas ${sums.map((s) => s.checksum).join(', ')} against rebuild ${rebuilt.checksum}`);

    const identity = load.writes.find((w) => w.cursor)?.cursor?.split('@')[1];
    const partitions = [...new Set(events.map((e) => e.partition))];
    const startCursor = `${[0, 1, 2, ...partitions]
      .filter((p, i, all) => all.indexOf(p) === i)
      .sort()
      .map((p) => `${p}:0`)
      .join(',')}${identity ? `@${identity}` : ''}`;
    const expected = new Set(events.filter((e) => e.userId).map((e) => `${e.userId}@${e.version}`));
    for (const addr of replicas.addrs) verdict.findings.push(...(await checkFeed(addr, startCursor, expected)));
    verdict.findings.push(...unrecovered);
    const forbidden = windows.reduce((n, w) => n + w.forbiddenAcks, 0);
    if (forbidden > 0) verdict.findings.push(`${forbidden} writes acknowledged with two of three brokers down`);

    const rows = windows.map((w) => faultRow(w, load.writes, cpu.busyPercent(w.from, w.to)));
    const report = table(rows, verdict, [
      `replica checksums ${sums.map((s) => s.checksum.slice(0, 16)).join(', ')}; fresh rebuild ${rebuiltText}: ${divergent ? 'DIVERGENT' : 'equal'}`,
      `WatchUsers from ${startCursor} on each replica: ${expected.size} changes expected`,
      `machine CPU busy ${cpu.busyPercent(windows[0].from, windows[windows.length - 1].to)}% of ${cpus().length} cores under load; the harness itself (writers, readers, checks) used ${(process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6).toFixed(0)} CPU-s`,
      ...(replicas.failedStarts.length ? ['', 'replica starts that failed and were tried again:', ...replicas.failedStarts.map((f) => `- ${f}`)] : []),
      ...(verdict.findings.length ? ['', 'findings:', ...verdict.findings.slice(0, 50).map((f) => `- ${f}`)] : ['', 'no findings']),
    ]);
    process.stdout.write(`\n${report}\n`);
    writeFileSync(path.join(runDir, 'report.md'), `${report}\n`);
    writeFileSync(path.join(runDir, 'history.json'), JSON.stringify({ writes: load.writes, reads: load.reads, windows }, null, 1));
    if (verdict.lost || verdict.duplicated || verdict.staleReads || divergent || forbidden || verdict.findings.length) exitCode = 1;
  } finally {
    clearInterval(ticker);
    await load.stop();
    load.close();
    const codes = await replicas.stopAll();
    progress(`replicas stopped: exit ${codes.join(', ')}`);
    await cluster.down();
  }
  progress(exitCode === 0 ? 'PASS' : 'FAIL');
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`chaos: ${(error as Error).stack ?? error}\n`);
    process.exit(2);
  },
);
