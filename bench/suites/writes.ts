import { clientFleet } from '../load/clientFleet';
import { measurement, progress, withServerCpu, type Measurement } from './context';

export interface WriteTargets {
  label: string;
  grpc: string;
  http?: { addr: string; label: string };
  pid: number;
  /** The group's name before ", N in flight" (`writes` unless told). */
  group?: string;
}

/**
 * CreateUser from client processes (two at 64 in flight, so the client is not the limit), at 1
 * and 64 calls in flight, against the bare echo with the same clients; over the gateway too.
 * A count of 0 leaves that concurrency out.
 */
export async function writeBenchmarks(targets: WriteTargets, calls: { one: number; many: number }, runTag: string): Promise<Measurement[]> {
  const out: Measurement[] = [];
  for (const [concurrency, count, processes] of [
    [1, calls.one, 1],
    [64, calls.many, 2],
  ] as const) {
    if (count === 0) continue;
    progress(`${targets.label}: ${count} at ${concurrency} in flight from ${processes} client process(es)`);
    const result = await withServerCpu(targets.pid, () =>
      clientFleet({ kind: 'grpc', target: 'CreateUser', addr: targets.grpc }, concurrency, count, processes, `${runTag}-g${concurrency}`),
    );
    out.push(measurement(`${targets.group ?? 'writes'}, ${concurrency} in flight`, targets.label, result));
  }
  if (targets.http) {
    const http = targets.http;
    progress(`${http.label}: ${calls.many} POSTs at 64 in flight`);
    const result = await withServerCpu(targets.pid, () =>
      clientFleet({ kind: 'http', target: '/v1/users', addr: http.addr }, 64, calls.many, 2, `${runTag}-h64`),
    );
    out.push(measurement(`${targets.group ?? 'writes'}, 64 in flight`, http.label, result));
  }
  return out;
}
