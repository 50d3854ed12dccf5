import { Cursor } from '../../lib/cursor';
import type { SnapshotMark } from '../../lib/cursorText';
import { ChangeType, userOf } from '../../proto/messages';
import { UserSnapshot } from '../../store/userSnapshot';
import { changeOf } from './changeOf';
import type { Subscription } from './subscription';

const PAGE = 256;

/**
 * Sends the users matching the filter as SNAPSHOT events, in id order, each with a cursor that
 * resumes the snapshot right after it; returns the snapshot's log position, where the feed takes
 * over. `from` and `afterId` come from such a cursor (empty for a fresh snapshot): the subscriber
 * then holds every user up to `afterId` as of `from`. It first gets the changes since `from` to
 * those users, then the users after `afterId` as of now, so no user is sent twice as SNAPSHOT
 * however often the snapshot is cut and resumed.
 */
export async function sendSnapshot(from: Cursor, afterId: string, subscription: Subscription): Promise<Cursor> {
  const { ctx, outbox, where, filterKey } = subscription;
  if (afterId !== '') await ctx.deps.view.waitForCursor(from, ctx.deadline, ctx.signal);
  const snapshot = UserSnapshot.open(ctx.deps.view.file);
  try {
    const at = snapshot.cursor;
    if (afterId !== '') await sendChangesToSent(from, at, { afterId, filterKey }, subscription);
    let after = afterId;
    for (;;) {
      const page = snapshot.page(where, after, PAGE);
      if (page.length === 0 || ctx.signal.aborted) return at;
      for (const user of page) {
        await outbox.push({
          event: { type: ChangeType.CHANGE_TYPE_SNAPSHOT, user, cursor: ctx.deps.cursors.formatSnapshot(at, { afterId: user.id, filterKey }) },
        });
      }
      after = page[page.length - 1].id;
    }
  } finally {
    snapshot.close();
  }
}

/**
 * The changes between `from` and the new snapshot's position `at` to users the subscriber already
 * holds (ids up to `mark.afterId`); later changes, and the other users, come after. Their cursors
 * keep the mark and never pass `at`, so a cut here resumes here.
 */
async function sendChangesToSent(from: Cursor, at: Cursor, mark: SnapshotMark, { ctx, outbox, matches }: Subscription): Promise<void> {
  const { feed, cursors } = ctx.deps;
  await feed.reach(at, ctx.signal);
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const message of feed.changes(from, stop.signal)) {
      if (message.kind === 'caught_up') return;
      if (message.kind !== 'event') continue;
      if (message.offset < at.get(message.partition)) {
        const id = userOf(message.event)?.id;
        const change = id !== undefined && idOrder(id, mark.afterId) <= 0 ? changeOf(message.event, matches) : undefined;
        if (change) await outbox.push({ event: { ...change, cursor: cursors.formatSnapshot(message.cursor.min(at), mark) } });
      }
      if (message.cursor.covers(at)) return;
    }
  } finally {
    stop.abort();
    ctx.signal.removeEventListener('abort', onAbort);
  }
}

/** Ids in the order SQLite sorts them in the snapshot: by their UTF-8 bytes. */
function idOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
