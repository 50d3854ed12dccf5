import { Cursor } from '../../lib/cursor';
import { EVENTS, type LogRecord, type NewRecord } from '../eventLog';

/**
 * The topic that holds the snapshot a compaction leaves: the events that still shape the state,
 * copied from `users.events` as they lie there (value and headers untouched, so whatever the codec
 * did to them, sealing included, still holds), each with the position it had, and a closing
 * record. On the embedded log it sits in log.db beside the tail it completes and is replaced in
 * the same transaction as the tail is trimmed (EmbeddedLog.replaceSnapshot). On Kafka it is a
 * topic of its own, written before the tail is trimmed and trimmed itself after: it may hold an
 * older snapshot or a part written by a compaction that died, and the last closed one counts
 * (findSnapshot.ts).
 */
export const SNAPSHOT = 'users.snapshot';

/** Where a snapshot record stood on `users.events` (`partition:offset`). */
const SOURCE = 'usersvc-source';
/** The last record of a snapshot: the position of `users.events` it stands for (events before are folded into it). */
const THROUGH = 'usersvc-snapshot-through';
/** The closing record's offset of the snapshot topic where its snapshot's first record lies (none: the topic's start). */
const FROM = 'usersvc-snapshot-from';

/** An event record of `users.events`, as the snapshot keeps it. */
export function snapshotRecord(record: LogRecord): NewRecord {
  return { key: record.key, value: record.value, headers: { ...record.headers, [SOURCE]: `${record.partition}:${record.offset}` } };
}

/**
 * Closes a snapshot: a snapshot read back without it was not written whole, and is not used.
 * `from`: the offset of the snapshot topic its first record took, for a topic that may hold
 * others before it (Kafka); without it the snapshot starts at the topic's start.
 */
export function snapshotEnd(through: Cursor, from?: number): NewRecord {
  const headers: Record<string, string> = { [THROUGH]: through.toString() };
  if (from !== undefined) headers[FROM] = String(from);
  // Not an empty value: SQLite gives a zero-length blob back as something else, which fails the record's checksum.
  return { key: '', value: Buffer.from(through.toString()), headers };
}

/** The offset a closing record says its snapshot starts at; undefined: the topic's start. */
export function snapshotFrom(record: LogRecord): number | undefined {
  const from = record.headers?.[FROM];
  return from === undefined ? undefined : Number(from);
}

/** The position a snapshot's closing record names; undefined for any other record. */
export function snapshotThrough(record: LogRecord): Cursor | undefined {
  const through = record.headers?.[THROUGH];
  return through === undefined ? undefined : Cursor.parse(through);
}

/** A snapshot record as the event record it was copied from: its topic and position on `users.events`. */
export function sourceRecord(record: LogRecord): LogRecord {
  const source = record.headers?.[SOURCE];
  const match = source === undefined ? null : /^(\d+):(\d+)$/.exec(source);
  if (!match) throw new Error(`snapshot record ${record.offset} names no source position`);
  const { key, value, headers, timestamp } = record;
  return { topic: EVENTS, partition: Number(match[1]), offset: Number(match[2]), key, value, headers, timestamp };
}
