/**
 * A load client process: several of them together drive CreateUser (or its baselines) so that
 * no single Node.js client is the bottleneck. Forked by clientFleet.ts; talks over IPC:
 * `ready` → (parent) `go` → `done` with latencies, wall times and its own CPU.
 */
import { rawGrpcCaller } from './rawGrpc';

export interface WorkerTask {
  kind: 'grpc' | 'http';
  /** gRPC method (CreateUser) or HTTP path (/v1/users). */
  target: string;
  addr: string;
  concurrency: number;
  calls: number;
  /** Distinguishes this worker's emails from every other's. */
  tag: string;
}

export interface WorkerReport {
  latenciesMs: number[];
  startedAt: number;
  endedAt: number;
  cpuMs: number;
  errors: string[];
}

async function run(task: WorkerTask): Promise<WorkerReport> {
  const request = (i: number) => ({ email: `${task.tag}-${i}@bench.example`, name: `Bench ${i}`, plan: 2 });
  let call: (i: number) => Promise<unknown>;
  let close = () => {};
  if (task.kind === 'grpc') {
    const caller = rawGrpcCaller(task.addr, task.target, 'userservice.CreateUserRequest');
    close = () => caller.close();
    call = (i) => caller.call(request(i));
  } else {
    const url = `http://${task.addr}${task.target}`;
    call = async (i) => {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request(i)) });
      const text = await response.text();
      if (!response.ok) throw new Error(`${response.status} ${text}`);
    };
  }
  await call(-1).catch(() => {}); // connect before the clock starts
  process.send!({ type: 'ready' });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  const latenciesMs: number[] = [];
  const errors: string[] = [];
  const cpuBefore = process.cpuUsage();
  const startedAt = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: task.concurrency }, async () => {
      while (next < task.calls) {
        const i = next++;
        const t = performance.now();
        try {
          await call(i);
          latenciesMs.push(performance.now() - t);
        } catch (error) {
          if (errors.length < 5) errors.push(String(error));
        }
      }
    }),
  );
  const endedAt = Date.now();
  const cpu = process.cpuUsage(cpuBefore);
  close();
  return { latenciesMs, startedAt, endedAt, cpuMs: (cpu.user + cpu.system) / 1000, errors };
}

void run(JSON.parse(process.argv[2]) as WorkerTask).then(
  (report) => process.send!({ type: 'done', report }, undefined, {}, () => process.exit(0)),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
