/**
 * One active member per consumer group at a time, as a Kafka group gives each partition to one
 * member: the embedded log has one partition, so a group's members take turns in the order they
 * joined, and the next takes over when the one before leaves (it stopped, or failed and gave up).
 */
export class GroupTurns {
  /** Per group, the turn of the member that joined last: resolved once it and every member before it left. */
  private readonly last = new Map<string, Promise<void>>();

  /**
   * Waits for this member's turn. Resolves to the function that ends it, or to undefined when the
   * signal aborted first (the member left before its turn, and the next may go on).
   */
  async take(group: string, signal: AbortSignal): Promise<(() => void) | undefined> {
    const before = this.last.get(group) ?? Promise.resolve();
    let leave = () => {};
    const left = new Promise<void>((resolve) => (leave = resolve));
    const mine = Promise.all([before, left]).then(() => {
      if (this.last.get(group) === mine) this.last.delete(group);
    });
    this.last.set(group, mine);
    let stop = () => {};
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    signal.addEventListener('abort', stop, { once: true });
    if (signal.aborted) stop();
    await Promise.race([before, stopped]);
    signal.removeEventListener('abort', stop);
    if (!signal.aborted) return leave;
    leave();
    return undefined;
  }
}
