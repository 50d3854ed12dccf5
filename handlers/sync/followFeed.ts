import type { FeedEvent } from '../../events/changeFeed';
import type { Cursor } from '../../lib/cursor';
import type { SyncResult } from '../../proto/messages';
import { changeOf } from './changeOf';
import type { Subscription } from './subscription';

/**
 * Follows the change feed from `from`: every later change the subscriber's filter lets through,
 * in log order, `caught_up` each time it reaches the live end, and Progress bookmarks when its
 * filter skipped changes and nothing was sent for `bookmarkMs`, so a reconnect does not rescan
 * them. Every cursor sent is at or past the one before.
 */
export async function followFeed(from: Cursor, subscription: Subscription): Promise<void> {
  const { ctx, deliver } = subscription;
  const { feed, cursors } = ctx.deps;
  let skipped: Cursor | undefined;
  let lastSentAt = Date.now();
  let live = false;
  const send = async (result: SyncResult) => {
    skipped = undefined;
    lastSentAt = Date.now();
    await deliver(result);
  };
  const bookmarkDue = () => live && skipped !== undefined && Date.now() - lastSentAt >= feed.bookmarkMs;

  for await (const message of feed.changes(from, ctx.signal)) {
    if (message.kind === 'caught_up') {
      live = true;
      await send({ caught_up: { cursor: cursors.format(message.cursor) } });
    } else if (message.kind === 'event') {
      const result = resultFor(message, subscription);
      if (result) {
        await send(result);
        continue;
      }
      skipped = message.cursor;
      if (bookmarkDue()) await send({ progress: { cursor: cursors.format(skipped) } });
    } else if (bookmarkDue()) {
      await send({ progress: { cursor: cursors.format(skipped as Cursor) } });
    }
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
