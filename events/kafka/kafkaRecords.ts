import { Partitioners, type KafkaMessage, type Message, type RecordMetadata } from 'kafkajs';
import type { LogRecord, NewRecord, RecordPosition } from '../eventLog';

// Java's murmur2 partitioner, as kafkajs ships it: a key lands where any Kafka client puts it.
const partitioner = Partitioners.DefaultPartitioner();

/** The partition Kafka's default partitioner gives `key` in a topic of `partitions` partitions. */
export function partitionFor(topic: string, key: string, partitions: number): number {
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));
  return partitioner({ topic, partitionMetadata, message: { key, value: null } });
}

export function toMessage(record: NewRecord, partition: number): Message {
  return { key: record.key, value: record.tombstone ? null : record.value, partition, headers: record.headers };
}

export function fromMessage(topic: string, partition: number, message: KafkaMessage): LogRecord {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(message.headers ?? {})) if (value !== undefined) headers[key] = String(value);
  return {
    topic,
    partition,
    offset: Number(message.offset),
    key: message.key?.toString() ?? '',
    value: message.value ?? Buffer.alloc(0),
    headers,
    timestamp: Number(message.timestamp),
  };
}

/**
 * Where each record of a send landed: Kafka answers one base offset per partition, and records
 * of one partition are written in the order they were sent.
 */
export function positionsOf(partitions: number[][], metadata: RecordMetadata[], physicalTopic: (i: number) => string): RecordPosition[][] {
  const next = new Map<string, number>();
  for (const m of metadata) next.set(`${m.topicName}/${m.partition}`, Number(m.baseOffset));
  return partitions.map((ofItem, i) =>
    ofItem.map((partition) => {
      const key = `${physicalTopic(i)}/${partition}`;
      const offset = next.get(key);
      if (offset === undefined) throw new Error(`Kafka acknowledged no offset for ${key}`);
      next.set(key, offset + 1);
      return { partition, offset };
    }),
  );
}
