import { Cursor } from '../../lib/cursor';
import { EmbeddedLog } from '../embedded/embeddedLog';
import { COMMANDS, EVENTS, type EventLog, type LogRecord } from '../eventLog';
import type { KeyStore } from '../sealing/keyStore';
import { buildSnapshot, type Snapshot } from './buildSnapshot';
import { SNAPSHOT, snapshotEnd } from './snapshotRecords';

export interface CompactionLimits {
  /** No event at or past this is folded: every fold of the service (views, subscribers' groups) has passed it. */
  events: Cursor;
  /** No command at or past this is dropped: the decider's committed position. */
  commands: Cursor;
}

export interface CompactionOptions {
  /** The keys the events open with: a snapshot keeps each live user's last change, which it must read. */
  keys: KeyStore;
  /** The first record of a topic this is true of starts the tail kept. */
  keep: (record: LogRecord) => boolean;
  requestIdRetentionMs: number;
  onProgress: (line: string) => void;
}

export interface Compaction extends Snapshot {
  /** Where `users.commands` starts now. */
  commandsFrom: Cursor;
  /** Records dropped from the log (the old snapshot's included). */
  dropped: number;
}

/**
 * Compacts a log: folds everything before the tail to keep into a new snapshot, stores it and
 * trims both topics before it (storeSnapshot). Undefined when there is nothing before the tail
 * to fold. On the embedded log the caller holds the data directory, so nothing else writes.
 */
export async function compactLog(log: EventLog, limits: CompactionLimits, options: CompactionOptions): Promise<Compaction | undefined> {
  const { onProgress } = options;
  const snapshot = await buildSnapshot(log, {
    limit: limits.events,
    keys: options.keys,
    keep: options.keep,
    requestIdRetentionMs: options.requestIdRetentionMs,
    onProgress: (n) => onProgress(`compact: ${n} events of ${EVENTS} folded`),
  });
  const { start } = await log.bounds(EVENTS);
  if (start.covers(snapshot.through)) return undefined;
  const commandsFrom = await firstKept(log, COMMANDS, limits.commands, options.keep);
  onProgress(
    `compact: writing the snapshot (${snapshot.records.length} events, ${snapshot.users} users) through ${snapshot.through}, trimming ${EVENTS} before it and ${COMMANDS} before ${commandsFrom}`,
  );
  const trims = [
    { topic: EVENTS, before: snapshot.through },
    { topic: COMMANDS, before: commandsFrom },
  ];
  const dropped = await storeSnapshot(log, snapshot, trims, onProgress);
  return { ...snapshot, commandsFrom, dropped };
}

/**
 * The embedded log writes the snapshot and trims in one transaction, then rewrites log.db without
 * the freed pages and truncates its WAL, so the disk is given back. Kafka has no transaction
 * that trims: the snapshot is appended and closed first, then the topics are trimmed, the old
 * snapshot last, so a compaction that dies at any step leaves a log that a closed snapshot plus
 * the tail still covers (findSnapshot.ts reads the last closed one).
 */
async function storeSnapshot(log: EventLog, snapshot: Snapshot, trims: Trim[], onProgress: (line: string) => void): Promise<number> {
  if (log instanceof EmbeddedLog) {
    const dropped = await log.replaceSnapshot(SNAPSHOT, [...snapshot.records, snapshotEnd(snapshot.through)], trims);
    onProgress(`compact: ${dropped} records dropped; rewriting log.db without the free pages and truncating its WAL`);
    await log.vacuum();
    log.checkpoint();
    return dropped;
  }
  if (!log.trim) throw new Error('this log cannot drop records');
  let from = (await log.bounds(SNAPSHOT)).end.get(0);
  for (let i = 0; i < snapshot.records.length; i += APPEND_BATCH) {
    const [first] = await log.append(SNAPSHOT, snapshot.records.slice(i, i + APPEND_BATCH));
    if (i === 0) from = first.offset;
    onProgress(`compact: ${Math.min(i + APPEND_BATCH, snapshot.records.length)} of ${snapshot.records.length} snapshot records written`);
  }
  await log.append(SNAPSHOT, [snapshotEnd(snapshot.through, from)]);
  let dropped = 0;
  for (const { topic, before } of [...trims, { topic: SNAPSHOT, before: Cursor.of([[0, from]]) }]) dropped += await log.trim(topic, before);
  onProgress(`compact: ${dropped} offsets dropped`);
  return dropped;
}

/** Records per append of a snapshot to Kafka: well under a produce request's size limit (sealed events are ~0.5 KB). */
const APPEND_BATCH = 500;

interface Trim {
  topic: string;
  before: Cursor;
}

/** The position of the first record of `topic` to keep: the first `keep` is true of, or `limit`, whichever comes first. */
async function firstKept(log: EventLog, topic: string, limit: Cursor, keep: (record: LogRecord) => boolean): Promise<Cursor> {
  const { start, end } = await log.bounds(topic);
  const bound = limit.min(end);
  if (start.covers(bound)) return start;
  const stop = new AbortController();
  let position = start;
  try {
    for await (const batch of log.read(topic, start, { signal: stop.signal, maxBatch: 5000 })) {
      for (const record of batch.records) {
        if (record.offset >= bound.get(record.partition) || keep(record)) return Cursor.of([[record.partition, record.offset]]);
        position = position.after(record.partition, record.offset);
      }
      if (batch.next.covers(bound)) return bound;
    }
  } finally {
    stop.abort();
  }
  return position;
}
