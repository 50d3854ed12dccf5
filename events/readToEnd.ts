import type { Cursor } from '../lib/cursor';
import type { EventLog, LogBatch } from './eventLog';

/** Reads `topic` from `from` up to where the log ends now, handing each batch to `onBatch`, which
 * may end the read early by returning false (any other value goes on). Returns the position reached. */
export async function readToEnd(log: EventLog, topic: string, from: Cursor, onBatch: (batch: LogBatch) => unknown, maxBatch = 5000): Promise<Cursor> {
  const { end } = await log.bounds(topic);
  let position = from;
  if (position.covers(end)) return position;
  const stop = new AbortController();
  for await (const batch of log.read(topic, from, { signal: stop.signal, maxBatch })) {
    const more = await onBatch(batch);
    position = position.max(batch.next);
    if (more === false || position.covers(end)) break;
  }
  stop.abort();
  return position;
}
