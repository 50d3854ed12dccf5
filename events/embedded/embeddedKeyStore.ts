import path from 'node:path';
import type { Statement } from 'better-sqlite3';
import { GroupCommit } from '../../lib/groupCommit';
import { newKey } from '../../lib/sealBox';
import { readLayout, writeLayout, type Layout } from '../../store/fileLayout';
import { openDatabase, type Db } from '../../store/openDatabase';
import type { KeyStore } from '../sealing/keyStore';

/** 1: `user_keys`, one row per user with a key. */
/** About 10 MB of keys and ids in memory. */
const CACHED_KEYS = 100_000;
const KEYS_LAYOUT: Layout = { kind: 'key store', current: 1 };

/**
 * The embedded log's key store: keys.db in the data directory, beside log.db. New keys are
 * fsync'd before a record sealed with them is appended, grouped like the log's own appends
 * (one transaction per turn of the event loop). A destroyed key's bytes are overwritten
 * (secure_delete, set by openDatabase) and `scrub` checkpoints the WAL so no old page keeps them.
 * Losing this file loses every user's personal data, as losing log.db loses the log: back it up with it.
 */
export class EmbeddedKeyStore implements KeyStore {
  private readonly creates = new GroupCommit<string[], Map<string, Buffer>>((batch) => this.writeKeys(batch));
  private readonly select: Statement;
  private readonly insert: Statement;
  private readonly remove: Statement;
  /** Keys used lately, so sealing and opening a record costs no query: a look-up per record was a tenth of a bulk import's CPU. */
  private readonly cache = new Map<string, Buffer>();

  private constructor(private readonly db: Db) {
    this.select = db.prepare('SELECT key FROM user_keys WHERE user_id = ?').pluck();
    this.insert = db.prepare('INSERT OR IGNORE INTO user_keys (user_id, key) VALUES (?, ?)');
    this.remove = db.prepare('DELETE FROM user_keys WHERE user_id = ?');
  }

  static open(dir: string): EmbeddedKeyStore {
    const file = path.join(dir, 'keys.db');
    const db = openDatabase(file, { synchronous: 'FULL' });
    try {
      readLayout(db, file, KEYS_LAYOUT);
      db.exec('CREATE TABLE IF NOT EXISTS user_keys (user_id TEXT PRIMARY KEY, key BLOB NOT NULL) WITHOUT ROWID');
      writeLayout(db, KEYS_LAYOUT);
    } catch (error) {
      db.close();
      throw error;
    }
    return new EmbeddedKeyStore(db);
  }

  create(userIds: string[]): Promise<Map<string, Buffer>> {
    return this.creates.submit(userIds);
  }

  keyOf(userId: string): Buffer | undefined {
    let key = this.cache.get(userId);
    if (key === undefined) {
      key = this.select.get(userId) as Buffer | undefined;
      if (key) this.remember(userId, key);
    }
    return key;
  }

  async refresh(): Promise<void> {}

  async destroy(userId: string): Promise<void> {
    this.remove.run(userId);
    this.cache.delete(userId);
  }

  async scrub(): Promise<void> {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  async close(): Promise<void> {
    await this.creates.idle();
    this.db.close();
  }

  /** Bounded: the oldest remembered key is forgotten first (a Map keeps insertion order). */
  private remember(userId: string, key: Buffer): void {
    if (this.cache.size >= CACHED_KEYS) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(userId, key);
  }

  /** One transaction, one fsync, for every create of a turn. A user that has a key keeps it (a retried import). */
  private writeKeys(batch: string[][]): Array<Map<string, Buffer>> {
    const written = this.db.transaction(() =>
      batch.map((userIds) => {
        const keys = new Map<string, Buffer>();
        for (const id of userIds) {
          this.insert.run(id, newKey());
          keys.set(id, this.select.get(id) as Buffer);
        }
        return keys;
      }),
    )();
    // Remembered once committed: a key whose transaction failed was never the user's.
    for (const keys of written) for (const [id, key] of keys) this.remember(id, key);
    return written;
  }
}
