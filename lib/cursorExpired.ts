import { OutOfRangeError } from './errors';

/** The ErrorInfo reason of a cursor older than the log keeps: clients branch on it (and relist). */
export const CURSOR_EXPIRED = 'CURSOR_EXPIRED';

/** The ErrorInfo metadata keys of CURSOR_EXPIRED: the caller's cursor, and the oldest position the log still holds. */
export const EXPIRED_CURSOR_KEY = 'cursor';
export const OLDEST_CURSOR_KEY = 'oldest_cursor';

/**
 * A subscriber's cursor names changes the log no longer holds (a trim, a compaction, Kafka's
 * retention): resuming from it would silently skip them. Both cursors are cursor text as clients
 * are given it. `oldest` is where the log starts now; resuming there still skips what was dropped,
 * so the way on is a fresh snapshot (an empty cursor), which the message says.
 */
export class CursorExpiredError extends OutOfRangeError {
  constructor(
    readonly cursor: string,
    readonly oldest: string,
    field = 'subscribe.cursor',
  ) {
    super(
      `${field} "${cursor}" is older than the oldest change the log still holds ("${oldest}"): the changes in between were dropped; ` +
        'subscribe again with an empty cursor for a fresh snapshot',
      { reason: CURSOR_EXPIRED, metadata: { [EXPIRED_CURSOR_KEY]: cursor, [OLDEST_CURSOR_KEY]: oldest } },
    );
  }
}
