import { Cursor } from '../../lib/cursor';
import { ReplayCut } from '../../events/replayCut';
import type { PositionedEvent } from '../../store/projection';
import type { UserEvent } from '../../proto/messages';

/** An event at a position that occurred at `second`: only what the cut looks at. */
const at = (partition: number, offset: number, second: number): PositionedEvent => ({
  event: { occurred_at: { seconds: second, nanos: 0 } } as UserEvent,
  partition,
  offset,
  bytes: Buffer.alloc(0),
});
const offsets = (events: PositionedEvent[]) => events.map((e) => `${e.partition}:${e.offset}`);

describe('ReplayCut', () => {
  it('keeps every event before a cursor, per partition, and stops there', () => {
    const cut = new ReplayCut({ cursor: Cursor.parse('0:2,1:1') }, [0, 1]);
    const first = cut.take([at(0, 0, 1), at(0, 1, 1), at(0, 2, 1), at(1, 0, 1)], Cursor.parse('0:3,1:1'));
    expect(offsets(first.events)).toEqual(['0:0', '0:1', '1:0']);
    expect(first.through.toString()).toBe('0:2,1:1');
    expect(cut.done()).toBe(true);
  });

  it('is not done before every partition reached its stop', () => {
    const cut = new ReplayCut({ cursor: Cursor.parse('0:5') }, [0]);
    cut.take([at(0, 0, 1)], Cursor.parse('0:1'));
    expect(cut.done()).toBe(false);
    expect(cut.position().toString()).toBe('0:1');
  });

  it('stops a partition at its first event later than the time: a prefix of the log, even when a later event has an earlier time', () => {
    const cut = new ReplayCut({ time: { seconds: 10, nanos: 0 } }, [0]);
    const { events, through } = cut.take([at(0, 0, 9), at(0, 1, 10), at(0, 2, 11), at(0, 3, 10)], Cursor.parse('0:4'));
    expect(offsets(events)).toEqual(['0:0', '0:1']);
    expect(through.toString()).toBe('0:2');
    expect(cut.done()).toBe(true);
    expect(cut.take([at(0, 4, 5)], Cursor.parse('0:5')).events).toEqual([]);
  });

  it('goes to the end of a partition whose events all occurred by the time', () => {
    const cut = new ReplayCut({ time: { seconds: 10, nanos: 0 } }, [0]);
    expect(cut.take([at(0, 0, 9)], Cursor.parse('0:1')).through.toString()).toBe('0:1');
    expect(cut.done()).toBe(false);
  });
});
