import { sleep } from '../../lib/abortable';
import { Cursor } from '../../lib/cursor';
import type { Logger } from '../../lib/logger';
import { newKey } from '../../lib/sealBox';
import { Wakeup } from '../../lib/wakeup';
import type { EventLog } from '../eventLog';
import { KEYS_TOPIC, type KeyStore } from './keyStore';

/**
 * The key store on a replicated log (Kafka): the compacted topic users.keys, one record per user
 * (key = user id, value = its key; a tombstone once destroyed), which every replica reads from the
 * start into memory and follows. A key is appended (acks=all) before any record sealed with it,
 * so a replica that meets a user it has no key for reads the topic to its end once: if the key is
 * still missing, the user was erased (or never created).
 */
export class LogKeyStore implements KeyStore {
  private readonly keys = new Map<string, Buffer>();
  private position = Cursor.empty;
  private readonly moved = new Wakeup();
  private readonly stop = new AbortController();
  private readonly following: Promise<void>;

  private constructor(
    private readonly log: EventLog,
    private readonly logger: Logger,
  ) {
    this.following = this.follow();
  }

  /** Opens the store and reads the topic to its end. */
  static async open(log: EventLog, logger: Logger): Promise<LogKeyStore> {
    const store = new LogKeyStore(log, logger);
    await store.catchUp();
    return store;
  }

  async create(userIds: string[]): Promise<Map<string, Buffer>> {
    const made = new Map(userIds.map((id) => [id, this.keys.get(id) ?? newKey()] as const));
    await this.log.append(
      KEYS_TOPIC,
      [...made].map(([id, key]) => ({ key: id, value: key })),
    );
    for (const [id, key] of made) this.keys.set(id, key);
    return made;
  }

  keyOf(userId: string): Buffer | undefined {
    return this.keys.get(userId);
  }

  async refresh(userIds: Iterable<string>): Promise<void> {
    for (const id of userIds) {
      if (id !== '' && !this.keys.has(id)) return this.catchUp();
    }
  }

  async destroy(userId: string): Promise<void> {
    await this.log.append(KEYS_TOPIC, [{ key: userId, value: Buffer.alloc(0), tombstone: true }]);
    this.keys.delete(userId);
  }

  /** Nothing to do here: the brokers' cleaner removes the destroyed key's record (see kafkaTopics.ts). */
  async scrub(): Promise<void> {}

  async close(): Promise<void> {
    this.stop.abort();
    this.moved.wakeAll();
    await this.following;
  }

  /** Resolves once this store has read everything the topic held when it was called. */
  private async catchUp(): Promise<void> {
    const { end } = await this.log.bounds(KEYS_TOPIC);
    while (!this.position.covers(end)) {
      await this.moved.wait(this.stop.signal);
      if (this.stop.signal.aborted) throw new Error('the key store is closed');
    }
  }

  /** Follows the topic until closed; a failed read starts again from where it got, after a backoff. */
  private async follow(): Promise<void> {
    let backoff = 100;
    while (!this.stop.signal.aborted) {
      try {
        for await (const batch of this.log.read(KEYS_TOPIC, this.position, { signal: this.stop.signal })) {
          for (const record of batch.records) {
            if (record.value.length === 0) this.keys.delete(record.key);
            else this.keys.set(record.key, record.value);
          }
          this.position = this.position.max(batch.next);
          this.moved.wakeAll();
          backoff = 100;
        }
      } catch (error) {
        if (this.stop.signal.aborted) break;
        this.logger.error(`key store: reading ${KEYS_TOPIC} failed; again in ${backoff} ms`, { error });
        await sleep(backoff, this.stop.signal);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }
}
