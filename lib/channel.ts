/** What `push` returns when the item went in at once: no promise is made per item. */
const DONE: Promise<void> = Promise.resolve();

/**
 * A bounded async queue with any number of writers and one reader. A writer waits while it is
 * full, so whoever feeds it is slowed to the reader's pace instead of piling up memory.
 *
 * Every live stream has one (1,000 subscribers × 50 changes/s go through them), so the common
 * path allocates nothing of its own: a push with room answers a shared resolved promise, and a
 * wake-up calls the one waiting reader, or the oldest waiting writer, without copying a list.
 */
export class Channel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private closed = false;
  private failure: unknown;
  /** The reader, while it waits for an item or the end. */
  private reader: (() => void) | undefined;
  /** Writers waiting for room, oldest first; each is woken by one freed slot. */
  private writers: (() => void)[] = [];

  constructor(private readonly capacity: number) {}

  /** Adds an item, waiting for room; dropped silently once the channel is closed. */
  push(item: T): Promise<void> {
    if (this.closed) return DONE;
    if (this.items.length >= this.capacity) return new Promise<void>((resolve) => this.writers.push(resolve)).then(() => this.push(item));
    this.items.push(item);
    this.wakeReader();
    return DONE;
  }

  /**
   * Adds an item only if it fits now, without waiting (and only behind no waiting writer, so
   * order holds): false when it does not. Like `push`, it drops the item once the channel is closed.
   */
  offer(item: T): boolean {
    if (this.closed) return true;
    if (this.items.length >= this.capacity || this.writers.length > 0) return false;
    this.items.push(item);
    this.wakeReader();
    return true;
  }

  /** Ends the stream after the items already in it; with an error, the reader throws it. */
  close(error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.failure = error;
    this.wakeReader();
    const writers = this.writers;
    this.writers = [];
    for (const wake of writers) wake();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.items.length > 0) {
        const item = this.items.shift() as T;
        this.writers.shift()?.();
        yield item;
      } else if (this.closed) {
        if (this.failure !== undefined) throw this.failure;
        return;
      } else {
        await new Promise<void>((resolve) => (this.reader = resolve));
      }
    }
  }

  private wakeReader(): void {
    const reader = this.reader;
    if (reader === undefined) return;
    this.reader = undefined;
    reader();
  }
}
