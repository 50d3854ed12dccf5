import type { Db } from './openDatabase';

/**
 * Tables of a view file. Email uniqueness is the decider's rule, not an index: a replica that
 * applies event partitions in another interleaving may hold two users with one email for a moment.
 */
export function migrateView(db: Db): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS users (
      id TEXT PRIMARY KEY,
      email TEXT NOT NULL,
      email_lower TEXT NOT NULL,
      name TEXT NOT NULL,
      plan INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      version INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS users_email_lower ON users (email_lower);
    CREATE TABLE IF NOT EXISTS outcomes (
      command_id TEXT PRIMARY KEY,
      request_id TEXT,
      code INTEGER NOT NULL,
      message TEXT NOT NULL,
      user BLOB,
      position TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX IF NOT EXISTS outcomes_request_id ON outcomes (request_id) WHERE request_id IS NOT NULL;
    CREATE TABLE IF NOT EXISTS applied_cursor (
      partition INTEGER PRIMARY KEY,
      next_offset INTEGER NOT NULL
    );
  `);
}
