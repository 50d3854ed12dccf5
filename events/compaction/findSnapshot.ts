import { Cursor } from '../../lib/cursor';
import type { EventLog } from '../eventLog';
import { readToEnd } from '../readToEnd';
import { SNAPSHOT, snapshotFrom, snapshotThrough } from './snapshotRecords';

/** Where the snapshot to read lies on the snapshot topic, and the position of `users.events` it stands for. */
export interface SnapshotSpan {
  /** Its first record's offset. */
  from: number;
  /** Its closing record's offset: the records before it, from `from`, are the snapshot. */
  end: number;
  through: Cursor;
}

/**
 * The last closed snapshot on the topic. A compaction on Kafka appends its snapshot, closes it,
 * and only then trims the older one away; one that died part way left a snapshot not closed
 * after the last closed one, or two closed ones. The closing record is the last one a compaction
 * writes, so it lies near the end: windows growing from the end are read until one holds it.
 */
export async function findSnapshot(log: EventLog): Promise<SnapshotSpan | undefined> {
  const { start, end } = await log.bounds(SNAPSHOT);
  const first = start.get(0);
  const last = end.get(0);
  for (let window = 64; ; window *= 16) {
    const from = Math.max(first, last - window);
    let found: SnapshotSpan | undefined;
    await readToEnd(log, SNAPSHOT, Cursor.of([[0, from]]), (batch) => {
      for (const record of batch.records) {
        const through = snapshotThrough(record);
        if (through) found = { from: snapshotFrom(record) ?? first, end: record.offset, through };
      }
    });
    if (found) return found.from < first ? undefined : found; // a snapshot whose start was trimmed is not whole
    if (from <= first) return undefined;
  }
}
