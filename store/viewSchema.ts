import { DEFAULT_REQUEST_ID_RETENTION_MS } from '../lib/requestRetention';
import { readLayout, writeLayout, type Layout } from './fileLayout';
import type { Db } from './openDatabase';

/**
 * The layout of a view file, by number. Views are rebuildable, so a file of an older layout is not
 * migrated: its tables are dropped and the projector replays the log into new ones. A file of a
 * newer layout is refused (store/fileLayout.ts).
 * 2: an outcome row holds the event itself (was: the user re-encoded, code and message).
 * 3: `view_meta` names the log the view was folded from (its identity), checked at every start.
 * 4: a CRC-32 per `users` and `outcomes` row, checked on every read (store/rowChecksum.ts).
 * 5: a `users` row holds the user encoded (`user`), which GetUser and ListUsers send as it is.
 * 6: an outcome row holds its event's occurred_at (indexed), so outcomes past the request-id
 *    retention are found and pruned (lib/requestRetention.ts).
 */
export const VIEW_LAYOUT: Layout = { kind: 'view', current: 6 };

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
      version INTEGER NOT NULL,
      user BLOB NOT NULL,
      crc INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS outcomes (
      command_id TEXT NOT NULL,
      request_id TEXT,
      partition INTEGER NOT NULL,
      offset INTEGER NOT NULL,
      event BLOB NOT NULL,
      occurred_at INTEGER NOT NULL,
      crc INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS applied_cursor (
      partition INTEGER PRIMARY KEY,
      next_offset INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS view_meta (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) WITHOUT ROWID;
  `);
}

/** The identity of the log this view was folded from; undefined for a new, empty view. */
export function readViewLogIdentity(db: Db): string | undefined {
  return (db.prepare("SELECT value FROM view_meta WHERE key = 'log_identity'").get() as { value: string } | undefined)?.value;
}

export function writeViewLogIdentity(db: Db, identity: string): void {
  db.prepare("INSERT INTO view_meta (key, value) VALUES ('log_identity', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(identity);
}

/** The index the projection reads on every event applied: which commands the view holds. */
export function createOutcomesIndex(db: Db): void {
  db.exec('CREATE UNIQUE INDEX IF NOT EXISTS outcomes_command_id ON outcomes (command_id);');
}

/** How long request-id outcomes stand in this view; the checksum covers only those that do. */
export function readViewRetention(db: Db): number {
  const row = db.prepare("SELECT value FROM view_meta WHERE key = 'request_id_retention_ms'").get() as { value: string } | undefined;
  return row ? Number(row.value) : DEFAULT_REQUEST_ID_RETENTION_MS;
}

export function writeViewRetention(db: Db, retentionMs: number): void {
  db.prepare("INSERT INTO view_meta (key, value) VALUES ('request_id_retention_ms', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(
    String(retentionMs),
  );
}

/** The look-up indexes. Building one over a full table sorts once, far cheaper than growing it row by row. */
export function createViewIndexes(db: Db): void {
  createOutcomesIndex(db);
  db.exec(`
    CREATE INDEX IF NOT EXISTS users_email_lower ON users (email_lower);
    CREATE UNIQUE INDEX IF NOT EXISTS outcomes_request_id ON outcomes (request_id) WHERE request_id IS NOT NULL;
    CREATE INDEX IF NOT EXISTS outcomes_occurred_at ON outcomes (occurred_at);
  `);
  writeLayout(db, VIEW_LAYOUT);
}

/**
 * Brings a view file to the current layout, for the log named `logIdentity`. Returns true when it
 * held an older layout, whose tables were dropped: the caller's projector then replays the whole
 * log. A newer layout throws (DataError) and the file is left as it is.
 */
export function migrateView(db: Db, file: string, logIdentity: string): boolean {
  const version = readLayout(db, file, VIEW_LAYOUT);
  const hasTables = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'users'").get() !== undefined;
  const stale = hasTables && version !== VIEW_LAYOUT.current;
  if (stale) db.exec('DROP TABLE IF EXISTS users; DROP TABLE IF EXISTS outcomes; DROP TABLE IF EXISTS applied_cursor; DROP TABLE IF EXISTS view_meta;');
  createViewTables(db);
  createViewIndexes(db);
  writeViewLogIdentity(db, logIdentity);
  return stale;
}
