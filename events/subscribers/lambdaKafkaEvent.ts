import type { LogRecord } from '../eventLog';

/**
 * The event AWS Lambda hands a function triggered by a self-managed Kafka (or MSK) topic:
 * records grouped by "topic-partition", keys and values base64, header values as byte arrays.
 * Subscriber functions take this shape, so the same code runs on a Lambda trigger unchanged.
 */
export interface LambdaKafkaEvent {
  eventSource: 'SelfManagedKafka' | 'aws:kafka';
  bootstrapServers: string;
  records: Record<string, LambdaKafkaRecord[]>;
}

export interface LambdaKafkaRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  key: string;
  value: string;
  headers: Array<Record<string, number[]>>;
}

export function toLambdaKafkaEvent(records: LogRecord[], bootstrapServers: string): LambdaKafkaEvent {
  const grouped: Record<string, LambdaKafkaRecord[]> = {};
  for (const record of records) {
    const key = `${record.topic}-${record.partition}`;
    (grouped[key] ??= []).push({
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      timestamp: record.timestamp,
      timestampType: 'CREATE_TIME',
      key: Buffer.from(record.key).toString('base64'),
      value: record.value.toString('base64'),
      headers: Object.entries(record.headers ?? {}).map(([name, value]) => ({ [name]: [...Buffer.from(value)] })),
    });
  }
  return { eventSource: 'SelfManagedKafka', bootstrapServers, records: grouped };
}

/** The records of a Lambda Kafka event back in log form (what a handler decodes). */
export function fromLambdaKafkaEvent(event: LambdaKafkaEvent): LogRecord[] {
  return Object.values(event.records)
    .flat()
    .map((r) => ({
      topic: r.topic,
      partition: r.partition,
      offset: r.offset,
      timestamp: r.timestamp,
      key: Buffer.from(r.key, 'base64').toString(),
      value: Buffer.from(r.value, 'base64'),
      headers: Object.fromEntries(r.headers.flatMap((h) => Object.entries(h).map(([k, v]) => [k, Buffer.from(v).toString()]))),
    }));
}
