import Database from 'better-sqlite3';

export type Db = Database.Database;

export interface OpenOptions {
  readonly?: boolean;
  /** Hold the file's lock for the life of the connection, so no other process can open it. */
  exclusive?: boolean;
  /** FULL fsyncs every commit (the log); NORMAL is enough for views that can be rebuilt. */
  synchronous?: 'FULL' | 'NORMAL';
}

/** Opens a SQLite file in WAL mode with the pragmas every file of ours wants. */
export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const db = new Database(file, { readonly: options.readonly ?? false, timeout: options.exclusive ? 0 : 5000 });
  try {
    // The locking mode must be set before WAL is entered, so that no shared-memory index is made.
    if (options.exclusive) db.pragma('locking_mode = EXCLUSIVE');
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    }
    db.pragma('foreign_keys = ON');
    // Deleted content is overwritten, not left in free pages: an erased user's data and key
    // must leave the file (issue 17); the WAL's old frames go with a TRUNCATE checkpoint.
    if (!options.readonly) db.pragma('secure_delete = ON');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
