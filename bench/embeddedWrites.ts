/**
 * The embedded write path alone, for deciding a change on alternating runs: CreateUser at 1 and
 * 64 in flight (server CPU per call, calls/s against the bare grpc-js echo measured in the same
 * round) and ImportUsers of many rows on one stream. Each round starts a fresh server from each
 * build named, in turn, so an old build and a new one alternate under the same machine load.
 *
 *   node dist/bench/embeddedWrites.js [--builds dist,.tmp/dist-base] [--rounds 3] [--one 300]
 *     [--many 3000] [--import 100000] [--cpu-prof DIR]
 *
 * A build is a compiled tree (its bin/usersvc.js serves); the default is this one.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { clientStream, createClient, unary } from '../client/userServiceClient';
import { packageRoot } from '../lib/packageRoot';
import { UserPlan } from '../proto/messages';
import { removeDir, tempDir } from './harness/serverProcess';
import { clientFleet } from './load/clientFleet';
import { processCpuMs } from './load/processCpu';
import { startBaselines } from './suites/context';

const { values } = parseArgs({
  options: {
    builds: { type: 'string', default: 'dist' },
    rounds: { type: 'string', default: '3' },
    one: { type: 'string', default: '300' },
    many: { type: 'string', default: '3000' },
    import: { type: 'string', default: '100000' },
    'cpu-prof': { type: 'string' },
  },
});
const builds = (values.builds as string).split(',');
const ONE = Number(values.one);
const MANY = Number(values.many);
const IMPORT = Number(values.import);
const PLANS = [UserPlan.USER_PLAN_FREE, UserPlan.USER_PLAN_PRO, UserPlan.USER_PLAN_ENTERPRISE];

interface Row {
  build: string;
  oneCpuMs: number;
  oneP50: number;
  manyRate: number;
  manyCpuMs: number;
  echoRate: number;
  importRate: number;
  importCpuMs: number;
}

async function startServerFrom(build: string, dir: string): Promise<{ addr: string; pid: number; stop: () => Promise<void> }> {
  const cli = path.resolve(packageRoot(), build, 'bin', 'usersvc.js');
  const prof = values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof'] as string] : [];
  const child = spawn(process.execPath, [...prof, cli, 'serve', '--addr', '127.0.0.1:0', '--http-addr', '127.0.0.1:0', '--data', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const addr = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (\S+?)"/.exec(output);
      if (match) resolve(match[1]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(() => reject(new Error(`server exited before listening:\n${output}`)));
  });
  return {
    addr,
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function cpuPerCall(pid: number, calls: number, work: () => Promise<unknown>): Promise<number> {
  const before = processCpuMs(pid);
  await work();
  return (processCpuMs(pid) - before) / calls;
}

async function round(build: string, echo: { grpc: string; pid: number }, tag: string): Promise<Row> {
  const dir = tempDir('writes');
  const server = await startServerFrom(build, dir);
  try {
    const client = createClient(server.addr);
    await unary(client, 'CreateUser', { email: `${tag}@seed.example`, name: 'Seed' });
    await clientFleet({ kind: 'grpc', target: 'CreateUser', addr: server.addr }, 8, 200, 1, `${tag}-warm`);
    const one = { p50: 0 };
    const oneCpuMs = await cpuPerCall(server.pid, ONE, async () => {
      one.p50 = (await clientFleet({ kind: 'grpc', target: 'CreateUser', addr: server.addr }, 1, ONE, 1, `${tag}-1`)).p50ms;
    });
    const echoRate = (await clientFleet({ kind: 'grpc', target: 'CreateUser', addr: echo.grpc }, 64, MANY, 2, `${tag}-e`)).perSecond;
    let manyRate = 0;
    const manyCpuMs = await cpuPerCall(server.pid, MANY, async () => {
      manyRate = (await clientFleet({ kind: 'grpc', target: 'CreateUser', addr: server.addr }, 64, MANY, 2, `${tag}-64`)).perSecond;
    });
    let importRate = 0;
    let importCpuMs = 0;
    if (IMPORT > 0) {
      const requests = Array.from({ length: IMPORT }, (_, i) => ({ email: `${tag}-${i}@import.example`, name: `Imported ${i}`, plan: PLANS[i % 3] }));
      importCpuMs = await cpuPerCall(server.pid, IMPORT, async () => {
        const started = performance.now();
        const imported = await clientStream(client, 'ImportUsers', requests, { timeoutMs: 600_000 });
        importRate = IMPORT / ((performance.now() - started) / 1000);
        if (imported.created !== IMPORT) throw new Error(`ImportUsers created ${imported.created} of ${IMPORT}`);
      });
    }
    client.close();
    return { build, oneCpuMs, oneP50: one.p50, manyRate, manyCpuMs, echoRate, importRate, importCpuMs };
  } finally {
    await server.stop();
    removeDir(dir);
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fixed = (x: number, digits: number) => Number(x.toFixed(digits));

async function main(): Promise<void> {
  const echo = await startBaselines();
  const rows: Row[] = [];
  try {
    for (let r = 0; r < Number(values.rounds); r++) {
      for (const build of builds) {
        const row = await round(build, echo, `w${Date.now().toString(36)}${r}`);
        rows.push(row);
        process.stderr.write(`${JSON.stringify(row, (_, v: unknown) => (typeof v === 'number' ? fixed(v, 3) : v))}\n`);
      }
    }
  } finally {
    echo.child.kill();
  }
  for (const build of builds) {
    const mine = rows.filter((r) => r.build === build);
    const m = (f: (r: Row) => number) => median(mine.map(f));
    console.log(
      JSON.stringify({
        build,
        runs: mine.length,
        oneInFlightCpuMsPerCall: fixed(
          m((r) => r.oneCpuMs),
          3,
        ),
        oneInFlightP50ms: fixed(
          m((r) => r.oneP50),
          2,
        ),
        manyInFlightCpuMsPerCall: fixed(
          m((r) => r.manyCpuMs),
          3,
        ),
        manyVsEcho: fixed(
          m((r) => r.manyRate / r.echoRate),
          3,
        ),
        importUsersPerSecond: Math.round(m((r) => r.importRate)),
        importCpuMsPerUser: fixed(
          m((r) => r.importCpuMs),
          4,
        ),
      }),
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
