import { rmSync } from 'node:fs';
import { openDatabase, type Db } from './openDatabase';

/** How far a copy has come, in SQLite pages. */
export interface CopyProgress {
  file: string;
  totalPages: number;
  remainingPages: number;
}

/** Pages per backup step: a step is synchronous, so this bounds how long the event loop waits (about 4 MiB). */
const PAGES_PER_STEP = 1024;

/**
 * One SQLite file as it stood at one instant, readable while other processes go on writing to it.
 *
 * A read-only connection holds one read transaction from `take` to `close`: in WAL mode a reader
 * never blocks a writer, and the pages it sees stay those of that instant. SQLite's online backup
 * API restarts a copy whenever another connection writes the file between two steps, so a copy
 * of a busy file in small steps might never finish; inside a read transaction it reads the pinned
 * pages and never restarts, yet it still goes in steps (progress, and a live event loop). The
 * cost: the writer's WAL cannot be checkpointed past this instant until the snapshot closes.
 */
export class SqliteSnapshot {
  private constructor(
    readonly file: string,
    private readonly db: Db,
  ) {}

  /** Pins `file` as it is now. Throws SQLITE_CANTOPEN when there is no such file. */
  static take(file: string): SqliteSnapshot {
    const db = openDatabase(file, { readonly: true });
    try {
      db.exec('BEGIN');
      // A read transaction starts at its first read: this one fixes the instant.
      db.prepare('SELECT count(*) FROM sqlite_master').get();
      return new SqliteSnapshot(file, db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Pins every file of `files`, in order (so each is at least as new as the ones before it); none is left open if one fails. */
  static takeAll(files: string[]): SqliteSnapshot[] {
    const taken: SqliteSnapshot[] = [];
    try {
      for (const file of files) taken.push(SqliteSnapshot.take(file));
      return taken;
    } catch (error) {
      for (const snapshot of taken) snapshot.close();
      throw error;
    }
  }

  /** Writes the pinned state to `dest` (replaced if it exists), a whole SQLite file of its own. */
  async copyTo(dest: string, onProgress: (progress: CopyProgress) => void = () => {}): Promise<void> {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(dest + suffix, { force: true });
    let pages = 0;
    await this.db.backup(dest, {
      progress: ({ totalPages, remainingPages }) => {
        pages = totalPages;
        onProgress({ file: this.file, totalPages, remainingPages });
        return PAGES_PER_STEP;
      },
    });
    // The last step is not reported by the backup itself.
    onProgress({ file: this.file, totalPages: pages, remainingPages: 0 });
  }

  close(): void {
    if (!this.db.open) return;
    this.db.exec('COMMIT');
    this.db.close();
  }
}
