/** Lets any number of waiters sleep until something changes (or their signal aborts). */
export class Wakeup {
  private readonly sleepers = new Set<() => void>();

  /** Resolves at the next `wakeAll`, or at once when the signal aborts. */
  wait(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.sleepers.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      if (signal?.aborted) return done();
      this.sleepers.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** How many wait now. */
  waiting(): number {
    return this.sleepers.size;
  }

  wakeAll(): void {
    for (const wake of [...this.sleepers]) wake();
  }
}
