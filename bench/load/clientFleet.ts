import { fork } from 'node:child_process';
import path from 'node:path';
import type { WorkerReport, WorkerTask } from './clientWorker';
import { percentiles, round } from './stats';
import type { LoadResult } from './h2load';

/**
 * Drives `concurrency` calls in flight from `processes` client processes at once, started
 * together; throughput is every call over the span from the first start to the last end.
 */
export async function clientFleet(
  task: Omit<WorkerTask, 'concurrency' | 'calls' | 'tag'>,
  concurrency: number,
  calls: number,
  processes: number,
  tag: string,
): Promise<LoadResult> {
  const workers = Array.from({ length: processes }, (_, i) => {
    const share: WorkerTask = {
      ...task,
      concurrency: Math.max(1, Math.round(concurrency / processes)),
      calls: Math.round(calls / processes),
      tag: `${tag}-${i}`,
    };
    return fork(path.join(__dirname, 'clientWorker.js'), [JSON.stringify(share)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  });
  const message = (worker: (typeof workers)[number], type: string) =>
    new Promise<{ report?: WorkerReport }>((resolve, reject) => {
      const onMessage = (m: { type: string; report?: WorkerReport }) => {
        if (m.type !== type) return;
        worker.off('message', onMessage);
        resolve(m);
      };
      worker.on('message', onMessage);
      worker.once('exit', (code) => code !== 0 && reject(new Error(`a load client exited with ${code}`)));
    });
  await Promise.all(workers.map((w) => message(w, 'ready')));
  const done = workers.map((w) => message(w, 'done'));
  workers.forEach((w) => w.send('go'));
  const reports = (await Promise.all(done)).map((m) => m.report as WorkerReport);
  const latenciesMs = reports.flatMap((r) => r.latenciesMs);
  const errors = reports.flatMap((r) => r.errors);
  const seconds = (Math.max(...reports.map((r) => r.endedAt)) - Math.min(...reports.map((r) => r.startedAt))) / 1000;
  const { p50, p99 } = percentiles([...latenciesMs]);
  if (errors.length > 0) process.stderr.write(`bench:   ${errors.length}+ failed calls, e.g. ${errors[0]}\n`);
  return {
    requests: latenciesMs.length,
    failed: calls - latenciesMs.length,
    perSecond: Math.round(latenciesMs.length / seconds),
    p50ms: p50,
    p99ms: p99,
    bytesPerResponse: NaN,
    loadCpuMsPerCall: round(reports.reduce((s, r) => s + r.cpuMs, 0) / Math.max(1, latenciesMs.length), 4),
    latenciesMs,
  };
}
