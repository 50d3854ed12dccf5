import { ResourceExhaustedError } from '../../lib/errors';

/** A cap on the streams one identity keeps open at once, so one caller cannot take them all. */
export class StreamQuota {
  private readonly open = new Map<string, number>();

  constructor(private readonly perIdentity: number) {}

  /** Takes a slot for `identity`, or RESOURCE_EXHAUSTED; the returned function gives it back (once). */
  acquire(identity: string): () => void {
    const count = this.open.get(identity) ?? 0;
    if (count >= this.perIdentity) {
      throw new ResourceExhaustedError(`${identity} already has ${count} streams open (the limit is ${this.perIdentity}); close some first`);
    }
    this.open.set(identity, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(identity) ?? 1) - 1;
      if (left === 0) this.open.delete(identity);
      else this.open.set(identity, left);
    };
  }
}
