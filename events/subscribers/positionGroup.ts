import { Cursor } from '../../lib/cursor';
import { CursorText, splitCursorText } from '../../lib/cursorText';
import type { EventLog } from '../eventLog';

/** Where a subscriber group starts: all history, only what comes next, or an exact cursor (as a client was given it). */
export type StartPosition = 'earliest' | 'latest' | { cursor: string; field: string };

/**
 * Sets a group's position before it consumes. `earliest` and `latest` apply only to a group
 * that never committed (a group resumes where it stopped); a cursor always moves it there, once
 * it is found to be a position in this log (lib/cursorText.ts).
 */
export async function positionGroup(log: EventLog, group: string, topic: string, from: StartPosition): Promise<void> {
  if (typeof from === 'object') {
    const { end } = await log.bounds(topic);
    const cursor = new CursorText(log.identity, new Set(end.partitions())).parse(from.cursor, from.field);
    await log.commit({ group, topic, cursor });
  } else if (from === 'latest' && (await log.committed(group, topic)).isEmpty()) {
    await log.commit({ group, topic, cursor: (await log.bounds(topic)).end });
  }
}

/** Parses `earliest`, `latest` (or Lambda's TRIM_HORIZON and LATEST), or a cursor (its form checked now, its log when the group is positioned). */
export function parseStartPosition(text: string, field = 'from'): StartPosition {
  if (text === 'earliest' || text === 'TRIM_HORIZON') return 'earliest';
  if (text === 'latest' || text === 'LATEST') return 'latest';
  Cursor.parse(splitCursorText(text).position, field);
  return { cursor: text, field };
}
