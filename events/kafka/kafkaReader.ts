import { nanoid } from 'nanoid';
import { Channel } from '../../lib/channel';
import { Cursor } from '../../lib/cursor';
import { DataLossError } from '../../lib/errors';
import { LogTrimmedError } from '../../lib/logTrimmedError';
import type { LogBatch, ReadOptions } from '../eventLog';
import { unavailable } from './kafkaErrors';
import type { KafkaContext } from './kafkaContext';
import { FETCH_MAX_WAIT_MS, MAX_BATCH_BYTES } from './kafkaOptions';
import { fromMessage } from './kafkaRecords';
import { onOffsetOutOfRange } from './offsetOutOfRange';

/**
 * Reads a topic from a cursor, on every partition, reading committed records only. kafkajs has
 * no consumer without a group, so the reader takes a fresh group of its own and seeks each
 * partition right after starting: kafkajs drops any batch fetched for a partition with a seek
 * still pending, so the first records handed over are the cursor's. (Setting the group's offsets
 * beforehand with the admin client costs 5 s: kafkajs runs a whole consumer to do it.)
 * A cursor older than the topic's start, or records dropped under the reader before it read them
 * (OFFSET_OUT_OF_RANGE), end it with LogTrimmedError: never a silent jump to what is left.
 */
export async function* readFromCursor(log: KafkaContext, topic: string, from: Cursor, { signal }: ReadOptions): AsyncGenerator<LogBatch> {
  const physical = log.physical(topic);
  const groupId = log.physical(`usersvc-reader-${nanoid(10)}`);
  const partitions = await log.partitionsOf(topic);
  const batches = new Channel<LogBatch>(2);
  let position = Cursor.of(partitions.map((p) => [p, from.get(p)] as const));
  const { start } = await log.bounds(topic);
  if (!position.covers(start)) throw new LogTrimmedError(topic, start);
  let trimmed = false;
  const resets = onOffsetOutOfRange(groupId, () => {
    if (trimmed) return;
    trimmed = true;
    log.bounds(topic).then(
      // Out of range above the end instead: the broker lost records it had acknowledged.
      (bounds) =>
        batches.close(
          position.covers(bounds.start)
            ? new DataLossError(`${topic}: records up to ${position.toString()} were read, and the log now ends at ${bounds.end.toString()}`)
            : new LogTrimmedError(topic, bounds.start),
        ),
      (error: unknown) => batches.close(unavailable(error, `reading ${topic}`)),
    );
  });
  const consumer = log.kafka.consumer({
    groupId,
    readUncommitted: false,
    maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
    allowAutoTopicCreation: false,
    maxBytesPerPartition: MAX_BATCH_BYTES,
  });
  const advance = (partition: number, lastOffset: string) => (position = position.max(Cursor.of([[partition, Number(lastOffset) + 1]])));
  // A fetch of nothing but transaction markers reaches no handler; it still moves the position.
  consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
    if (payload.batchSize === 0 && payload.lastOffset !== undefined && !trimmed)
      void batches.push({ records: [], next: advance(payload.partition, payload.lastOffset) });
  });
  let crash: Error | undefined;
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    crash = payload.error;
    const failure = unavailable(payload.error, `reading ${topic}`);
    log.reportFailure(groupId, failure);
    if (!payload.restart) batches.close(failure);
  });
  const stop = () => batches.close();
  signal.addEventListener('abort', stop, { once: true });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: physical, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      // One fetched batch is one LogBatch; its size is bounded by MAX_BATCH_BYTES, not by a count.
      eachBatch: async ({ batch }) => {
        if (trimmed) return;
        const records = batch.messages.map((m) => fromMessage(topic, batch.partition, m));
        log.reportSuccess(groupId);
        await batches.push({ records, next: advance(batch.partition, batch.lastOffset()) });
      },
    });
    try {
      for (const partition of partitions) consumer.seek({ topic: physical, partition, offset: String(from.get(partition)) });
    } catch (error) {
      // A consumer that crashed while starting (its group's coordinator still loading) has no
      // group to seek in until kafkajs restarts it: the crash is the reason to give.
      throw crash ?? error;
    }
    yield* batches;
  } catch (error) {
    throw unavailable(error, `reading ${topic}`);
  } finally {
    signal.removeEventListener('abort', stop);
    resets.remove();
    batches.close();
    // Not awaited: the consumer stops only once its fetch in flight returns, up to
    // FETCH_MAX_WAIT_MS on a quiet topic, and a reader that is done (a stream caught up, a
    // read to the end) should not wait for it. The log waits for it before it closes.
    log.finishLater(
      (async () => {
        await consumer.disconnect().catch(() => {});
        await log.admin.deleteGroups([groupId]).catch(() => {});
        log.forget(groupId);
      })(),
    );
  }
}
