import { Cursor } from '../../lib/cursor';
import { DataError } from '../../lib/startupErrors';
import type { PositionedEvent } from '../../store/projection';
import { openedEvents } from '../codec';
import type { KeyStore } from '../sealing/keyStore';
import { EVENTS, type EventLog, type LogRecord } from '../eventLog';
import { readToEnd } from '../readToEnd';
import { findSnapshot } from './findSnapshot';
import { SNAPSHOT, sourceRecord } from './snapshotRecords';

/** A fold of the events: a view, a view being rebuilt, the decider's state. */
export type ApplyEvents = (events: PositionedEvent[], through?: Cursor) => unknown;

/**
 * Where a replay into a fold that has applied up to `cursor` goes on from. While the log still
 * holds what follows `cursor`, there. On a compacted log, an empty fold first gets the snapshot
 * (events keep their positions, so the fold's cursor, outcomes and checksum are those of a
 * replay of the whole log) and goes on from the snapshot's end. A fold that stopped part way
 * before the log's start cannot be brought forward this way (the snapshot holds the users'
 * last images, not the deletions between): DataError, and its caller rebuilds it from empty,
 * unless the caller may empty it here (`restart`, given the position it reached and the log's
 * start): it then starts again from the snapshot like an empty one.
 */
export async function replayStart(
  log: EventLog,
  keys: KeyStore,
  cursor: Cursor,
  apply: ApplyEvents,
  report: (error: Error) => void,
  restart?: (applied: Cursor, start: Cursor) => void,
): Promise<Cursor> {
  const { start } = await log.bounds(EVENTS);
  if (cursor.covers(start)) return cursor;
  if (!cursor.isEmpty()) {
    if (!restart) throw new DataError(`a view that applied up to ${cursor} is behind the start of the log (${start}): rebuild it (usersvc rebuild)`);
    restart(cursor, start);
  }
  const through = await applySnapshot(log, keys, apply, report);
  if (!through?.covers(start)) {
    throw new DataError(
      `${EVENTS} starts at ${start} and no snapshot covers the events before it (${through ? `the snapshot ends at ${through}` : 'there is none'}); restore log.db from a backup`,
    );
  }
  apply([], through);
  return through;
}

/** Applies the snapshot's events in their log order; returns the position it stands for (undefined: none, or not whole). */
export function applySnapshot(log: EventLog, keys: KeyStore, apply: ApplyEvents, report: (error: Error) => void): Promise<Cursor | undefined> {
  return readSnapshot(log, async (records) => apply(await openedEvents(records, keys, report)));
}

/** Hands the snapshot's records over batch by batch, as the event records they were copied from; returns the position it stands for. */
export async function readSnapshot(log: EventLog, onRecords: (records: LogRecord[]) => unknown): Promise<Cursor | undefined> {
  const span = await findSnapshot(log);
  if (!span) return undefined;
  await readToEnd(log, SNAPSHOT, Cursor.of([[0, span.from]]), async (batch) => {
    const records = batch.records.filter((record) => record.offset < span.end).map(sourceRecord);
    await onRecords(records);
    return batch.next.get(0) < span.end;
  });
  return span.through;
}
