import { nanoid } from 'nanoid';
import { Channel } from '../../lib/channel';
import { Cursor } from '../../lib/cursor';
import type { LogBatch, ReadOptions } from '../eventLog';
import { unavailable } from './kafkaErrors';
import type { KafkaLog } from './kafkaLog';
import { FETCH_MAX_WAIT_MS, MAX_BATCH_BYTES } from './kafkaOptions';
import { fromMessage } from './kafkaRecords';

/**
 * Reads a topic from a cursor, on every partition, without a consumer group of its own to
 * speak of: a fresh group whose offsets are set to the cursor before its consumer starts, so it
 * begins exactly there (no seek racing the first fetch), reading committed records only.
 */
export async function* readFromCursor(log: KafkaLog, topic: string, from: Cursor, { signal }: ReadOptions): AsyncGenerator<LogBatch> {
  const physical = log.physical(topic);
  const groupId = log.physical(`usersvc-reader-${nanoid(10)}`);
  const partitions = await log.partitionsOf(topic);
  const batches = new Channel<LogBatch>(2);
  let position = Cursor.of(partitions.map((p) => [p, from.get(p)] as const));
  await log.admin.setOffsets({ groupId, topic: physical, partitions: partitions.map((p) => ({ partition: p, offset: String(from.get(p)) })) }).catch((error: unknown) => {
    throw unavailable(error, 'positioning a reader');
  });
  const consumer = log.kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: FETCH_MAX_WAIT_MS, allowAutoTopicCreation: false, maxBytesPerPartition: MAX_BATCH_BYTES });
  const advance = (partition: number, lastOffset: string) => (position = position.max(Cursor.of([[partition, Number(lastOffset) + 1]])));
  // A fetch of nothing but transaction markers reaches no handler; it still moves the position.
  consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
    if (payload.batchSize === 0 && payload.lastOffset !== undefined) void batches.push({ records: [], next: advance(payload.partition, payload.lastOffset) });
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) batches.close(unavailable(payload.error, `reading ${topic}`));
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
        const records = batch.messages.map((m) => fromMessage(topic, batch.partition, m));
        await batches.push({ records, next: advance(batch.partition, batch.lastOffset()) });
      },
    });
    yield* batches;
  } catch (error) {
    throw unavailable(error, `reading ${topic}`);
  } finally {
    signal.removeEventListener('abort', stop);
    batches.close();
    await consumer.disconnect().catch(() => {});
    await log.admin.deleteGroups([groupId]).catch(() => {});
  }
}
