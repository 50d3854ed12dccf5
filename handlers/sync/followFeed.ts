import type { FeedEvent, LiveReader } from '../../events/changeFeed';
import type { Cursor } from '../../lib/cursor';
import type { SyncResult } from '../../proto/messages';
import { changeOf } from './changeOf';
import { expiredAt } from './expiredAt';
import type { Subscription } from './subscription';

/**
 * Follows the change feed from `from`: every later change the subscriber's filter lets through,
 * in log order, `caught_up` when it reaches the live end (and again after it fell behind the
 * feed's window and read the log), and Progress bookmarks when its filter skipped changes and
 * nothing was sent for `bookmarkMs`, so a reconnect does not rescan them. Every cursor sent is at
 * or past the one before.
 *
 * Behind, it reads the feed at its own pace. At the live end it becomes a live reader: the feed
 * hands it each change as it is published, and it goes back to reading the moment its outbox is
 * full, so a slow client still costs a position, never a queue.
 */
export async function followFeed(from: Cursor, subscription: Subscription): Promise<void> {
  const { ctx, outbox } = subscription;
  const { feed, cursors } = ctx.deps;
  const { signal } = ctx;
  let skipped: Cursor | undefined;
  let lastSentAt = Date.now();
  let toldCaughtUp = false;
  const sent = () => {
    skipped = undefined;
    lastSentAt = Date.now();
  };
  const bookmark = (): SyncResult | undefined =>
    toldCaughtUp && skipped !== undefined && Date.now() - lastSentAt >= feed.bookmarkMs ? { progress: { cursor: cursors.format(skipped) } } : undefined;

  const live: LiveReader = {
    position: from,
    take(message) {
      const result = resultFor(message, subscription);
      if (result) {
        if (!outbox.offer(result)) return false;
        sent();
      } else {
        skipped = message.cursor;
        offerBookmark();
      }
      return true;
    },
    idle: () => offerBookmark(),
  };
  // A bookmark that does not fit now is offered again at the next change or idle tick.
  const offerBookmark = () => {
    const progress = bookmark();
    if (progress && outbox.offer(progress)) sent();
  };

  try {
    while (!signal.aborted) {
      for await (const message of feed.changes(live.position, signal)) {
        if (message.kind === 'caught_up') {
          live.position = message.cursor;
          if (!toldCaughtUp || message.viaLog) {
            toldCaughtUp = true;
            await outbox.push({ caught_up: { cursor: cursors.format(message.cursor) } });
            sent();
          }
          break;
        }
        if (message.kind === 'event') {
          live.position = message.cursor;
          const result = resultFor(message, subscription);
          if (result) {
            await outbox.push(result);
            sent();
            continue;
          }
          skipped = message.cursor;
        }
        const progress = bookmark();
        if (progress) {
          await outbox.push(progress);
          sent();
        }
      }
      await feed.follow(live, signal);
    }
  } catch (error) {
    // Left behind, a follower reads the log: records dropped under it end the stream with CURSOR_EXPIRED at its position.
    expiredAt(cursors.format(live.position), ctx, 'the stream fell behind; its position')(error);
  }
}

/**
 * The message for one event, or undefined when the filter skips it. Subscribers that agree on
 * the change type and the cursor get the very same object, built once per event: the transports
 * then encode it once for all of them.
 */
function resultFor(message: FeedEvent, { matches, ctx }: Subscription): SyncResult | undefined {
  const change = changeOf(message.event, matches);
  if (!change) return undefined;
  const key = `${change.type} ${message.cursor}`;
  let result = message.memo.get(key) as SyncResult | undefined;
  if (!result) {
    result = { event: { ...change, cursor: ctx.deps.cursors.format(message.cursor) } };
    message.memo.set(key, result);
  }
  return result;
}
