import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clientFleet } from './load/clientFleet';
import { processCpuMs } from './load/processCpu';
import { flagOf } from './harness/flags';
import { round } from './load/stats';

/**
 * CreateUser on Kafka against the embedded log, and a Kafka-mode server at rest, on one or more
 * builds alternated round by round (old, new, old, new...), so the machine's drift lands on
 * every build alike. Each round, for each build: a fresh Kafka server takes `--one` writes at 1
 * in flight (p50, server CPU per call) and `--many` at 64 in flight (two client processes), then
 * sits idle `--idle` seconds (its CPU from /proc, utime + stime); a fresh embedded server takes
 * the same 64-in-flight load. Medians over the rounds are printed per build.
 *
 *   node dist/bench/kafkaWrites.js --brokers 127.0.0.1:19092 [--rounds 3] [--one 300]
 *     [--many 4000] [--idle 30] [--build name=path/to/dist/bin/usersvc.js ...]
 */
interface Round {
  p50One: number;
  rateOne: number;
  cpuOne: number;
  rateMany: number;
  cpuMany: number;
  embeddedMany: number;
  idlePct: number;
}

const args = process.argv.slice(2);
const flag = flagOf(args);
const brokers = flag('brokers', process.env.KAFKA_BROKERS ?? '127.0.0.1:9092');
const rounds = Number(flag('rounds', '3'));
const one = Number(flag('one', '300'));
const many = Number(flag('many', '4000'));
const idleSeconds = Number(flag('idle', '30'));
const builds = args.flatMap((a, i) => (args[i - 1] === '--build' ? [a.split('=') as [string, string]] : []));
if (builds.length === 0) builds.push(['this', path.join(__dirname, '..', 'bin', 'usersvc.js')]);

async function startServer(cli: string, kafka: boolean): Promise<{ addr: string; child: ChildProcess; dir: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'usersvc-bench-kw-'));
  const log = kafka ? ['--log', 'kafka', '--brokers', brokers, '--kafka-prefix', `${path.basename(dir)}.`] : [];
  const child = spawn(process.execPath, [cli, 'serve', '--addr', '127.0.0.1:0', '--http-addr', '', '--data', dir, ...log], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const addr = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (\S+?)"/.exec(out);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  return { addr, child, dir };
}

async function stopServer({ child, dir }: { child: ChildProcess; dir: string }): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  rmSync(dir, { recursive: true, force: true });
}

async function measured(pid: number, work: () => ReturnType<typeof clientFleet>) {
  const before = processCpuMs(pid);
  const result = await work();
  return { ...result, cpuMs: (processCpuMs(pid) - before) / Math.max(1, result.requests) };
}

async function oneRound(cli: string, tag: string): Promise<Round> {
  const kafka = await startServer(cli, true);
  const pid = kafka.child.pid!;
  const target = (addr: string) => ({ kind: 'grpc' as const, target: 'CreateUser', addr });
  let r: Omit<Round, 'embeddedMany'>;
  try {
    await clientFleet(target(kafka.addr), 1, 50, 1, `${tag}-warm`);
    const single = await measured(pid, () => clientFleet(target(kafka.addr), 1, one, 1, `${tag}-k1`));
    const loaded = await measured(pid, () => clientFleet(target(kafka.addr), 64, many, 2, `${tag}-k64`));
    await new Promise((resolve) => setTimeout(resolve, 2000)); // let the last fetches settle
    const before = processCpuMs(pid);
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    const idlePct = ((processCpuMs(pid) - before) / (idleSeconds * 1000)) * 100;
    r = { p50One: single.p50ms, rateOne: single.perSecond, cpuOne: single.cpuMs, rateMany: loaded.perSecond, cpuMany: loaded.cpuMs, idlePct };
  } finally {
    await stopServer(kafka);
  }
  const embedded = await startServer(cli, false);
  try {
    await clientFleet(target(embedded.addr), 1, 50, 1, `${tag}-ewarm`);
    const loaded = await clientFleet(target(embedded.addr), 64, many, 2, `${tag}-e64`);
    return { ...r, embeddedMany: loaded.perSecond };
  } finally {
    await stopServer(embedded);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const results = new Map<string, Round[]>(builds.map(([name]) => [name, []]));
  for (let i = 0; i < rounds; i++) {
    for (const [name, cli] of builds) {
      const r = await oneRound(cli, `kw${Date.now()}-${name}-${i}`);
      results.get(name)!.push(r);
      process.stderr.write(`round ${i + 1} ${name}: ${JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round(v, 2)])))}\n`);
    }
  }
  console.log(
    `| build | 1 in flight p50 ms | calls/s | server CPU ms/call | 64 in flight calls/s | CPU ms/call | embedded 64 calls/s | Kafka/embedded | idle % of a core |`,
  );
  console.log(`| --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
  for (const [name, rs] of results) {
    const m = (k: keyof Round) => round(median(rs.map((r) => r[k])), 2);
    const ratio = round(median(rs.map((r) => r.rateMany / r.embeddedMany)), 2);
    console.log(
      `| ${name} | ${m('p50One')} | ${m('rateOne')} | ${m('cpuOne')} | ${m('rateMany')} | ${m('cpuMany')} | ${m('embeddedMany')} | ${ratio}x | ${m('idlePct')} |`,
    );
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
