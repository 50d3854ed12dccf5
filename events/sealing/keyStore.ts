/** The Kafka topic of the keys: compacted, key = user id, value = the key (a tombstone once destroyed). */
export const KEYS_TOPIC = 'users.keys';

/**
 * Where the per-user keys that seal the log's records live (crypto-shredding, issue 17). It
 * follows the log backend: keys.db beside the embedded log, a compacted topic on Kafka, so every
 * replica that reads the log can read the keys. Destroying a key is what erases a user: its
 * sealed records stay on the log, unreadable by anyone.
 */
export interface KeyStore {
  /**
   * Makes a key for each of these new users; resolves once they are durable (before any record
   * sealed with them is appended, so no record outlives a crash without its key).
   */
  create(userIds: string[]): Promise<Map<string, Buffer>>;
  /** The key known now; undefined when the user has none (erased or never created) or, on Kafka, it was not read yet (see refresh). */
  keyOf(userId: string): Buffer | undefined;
  /**
   * Makes `keyOf` answer for these users from everything the store held when this was called:
   * on Kafka, reads the key topic to its end when one of them is not known yet. A no-op when all are.
   */
  refresh(userIds: Iterable<string>): Promise<void>;
  /** Destroys the user's key for good (idempotent): durable when it resolves. */
  destroy(userId: string): Promise<void>;
  /** Makes the deleted keys leave every file (WAL checkpointed) where the store can. */
  scrub(): Promise<void>;
  close(): Promise<void>;
}
