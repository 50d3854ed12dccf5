import { ChangeFeed, type FeedMessage } from '../../events/changeFeed';
import { eventRecord } from '../../events/codec';
import { EmbeddedLog } from '../../events/embedded/embeddedLog';
import { EVENTS } from '../../events/eventLog';
import { Cursor } from '../../lib/cursor';
import { createLogger } from '../../lib/logger';
import type { OpenEvent } from '../../proto/messages';
import type { PositionedEvent } from '../../store/projection';
import { memoryKeys } from '../support/memoryKeys';
import { removeDir, tempDir } from '../support/serverProcess';

const quiet = createLogger('error', () => {});
const keys = memoryKeys();
const event = (i: number): OpenEvent => ({
  command_id: `c${i}`,
  request_id: '',
  occurred_at: null,
  kind: 'user_created',
  user_created: { user: { id: `u${i}`, email: `${i}@x.io`, name: 'N', plan: 1, created_at: null, updated_at: null, version: 1 } },
});

/** Appends n events to a real embedded log and publishes them to the feed as the projector would. */
async function appendAndPublish(log: EmbeddedLog, feed: ChangeFeed, from: number, n: number): Promise<void> {
  const events = Array.from({ length: n }, (_, i) => event(from + i));
  const records = events.map((e) => eventRecord(e, keys));
  const positions = await log.append(EVENTS, records);
  const positioned: PositionedEvent[] = events.map((e, i) => ({ event: e, ...positions[i], bytes: records[i].value }));
  feed.publish(positioned, Cursor.of([[0, positions[positions.length - 1].offset + 1]]));
}

async function take(feed: ChangeFeed, from: Cursor, count: number): Promise<FeedMessage[]> {
  const stop = new AbortController();
  const out: FeedMessage[] = [];
  for await (const message of feed.changes(from, stop.signal)) {
    out.push(message);
    if (out.length === count) break;
  }
  stop.abort();
  return out;
}

const ids = (messages: FeedMessage[]) =>
  messages.map((m) => (m.kind === 'event' && m.event.kind === 'user_created' ? m.event.user_created.user.id : `caught_up@${m.cursor}`));

describe('ChangeFeed', () => {
  let dir: string;
  let log: EmbeddedLog;
  beforeEach(() => {
    dir = tempDir('feed');
    log = EmbeddedLog.open(dir);
  });
  afterEach(async () => {
    await log.close();
    removeDir(dir);
  });

  it('delivers from a cursor once and in order, then caught_up, then live events', async () => {
    const feed = new ChangeFeed(log, keys, Cursor.empty, quiet, { capacity: 100 });
    await appendAndPublish(log, feed, 0, 5);
    const stop = new AbortController();
    const seen: FeedMessage[] = [];
    const reading = (async () => {
      for await (const m of feed.changes(Cursor.of([[0, 2]]), stop.signal)) {
        seen.push(m);
        if (seen.length === 5) stop.abort();
      }
    })();
    await new Promise((r) => setTimeout(r, 20));
    await appendAndPublish(log, feed, 5, 1);
    await reading;
    expect(ids(seen)).toEqual(['u2', 'u3', 'u4', 'caught_up@0:5', 'u5']);
    expect(seen.map((m) => m.cursor.toString())).toEqual(['0:3', '0:4', '0:5', '0:5', '0:6']);
  });

  it('reads the log for a reader older than what it keeps in memory, then joins memory without a gap', async () => {
    const feed = new ChangeFeed(log, keys, Cursor.empty, quiet, { capacity: 10 });
    for (let i = 0; i < 50; i += 5) await appendAndPublish(log, feed, i, 5);
    const messages = await take(feed, Cursor.empty, 51);
    expect(ids(messages)).toEqual([...Array.from({ length: 50 }, (_, i) => `u${i}`), 'caught_up@0:50']);
  });

  it('starts a feed whose view began mid-log from the log, not from memory', async () => {
    await log.append(
      EVENTS,
      [0, 1, 2].map((i) => eventRecord(event(i), keys)),
    );
    const feed = new ChangeFeed(log, keys, Cursor.of([[0, 3]]), quiet, { capacity: 10 });
    await appendAndPublish(log, feed, 3, 2);
    expect(ids(await take(feed, Cursor.of([[0, 1]]), 5))).toEqual(['u1', 'u2', 'u3', 'u4', 'caught_up@0:5']);
  });

  it('gives readers in step the same cursor object and memo per event, so what they derive is built once', async () => {
    const feed = new ChangeFeed(log, keys, Cursor.empty, quiet, { capacity: 100 });
    await appendAndPublish(log, feed, 0, 3);
    const [a, b] = await Promise.all([take(feed, Cursor.empty, 3), take(feed, Cursor.empty, 3)]);
    for (let i = 0; i < 3; i++) {
      const [x, y] = [a[i], b[i]];
      if (x.kind !== 'event' || y.kind !== 'event') throw new Error('expected events');
      expect(x.cursor).toBe(y.cursor);
      expect(x.memo).toBe(y.memo);
    }
  });

  it('says caught_up again to a reader that fell out of memory, and idle while nothing comes', async () => {
    const feed = new ChangeFeed(log, keys, Cursor.empty, quiet, { capacity: 10, bookmarkMs: 40 });
    const stop = new AbortController();
    const reader = feed.changes(Cursor.empty, stop.signal);
    expect((await reader.next()).value).toMatchObject({ kind: 'caught_up' });
    // While this reader holds its place, 50 events pass and only the newest 10 stay in memory.
    for (let i = 0; i < 50; i += 5) await appendAndPublish(log, feed, i, 5);
    const kinds: string[] = [];
    for await (const message of reader) {
      kinds.push(message.kind);
      if (message.kind === 'idle') break;
    }
    stop.abort();
    expect(kinds).toEqual([...Array(50).fill('event'), 'caught_up', 'idle']);
  });

  it('hands a live reader each new event as published, and lets it go where it refused one, with its position before it', async () => {
    const feed = new ChangeFeed(log, keys, Cursor.empty, quiet, { capacity: 100 });
    await appendAndPublish(log, feed, 0, 2);
    const taken: string[] = [];
    let room = 3;
    const reader = {
      position: feed.position(),
      take: (m: FeedMessage) => (m.kind === 'event' && room-- > 0 ? (taken.push(ids([m])[0]), true) : false),
      idle: () => {},
    };
    const following = feed.follow(reader, new AbortController().signal);
    await appendAndPublish(log, feed, 2, 2);
    await appendAndPublish(log, feed, 4, 2);
    await following;
    expect(taken).toEqual(['u2', 'u3', 'u4']);
    expect(reader.position.toString()).toBe('0:5');
    // Reading on from there gives the refused event first: nothing is lost.
    expect(ids(await take(feed, reader.position, 2))).toEqual(['u5', 'caught_up@0:6']);
    // A reader behind the end is not taken live: it must read what it has not seen first.
    expect(
      await Promise.race([
        feed.follow({ ...reader, position: Cursor.of([[0, 1]]) }, new AbortController().signal).then(() => 'returned'),
        new Promise((r) => setTimeout(() => r('waiting'), 50)),
      ]),
    ).toBe('returned');
  });
});
