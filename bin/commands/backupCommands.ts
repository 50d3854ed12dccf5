import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { LogBackend } from '../../events/logBackend';
import { createLogger } from '../../lib/logger';
import { ConfigError, DataError } from '../../lib/startupErrors';
import { dataFiles, sqliteFiles } from '../../runtime/dataFiles';
import { logBackend } from '../../runtime/logBackend';
import type { ServiceOptions } from '../../runtime/serviceOptions';
import { BackupArchive, writeArchive } from '../../store/backupArchive';
import { lockDataDir } from '../../store/dataDirLock';
import { openDatabase } from '../../store/openDatabase';
import { SqliteSnapshot } from '../../store/sqliteSnapshot';
import { checksumOfFile, type ViewChecksum } from '../../store/viewChecksum';
import { writeViewLogIdentity } from '../../store/viewSchema';
import { print } from './dataCommands';
import { copyLine, throttled } from './pointInTime';

/** A progress line of bytes, for `throttled` (made once per phase: it keeps the time of the last line). */
const bytesLine =
  (label: string) =>
  ([done, total]: [number, number]) =>
    `${label}: ${done === total ? `${total} bytes done` : `${Math.floor((100 * done) / Math.max(total, 1))}% of ${total} bytes`}`;

/**
 * `usersvc backup --data DIR --to FILE`: a consistent copy of a data directory, live or not, into
 * one file (store/backupArchive.ts). Every SQLite file of the directory (runtime/dataFiles.ts) is
 * pinned at one instant, views before the log (store/sqliteSnapshot.ts), so the copy's views are
 * never ahead of its log; each is copied with SQLite's online backup API while the server goes on
 * writing. Prints the checksum of the copied view: `usersvc restore` and `usersvc checksum` on the
 * restored directory give the same.
 */
export async function backupCommand(options: ServiceOptions, to: string | undefined): Promise<number> {
  if (!to) throw new ConfigError('--to is missing: name the backup file to write');
  if (existsSync(to)) throw new ConfigError(`--to ${to} exists; name a new file (a backup never overwrites another)`);
  const backend = logBackend(options);
  if (backend.storedInDataDir && !existsSync(backend.location)) {
    throw new ConfigError(`${options.dataDir} holds no log (${backend.location} does not exist); point --data at a data directory`);
  }
  const staging = mkdtempSync(path.join(path.dirname(path.resolve(to)), '.usersvc-backup-'));
  try {
    const snapshots = SqliteSnapshot.takeAll(sqliteFiles(options.dataDir, backend).filter((file) => existsSync(file)));
    const copies: string[] = [];
    try {
      for (const snapshot of snapshots) {
        const copy = path.join(staging, path.basename(snapshot.file));
        await snapshot.copyTo(copy, throttled(copyLine));
        snapshot.close(); // copied: the server's WAL may be checkpointed past it again
        copies.push(copy);
      }
    } finally {
      for (const snapshot of snapshots) snapshot.close();
    }
    // Every row of the copied view is read: on a large view this is most of the backup's time, but the
    // checksum is what proves a restore (the server's files are no longer pinned meanwhile).
    process.stderr.write('backup: checksum of the copied view (reads every row)\n');
    const sum = checksumOf(dataFiles(staging).view);
    const facts = { made_at: new Date().toISOString(), data_dir: path.resolve(options.dataDir), log: backend.location, ...(sum ? viewFacts(sum) : {}) };
    const archiving = throttled(bytesLine('archiving'));
    const files = writeArchive(to, copies, facts, (done, total) => archiving([done, total]));
    if (sum) print(sum);
    process.stderr.write(`backup ${to}: ${files.map((f) => `${f.name} (${f.bytes} bytes)`).join(', ')}\n`);
    return 0;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * `usersvc restore --from FILE --data DIR`: the files of a backup into DIR, which must be empty (or
 * new) and held by no server. A restored log gets a new identity (its view is told it too): the
 * copy and the log it came from now go separate ways, and a cursor either hands out must not be
 * taken by the other (lib/cursorText.ts). Prints the restored view's checksum, checked against the
 * one the backup recorded.
 */
export async function restoreCommand(options: ServiceOptions, from: string | undefined): Promise<number> {
  if (!from) throw new ConfigError('--from is missing: name the backup file to restore');
  if (!existsSync(from)) throw new ConfigError(`--from ${from} does not exist; name a file \`usersvc backup\` wrote`);
  const dir = options.dataDir;
  refuseNonEmpty(dir);
  const lock = lockDataDir(dir);
  const archive = BackupArchive.open(from);
  try {
    const restoring = throttled(bytesLine('restoring'));
    try {
      archive.extractTo(dir, (done, total) => restoring([done, total]));
    } catch (error) {
      // The directory is left as empty as it was found: nothing half-restored for a server to start on.
      for (const { name } of archive.files()) for (const suffix of ['', '.restoring']) rmSync(path.join(dir, name + suffix), { force: true });
      throw error;
    }
    const facts = archive.facts();
    const backend = logBackend(options);
    if (backend.storedInDataDir && existsSync(backend.location)) await renewIdentity(backend, dir);
    const sum = checksumOf(dataFiles(dir).view);
    if (sum && facts.checksum && sum.checksum !== facts.checksum) {
      throw new DataError(`the view restored into ${dir} has checksum ${sum.checksum}, but the backup recorded ${facts.checksum}; the backup is damaged`);
    }
    if (sum) print(sum);
    process.stderr.write(`restored ${archive.files().length} files of the backup made ${facts.made_at} into ${dir}\n`);
    return 0;
  } finally {
    archive.close();
    lock.release();
  }
}

/** A directory to restore into holds nothing yet; one a server holds is named as such (exit 3). */
function refuseNonEmpty(dir: string): void {
  mkdirSync(dir, { recursive: true });
  // The lock's own files are no data: a restore that failed leaves them, and may be run again.
  if (readdirSync(dir).every((name) => name.startsWith('lock.db') || name === 'owner.json')) return;
  lockDataDir(dir).release(); // throws DataDirLockedError when a server holds it
  throw new ConfigError(`--data ${dir} is not empty; restore into a new or empty directory (the files there are left as they are)`);
}

/** Gives the restored log a new identity, and its view the same, so the view is not rebuilt for it. */
async function renewIdentity(backend: LogBackend, dir: string): Promise<void> {
  const log = await backend.open(createLogger('warn', (line) => process.stderr.write(line)));
  try {
    await log.renewIdentity?.();
    const view = dataFiles(dir).view;
    if (!existsSync(view)) return;
    const db = openDatabase(view);
    try {
      writeViewLogIdentity(db, log.identity);
    } finally {
      db.close();
    }
  } finally {
    await log.close();
  }
}

const checksumOf = (view: string) => (existsSync(view) ? checksumOfFile(view) : undefined);

const viewFacts = (sum: ViewChecksum) => ({ checksum: sum.checksum, cursor: sum.cursor, users: String(sum.users) });
