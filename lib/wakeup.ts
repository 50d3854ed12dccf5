interface Sleeper {
  wake: () => void;
  signal: AbortSignal | undefined;
}

/**
 * Lets any number of waiters sleep until something changes (or their signal aborts).
 *
 * The change feed's subscribers all sleep here between changes, so a wait must be cheap: a
 * signal gets one abort listener for the life of the Wakeup (not one added and removed per
 * wait, which cost more than the wait itself with 1,000 subscribers), and `wakeAll` swaps the
 * list instead of copying it.
 */
export class Wakeup {
  private sleepers: Sleeper[] = [];
  /** The sleepers of each signal that has one, for its abort listener. */
  private readonly bySignal = new WeakMap<AbortSignal, Set<Sleeper>>();

  /** Resolves at the next `wakeAll`, or at once when the signal aborts. */
  wait(signal?: AbortSignal): Promise<void> {
    return new Promise((wake) => {
      if (signal?.aborted) return wake();
      const sleeper = { wake, signal };
      this.sleepers.push(sleeper);
      if (signal) this.sleepersOf(signal).add(sleeper);
    });
  }

  /** How many wait now. */
  waiting(): number {
    return this.sleepers.length;
  }

  wakeAll(): void {
    const sleepers = this.sleepers;
    this.sleepers = [];
    for (const sleeper of sleepers) {
      if (sleeper.signal) this.bySignal.get(sleeper.signal)?.delete(sleeper);
      sleeper.wake();
    }
  }

  private sleepersOf(signal: AbortSignal): Set<Sleeper> {
    let mine = this.bySignal.get(signal);
    if (!mine) {
      const set = (mine = new Set());
      this.bySignal.set(signal, set);
      signal.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((s) => !set.has(s));
          for (const sleeper of set) sleeper.wake();
          set.clear();
        },
        { once: true },
      );
    }
    return mine;
  }
}
