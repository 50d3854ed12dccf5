import WebSocket from 'ws';

/**
 * The V8 heap of a child process started with `--inspect=127.0.0.1:0`, read over the inspector
 * protocol. RSS only shows whether memory grew; it rises and falls with the garbage not yet
 * collected and with the allocator's arenas, by tens of MB between two identical runs. The heap
 * measured right after a full collection is what the process still holds, to within a few
 * hundred kB, which is what a leak test must compare.
 */
export interface InspectedHeap {
  /** Bytes of V8 heap in use right after a full garbage collection. */
  usedAfterFullGc(): Promise<number>;
  close(): void;
}

/** Connects to the inspector whose `Debugger listening on ws://...` line is in `output`. */
export async function inspectHeap(output: string): Promise<InspectedHeap> {
  const url = /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1];
  if (!url) throw new Error(`no inspector address in the child's output; start it with --inspect=127.0.0.1:0:\n${output}`);
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
    const waiter = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiter) return; // an event, not an answer
    pending.delete(message.id!);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  });
  let nextId = 1;
  const send = <T>(method: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (result: unknown) => void, reject });
      socket.send(JSON.stringify({ id, method }));
    });
  return {
    async usedAfterFullGc() {
      await send('HeapProfiler.collectGarbage');
      const { usedSize } = await send<{ usedSize: number }>('Runtime.getHeapUsage');
      return usedSize;
    },
    close: () => socket.close(),
  };
}
