import type { Db } from './openDatabase';

/**
 * The layout of a view file, by number. Views are rebuildable, so a file of another layout is not
 * migrated: its tables are dropped and the projector replays the log into new ones.
 * 2: an outcome row holds the event itself (was: the user re-encoded, code and message).
 */
export const VIEW_SCHEMA_VERSION = 2;

/**
 * Tables of a view file. Email uniqueness is the decider's rule, not an index: a replica that
 * applies event partitions in another interleaving may hold two users with one email for a moment.
 * Outcomes are a rowid table written in log order, so a rebuild appends to it and builds its
 * look-up indexes once at the end (see `createViewIndexes`).
 */
export function createViewTables(db: Db): void {
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
    CREATE TABLE IF NOT EXISTS outcomes (
      command_id TEXT NOT NULL,
      request_id TEXT,
      partition INTEGER NOT NULL,
      offset INTEGER NOT NULL,
      event BLOB NOT NULL
    );
    CREATE TABLE IF NOT EXISTS applied_cursor (
      partition INTEGER PRIMARY KEY,
      next_offset INTEGER NOT NULL
    );
  `);
}

/** The look-up indexes. Building one over a full table sorts once, far cheaper than growing it row by row. */
export function createViewIndexes(db: Db): void {
  db.exec(`
    CREATE INDEX IF NOT EXISTS users_email_lower ON users (email_lower);
    CREATE UNIQUE INDEX IF NOT EXISTS outcomes_command_id ON outcomes (command_id);
    CREATE UNIQUE INDEX IF NOT EXISTS outcomes_request_id ON outcomes (request_id) WHERE request_id IS NOT NULL;
  `);
  db.pragma(`user_version = ${VIEW_SCHEMA_VERSION}`);
}

/**
 * Brings a view file to the current layout. Returns true when it held an older layout, whose
 * tables were dropped: the caller's projector then replays the whole log.
 */
export function migrateView(db: Db): boolean {
  const version = db.pragma('user_version', { simple: true }) as number;
  const hasTables = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'users'").get() !== undefined;
  const stale = hasTables && version !== VIEW_SCHEMA_VERSION;
  if (stale) db.exec('DROP TABLE IF EXISTS users; DROP TABLE IF EXISTS outcomes; DROP TABLE IF EXISTS applied_cursor;');
  createViewTables(db);
  createViewIndexes(db);
  return stale;
}
