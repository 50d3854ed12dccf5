import { openedEvents } from './codec';
import type { LogFunction } from './logFunction';

/**
 * The projector: applies each batch of events to the local view in one transaction that also
 * stores the view's cursor, then hands the batch to the in-process change feed. It reads from
 * where the feed ends, which is where the view ended when the service started: on the embedded
 * log the decider applies its own events to the view first (see runtime/openViews.ts), and those
 * are skipped here by the view's cursor but still fed to the streams, in log order.
 */
export const projectEvents: LogFunction = {
  async start({ deps }) {
    return deps.feed.position();
  },

  async handle(batch, { deps }) {
    const events = await openedEvents(batch.records, deps.keys, (error) => deps.logger.error('projector', { error }));
    deps.view.apply(events, batch.next);
    // An erased user's row is gone from the file (secure_delete): its old pages leave the WAL too.
    if (events.some((e) => e.event.kind === 'user_erased')) deps.view.scrub();
    // The feed ends where this batch ends, not where the view does: the view may be further on.
    deps.feed.publish(events, batch.next);
  },
};
