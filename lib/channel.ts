/**
 * A bounded async queue with any number of writers and one reader. A writer waits while it is
 * full, so whoever feeds it is slowed to the reader's pace instead of piling up memory.
 */
export class Channel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private closed = false;
  private failure: unknown;
  private readonly waiting = new Set<() => void>();

  constructor(private readonly capacity: number) {}

  /** Adds an item, waiting for room; dropped silently once the channel is closed. */
  async push(item: T): Promise<void> {
    while (this.items.length >= this.capacity && !this.closed) await this.change();
    if (this.closed) return;
    this.items.push(item);
    this.wake();
  }

  /** Ends the stream after the items already in it; with an error, the reader throws it. */
  close(error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.failure = error;
    this.wake();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.items.length > 0) {
        const item = this.items.shift() as T;
        this.wake();
        yield item;
      } else if (this.closed) {
        if (this.failure !== undefined) throw this.failure;
        return;
      } else {
        await this.change();
      }
    }
  }

  private change(): Promise<void> {
    return new Promise((resolve) => this.waiting.add(resolve));
  }

  private wake(): void {
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const resolve of waiting) resolve();
  }
}
