import { rmSync } from 'node:fs';
import type { Cursor } from '../lib/cursor';
import { UserView } from '../store/userView';
import type { ViewChecksum } from '../store/viewChecksum';
import { positionedEvents } from './codec';
import { EVENTS, type EventLog } from './eventLog';
import { readToEnd } from './readToEnd';

export interface ReplayProgress {
  events: number;
  cursor: Cursor;
  elapsedMs: number;
}

/**
 * Throws a view file away and rebuilds it from the events on the log, in large batches (one
 * transaction each). Returns the rebuilt view's checksum, which must equal the live one's
 * (`withChecksum: false` skips it: reading a million rows back costs a fifth of the rebuild).
 */
export async function rebuildView(log: EventLog, file: string, onProgress?: (progress: ReplayProgress) => void): Promise<ViewChecksum>;
export async function rebuildView(log: EventLog, file: string, onProgress: (progress: ReplayProgress) => void, withChecksum: false): Promise<undefined>;
export async function rebuildView(
  log: EventLog,
  file: string,
  onProgress: (progress: ReplayProgress) => void = () => {},
  withChecksum = true,
): Promise<ViewChecksum | undefined> {
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  const view = UserView.open(file);
  const started = Date.now();
  let events = 0;
  let lastReport = started;
  try {
    const cursor = await readToEnd(log, EVENTS, view.cursor(), (batch) => {
      const applied = view.apply(positionedEvents(batch.records, (error) => console.error(error)), batch.next);
      events += applied.events.length;
      if (Date.now() - lastReport >= 1000) {
        lastReport = Date.now();
        onProgress({ events, cursor: applied.cursor, elapsedMs: lastReport - started });
      }
    });
    onProgress({ events, cursor, elapsedMs: Date.now() - started });
    return withChecksum ? view.checksum() : undefined;
  } finally {
    view.close();
  }
}
