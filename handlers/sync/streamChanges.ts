import { EVENTS } from '../../events/eventLog';
import { Cursor } from '../../lib/cursor';
import { OutOfRangeError } from '../../lib/errors';
import { ChangeType, userOf, type SyncResult, type SyncSubscribe, type UserEvent } from '../../proto/messages';
import { filterToPredicate } from '../../store/filter/filterToPredicate';
import { filterToSql, type SqlWhere } from '../../store/filter/filterToSql';
import { parseFilter } from '../../store/filter/parseFilter';
import { UserSnapshot } from '../../store/userSnapshot';
import { awaitMinCursor } from '../common/readConsistency';
import type { HandlerContext } from '../handlerContext';

type Deliver = (result: SyncResult) => Promise<void>;

const TYPES: Partial<Record<UserEvent['kind'], ChangeType>> = {
  user_created: ChangeType.CREATED,
  user_updated: ChangeType.UPDATED,
  user_deleted: ChangeType.DELETED,
};

/**
 * The read half of SyncUsers: from a cursor, every later change once and in log order, then
 * `caught_up`, then live changes. With no cursor, a snapshot of the matching users comes first.
 */
export async function streamChanges(subscribe: SyncSubscribe, ctx: HandlerContext, deliver: Deliver): Promise<void> {
  const filter = parseFilter(subscribe.filter);
  const matches = filterToPredicate(filter);
  await awaitMinCursor(ctx);
  const from = subscribe.cursor === '' ? await sendSnapshot(filterToSql(filter), ctx, deliver) : await checkedCursor(subscribe.cursor, ctx);
  for await (const message of ctx.deps.feed.changes(from, ctx.signal)) {
    if (message.kind === 'caught_up') {
      await deliver({ caught_up: { cursor: ctx.deps.cursors.format(message.cursor) } });
      continue;
    }
    const user = userOf(message.event);
    const type = TYPES[message.event.kind];
    if (!user || !type || !matches(user)) continue;
    await deliver({ event: { type, user, cursor: ctx.deps.cursors.format(message.cursor) } });
  }
}

/** Sends the current users as SNAPSHOT events; returns the snapshot's cursor to go on from. */
async function sendSnapshot(where: SqlWhere, ctx: HandlerContext, deliver: Deliver): Promise<Cursor> {
  const snapshot = UserSnapshot.open(ctx.deps.view.file);
  try {
    let after = '';
    for (;;) {
      const page = snapshot.page(where, after, 256);
      if (page.length === 0 || ctx.signal.aborted) return snapshot.cursor;
      for (const user of page) await deliver({ event: { type: ChangeType.SNAPSHOT, user, cursor: '' } });
      after = page[page.length - 1].id;
    }
  } finally {
    snapshot.close();
  }
}

/** A cursor must point inside the log: past its end is a client bug, before its start is lost history. */
async function checkedCursor(text: string, ctx: HandlerContext): Promise<Cursor> {
  const { cursors } = ctx.deps;
  const cursor = cursors.parse(text, 'subscribe.cursor');
  const { start, end } = await ctx.deps.log.bounds(EVENTS);
  if (!end.covers(cursor)) {
    throw new OutOfRangeError(`subscribe.cursor "${text}" is beyond the end of the log ("${cursors.format(end)}"); resume from a cursor this service sent`);
  }
  if (!cursor.covers(start)) {
    throw new OutOfRangeError(`subscribe.cursor "${text}" is older than the log's start ("${cursors.format(start)}"); subscribe with an empty cursor for a fresh snapshot`);
  }
  return cursor;
}
