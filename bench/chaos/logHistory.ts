import { decodeEvent } from '../../events/codec';
import { EVENTS } from '../../events/eventLog';
import { readToEnd } from '../../events/readToEnd';
import { Cursor } from '../../lib/cursor';
import { createLogger } from '../../lib/logger';
import { userOf } from '../../proto/messages';
import { openDataDir } from '../../runtime/openDataDir';
import { resolveOptions } from '../../runtime/serviceOptions';

/** One event of users.events, as the checker needs it. */
export interface LoggedEvent {
  requestId: string;
  commandId: string;
  kind: string;
  userId?: string;
  version?: number;
  partition: number;
  offset: number;
}

/**
 * Every event of users.events from the start, read with the service's own Kafka log (the same
 * reader a replica uses, read_committed), in each partition's order.
 */
export async function readEventLog(brokers: string[], prefix: string, scratchDir: string): Promise<LoggedEvent[]> {
  const options = resolveOptions({ log: 'kafka', brokers: brokers.join(','), 'kafka-prefix': prefix, data: scratchDir }, {});
  const { log, keys, close, release } = await openDataDir(
    options,
    createLogger('error', () => {}),
    { logOnly: true },
  );
  const events: LoggedEvent[] = [];
  try {
    await readToEnd(log, EVENTS, Cursor.empty, async (batch) => {
      await keys.refresh(new Set(batch.records.map((r) => r.key)));
      for (const record of batch.records) {
        const event = decodeEvent(record, keys);
        const user = userOf(event);
        events.push({
          requestId: event.request_id,
          commandId: event.command_id,
          kind: event.kind,
          userId: user?.id,
          version: user ? Number(user.version) : undefined,
          partition: record.partition,
          offset: record.offset,
        });
      }
    });
  } finally {
    await close();
    release();
  }
  return events;
}
