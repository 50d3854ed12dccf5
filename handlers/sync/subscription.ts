import { createHash } from 'node:crypto';
import type { SyncResult, SyncSubscribe, User } from '../../proto/messages';
import { filterToPredicate } from '../../store/filter/filterToPredicate';
import { filterToSql, type SqlWhere } from '../../store/filter/filterToSql';
import { parseFilter } from '../../store/filter/parseFilter';
import type { HandlerContext } from '../handlerContext';

/** Where a subscriber's messages go: the stream's bounded outbox (lib/channel.ts). */
export interface FeedOutbox {
  /** Adds a message, waiting for room. */
  push(result: SyncResult): Promise<void>;
  /** Adds a message if it fits now; false when it does not. */
  offer(result: SyncResult): boolean;
}

/** One subscriber of the change feed: its filter in the forms the feed and the snapshot need, and where its messages go. */
export interface Subscription {
  /** Undefined without a filter: such a subscriber never hears of filter transitions. */
  matches?: (user: User) => boolean;
  where: SqlWhere;
  /** Names the filter inside snapshot cursors, so a snapshot is never resumed under another filter. */
  filterKey: string;
  ctx: HandlerContext;
  outbox: FeedOutbox;
}

export function subscriptionOf(subscribe: SyncSubscribe, ctx: HandlerContext, outbox: FeedOutbox): Subscription {
  const filter = parseFilter(subscribe.filter);
  return {
    matches: filter ? filterToPredicate(filter) : undefined,
    where: filterToSql(filter),
    // Of the parsed filter, so spacing and parentheses that change nothing change nothing here either.
    filterKey: createHash('sha256')
      .update(JSON.stringify(filter ?? null))
      .digest('hex')
      .slice(0, 8),
    ctx,
    outbox,
  };
}
