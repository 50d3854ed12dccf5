import path from 'node:path';
import type { LogBackend } from '../events/logBackend';

/** Where each file of a data directory lives. */
export const dataFiles = (dir: string) => ({
  view: path.join(dir, 'views.db'),
  deciderState: path.join(dir, 'decider.db'),
  /** The keys the embedded log's records are sealed with (events/embedded/embeddedKeyStore.ts). */
  keys: path.join(dir, 'keys.db'),
});

/**
 * The files of a data directory folded from the log, which a start checks against it and a
 * rebuild replays: the view, and the decider's own fold when the backend keeps one.
 */
export function foldedFiles(dir: string, backend: Pick<LogBackend, 'separateDeciderState'>): string[] {
  const files = dataFiles(dir);
  return backend.separateDeciderState ? [files.view, files.deciderState] : [files.view];
}

/**
 * Every SQLite file of a data directory, in the order a consistent copy (`usersvc backup`) pins
 * them: the files folded from the log first, then the log, which so holds at least everything they
 * were folded from (a view is never ahead of its log), then the rest (dataFiles' other files, such
 * as the keys of the log's records: pinned after the log, every record pinned finds its key). The
 * lock file is not data. A file added to dataFiles is taken from here by backups without more work.
 */
export function sqliteFiles(dir: string, backend: Pick<LogBackend, 'storedInDataDir' | 'location'>): string[] {
  const { view, deciderState, ...rest } = dataFiles(dir);
  return [view, deciderState, ...(backend.storedInDataDir ? [backend.location] : []), ...Object.values<string>(rest)];
}

/** The files of `sqliteFiles` a replay reads: the log and what goes with it, without the files folded from it. */
export function logFiles(dir: string, backend: Pick<LogBackend, 'storedInDataDir' | 'location'>): string[] {
  const { view, deciderState } = dataFiles(dir);
  return sqliteFiles(dir, backend).filter((file) => file !== view && file !== deciderState);
}
