import { InvalidArgumentError } from '../lib/errors';
import type { Encoded } from '../proto/encoded';
import type { ListUsersRequest, User } from '../proto/messages';
import { filterToSql } from '../store/filter/filterToSql';
import { parseFilter } from '../store/filter/parseFilter';
import { decodePageToken, encodePageToken } from '../store/pageToken';
import { UserSnapshot } from '../store/userSnapshot';
import { awaitReadConsistency } from './common/readConsistency';
import { CURSOR_TRAILER, NEXT_PAGE_TRAILER, type HandlerContext } from './handlerContext';

/** Rows read from SQLite at a time; the stream's flow control decides how fast they go out. */
const CHUNK = 256;

/**
 * ListUsers: streams a consistent snapshot of the view in id order. The trailers carry the
 * snapshot's cursor and, when `page_size` cut the list short, the token of the next page.
 * Each user goes out as the bytes its row keeps encoded: no decode and encode per user.
 */
export async function* listUsers(request: ListUsersRequest, ctx: HandlerContext): AsyncGenerator<Encoded<User>> {
  if (request.page_size < 0) throw new InvalidArgumentError('page_size', 'must be 0 (no limit) or positive');
  const where = filterToSql(parseFilter(request.filter));
  let after = decodePageToken(request.page_token, request.filter);
  await awaitReadConsistency(ctx);
  const snapshot = UserSnapshot.open(ctx.deps.view.file);
  try {
    ctx.setTrailer(CURSOR_TRAILER, ctx.deps.cursors.format(snapshot.cursor));
    let remaining = request.page_size > 0 ? request.page_size : Infinity;
    while (remaining > 0 && !ctx.signal.aborted) {
      const page = snapshot.encodedPage(where, after, Math.min(CHUNK, remaining));
      for (const { user } of page) yield user;
      if (page.length === 0) return;
      after = page[page.length - 1].id;
      remaining -= page.length;
    }
    if (remaining === 0 && snapshot.encodedPage(where, after, 1).length > 0) {
      ctx.setTrailer(NEXT_PAGE_TRAILER, encodePageToken(after, request.filter));
    }
  } finally {
    snapshot.close();
  }
}
