import { fork } from 'node:child_process';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createLogger } from '../../lib/logger';
import { startService } from '../../app/service';
import { resolveOptions } from '../../runtime/serviceOptions';
import { removeDir, tempDir } from '../harness/serverProcess';
import { progress } from './context';

/**
 * Server heap per idle open SyncUsers stream. The service runs in this process for it, so full
 * collections can be forced before each reading: the heap of a server in another process, read
 * from its metrics, moves more with uncollected garbage than with a few KB per stream.
 */
export async function idleStreamMemory(streams: number): Promise<number> {
  progress(`memory per idle stream: ${streams} SyncUsers streams on a service in this process`);
  const collect = exposeGc();
  const dir = tempDir('bench-memory');
  const service = await startService(
    resolveOptions({ data: dir, addr: '127.0.0.1:0', 'http-addr': '', 'log-level': 'warn' }),
    createLogger('warn', () => {}),
  );
  try {
    const before = await settledHeap(collect);
    const processes = streams >= 200 ? 2 : 1;
    const workers = Array.from({ length: processes }, () =>
      fork(path.join(__dirname, '..', 'load', 'fanoutWorker.js'), [JSON.stringify({ addr: service.addr, count: streams / processes, tag: 'idle' })], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    const next = (worker: (typeof workers)[number], type: string) =>
      new Promise<void>((resolve, reject) => {
        const onMessage = (m: { type: string }) => m.type === type && (worker.off('message', onMessage), resolve());
        worker.on('message', onMessage);
        worker.once('exit', (code) => code !== 0 && reject(new Error(`a stream client exited with ${code}`)));
      });
    await Promise.all(workers.map((w) => next(w, 'ready')));
    const after = await settledHeap(collect);
    const done = workers.map((w) => next(w, 'done'));
    workers.forEach((w) => w.send('stop'));
    await Promise.all(done);
    return Math.round((after - before) / streams);
  } finally {
    await service.stop();
    removeDir(dir);
  }
}

/** The collector, callable: V8 hands it out only behind a flag, which can be set at run time. */
function exposeGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/** Heap in use after full collections, once pending work (timers, sockets) has had a moment. */
async function settledHeap(collect: () => void): Promise<number> {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    collect();
  }
  return v8.getHeapStatistics().used_heap_size;
}
