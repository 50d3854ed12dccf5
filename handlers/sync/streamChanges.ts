import { EVENTS } from '../../events/eventLog';
import { Cursor } from '../../lib/cursor';
import type { ResumePoint } from '../../lib/cursorText';
import { CursorExpiredError } from '../../lib/cursorExpired';
import { InvalidArgumentError, OutOfRangeError } from '../../lib/errors';
import type { SyncSubscribe } from '../../proto/messages';
import { awaitReadConsistency } from '../common/readConsistency';
import type { HandlerContext } from '../handlerContext';
import { expiredAt } from './expiredAt';
import { followFeed } from './followFeed';
import { sendSnapshot } from './sendSnapshot';
import { subscriptionOf, type FeedOutbox } from './subscription';

/**
 * The read half of SyncUsers: from a cursor, every later change once and in log order, then
 * `caught_up`, then live changes. With no cursor, or one from inside a snapshot, the snapshot
 * (or its rest) comes first.
 */
export async function streamChanges(subscribe: SyncSubscribe, ctx: HandlerContext, outbox: FeedOutbox): Promise<void> {
  const subscription = subscriptionOf(subscribe, ctx, outbox);
  await awaitReadConsistency(ctx);
  const resume: ResumePoint =
    subscribe.cursor === ''
      ? { cursor: Cursor.empty, snapshot: { afterId: '', filterKey: subscription.filterKey } }
      : await checkedResume(subscribe.cursor, subscription.filterKey, ctx);
  const from = resume.snapshot
    ? await sendSnapshot(resume.cursor, resume.snapshot.afterId, subscription).catch(expiredAt(subscribe.cursor, ctx))
    : resume.cursor;
  await followFeed(from, subscription);
}

/** A cursor must point inside the log: past its end is a client bug, before its start is lost history. */
async function checkedResume(text: string, filterKey: string, ctx: HandlerContext): Promise<ResumePoint> {
  const { cursors } = ctx.deps;
  const resume = cursors.parseResume(text, 'subscribe.cursor');
  if (resume.snapshot && resume.snapshot.filterKey !== filterKey) {
    throw new InvalidArgumentError(
      'subscribe.cursor',
      'resumes a snapshot taken with another filter; resume with the filter it was sent for, or subscribe without a cursor for a fresh snapshot',
    );
  }
  const { start, end } = await ctx.deps.log.bounds(EVENTS);
  if (!end.covers(resume.cursor)) {
    throw new OutOfRangeError(`subscribe.cursor "${text}" is beyond the end of the log ("${cursors.format(end)}"); resume from a cursor this service sent`);
  }
  if (!resume.cursor.covers(start)) throw new CursorExpiredError(text, cursors.format(start));
  return resume;
}
