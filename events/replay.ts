import type { Cursor } from '../lib/cursor';
import { checksumOfFile, type ViewChecksum } from '../store/viewChecksum';
import { ViewRebuild } from '../store/viewRebuild';
import { positionedEvents } from './codec';
import type { KeyStore } from './sealing/keyStore';
import { EVENTS, type EventLog, type LogBatch } from './eventLog';
import { readToEnd } from './readToEnd';
import { ReplayCut, type ReplayLimit } from './replayCut';
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
 * `limit`: the view as of a point in the log's history instead of its end (`usersvc rebuild --until`).
 */
export async function rebuildViews(
  log: EventLog,
  keys: KeyStore,
  files: string[],
  onProgress: (progress: ReplayProgress) => void = () => {},
  withChecksum = true,
  limit?: ReplayLimit,
  requestIdRetentionMs?: number,
): Promise<ViewChecksum | undefined> {
  const [file, ...copies] = files;
  const report = (error: Error) => console.error(error);
  const cut = limit && new ReplayCut(limit, (await log.bounds(EVENTS)).end.partitions());
  const rebuild = ViewRebuild.begin(file, log.identity, requestIdRetentionMs);
  try {
    const started = Date.now();
    let events = 0;
    let lastReport = started;
    const onBatch = async (batch: LogBatch) => {
      await keys.refresh(new Set(batch.records.map((r) => r.key)));
      const decoded = positionedEvents(batch.records, keys, report);
      const { events: applied, through } = cut ? cut.take(decoded, batch.next) : { events: decoded, through: batch.next };
      events += rebuild.apply(applied, through).events.length;
      if (Date.now() - lastReport >= 1000) {
        lastReport = Date.now();
        onProgress({ events, cursor: rebuild.cursor(), elapsedMs: lastReport - started });
      }
      return !cut?.done();
    };
    // Small batches: a batch's records and events die young instead of being promoted by the
    // collector (500 gave a fifth more events/s than 5,000 in five runs each; the journal is off,
    // so a commit costs little).
    const from = await replayStart(log, keys, rebuild.cursor(), (applied, through) => (events += rebuild.apply(applied, through).events.length), report);
    await readToEnd(log, EVENTS, from, onBatch, 500);
    rebuild.finish(copies);
    onProgress({ events, cursor: rebuild.cursor(), elapsedMs: Date.now() - started });
  } catch (error) {
    rebuild.abort();
    throw error;
  }
  return withChecksum ? checksumOfFile(file) : undefined;
}
