import { fork } from 'node:child_process';
import path from 'node:path';
import { clientStream, createClient, serverStream, unary } from '../../client/userServiceClient';
import { processCpuMs } from '../load/processCpu';
import { percentiles, round } from '../load/stats';
import { UserPlan } from '../../proto/messages';
import { progress, type Measurement } from './context';

const PLANS = [UserPlan.USER_PLAN_FREE, UserPlan.USER_PLAN_PRO, UserPlan.USER_PLAN_ENTERPRISE];

/** Streams one way: ImportUsers of `users` users, then ListUsers of all of them, against bare grpc-js streaming. */
export async function bulkBenchmarks(env: {
  addr: string;
  pid: number;
  bareGrpc: string;
  barePid: number;
  users: number;
  tag: string;
  /** List once before measuring (JIT, page cache): the first round does. */
  warm: boolean;
}): Promise<Measurement[]> {
  const client = createClient(env.addr);
  const bare = createClient(env.bareGrpc);
  const out: Measurement[] = [];
  try {
    progress(`ImportUsers: ${env.users} users on one client stream`);
    const requests = Array.from({ length: env.users }, (_, i) => ({ email: `${env.tag}-${i}@import.example`, name: `Imported ${i}`, plan: PLANS[i % 3] }));
    let cpu = processCpuMs(env.pid);
    let started = performance.now();
    const imported = await clientStream(client, 'ImportUsers', requests, { timeoutMs: 600_000 });
    let seconds = (performance.now() - started) / 1000;
    if (imported.created !== env.users) throw new Error(`ImportUsers created ${imported.created} of ${env.users}`);
    out.push({
      group: 'streams',
      name: `ImportUsers (${env.users.toLocaleString('en')} users)`,
      rate: Math.round(env.users / seconds),
      unit: 'users/s',
      serverCpuMs: round((processCpuMs(env.pid) - cpu) / env.users, 4),
    });

    for (const [name, target, pid, request] of [
      ['bare grpc-js server stream', bare, env.barePid, { page_size: env.users }],
      // page_size: later rounds find the users of earlier rounds' imports too; each lists as many.
      [`ListUsers (${env.users.toLocaleString('en')} users)`, client, env.pid, { page_size: env.users }],
    ] as const) {
      progress(`${name}: ${env.users} users`);
      if (env.warm) await serverStream(target, 'ListUsers', request, { timeoutMs: 600_000 }); // warm-up
      cpu = processCpuMs(pid);
      started = performance.now();
      const listed = await serverStream(target, 'ListUsers', request, { timeoutMs: 600_000 });
      seconds = (performance.now() - started) / 1000;
      if (listed.messages.length < env.users) throw new Error(`${name} streamed ${listed.messages.length} users, not ${env.users}`);
      out.push({
        group: 'streams',
        name,
        rate: Math.round(listed.messages.length / seconds),
        unit: 'users/s',
        serverCpuMs: round((processCpuMs(pid) - cpu) / listed.messages.length, 5),
      });
    }
  } finally {
    client.close();
    bare.close();
  }
  return out;
}

/**
 * SyncUsers fan-out: `subscribers` streams (in two client processes), one writer creating users
 * at a steady rate; each delivery's latency runs from the writer's send to the subscriber's
 * receipt. With `bare`, the same against the bare grpc-js fan-out of the baselines process.
 */
export async function fanoutBenchmark(env: {
  addr: string;
  pid: number;
  subscribers: number;
  writes: number;
  tag: string;
  nodeArgs?: string[];
  bare?: boolean;
}): Promise<Measurement> {
  const what = env.bare ? 'bare grpc-js fan-out' : 'SyncUsers fan-out';
  progress(`${what}: ${env.subscribers} subscribers, ${env.writes} writes at 50/s`);
  const tag = `${env.tag}fanout${env.subscribers}`;
  const processes = env.subscribers >= 200 ? 2 : 1;
  const workers = Array.from({ length: processes }, () =>
    fork(path.join(__dirname, '..', 'load', 'fanoutWorker.js'), [JSON.stringify({ addr: env.addr, count: env.subscribers / processes, tag })], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: env.nodeArgs ?? [],
    }),
  );
  const next = (worker: (typeof workers)[number], type: string) =>
    new Promise<{ latenciesMs?: number[]; cpuMs?: number }>((resolve, reject) => {
      const onMessage = (m: { type: string; latenciesMs?: number[]; cpuMs?: number }) => m.type === type && (worker.off('message', onMessage), resolve(m));
      worker.on('message', onMessage);
      worker.once('exit', (code) => code !== 0 && reject(new Error(`a fan-out client exited with ${code}`)));
    });
  await Promise.all(workers.map((w) => next(w, 'ready')));

  const client = createClient(env.addr);
  // Warm-up, as the other suites have: on a fresh server the first writes take 50-120 ms (JIT,
  // first statements), and with 200 writes the first two are the whole p99. These users' names
  // miss the subscribers' filter, so the feed and the filter run but nothing is delivered.
  for (let i = 0; i < 25; i++) {
    await unary(client, 'CreateUser', { email: `${tag}-warmup-${i}@fanout.example`, name: `warm-up ${i}` }, { timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const serverCpu = processCpuMs(env.pid);
  // Each write's own answer time too: a delivery can come no sooner than its durable write.
  const writeMs: number[] = [];
  for (let i = 0; i < env.writes; i++) {
    const sentAt = performance.timeOrigin + performance.now();
    void unary(client, 'CreateUser', { email: `${tag}-${i}@fanout.example`, name: `${tag} ${sentAt}` }, { timeoutMs: 30_000 }).then(() =>
      writeMs.push(performance.timeOrigin + performance.now() - sentAt),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await new Promise((resolve) => setTimeout(resolve, 2000)); // the last deliveries
  const done = workers.map((w) => next(w, 'done'));
  workers.forEach((w) => w.send('stop'));
  const reports = await Promise.all(done);
  const serverCpuMs = processCpuMs(env.pid) - serverCpu;
  const latencies = reports.flatMap((m) => m.latenciesMs ?? []);
  const loadCpuMs = reports.reduce((sum, m) => sum + (m.cpuMs ?? 0), 0);
  client.close();
  const expected = env.writes * env.subscribers;
  const { p50, p99 } = percentiles([...latencies]);
  return {
    group: 'fan-out',
    name: `${env.bare ? 'bare grpc-js fan-out' : 'SyncUsers'}, 1 writer, ${env.subscribers} subscribers`,
    rate: Math.round(latencies.length / (env.writes / 50)),
    unit: 'deliveries/s',
    p50ms: p50,
    p99ms: p99,
    serverCpuMs: round(serverCpuMs / Math.max(1, latencies.length), 4),
    loadCpuMs: round(loadCpuMs / Math.max(1, latencies.length), 4),
    note: `${latencies.length.toLocaleString('en')} of ${expected.toLocaleString('en')} deliveries seen; the writes themselves (CreateUser answered): p50 ${percentiles(writeMs).p50} ms, p99 ${percentiles(writeMs).p99} ms`,
    latenciesMs: latencies,
  };
}
