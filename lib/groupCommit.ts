interface Pending<I, R> {
  item: I;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: everything submitted during one turn of the event loop is written by one call
 * of `write` (one fsync, one produce request), and while a write is in progress, new items wait
 * for the next one. Order is kept: items are written in the order they were submitted, and one
 * write at a time. Each submitter gets its own result, or the write's error.
 */
export class GroupCommit<I, R> {
  private pending: Array<Pending<I, R>> = [];
  private writing: Promise<void> | undefined;
  private scheduled = false;

  constructor(private readonly write: (items: I[]) => R[] | Promise<R[]>) {}

  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once everything submitted so far has been written (or has failed). */
  async idle(): Promise<void> {
    while (this.writing || this.pending.length > 0) {
      if (!this.writing) this.run();
      await this.writing;
    }
  }

  private schedule(): void {
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.run();
    });
  }

  private run(): void {
    if (this.writing || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    // Starting from a resolved promise keeps a write that throws synchronously from settling
    // before `writing` is even assigned.
    this.writing = Promise.resolve()
      .then(() => this.write(batch.map((p) => p.item)))
      .then(
        (results) => batch.forEach((p, i) => p.resolve(results[i])),
        (error: unknown) => batch.forEach((p) => p.reject(error)),
      )
      .finally(() => {
        this.writing = undefined;
        if (this.pending.length > 0) this.schedule();
      });
  }
}
