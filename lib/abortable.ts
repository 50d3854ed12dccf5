import { CancelledError, DeadlineExceededError } from './errors';

/**
 * Waits for `promise` until `deadline` (ms since epoch) or until `signal` aborts, whichever comes
 * first; the timer never outlives the wait. `onGiveUp` releases whatever the promise held.
 */
export function withDeadline<T>(
  promise: Promise<T>,
  deadline: number,
  signal: AbortSignal | undefined,
  what: string,
  onGiveUp: () => void = () => {},
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const fail = (error: Error) => {
      cleanup();
      onGiveUp();
      reject(error);
    };
    const onAbort = () => fail(signal?.reason instanceof Error ? signal.reason : new CancelledError());
    const remaining = deadline - Date.now();
    const timer = Number.isFinite(remaining)
      ? setTimeout(() => fail(new DeadlineExceededError(`deadline exceeded while ${what}`)), Math.max(0, remaining))
      : undefined;
    const cleanup = () => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (error) => {
        cleanup();
        reject(error);
      },
    );
  });
}

/** Resolves after `ms`, or early (without error) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
