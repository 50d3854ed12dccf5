/**
 * The gateway's and GetUser's ratios against their bare baselines alone, in alternating rounds
 * (bare, ours, bare, ours, ...), each ratio the median over rounds: this machine moves +-20%
 * between runs, so one figure decides nothing (issue 16).
 *
 *   node dist/bench/readRatios.js [--rounds 5] [--calls 20000] [--only get,rest,post] [--cpu-prof DIR]
 *
 * With --cpu-prof, the server runs under `node --cpu-prof` and writes its profile in DIR on exit.
 */
import { parseArgs } from 'node:util';
import { createClient, unary } from '../client/userServiceClient';
import { removeDir, startServer, tempDir } from './harness/serverProcess';
import { clientFleet } from './load/clientFleet';
import { GRPC_HEADERS, grpcFrame, h2load, type LoadResult } from './load/h2load';
import { ensureH2load } from './load/prerequisites';
import { progress, startBaselines, withServerCpu } from './suites/context';
import { encodeMessage, messageType } from '../proto/schema';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    calls: { type: 'string', default: '20000' },
    only: { type: 'string', default: 'get,rest,post' },
    'cpu-prof': { type: 'string' },
  },
});
const ROUNDS = Number(values.rounds);
const CALLS = Number(values.calls);
const ONLY = new Set((values.only as string).split(','));

type Run = (addr: string, pid: number, round: number) => Promise<LoadResult & { serverCpuMs: number }>;

interface Pair {
  name: string;
  ours: string;
  bare: string;
  run: Run;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  ensureH2load();
  const bare = await startBaselines();
  const dir = tempDir('readratios');
  const nodeArgs = values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof']] : [];
  const server = await startServer(dir, [], nodeArgs);
  const pid = server.child.pid!;
  try {
    const client = createClient(server.addr);
    const { response: seed } = await unary(client, 'CreateUser', { email: `seed-${Date.now()}@readratios.example`, name: 'Seed' });
    client.close();
    const body = grpcFrame(encodeMessage(messageType('userservice.GetUserRequest'), { id: seed.id }));
    const tag = `rr${Date.now().toString(36)}`;
    const all: Pair[] = [
      {
        name: 'GetUser vs bare grpc-js unary',
        ours: 'grpc',
        bare: 'grpc',
        run: (addr, p) =>
          withServerCpu(p, () =>
            h2load({ url: `http://${addr}/userservice.UserService/GetUser`, requests: CALLS, clients: 4, streams: 32, body, headers: GRPC_HEADERS }),
          ),
      },
      {
        name: 'GET /v1/users/{id} vs bare Node http JSON',
        ours: 'http',
        bare: 'http',
        run: (addr, p) => withServerCpu(p, () => h2load({ url: `http://${addr}/v1/users/${seed.id}`, requests: CALLS, clients: 64, streams: 1, h1: true })),
      },
      {
        name: 'POST /v1/users vs bare Node http POST',
        ours: 'http',
        bare: 'http',
        run: (addr, p, round) => withServerCpu(p, () => clientFleet({ kind: 'http', target: '/v1/users', addr }, 64, CALLS / 4, 2, `${tag}-${round}-${addr}`)),
      },
    ];
    const pairs = all.filter((_, i) => ONLY.has(['get', 'rest', 'post'][i]));
    const addrOf = (kind: string, ours: boolean) => (ours ? (kind === 'grpc' ? server.addr : server.httpAddr) : kind === 'grpc' ? bare.grpc : bare.http);
    for (const pair of pairs) {
      await pair.run(addrOf(pair.bare, false), bare.pid, -1); // warm-up: JIT, connections
      await pair.run(addrOf(pair.ours, true), pid, -2);
      const rows: { bare: number; ours: number; bareCpu: number; oursCpu: number }[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const b = await pair.run(addrOf(pair.bare, false), bare.pid, round);
        const o = await pair.run(addrOf(pair.ours, true), pid, round);
        rows.push({ bare: b.perSecond, ours: o.perSecond, bareCpu: b.serverCpuMs, oursCpu: o.serverCpuMs });
        progress(
          `${pair.name} round ${round}: bare ${b.perSecond}/s (${b.serverCpuMs} ms CPU), ours ${o.perSecond}/s (${o.serverCpuMs} ms CPU), ${(o.perSecond / b.perSecond).toFixed(2)}x`,
        );
      }
      const result = {
        target: pair.name,
        rounds: ROUNDS,
        bareMedian: median(rows.map((r) => r.bare)),
        oursMedian: median(rows.map((r) => r.ours)),
        ratioMedian: Number(median(rows.map((r) => r.ours / r.bare)).toFixed(3)),
        bareCpuMsMedian: median(rows.map((r) => r.bareCpu)),
        oursCpuMsMedian: median(rows.map((r) => r.oursCpu)),
      };
      process.stdout.write(`${JSON.stringify(result)}\n`);
    }
  } finally {
    await server.stop('SIGINT');
    bare.child.kill();
    removeDir(dir);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
