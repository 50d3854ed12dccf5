import { sleep } from '../lib/abortable';
import type { Logger } from '../lib/logger';
import type { UserView } from '../store/userView';

/** How often the views are swept for outcomes past the request-id retention. */
const PRUNE_EVERY_MS = 60_000;

/**
 * Keeps the outcomes tables bounded: deletes, from each view, the outcomes no command can count
 * again (lib/requestRetention.ts), once at start and then every minute, until the signal aborts.
 * A few thousand rows per transaction, back to the event loop between: the projector and the
 * decider write the same files. When it runs changes no answer and no checksum.
 */
export async function pruneOutcomes(views: UserView[], logger: Logger, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    for (const view of new Set(views)) {
      try {
        let pruned = 0;
        for (let step = view.pruneOutcomes(); step > 0 && !signal.aborted; step = view.pruneOutcomes()) {
          pruned += step;
          await new Promise((resolve) => setImmediate(resolve));
        }
        if (pruned > 0) logger.info('pruned request-id outcomes past the retention', { file: view.file, outcomes: pruned });
      } catch (error) {
        if (signal.aborted) return;
        logger.error('pruning outcomes failed; trying again at the next sweep', { file: view.file, error });
      }
    }
    await sleep(PRUNE_EVERY_MS, signal);
  }
}
