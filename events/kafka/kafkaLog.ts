import { Kafka, logLevel, type Admin, type Message, type Producer } from 'kafkajs';
import { Cursor } from '../../lib/cursor';
import { UnavailableError } from '../../lib/errors';
import { GroupCommit } from '../../lib/groupCommit';
import { LogHealth } from '../logHealth';
import {
  COMMANDS,
  EVENTS,
  type AppendOptions,
  type ConsumedPosition,
  type ConsumeHandlers,
  type EventLog,
  type LogBatch,
  type NewRecord,
  type ReadOptions,
  type RecordPosition,
} from '../eventLog';
import type { KafkaContext } from './kafkaContext';
import { consumeAsGroup } from './kafkaGroupConsumer';
import { unavailable } from './kafkaErrors';
import { establishIdentity, META } from './kafkaIdentity';
import { whileTopicsSettle } from './topicSettle';
import { whileTransactionEnds } from './concurrentTransactions';
import { CLIENT_TIMEOUTS, type KafkaLogOptions } from './kafkaOptions';
import { readFromCursor } from './kafkaReader';
import { KEYS_TOPIC } from '../sealing/keyStore';
import { SNAPSHOT } from '../compaction/snapshotRecords';
import { partitionFor, positionsOf, toMessage } from './kafkaRecords';
import { ensureTopics, topicConfig } from './kafkaTopics';
import { quietRequestQueueTimer } from './requestQueueTimer';
import { rememberTransactionCoordinators } from './transactionCoordinator';

quietRequestQueueTimer();
rememberTransactionCoordinators();

interface Append {
  topic: string;
  records: NewRecord[];
}

type Bounds = { start: Cursor; end: Cursor };

/**
 * The log on Apache Kafka. Appends go through one idempotent producer (acks=all), grouped like
 * the embedded log's: everything asked for during one turn of the event loop is one produce
 * request. A step that must be atomic with a consumer position (the decider's) runs in a Kafka
 * transaction whose id belongs to the consumer group, so a newer owner fences an older one.
 */
export class KafkaLog implements EventLog, KafkaContext {
  private readonly appends = new GroupCommit<Append, RecordPosition[]>((batch) => this.send(batch));
  /**
   * Offsets asked for together share one request per topic: every strong read asks, and one
   * request per read would queue hundreds on the admin connection. A caller arriving while a
   * request is out waits for the next one, so no caller gets offsets read before it asked.
   */
  private readonly offsets = new GroupCommit<string, Bounds>((topics) => this.fetchBounds(topics));
  private readonly partitions = new Map<string, number>();
  private readonly transactional = new Map<string, Promise<Producer>>();
  private closed = false;
  /** Readers' consumers still stopping (see finishLater). */
  private readonly finishing = new Set<Promise<void>>();
  /** Per part of the pipeline (appends, each consumer, each reader): when it last failed and last worked. */
  private readonly health: LogHealth;
  /** Set once by open(), before anyone else sees the log. */
  identity = '';

  private constructor(
    readonly kafka: Kafka,
    readonly admin: Admin,
    private readonly producer: Producer,
    readonly options: KafkaLogOptions,
  ) {
    this.health = new LogHealth(options.logger, 'Kafka failure');
  }

