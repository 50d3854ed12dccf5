import { Cursor } from '../../lib/cursor';
import type { EmbeddedLog } from '../embedded/embeddedLog';
import { COMMANDS, EVENTS, type LogRecord } from '../eventLog';
import type { KeyStore } from '../sealing/keyStore';
import { buildSnapshot, type Snapshot } from './buildSnapshot';
import { SNAPSHOT } from './snapshotRecords';

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
 * Compacts an embedded log: folds everything before the tail to keep into a new snapshot, writes
 * it and trims both topics in one transaction (EmbeddedLog.replaceSnapshot), then rewrites log.db
 * without the freed pages and truncates its WAL, so the disk is given back. Undefined when there
 * is nothing before the tail to fold. The caller holds the data directory: nothing else writes.
 */
export async function compactLog(log: EmbeddedLog, limits: CompactionLimits, options: CompactionOptions): Promise<Compaction | undefined> {
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
    `compact: writing the snapshot (${snapshot.records.length - 1} events, ${snapshot.users} users) through ${snapshot.through}, trimming ${EVENTS} before it and ${COMMANDS} before ${commandsFrom}`,
  );
  const dropped = await log.replaceSnapshot(SNAPSHOT, snapshot.records, [
    { topic: EVENTS, before: snapshot.through },
    { topic: COMMANDS, before: commandsFrom },
  ]);
  onProgress(`compact: ${dropped} records dropped; rewriting log.db without the free pages and truncating its WAL`);
  await log.vacuum();
  log.checkpoint();
  return { ...snapshot, commandsFrom, dropped };
}

/** The position of the first record of `topic` to keep: the first `keep` is true of, or `limit`, whichever comes first. */
async function firstKept(log: EmbeddedLog, topic: string, limit: Cursor, keep: (record: LogRecord) => boolean): Promise<Cursor> {
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
