import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { EventLog } from '../events/eventLog';
import type { LogBackend } from '../events/logBackend';
import type { KeyStore } from '../events/sealing/keyStore';
import type { Logger } from '../lib/logger';
import { ConfigError } from '../lib/startupErrors';
import { SqliteSnapshot, type CopyProgress } from '../store/sqliteSnapshot';
import { logFiles } from './dataFiles';
import { logBackend } from './logBackend';
import type { ServiceOptions } from './serviceOptions';

/** A data directory's log, open for reading beside the process that may hold the directory. */
export interface ReadableLog {
  backend: LogBackend;
  log: EventLog;
  /** The keys its records open with, as they stood when the log was pinned. */
  keys: KeyStore;
  /** Closes the log and removes the copy it was read from, if any. */
  close(): Promise<void>;
}

/**
 * Opens the log of `options.dataDir` to read its history while a server may be running on it,
 * without taking the directory's lock and without writing to any of its files.
 *
 * A log on Kafka is shared by nature: it is opened as `usersvc subscribe` opens it. A log in the
 * data directory (log.db, and the files that go with it) belongs to the process that holds the
 * directory, which may write it at any moment: it is copied, as it stands at one instant, into
 * `scratch` with SQLite's online backup API from a read-only connection (store/sqliteSnapshot.ts),
 * and that private copy is opened with the ordinary code, its checks included. The price is the
 * log's size in disk and the time to copy it; the live files see only a reader.
 */
export async function openLogCopy(
  options: Pick<ServiceOptions, 'log' | 'dataDir' | 'kafka'>,
  scratch: string,
  logger: Logger,
  onProgress: (progress: CopyProgress) => void,
): Promise<ReadableLog> {
  const backend = logBackend(options);
  if (!backend.storedInDataDir) {
    const log = await backend.open(logger);
    const keys = await backend.openKeys(log, logger);
    return { backend, log, keys, close: async () => (await keys.close(), await log.close()) };
  }
  if (!existsSync(backend.location))
    throw new ConfigError(`${options.dataDir} holds no log (${backend.location} does not exist); point --data at a data directory`);
  mkdirSync(scratch, { recursive: true });
  const removeScratch = () => rmSync(scratch, { recursive: true, force: true });
  try {
    // Pinned together, in order, before any is copied: the files agree with each other.
    const snapshots = SqliteSnapshot.takeAll(logFiles(options.dataDir, backend).filter((file) => existsSync(file)));
    try {
      for (const snapshot of snapshots) await snapshot.copyTo(path.join(scratch, path.basename(snapshot.file)), onProgress);
    } finally {
      for (const snapshot of snapshots) snapshot.close();
    }
    const copied = logBackend({ ...options, dataDir: scratch });
    const log = await copied.open(logger);
    const keys = await copied.openKeys(log, logger);
    return { backend, log, keys, close: async () => (await keys.close(), await log.close(), removeScratch()) };
  } catch (error) {
    removeScratch();
    throw error;
  }
}
