import { positionedEvents } from './codec';
import type { LogFunction } from './logFunction';

/**
 * The projector: applies each batch of events to the local view in one transaction that also
 * stores the view's cursor (so it starts where the view says, not where a consumer group says),
 * then hands what it applied to the in-process change feed.
 */
export const projectEvents: LogFunction = {
  async start({ deps }) {
    return deps.view.cursor();
  },

  async handle(batch, { deps }) {
    const events = positionedEvents(batch.records, (error) => deps.logger.error('projector', { error }));
    const applied = deps.view.apply(events, batch.next);
    deps.feed.publish(applied.events, applied.cursor);
  },
};
