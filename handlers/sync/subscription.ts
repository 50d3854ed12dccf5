import { createHash } from 'node:crypto';
import type { SyncResult, SyncSubscribe, User } from '../../proto/messages';
import { filterToPredicate } from '../../store/filter/filterToPredicate';
import { filterToSql, type SqlWhere } from '../../store/filter/filterToSql';
import { parseFilter } from '../../store/filter/parseFilter';
import type { HandlerContext } from '../handlerContext';

export type Deliver = (result: SyncResult) => Promise<void>;

/** One subscriber of the change feed: its filter in the forms the feed and the snapshot need, and where its messages go. */
export interface Subscription {
  /** Undefined without a filter: such a subscriber never hears of filter transitions. */
  matches?: (user: User) => boolean;
  where: SqlWhere;
  /** Names the filter inside snapshot cursors, so a snapshot is never resumed under another filter. */
  filterKey: string;
  ctx: HandlerContext;
  deliver: Deliver;
}

export function subscriptionOf(subscribe: SyncSubscribe, ctx: HandlerContext, deliver: Deliver): Subscription {
  const filter = parseFilter(subscribe.filter);
  return {
    matches: filter ? filterToPredicate(filter) : undefined,
    where: filterToSql(filter),
    // Of the parsed filter, so spacing and parentheses that change nothing change nothing here either.
    filterKey: createHash('sha256').update(JSON.stringify(filter ?? null)).digest('hex').slice(0, 8),
    ctx,
    deliver,
  };
}
