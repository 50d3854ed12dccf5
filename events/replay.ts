import type { Cursor } from '../lib/cursor';
import { openDatabase } from '../store/openDatabase';
import { viewChecksum, type ViewChecksum } from '../store/viewChecksum';
import { ViewRebuild } from '../store/viewRebuild';
import { positionedEvents } from './codec';
import { EVENTS, type EventLog, type LogBatch } from './eventLog';
import { readToEnd } from './readToEnd';
import { replayStart } from './compaction/replaySnapshot';

export interface ReplayProgress {
  events: number;
  cursor: Cursor;
  elapsedMs: number;
}

/**
 * Throws view files away and rebuilds them from the events on the log: `files[0]` is rebuilt
 * (one transaction per batch read) and copied to the others, since every view is the same fold
 * of the same events. On a compacted log the snapshot comes first, then the tail
 * (events/compaction/). Returns the rebuilt view's checksum, which must equal a live view's
 * (`withChecksum: false` skips it: reading a million rows back costs a fifth of the rebuild).
 */
export async function rebuildViews(
  log: EventLog,
  files: string[],
  onProgress: (progress: ReplayProgress) => void = () => {},
  withChecksum = true,
  requestIdRetentionMs?: number,
): Promise<ViewChecksum | undefined> {
  const [file, ...copies] = files;
  const report = (error: Error) => console.error(error);
  const rebuild = ViewRebuild.begin(file, log.identity, requestIdRetentionMs);
  try {
    const started = Date.now();
    let events = 0;
    let lastReport = started;
    const onBatch = (batch: LogBatch) => {
      events += rebuild.apply(positionedEvents(batch.records, report), batch.next).events.length;
      if (Date.now() - lastReport >= 1000) {
        lastReport = Date.now();
        onProgress({ events, cursor: rebuild.cursor(), elapsedMs: lastReport - started });
      }
    };
    // Small batches: a batch's records and events die young instead of being promoted by the
    // collector (500 gave a fifth more events/s than 5,000 in five runs each; the journal is off,
    // so a commit costs little).
    const from = await replayStart(log, rebuild.cursor(), (applied, through) => (events += rebuild.apply(applied, through).events.length), report);
    const cursor = await readToEnd(log, EVENTS, from, onBatch, 500);
    rebuild.finish(copies);
    onProgress({ events, cursor, elapsedMs: Date.now() - started });
  } catch (error) {
    rebuild.abort();
    throw error;
  }
  return withChecksum ? checksumOf(file) : undefined;
}

function checksumOf(file: string): ViewChecksum {
  const db = openDatabase(file, { readonly: true });
  try {
    return viewChecksum(db);
  } finally {
    db.close();
  }
}
