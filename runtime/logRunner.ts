import { sleep } from '../lib/abortable';
import type { ServiceDeps } from '../events/serviceDeps';
import type { LogBinding } from './serverlessConfig';

const MAX_BACKOFF_MS = 5000;

/**
 * Runs a log-triggered function until the signal aborts: from where the function says to
 * start, each batch in order. A failure restarts it (with backoff) from its own start position,
 * which is why functions are idempotent by position.
 */
export async function runLogFunction({ function: name, fn, trigger }: LogBinding, deps: ServiceDeps, signal: AbortSignal): Promise<void> {
  const ctx = { deps, trigger };
  let backoff = 50;
  while (!signal.aborted) {
    try {
      const from = await fn.start(ctx);
      for await (const batch of deps.log.read(trigger.topic, from, { signal, maxBatch: trigger.batchSize })) {
        await fn.handle(batch, ctx);
        backoff = 50;
      }
    } catch (error) {
      if (signal.aborted) break;
      deps.logger.error(`${name} failed; restarting in ${backoff} ms`, { function: name, error });
      await sleep(backoff, signal);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }
}
