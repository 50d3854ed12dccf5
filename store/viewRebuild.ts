import { closeSync, copyFileSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Cursor } from '../lib/cursor';
import { openDatabase, type Db } from './openDatabase';
import { createProjection, type Applied, type PositionedEvent, type Projection } from './projection';
import { clearDamageMark } from './viewDamage';
import { DEFAULT_REQUEST_ID_RETENTION_MS } from '../lib/requestRetention';
import { createOutcomesIndex, createViewIndexes, createViewTables, writeViewLogIdentity, writeViewRetention } from './viewSchema';

/** fsyncs a file, or a directory (the names in it). */
export function syncFile(file: string): void {
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const removeFile = (file: string) => {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(file + suffix, { force: true });
};

/**
 * A view file rebuilt from scratch, as a bulk load: written under a temporary name with no
 * journal and no fsync (a rebuild that fails is thrown away, never opened as a view), its
 * look-up indexes built once at the end, then switched to WAL and moved into place.
 * The old file is removed first: if the rebuild is interrupted, the server finds no view and
 * replays the log into a new one on start, as it would after a crash.
 */
export class ViewRebuild {
  private readonly projection: Projection;

  private constructor(
    private readonly file: string,
    private readonly temp: string,
    private readonly db: Db,
  ) {
    this.projection = createProjection(db);
  }

  /** Starts rebuilding `file` from the log named `logIdentity`, for a service keeping request-id outcomes `requestIdRetentionMs`. */
  static begin(file: string, logIdentity: string, requestIdRetentionMs = DEFAULT_REQUEST_ID_RETENTION_MS): ViewRebuild {
    const temp = `${file}.rebuilding`;
    removeFile(file);
    removeFile(temp);
    const db = openDatabase(temp, { exclusive: true }); // no file lock taken and dropped per transaction
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -262144'); // 256 MiB: the users tree of a large log stays in memory while it grows
    db.pragma('temp_store = MEMORY'); // the sorts that build the indexes at the end
    createViewTables(db);
    // The one index built up front: the projection looks every event's command id up in it (a log
    // can hold a command's event twice). Without it each look-up scans the table, and a rebuild
    // of N events takes N^2 steps (20,000 events took 15 s).
    createOutcomesIndex(db);
    writeViewLogIdentity(db, logIdentity);
    writeViewRetention(db, requestIdRetentionMs);
    return new ViewRebuild(file, temp, db);
  }

  cursor(): Cursor {
    return this.projection.cursor();
  }

  apply(events: PositionedEvent[], through?: Cursor): Applied {
    return this.projection.apply(events, through);
  }

  /**
   * Indexes the file, makes it an ordinary WAL view and moves it into place, after copying it to
   * `copies`: every view is the same fold of the same events, so one rebuild serves them all.
   */
  finish(copies: string[] = []): void {
    try {
      // Without the request-id index (built here, at the end), a request decided anew after the
      // retention left its old outcome beside the new one: the live view replaced it.
      this.db.exec(`DELETE FROM outcomes WHERE request_id IS NOT NULL AND rowid NOT IN
        (SELECT MAX(rowid) FROM outcomes WHERE request_id IS NOT NULL GROUP BY request_id)`);
      createViewIndexes(this.db);
      this.db.pragma('journal_mode = WAL');
      this.db.close(); // checkpoints: the file alone now holds everything
      // Written without fsync, so synced once here: a power cut after the rename finds the whole file.
      syncFile(this.temp);
      for (const copy of copies) {
        removeFile(copy);
        copyFileSync(this.temp, `${copy}.rebuilding`);
        syncFile(`${copy}.rebuilding`);
        renameSync(`${copy}.rebuilding`, copy);
      }
      renameSync(this.temp, this.file);
      for (const file of [this.file, ...copies]) clearDamageMark(file);
      syncFile(path.dirname(this.file)); // the renames themselves
    } catch (error) {
      this.abort();
      throw error;
    }
  }

  abort(): void {
    if (this.db.open) this.db.close();
    removeFile(this.temp);
  }
}
