import { Cursor } from '../lib/cursor';
import type { Timestamp } from '../lib/timestamp';
import type { PositionedEvent } from '../store/projection';

/** How far a point-in-time replay goes: every event before a position, or the events up to a time. */
export type ReplayLimit = { cursor: Cursor } | { time: Timestamp };

/** Whether `a` is later than `b`, to the nanosecond. */
const later = (a: Timestamp | null | undefined, b: Timestamp) =>
  Number(a?.seconds ?? 0) > b.seconds || (Number(a?.seconds ?? 0) === b.seconds && (a?.nanos ?? 0) > b.nanos);

/**
 * Cuts a replay off at a limit, per partition. A cursor stops each partition at its offset. A
 * time stops a partition at its first event that occurred later: the log's order is the order of
 * the facts, so the view as of a time is a prefix of the log, a state that existed. (Times come
 * from the handlers' clocks: an event after that one with an earlier time, from a concurrent call
 * decided later, is left out with it; `--until` a cursor draws the line anywhere.)
 */
export class ReplayCut {
  /** Per partition, the offset of the first event left out, once known. */
  private readonly stops = new Map<number, number>();
  private reached = Cursor.empty;

  constructor(
    private readonly limit: ReplayLimit,
    private readonly partitions: number[],
  ) {
    if ('cursor' in limit) for (const p of partitions) this.stops.set(p, limit.cursor.get(p));
  }

  /** The events of a batch read up to `next` that fall within the limit, and the position they bring a view to. */
  take(events: PositionedEvent[], next: Cursor): { events: PositionedEvent[]; through: Cursor } {
    const kept = events.filter((e) => {
      if ('time' in this.limit && !this.stops.has(e.partition) && later(e.event.occurred_at, this.limit.time)) this.stops.set(e.partition, e.offset);
      return e.offset < (this.stops.get(e.partition) ?? Infinity);
    });
    const through = Cursor.of(next.entries().map(([p, offset]) => [p, Math.min(offset, this.stops.get(p) ?? Infinity)] as const));
    this.reached = this.reached.max(through);
    return { events: kept, through };
  }

  /** True once every partition has reached its stop: nothing more read could be applied. */
  done(): boolean {
    return this.partitions.every((p) => this.stops.has(p) && this.reached.get(p) >= this.stops.get(p)!);
  }

  /** Where the replay stopped: what a view built with this cut says it has applied. */
  position(): Cursor {
    return this.reached;
  }
}
