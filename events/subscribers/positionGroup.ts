import { Cursor } from '../../lib/cursor';
import type { EventLog } from '../eventLog';

/** Where a subscriber group starts: all history, only what comes next, or an exact cursor. */
export type StartPosition = 'earliest' | 'latest' | Cursor;

/**
 * Sets a group's position before it consumes. `earliest` and `latest` apply only to a group
 * that never committed (a group resumes where it stopped); a cursor always moves it there.
 */
export async function positionGroup(log: EventLog, group: string, topic: string, from: StartPosition): Promise<void> {
  if (from instanceof Cursor) {
    await log.appendAndCommit(topic, [], { group, topic, cursor: from });
  } else if (from === 'latest' && (await log.committed(group, topic)).isEmpty()) {
    await log.appendAndCommit(topic, [], { group, topic, cursor: (await log.bounds(topic)).end });
  }
}

/** Parses `earliest`, `latest` (or Lambda's TRIM_HORIZON and LATEST), or a cursor. */
export function parseStartPosition(text: string, field = 'from'): StartPosition {
  if (text === 'earliest' || text === 'TRIM_HORIZON') return 'earliest';
  if (text === 'latest' || text === 'LATEST') return 'latest';
  return Cursor.parse(text, field);
}
