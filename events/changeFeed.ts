import { Cursor } from '../lib/cursor';
import type { Logger } from '../lib/logger';
import { Wakeup } from '../lib/wakeup';
import { eventUserId, type UserEvent } from '../proto/messages';
import type { PositionedEvent } from '../store/projection';
import { openedEvents } from './codec';
import type { KeyStore } from './sealing/keyStore';
import { redacted } from './sealing/sealedRecords';
import { EVENTS, type EventLog } from './eventLog';

/** One event as a reader of the feed gets it: `cursor` is the reader's position just past it. */
export interface FeedEvent {
  kind: 'event';
  event: UserEvent;
  partition: number;
  offset: number;
  cursor: Cursor;
  /**
   * Shared by every reader of this event while it is in memory: what a reader derives from the
   * event (an encoded answer) can be kept here for the next reader, so a change sent to a
   * thousand subscribers is built once. Events read from the log get a map of their own.
   */
  memo: Map<string, unknown>;
}

export type FeedMessage =
  | FeedEvent
  /**
   * The reader has read everything the feed holds. Each reading says it once, and again after it
   * fell behind the window and read the log (`viaLog`), so a reader can tell its client which.
   */
  | { kind: 'caught_up'; cursor: Cursor; viaLog: boolean }
  /** Nothing new for a while (a reader after `caught_up` waits): a chance to tell its client where it stands. */
  | { kind: 'idle'; cursor: Cursor };

interface Entry {
  seq: number;
  item: PositionedEvent;
  /** The feed's own position before and after this entry: readers in step share these objects. */
  before: Cursor;
  after: Cursor;
  memo?: Map<string, unknown>;
}

/**
 * A reader at the live end, handed each new event as it is published instead of being woken to
 * fetch it: with a thousand subscribers, waking each one's chain of async generators per change
 * cost more than everything else together. It must take an event at once or refuse it.
 */
export interface LiveReader {
  /** Where the reader stands; the feed moves it past each event taken. */
  position: Cursor;
  /** Takes the next event, or returns false when it cannot now: it is then detached, and reads `changes(position)` at its own pace. */
  take(message: FeedEvent): boolean;
  /** Nothing new for a while (as the `idle` message of `changes`). */
  idle(): void;
}

export interface ChangeFeedOptions {
  /** How many of the newest events stay in memory. */
  capacity?: number;
  /**
   * How long a subscriber may go without hearing anything after its feed passed changes its
   * filter skipped (then it gets a Progress bookmark). Readers waiting for news get an `idle`
   * message twice in that time, so a bookmark is never more than half of it late.
   */
  bookmarkMs?: number;
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
  private readonly capacity: number;
  readonly bookmarkMs: number;
  /** Counts idle ticks, so a woken reader can tell a tick from a publish. */
  private ticks = 0;
  private ticker?: NodeJS.Timeout;
  /** Live readers, each with the function that ends its `follow`. */
  private readonly live = new Map<LiveReader, () => void>();

  constructor(
    private readonly log: EventLog,
    private readonly keys: KeyStore,
    start: Cursor,
    private readonly logger: Logger,
    options: ChangeFeedOptions = {},
  ) {
    this.base = start;
    this.end = start;
    this.capacity = options.capacity ?? 10_000;
    this.bookmarkMs = options.bookmarkMs ?? 1000;
  }

  /** Where the feed ends: what the projector has handed it (the local view can be ahead). */
  position(): Cursor {
    return this.end;
  }

  /** Adds a batch the projector read, in log order; events the feed already holds are skipped, so a redelivered batch is harmless. */
  publish(events: PositionedEvent[], end: Cursor): void {
    const firstNew = this.nextSeq;
    let running = this.end;
    for (const item of events) {
      if (item.offset < running.get(item.partition)) continue;
      const before = running;
      running = running.after(item.partition, item.offset);
      if (item.event.kind === 'user_erased') this.forget(item.event.user_erased.user_id);
      this.entries.push({ seq: this.nextSeq++, item, before, after: running });
    }
    // Trim in chunks so eviction stays amortized O(1) per event.
    if (this.entries.length > this.capacity * 1.25) {
      const dropped = this.entries.splice(0, this.entries.length - this.capacity);
      for (const { item } of dropped) this.base = this.base.after(item.partition, item.offset);
    }
    // Kept as the same object when the batch ends at its last event, so readers stay in step.
    this.end = running.covers(end) ? running : running.max(end);
    if (this.live.size > 0) this.handToLive(this.entries.length - (this.nextSeq - firstNew));
    this.published.wakeAll();
  }

  /**
   * An erased user's earlier events leave memory as they are on the log now: sealed with a key
   * that is gone, so a reader from an older cursor passes over them as it would reading the log.
   */
  private forget(userId: string): void {
    for (const entry of this.entries) {
      if (entry.item.event.kind === 'sealed' || eventUserId(entry.item.event) !== userId) continue;
      entry.item = { ...entry.item, event: redacted(entry.item.event) };
      entry.memo = undefined;
    }
  }

