import type { Admin, Kafka } from 'kafkajs';
import type { Cursor } from '../../lib/cursor';
import type { KafkaLogOptions } from './kafkaOptions';

/** What the reader and the group consumer need of the Kafka log (which implements it). */
export interface KafkaContext {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly options: KafkaLogOptions;
  /** The log's identity (cursor text names it). */
  readonly identity: string;
  /** The topic or group name on the cluster. */
  physical(name: string): string;
  partitionsOf(topic: string): Promise<number[]>;
  committed(group: string, topic: string): Promise<Cursor>;
  /** Where the topic starts (older records are gone) and ends now. */
  bounds(topic: string): Promise<{ start: Cursor; end: Cursor }>;
  /** A fresh transactional producer for the group, fencing any older holder. */
  fence(group: string): Promise<void>;
  reportFailure(part: string, error: Error): void;
  reportSuccess(part: string): void;
  /** The part cannot work for now (a consumer rejoining its group): unhealthy until it works, but waits go on. */
  reportDegraded(part: string): void;
  forget(part: string): void;
  /** Work that outlives its caller (a reader's consumer stopping): the log waits for it before it closes. */
  finishLater(work: Promise<void>): void;
}
