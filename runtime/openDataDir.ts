import type { EventLog } from '../events/eventLog';
import type { LogBackend } from '../events/logBackend';
import type { KeyStore } from '../events/sealing/keyStore';
import type { Logger } from '../lib/logger';
import { lockDataDir } from '../store/dataDirLock';
import { logBackend } from './logBackend';
import type { ServiceOptions } from './serviceOptions';

/** A data directory this process holds, and its log. */
export interface HeldDataDir {
  backend: LogBackend;
  log: EventLog;
  /** The keys the log's sealed records open with (events/sealing). */
  keys: KeyStore;
  /** Closes the log and the key store (the caller closes its views first). */
  close(): Promise<void>;
  /** Gives the directory up; the caller closes the log (and its views) first. */
  release(): void;
}

/**
 * Takes the data directory the options name and opens its log. This is where a process locks a
 * directory (store/dataDirLock.ts), whichever log it uses and whatever it does with it: the lock
 * guards the views and the decider's state as much as an embedded log.db, so it is the one lock.
 * `logOnly`: the process touches no file of the directory but the log's (`usersvc subscribe`),
 * so it takes the directory only when the log lives in it.
 */
export async function openDataDir(options: Pick<ServiceOptions, 'log' | 'dataDir' | 'kafka'>, logger: Logger, { logOnly = false } = {}): Promise<HeldDataDir> {
  const backend = logBackend(options);
  const lock = logOnly && !backend.storedInDataDir ? undefined : lockDataDir(options.dataDir);
  const release = () => lock?.release();
  let log: EventLog | undefined;
  try {
    log = await backend.open(logger);
    const keys = await backend.openKeys(log, logger);
    const opened = log;
    const close = async () => {
      await opened.close();
      await keys.close();
    };
    return { backend, log, keys, close, release };
  } catch (error) {
    await log?.close();
    release();
    throw error;
  }
}