  /**
   * Hands a live reader every new event until it refuses one or the signal aborts; resolves then,
   * with `reader.position` where it stands. Resolves at once when events are already waiting past
   * its position: a live reader must start at the end.
   */
  follow(reader: LiveReader, signal: AbortSignal): Promise<void> {
    if (signal.aborted || !reader.position.covers(this.end)) return Promise.resolve();
    return new Promise((resolve) => {
      const stop = () => {
        this.live.delete(reader);
        signal.removeEventListener('abort', stop);
        resolve();
      };
      signal.addEventListener('abort', stop, { once: true });
      this.live.set(reader, stop);
      this.startTicking();
    });
  }

  /**
   * Gives the entries from index `from` on to each live reader, in order, as a reader would read
   * them. A batch larger than the window (`from` < 0) lost some of its events to the trim already:
   * the live readers are then sent to read them from the log. A reader that throws is detached
   * too; its own reading meets the error again and ends its stream with it, not the projector.
   */
  private handToLive(from: number): void {
    for (const [reader, stop] of this.live) {
      if (from < 0) {
        stop();
        continue;
      }
      let position = reader.position;
      let refused = false;
      for (let i = from; i < this.entries.length; i++) {
        const entry = this.entries[i];
        const { item } = entry;
        if (item.offset < position.get(item.partition)) continue;
        const next = position === entry.before ? entry.after : position.after(item.partition, item.offset);
        entry.memo ??= new Map();
        refused = !takes(reader, { kind: 'event', event: item.event, partition: item.partition, offset: item.offset, cursor: next, memo: entry.memo });
        if (refused) break;
        position = next;
      }
      reader.position = refused ? position : this.end.covers(position) ? this.end : position.max(this.end);
      if (refused) stop();
    }
  }

  /** Resolves once the feed has been handed everything up to `cursor` (or the signal aborts). */
  async reach(cursor: Cursor, signal: AbortSignal): Promise<void> {
    while (!this.end.covers(cursor) && !signal.aborted) await this.published.wait(signal);
  }

  /**
   * Every event after `from`, once and in order, then a `caught_up` marker, then live events
   * until the signal aborts. A reader that falls out of memory reads the log, and gets
   * `caught_up` again when it is back. While there is nothing new, `idle` comes every `bookmarkMs / 2`.
   */
  async *changes(from: Cursor, signal: AbortSignal): AsyncGenerator<FeedMessage> {
    let position = from;
    let seq: number | undefined;
    let caughtUp = false;
    let viaLog = false;
    while (!signal.aborted) {
      if (seq === undefined || seq < this.firstSeq()) {
        if (!position.covers(this.base)) {
          caughtUp = false;
          viaLog = true;
          position = yield* this.fromLog(position, signal);
          continue;
        }
        seq = this.locate(position);
      }
      if (seq < this.nextSeq) {
        const entry = this.entries[seq++ - this.firstSeq()];
        const { item } = entry;
        if (item.offset < position.get(item.partition)) continue;
        position = position === entry.before ? entry.after : position.after(item.partition, item.offset);
        entry.memo ??= new Map();
        yield { kind: 'event', event: item.event, partition: item.partition, offset: item.offset, cursor: position, memo: entry.memo };
        continue;
      }
      position = this.end.covers(position) ? this.end : position.max(this.end);
      if (!caughtUp) {
        caughtUp = true;
        yield { kind: 'caught_up', cursor: position, viaLog };
        viaLog = false;
        continue;
      }
      const tick = this.ticks;
      const last = this.nextSeq;
      this.startTicking();
      await this.published.wait(signal);
      if (this.ticks !== tick && this.nextSeq === last && !signal.aborted) yield { kind: 'idle', cursor: position };
    }
  }

  /** One timer for all readers, running only while some wait. */
  private startTicking(): void {
    this.ticker ??= setInterval(
      () => {
        if (this.published.waiting() === 0 && this.live.size === 0) {
          clearInterval(this.ticker);
          this.ticker = undefined;
          return;
        }
        this.ticks++;
        this.published.wakeAll();
        for (const reader of this.live.keys()) reader.idle();
      },
      Math.max(1, this.bookmarkMs / 2),
    ).unref();
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
        for (const item of await openedEvents(batch.records, this.keys, (error) => this.logger.error('feed', { error }))) {
          position = position.after(item.partition, item.offset);
          yield { kind: 'event', event: item.event, partition: item.partition, offset: item.offset, cursor: position, memo: new Map() };
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

function takes(reader: LiveReader, message: FeedEvent): boolean {
  try {
    return reader.take(message);
  } catch {
    return false;
  }
}
