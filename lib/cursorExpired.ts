import type { Cursor } from './cursor';
import { CursorText } from './cursorText';
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

/**
 * A consumer group's committed position is older than the log's start: the records between were
 * dropped before the group read them. Its members stop with this instead of skipping them (see
 * README, "Expired cursors"), since only the group's owner knows whether what it built from the
 * changes can do without them. The message names the group and the way on.
 */
export class GroupExpiredError extends OutOfRangeError {
  constructor(
    readonly group: string,
    readonly topic: string,
    position: { committed: Cursor; oldest: Cursor; identity: string },
  ) {
    const text = new CursorText(position.identity, new Set(position.oldest.partitions()));
    const [committed, oldest] = [text.format(position.committed), text.format(position.oldest)];
    super(
      `consumer group "${group}" stopped at ${topic} position "${committed}", older than the oldest record the log still holds ("${oldest}"): ` +
        'the records in between were dropped before the group read them, and it will not skip them. Rebuild what the group keeps from a ' +
        `snapshot (ListUsers, or WatchUsers with an empty cursor), then move the group on with \`usersvc subscribe --group ${group} --from '${oldest}'\` ` +
        '(or start a new group)',
      { reason: CURSOR_EXPIRED, metadata: { group, topic, [EXPIRED_CURSOR_KEY]: committed, [OLDEST_CURSOR_KEY]: oldest } },
    );
  }
}
