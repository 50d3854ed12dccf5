import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { DataError } from '../lib/startupErrors';
import { readLayout, writeLayout, type Layout } from './fileLayout';
import { openDatabase, type Db } from './openDatabase';
import { syncFile } from './viewRebuild';

/**
 * A backup as one file, and that file a SQLite database: the copies of a data directory's SQLite
 * files, cut into 1 MiB chunks (a blob holds at most 1 GB), each file with its size and SHA-256,
 * and a few facts about the backup (when, of what, the view's checksum then). Why SQLite and not
 * a tar: no new dependency (tar needs one, or a home-made writer and reader), the format is the
 * one every file of ours already has, with the same header stamp (application_id, a layout
 * number; store/fileLayout.ts) so a wrong or newer file is refused by name, and the contents can
 * be listed with any sqlite3 shell: `SELECT name, bytes, sha256 FROM files`.
 */
export const BACKUP_LAYOUT: Layout = { kind: 'backup', current: 1 };

const CHUNK = 1 << 20;

export interface ArchivedFile {
  name: string;
  bytes: number;
  sha256: string;
}

/** Bytes of the files written or read so far, for progress lines. */
export type ArchiveProgress = (done: number, total: number) => void;

/** Writes `files` (whole, closed SQLite files) and `facts` into a new archive at `target`: under another name until it is whole and synced. */
export function writeArchive(target: string, files: string[], facts: Record<string, string>, onProgress: ArchiveProgress): ArchivedFile[] {
  const temp = `${target}.partial`;
  rmSync(temp, { force: true });
  const db = openDatabase(temp, { exclusive: true });
  try {
    db.pragma('journal_mode = OFF'); // a failed backup is thrown away whole, never resumed
    writeLayout(db, BACKUP_LAYOUT);
    db.exec(`CREATE TABLE facts (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE files (name TEXT PRIMARY KEY, bytes INTEGER NOT NULL, sha256 TEXT NOT NULL);
      CREATE TABLE chunks (name TEXT NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (name, seq));`);
    const insertFact = db.prepare('INSERT INTO facts (key, value) VALUES (?, ?)');
    for (const [key, value] of Object.entries(facts)) insertFact.run(key, value);
    const total = files.reduce((sum, file) => sum + statSync(file).size, 0);
    let done = 0;
    const archived = files.map((file) => {
      const entry = db.transaction(() => storeFile(db, file, (n) => onProgress((done += n), total)))();
      db.prepare('INSERT INTO files (name, bytes, sha256) VALUES (?, ?, ?)').run(entry.name, entry.bytes, entry.sha256);
      return entry;
    });
    db.close();
    syncFile(temp);
    renameSync(temp, target);
    syncFile(path.dirname(target));
    return archived;
  } catch (error) {
    if (db.open) db.close();
    rmSync(temp, { force: true });
    throw error;
  }
}

function storeFile(db: Db, file: string, onChunk: (bytes: number) => void): ArchivedFile {
  const insert = db.prepare('INSERT INTO chunks (name, seq, data) VALUES (?, ?, ?)');
  const hash = createHash('sha256');
  const name = path.basename(file);
  const fd = openSync(file, 'r');
  let bytes = 0;
  try {
    const buffer = Buffer.alloc(CHUNK);
    for (let seq = 0, n; (n = readSync(fd, buffer, 0, CHUNK, null)) > 0; seq++) {
      insert.run(name, seq, buffer.subarray(0, n));
      hash.update(buffer.subarray(0, n));
      bytes += n;
      onChunk(n);
    }
  } finally {
    closeSync(fd);
  }
  return { name, bytes, sha256: hash.digest('hex') };
}

/** An archive opened to restore from: refused by name when it is not a usersvc backup, or from a newer release. */
export class BackupArchive {
  private constructor(
    readonly file: string,
    private readonly db: Db,
  ) {}

  static open(file: string): BackupArchive {
    let db: Db | undefined;
    try {
      db = openDatabase(file, { readonly: true });
      // Every file of ours has the same application_id: the tables tell a backup from a log or a view.
      const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('facts', 'files', 'chunks')").get() as { n: number };
      if (tables.n !== 3 || readLayout(db, file, BACKUP_LAYOUT) === 0) {
        throw new DataError(`${file} is not a usersvc backup (it holds no backup's tables); name a file \`usersvc backup\` wrote`);
      }
      return new BackupArchive(file, db);
    } catch (error) {
      db?.close();
      const code = (error as { code?: string }).code ?? '';
      if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT')
        throw new DataError(`${file} is not a usersvc backup, or is damaged (${(error as Error).message})`);
      throw error;
    }
  }

  facts(): Record<string, string> {
    const rows = this.db.prepare('SELECT key, value FROM facts').all() as Array<{ key: string; value: string }>;
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  files(): ArchivedFile[] {
    return this.db.prepare('SELECT name, bytes, sha256 FROM files ORDER BY rowid').all() as ArchivedFile[];
  }

  /** Writes every file into `dir`, each checked against its size and SHA-256 before it takes its name. */
  extractTo(dir: string, onProgress: ArchiveProgress): void {
    const files = this.files();
    const total = files.reduce((sum, f) => sum + f.bytes, 0);
    let done = 0;
    for (const entry of files) {
      const temp = path.join(dir, `${entry.name}.restoring`);
      const fd = openSync(temp, 'w');
      const hash = createHash('sha256');
      let bytes = 0;
      try {
        for (const { data } of this.db.prepare('SELECT data FROM chunks WHERE name = ? ORDER BY seq').iterate(entry.name) as Iterable<{ data: Buffer }>) {
          writeSync(fd, data);
          hash.update(data);
          bytes += data.length;
          onProgress((done += data.length), total);
        }
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      if (bytes !== entry.bytes || hash.digest('hex') !== entry.sha256) {
        rmSync(temp, { force: true });
        throw new DataError(
          `${this.file} is damaged: its copy of ${entry.name} does not match the size and SHA-256 recorded with it; restore from another backup`,
        );
      }
      renameSync(temp, path.join(dir, entry.name));
    }
    syncFile(dir);
  }

  close(): void {
    this.db.close();
  }
}
