import { sleep } from '../../lib/abortable';
import type { Cursor } from '../../lib/cursor';
import type { Logger } from '../../lib/logger';
import { GroupExpiredError } from '../../lib/cursorExpired';
import { DataLossError } from '../../lib/errors';
import { LogTrimmedError } from '../../lib/logTrimmedError';
import type { ConsumedPosition, ConsumeHandlers, LogBatch, ReadOptions } from '../eventLog';
import type { LogHealth } from '../logHealth';
import { logUnavailable } from '../logUnavailable';
import type { GroupTurns } from './groupTurns';

/** What the group consumer needs of the embedded log (which gives it). */
export interface EmbeddedGroupContext {
  readonly turns: GroupTurns;
  readonly health: LogHealth;
  readonly logger: Logger | undefined;
  readonly identity: string;
  isClosed(): boolean;
  read(topic: string, from: Cursor, options: ReadOptions): AsyncIterable<LogBatch>;
  committed(group: string, topic: string): Promise<Cursor>;
  bounds(topic: string): Promise<{ start: Cursor; end: Cursor }>;
  /** Commits a subscriber's position without waiting for an fsync of its own. */
  commitAfterBatch(position: ConsumedPosition): Promise<void>;
}

const MAX_BACKOFF_MS = 5000;

/**
 * Consumes a topic of the embedded log as a member of a group, the way the Kafka log's members do
 * (events/kafka/kafkaGroupConsumer.ts): one member at a time holds the group's one partition;
 * each time this one takes it over, `prepare` runs and reading starts at the group's committed
 * position. A batch whose handling fails is not committed: the failure is reported (onFailure),
 * and the member prepares again and starts over from the committed position, after a backoff.
 * Damage to the log ends it: nothing read past a damaged record can be trusted. So does a
 * committed position older than the log's start (GroupExpiredError): the records between were
 * dropped before the group read them, and it never skips them (README, "Expired cursors").
 */
export async function consumeAsGroup(log: EmbeddedGroupContext, group: string, topic: string, handlers: ConsumeHandlers, options: ReadOptions): Promise<void> {
  const { signal } = options;
  const leave = await log.turns.take(group, signal);
  if (!leave) return;
  const part = `consume:${group}`;
  let backoff = 100;
  try {
    while (!signal.aborted && !log.isClosed()) {
      try {
        await handlers.prepare();
        const committed = await log.committed(group, topic);
        // A group that never committed starts where the log starts (earlier records may be gone).
        const from = committed.isEmpty() ? (await log.bounds(topic)).start : committed;
        for await (const batch of log.read(topic, from, options)) {
          await handlers.handle(batch);
          // A subscriber's position may wait for the next fsync: lost to a power cut, it only means a
          // batch delivered again, which at-least-once subscribers are built for.
          if (handlers.commitAfterHandle) await log.commitAfterBatch({ group, topic, cursor: batch.next });
          log.health.worked(part);
          backoff = 100;
          // Back to the event loop between batches: a read with records waiting and a position kept
          // in memory resolve without any I/O, so a member catching up on a backlog (the audit trail
          // at start, 1,000,000 events) would otherwise hold the process until it is done: no call
          // answered, not even the server's bind (a start took 36 s instead of 3).
          await new Promise((resolve) => setImmediate(resolve));
        }
      } catch (error) {
        if (signal.aborted || log.isClosed()) return;
        if (error instanceof DataLossError) throw error;
        // Of the topic the group consumes: one that `prepare` reads (the decider reads the events) is its own failure, retried.
        if (error instanceof LogTrimmedError && error.topic === topic)
          throw new GroupExpiredError(group, topic, { committed: await log.committed(group, topic), oldest: error.start, identity: log.identity });
        log.health.failed(part, logUnavailable(error, `consuming ${topic} as ${group}`));
        log.logger?.error(`consuming ${topic} as ${group} failed; starting over in ${backoff} ms`);
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  } finally {
    leave();
  }
}
