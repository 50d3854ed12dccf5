import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InUseError } from '../lib/startupErrors';
import { openDatabase, type Db } from './openDatabase';

/** Another live process owns the data directory. */
export class DataDirLockedError extends InUseError {}

/**
 * Takes a data directory for this process: an exclusive SQLite lock on `lock.db`, which the
 * kernel releases when the process dies, even by `kill -9`, so a crash never leaves it stuck.
 * `owner.json` is only the name tag shown to a second process.
 */
export function lockDataDir(dir: string): { release(): void } {
  mkdirSync(dir, { recursive: true });
  let db: Db;
  try {
    db = openDatabase(path.join(dir, 'lock.db'), { exclusive: true });
    db.exec('CREATE TABLE IF NOT EXISTS lock (held INTEGER)'); // the first write takes the lock
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) {
      throw new DataDirLockedError(dataDirInUse(dir));
    }
    throw error;
  }
  writeFileSync(ownerFile(dir), JSON.stringify({ pid: process.pid, since: new Date().toISOString() }));
  return {
    release: () => {
      rmSync(ownerFile(dir), { force: true });
      db.close();
    },
  };
}

/** What a second process is told. This is the directory's one lock (runtime/openDataDir.ts takes it for every command). */
function dataDirInUse(dir: string): string {
  return `data directory ${dir} is in use by ${describeOwner(dir)}; stop it or pick another --data directory`;
}

/** Who holds a data directory, as its name tag says. */
function describeOwner(dir: string): string {
  try {
    const owner = JSON.parse(readFileSync(ownerFile(dir), 'utf8')) as { pid: number; since: string };
    return `process ${owner.pid} (since ${owner.since})`;
  } catch {
    return 'another process';
  }
}

const ownerFile = (dir: string) => path.join(dir, 'owner.json');