  /** Connects, and creates the service's topics if they are missing. */
  static async open(options: KafkaLogOptions): Promise<KafkaLog> {
    const kafka = new Kafka({ clientId: options.clientId, brokers: options.brokers, ...CLIENT_TIMEOUTS, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    try {
      await admin.connect();
      await producer.connect();
      const log = new KafkaLog(kafka, admin, producer, options);
      log.identity = await whileTopicsSettle(async () => {
        // users.keys and users.snapshot too: their offsets are read at start (the key store; a view
        // folded from a compacted log), and a topic just made may not answer them yet.
        await log.ensure([COMMANDS, EVENTS, META, KEYS_TOPIC, SNAPSHOT]);
        return establishIdentity(log);
      });
      return log;
    } catch (error) {
      await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
      throw unavailable(error, `connecting to ${options.brokers.join(',')}`);
    }
  }

  /** The topic or group name on the cluster. */
  physical(name: string): string {
    return this.options.prefix + name;
  }

  /** Every append is acknowledged by all in-sync replicas (acks=all); `syncWithNext` changes nothing here. */
  append(topic: string, records: NewRecord[], _options?: AppendOptions): Promise<RecordPosition[]> {
    if (this.closed) return Promise.reject(new UnavailableError('the log is closed'));
    return this.appends.submit({ topic, records });
  }

  async appendAndCommit(topic: string, records: NewRecord[], consumed: ConsumedPosition): Promise<RecordPosition[]> {
    if (this.closed) throw new UnavailableError('the log is closed');
    await this.ensure([topic, consumed.topic]);
    const producer = await this.transactionalProducer(consumed.group);
    const partitions = records.map((r) => partitionFor(this.physical(topic), r.key, this.partitions.get(topic) ?? 1));
    let transaction;
    try {
      transaction = await producer.transaction();
      // One send per partition: kafkajs retries a send spread over several leaders as a whole, and
      // a partition whose leader had already taken its records got them again under new sequence
      // numbers, in the same transaction (the chaos harness on three brokers: one command's event
      // twice, 10-30 ms apart). A send to one partition is retried with its own sequence numbers,
      // which the broker recognizes.
      const byPartition = new Map<number, Message[]>();
      records.forEach((r, i) => {
        const messages = byPartition.get(partitions[i]) ?? [];
        messages.push(toMessage(r, partitions[i]));
        byPartition.set(partitions[i], messages);
      });
      const tx = transaction;
      const offsets = consumed.cursor.entries().map(([partition, offset]) => ({ partition, offset: String(offset) }));
      // The records (AddPartitionsToTxn, then Produce) and the offsets (AddOffsetsToTxn, then
      // TxnOffsetCommit) are two chains that need nothing of each other before the commit: sent
      // together, a transaction waits for the longer chain rather than for all four in a row.
      const [sent] = await Promise.all([
        Promise.all([...byPartition.values()].map((messages) => tx.send({ topic: this.physical(topic), acks: -1, messages }))),
        whileTransactionEnds(() =>
          tx.sendOffsets({ consumerGroupId: this.physical(consumed.group), topics: [{ topic: this.physical(consumed.topic), partitions: offsets }] }),
        ),
      ]);
      const metadata = sent.flat();
      await transaction.commit();
      return positionsOf([partitions], metadata, () => this.physical(topic))[0];
    } catch (error) {
      await transaction?.abort().catch(() => {});
      await this.dropTransactionalProducer(consumed.group);
      const failure = unavailable(error, 'transaction');
      this.reportFailure(`consume:${consumed.group}`, failure);
      throw failure;
    }
  }

  /** A transaction that holds only the group's offsets. */
  async commit(position: ConsumedPosition): Promise<void> {
    await this.appendAndCommit(position.topic, [], position);
  }

  read(topic: string, from: Cursor, options: ReadOptions): AsyncIterable<LogBatch> {
    return readFromCursor(this, topic, from, options);
  }

  consume(group: string, topic: string, handlers: ConsumeHandlers, options: ReadOptions): Promise<void> {
    return consumeAsGroup(this, group, topic, handlers, options);
  }

  onFailure(listener: (error: Error) => void): () => void {
    return this.health.onFailure(listener);
  }

  /**
   * Healthy when every part that failed has worked since: after an outage the producer is back
   * well before the decider has rejoined its group, and writes still cannot be decided then.
   */
  healthy(): boolean {
    return !this.closed && this.health.healthy();
  }

  reportSuccess(part: string): void {
    this.health.worked(part);
  }

  reportDegraded(part: string): void {
    this.health.degraded(part);
  }

  forget(part: string): void {
    this.health.forget(part);
  }

  finishLater(work: Promise<void>): void {
    this.finishing.add(work);
    void work.finally(() => this.finishing.delete(work));
  }

  /** Tells whoever waits on work in flight that the broker failed us (and logs it once). */
  reportFailure(part: string, error: Error): void {
    this.health.failed(part, error);
  }

  bounds(topic: string): Promise<Bounds> {
    return this.offsets.submit(topic);
  }

  /**
   * Drops the records of `topic` before `before` on each partition it names (clamped to the end),
   * as retention would: the broker moves the partition's start (log start offset) at once. Readers
   * and groups from an older position then meet LogTrimmedError. Returns how many offsets went
   * (transaction markers take offsets too).
   */
  async trim(topic: string, before: Cursor): Promise<number> {
    const { start, end } = await this.bounds(topic);
    const partitions = before
      .min(end)
      .entries()
      .filter(([partition, offset]) => offset > start.get(partition));
    if (partitions.length === 0) return 0;
    try {
      await this.admin.deleteTopicRecords({
        topic: this.physical(topic),
        partitions: partitions.map(([partition, offset]) => ({ partition, offset: String(offset) })),
      });
    } catch (error) {
      throw unavailable(error, `trimming ${topic}`);
    }
    return partitions.reduce((sum, [partition, offset]) => sum + offset - start.get(partition), 0);
  }

  private async fetchBounds(topics: string[]): Promise<Bounds[]> {
    const distinct = [...new Set(topics)];
    const fetched = await Promise.all(distinct.map((topic) => this.fetchTopicBounds(topic)));
    return topics.map((topic) => fetched[distinct.indexOf(topic)]);
  }

  private async fetchTopicBounds(topic: string): Promise<Bounds> {
    try {
      await this.ensure([topic]);
      const offsets = await this.admin.fetchTopicOffsets(this.physical(topic));
      return {
        start: Cursor.of(offsets.map((o) => [o.partition, Number(o.low)] as const)),
        end: Cursor.of(offsets.map((o) => [o.partition, Number(o.high)] as const)),
      };
    } catch (error) {
      throw unavailable(error, 'reading offsets');
    }
  }

  async committed(group: string, topic: string): Promise<Cursor> {
    try {
      await this.ensure([topic]);
      const [result] = await this.admin.fetchOffsets({ groupId: this.physical(group), topics: [this.physical(topic)] });
      const known = (result?.partitions ?? []).filter((p) => Number(p.offset) >= 0);
      return Cursor.of(known.map((p) => [p.partition, Number(p.offset)] as const));
    } catch (error) {
      throw unavailable(error, 'reading committed offsets');
    }
  }

  /**
   * Starts a fresh transactional producer for a group and initializes it: InitProducerId aborts
   * whatever an older holder of the same transactional id left open and fences that holder off
   * for good. kafkajs sends it at a producer's first transaction, not when it connects, so an
   * empty transaction is begun and abandoned here (an abort with nothing in it sends nothing):
   * without it an older owner could still commit until this one's first batch, after this one
   * had read the events and the committed offsets it decides from.
   */
  async fence(group: string): Promise<void> {
    await this.dropTransactionalProducer(group);
    const producer = await this.transactionalProducer(group);
    try {
      await (await producer.transaction()).abort();
    } catch (error) {
      await this.dropTransactionalProducer(group);
      throw unavailable(error, `fencing off an older owner of ${group}`);
    }
  }

  /** The partitions a topic has (after making sure it exists). */
  async partitionsOf(topic: string): Promise<number[]> {
    await this.ensure([topic]);
    return Array.from({ length: this.partitions.get(topic) ?? 1 }, (_, i) => i);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.appends.idle();
    await Promise.allSettled([...this.finishing]);
    const producers = await Promise.allSettled([...this.transactional.values()]);
    await Promise.allSettled([
      ...producers.map((p) => (p.status === 'fulfilled' ? p.value.disconnect() : undefined)),
      this.producer.disconnect(),
      this.admin.disconnect(),
    ]);
  }

  /** Sends a group of appends as one produce request; each record's partition is chosen here so
   * its position can be told back. */
  private async send(batch: Append[]): Promise<RecordPosition[][]> {
    await this.ensure(batch.map((a) => a.topic));
    const partitions = batch.map((a) => a.records.map((r) => partitionFor(this.physical(a.topic), r.key, this.partitions.get(a.topic) ?? 1)));
    const byTopic = new Map<string, ReturnType<typeof toMessage>[]>();
    batch.forEach((a, i) => {
      const messages = byTopic.get(a.topic) ?? [];
      a.records.forEach((r, j) => messages.push(toMessage(r, partitions[i][j])));
      byTopic.set(a.topic, messages);
    });
    try {
      const metadata = await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic: this.physical(topic), messages })),
      });
      this.reportSuccess('append');
      return positionsOf(partitions, metadata, (i) => this.physical(batch[i].topic));
    } catch (error) {
      const failure = unavailable(error, 'append');
      this.reportFailure('append', failure);
      throw failure;
    }
  }

  private async ensure(topics: string[]): Promise<void> {
    const missing = [...new Set(topics)].filter((t) => !this.partitions.has(t));
    if (missing.length === 0) return;
    await ensureTopics(
      this.admin,
      missing.map((t) => topicConfig(t, this.physical(t), this.options)),
    );
    const { topics: metadata } = await this.admin.fetchTopicMetadata({ topics: missing.map((t) => this.physical(t)) });
    for (const t of missing) this.partitions.set(t, metadata.find((m) => m.name === this.physical(t))?.partitions.length ?? 1);
  }

  private transactionalProducer(group: string): Promise<Producer> {
    let producer = this.transactional.get(group);
    if (!producer) {
      producer = (async () => {
        // Right after a commit the broker answers the next transaction's first request with
        // CONCURRENT_TRANSACTIONS for a moment: retry it soon rather than after kafkajs's default wait.
        const p = this.kafka.producer({
          transactionalId: `${this.physical(group)}-tx`,
          idempotent: true,
          maxInFlightRequests: 1,
          allowAutoTopicCreation: false,
          retry: { retries: 10, initialRetryTime: 25, maxRetryTime: 1000 },
        });
        await p.connect();
        return p;
      })();
      this.transactional.set(group, producer);
      producer.catch(() => this.transactional.delete(group));
    }
    return producer;
  }

  private async dropTransactionalProducer(group: string): Promise<void> {
    const producer = this.transactional.get(group);
    this.transactional.delete(group);
    if (producer) await producer.then((p) => p.disconnect()).catch(() => {});
  }
}
