import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';

/** Every file under `dir` (recursively), with its bytes. */
export function filesUnder(dir: string): Array<{ file: string; bytes: Buffer }> {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [{ file, bytes: readFileSync(file) }];
  });
}

/** The files (and what in them) that hold any of `needles`: an empty list is what erasure must leave. */
export function findBytes(files: Array<{ file: string; bytes: Buffer }>, needles: Record<string, Buffer>): string[] {
  return files.flatMap(({ file, bytes }) => Object.entries(needles).flatMap(([what, needle]) => (bytes.includes(needle) ? [`${what} in ${file}`] : [])));
}

/**
 * Every record of every topic whose name starts with `prefix`, read from the start with a plain
 * kafkajs consumer (read_uncommitted: aborted transactions too), as any outsider could read them.
 * Keys and values, one buffer per record.
 */
export async function topicRecords(brokers: string[], prefix: string): Promise<Array<{ topic: string; bytes: Buffer }>> {
  const kafka = new Kafka({ clientId: 'erasure-scan', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  const ends = new Map<string, number>();
  for (const topic of topics) for (const o of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}/${o.partition}`, Number(o.high));
  await admin.disconnect();
  const remaining = new Set([...ends].filter(([, high]) => high > 0).map(([key]) => key));
  const records: Array<{ topic: string; bytes: Buffer }> = [];
  if (remaining.size === 0) return records;
  const consumer = kafka.consumer({ groupId: `erasure-scan-${Date.now()}`, readUncommitted: true });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`topics not read to their end in 30 s: ${[...remaining].join(', ')}`)), 30_000);
    const reached = (topic: string, partition: number, lastOffset: string | undefined) => {
      const key = `${topic}/${partition}`;
      if (lastOffset !== undefined && Number(lastOffset) + 1 >= (ends.get(key) ?? 0)) remaining.delete(key);
      if (remaining.size === 0) {
        clearTimeout(timer);
        resolve();
      }
    };
    // A fetch of transaction markers only reaches no eachBatch; its position still counts.
    consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize === 0) reached(payload.topic, payload.partition, payload.lastOffset);
    });
    void consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) records.push({ topic: batch.topic, bytes: Buffer.concat([m.key ?? Buffer.alloc(0), m.value ?? Buffer.alloc(0)]) });
        reached(batch.topic, batch.partition, batch.lastOffset());
      },
    });
  });
  await consumer.disconnect();
  return records;
}
