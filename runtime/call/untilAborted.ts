const ABORTED: IteratorResult<unknown> = { done: true, value: undefined };

/**
 * A client's requests as the handler reads them: they end when the call is aborted (deadline,
 * cancel, shutdown), so a handler still reading never acts on a request sent after its call was
 * answered. The transport's reader is then told to stop (`return()`, not waited for: it may be
 * waiting for bytes that never come), as it is when the handler stops reading early.
 */
export async function* untilAborted(requests: AsyncIterable<unknown>, signal: AbortSignal): AsyncGenerator<unknown> {
  const iterator = requests[Symbol.asyncIterator]();
  let onAbort = () => {};
  const aborted = new Promise<IteratorResult<unknown>>((resolve) => {
    onAbort = () => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  if (signal.aborted) onAbort();
  let exhausted = false;
  try {
    for (;;) {
      let next: IteratorResult<unknown>;
      try {
        next = await Promise.race([iterator.next(), aborted]);
      } catch (error) {
        exhausted = true; // an iterator that threw is finished
        throw error;
      }
      if (next === ABORTED) return;
      if (next.done) return void (exhausted = true);
      yield next.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (!exhausted) void iterator.return?.().catch(() => {});
  }
}
