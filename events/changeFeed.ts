import { Cursor } from '../lib/cursor';
import type { Logger } from '../lib/logger';
import { Wakeup } from '../lib/wakeup';
import type { UserEvent } from '../proto/messages';
import type { PositionedEvent } from '../store/projection';
import { positionedEvents } from './codec';
import { EVENTS, type EventLog } from './eventLog';

export type FeedMessage = { kind: 'event'; event: UserEvent; cursor: Cursor } | { kind: 'caught_up'; cursor: Cursor };

interface Entry {
  seq: number;
  item: PositionedEvent;
}

/**
 * The in-process change feed: the projector publishes each applied batch here, and every
 * stream subscriber reads from it at its own pace. The newest `capacity` events stay in memory;
 * a subscriber further behind reads the log itself until it reaches them. Nothing is buffered
 * per subscriber, so a slow reader costs a position, not memory.
 */
export class ChangeFeed {
  private entries: Entry[] = [];
  private nextSeq = 0;
  /** Every event at or after this position is in `entries` (or not yet published). */
  private base: Cursor;
  private end: Cursor;
  private readonly published = new Wakeup();

  constructor(
    private readonly log: EventLog,
    start: Cursor,
    private readonly logger: Logger,
    private readonly capacity = 10_000,
  ) {
    this.base = start;
    this.end = start;
  }

  /** Where the feed ends: what the projector has handed it (the local view can be ahead). */
  position(): Cursor {
    return this.end;
  }

  /** Adds a batch the projector read, in log order; events the feed already holds are skipped, so a redelivered batch is harmless. */
  publish(events: PositionedEvent[], end: Cursor): void {
    for (const item of events) {
      if (item.offset < this.end.get(item.partition)) continue;
      this.entries.push({ seq: this.nextSeq++, item });
    }
    // Trim in chunks so eviction stays amortized O(1) per event.
    if (this.entries.length > this.capacity * 1.25) {
      const dropped = this.entries.splice(0, this.entries.length - this.capacity);
      for (const { item } of dropped) this.base = this.base.after(item.partition, item.offset);
    }
    this.end = this.end.max(end);
    this.published.wakeAll();
  }

  /**
   * Every event after `from`, once and in order, then a `caught_up` marker, then live events
   * until the signal aborts.
   */
  async *changes(from: Cursor, signal: AbortSignal): AsyncGenerator<FeedMessage> {
    let position = from;
    let seq: number | undefined;
    let caughtUp = false;
    while (!signal.aborted) {
      if (seq === undefined || seq < this.firstSeq()) {
        if (!position.covers(this.base)) {
          position = yield* this.fromLog(position, signal);
          continue;
        }
        seq = this.locate(position);
      }
      if (seq < this.nextSeq) {
        const { item } = this.entries[seq++ - this.firstSeq()];
        if (item.offset < position.get(item.partition)) continue;
        position = position.after(item.partition, item.offset);
        yield { kind: 'event', event: item.event, cursor: position };
        continue;
      }
      position = position.max(this.end);
      if (!caughtUp) {
        caughtUp = true;
        yield { kind: 'caught_up', cursor: position };
      }
      await this.published.wait(signal);
    }
  }

  private firstSeq(): number {
    return this.entries.length > 0 ? this.entries[0].seq : this.nextSeq;
  }

  /** The sequence number of the first entry not yet read by a reader at `position`. */
  private locate(position: Cursor): number {
    const entry = this.entries.find(({ item }) => item.offset >= position.get(item.partition));
    return entry ? entry.seq : this.nextSeq;
  }

  /** Reads the log from `from` until the in-memory entries take over; returns the position reached. */
  private async *fromLog(from: Cursor, signal: AbortSignal): AsyncGenerator<FeedMessage, Cursor> {
    let position = from;
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const batch of this.log.read(EVENTS, position, { signal: stop.signal, maxBatch: 500 })) {
        for (const item of positionedEvents(batch.records, (error) => this.logger.error('feed', { error }))) {
          position = position.after(item.partition, item.offset);
          yield { kind: 'event', event: item.event, cursor: position };
        }
        position = position.max(batch.next);
        if (position.covers(this.base)) break;
      }
    } finally {
      stop.abort();
      signal.removeEventListener('abort', onAbort);
    }
    return position;
  }
}
