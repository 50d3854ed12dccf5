import { CursorExpiredError } from '../../lib/cursorExpired';
import { LogTrimmedError } from '../../lib/logTrimmedError';
import type { HandlerContext } from '../handlerContext';

/**
 * Turns the log's LogTrimmedError, met while reading on from `cursor` (records dropped after the
 * subscribe check passed, or under a follower left behind), into the caller's CURSOR_EXPIRED
 * naming that cursor and the oldest position kept; any other error passes unchanged.
 */
export function expiredAt(cursor: string, ctx: HandlerContext, what?: string): (error: unknown) => never {
  return (error) => {
    if (error instanceof LogTrimmedError) throw new CursorExpiredError(cursor, ctx.deps.cursors.format(error.start), what);
    throw error;
  };
}
