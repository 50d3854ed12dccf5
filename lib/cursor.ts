import { InvalidArgumentError } from './errors';

/**
 * A position in a partitioned log: for each partition, the offset of the next record to read.
 * Written as `partition:offset` pairs joined by commas (`0:42`), which clients treat as opaque.
 */
export class Cursor {
  static readonly empty = new Cursor(new Map());

  private constructor(private readonly offsets: ReadonlyMap<number, number>) {}

  /** Parses a cursor a client sent; `field` names the request field in the error. */
  static parse(text: string, field = 'cursor'): Cursor {
    if (text.trim() === '') return Cursor.empty;
    const offsets = new Map<number, number>();
    for (const pair of text.split(',')) {
      const match = /^\s*(\d{1,9}):(\d{1,15})\s*$/.exec(pair);
      if (!match) {
        throw new InvalidArgumentError(field, `malformed cursor "${text}" (expected partition:offset pairs like "0:42")`);
      }
      const partition = Number(match[1]);
      if (offsets.has(partition)) throw new InvalidArgumentError(field, `partition ${partition} appears twice in "${text}"`);
      offsets.set(partition, Number(match[2]));
    }
    return new Cursor(offsets);
  }

  static of(entries: Iterable<readonly [number, number]>): Cursor {
    return new Cursor(new Map(entries));
  }

  /** Next offset to read in a partition; 0 when the cursor does not name it. */
  get(partition: number): number {
    return this.offsets.get(partition) ?? 0;
  }

  partitions(): number[] {
    return [...this.offsets.keys()].sort((a, b) => a - b);
  }

  entries(): Array<[number, number]> {
    return this.partitions().map((p) => [p, this.get(p)]);
  }

  /** True when this position is at or past `other` on every partition `other` names. */
  covers(other: Cursor): boolean {
    for (const [partition, offset] of other.offsets) {
      if (this.get(partition) < offset) return false;
    }
    return true;
  }

  /** The cursor after reading the record at `offset` of `partition`. */
  after(partition: number, offset: number): Cursor {
    if (this.get(partition) > offset) return this;
    const next = new Map(this.offsets);
    next.set(partition, offset + 1);
    return new Cursor(next);
  }

  /** The furthest of both on each partition. */
  max(other: Cursor): Cursor {
    const next = new Map(this.offsets);
    for (const [partition, offset] of other.offsets) next.set(partition, Math.max(offset, this.get(partition)));
    return new Cursor(next);
  }

  /** The nearest of both on each partition this cursor names. */
  min(other: Cursor): Cursor {
    const next = new Map(this.offsets);
    for (const [partition, offset] of this.offsets) next.set(partition, Math.min(offset, other.get(partition)));
    return new Cursor(next);
  }

  isEmpty(): boolean {
    return this.offsets.size === 0;
  }

  /** Kept once made: every read answers with the view's cursor, which changes only per applied batch. */
  private text?: string;

  toString(): string {
    this.text ??= this.entries()
      .map(([p, o]) => `${p}:${o}`)
      .join(',');
    return this.text;
  }
}
