import { rmSync } from 'node:fs';
import type { LogBackend } from '../events/logBackend';
import { openEvent, type Keys } from '../events/sealing/sealedRecords';
import type { UserEvent } from '../proto/messages';
import type { Logger } from '../lib/logger';
import { UserView } from '../store/userView';
import { dataFiles } from './dataFiles';

export interface Views {
  /** The view handlers answer from. */
  view: UserView;
  /** The decider's fold of the events: the view itself on the embedded log, a file of its own on Kafka. */
  deciderState: UserView;
  close(): void;
}

/**
 * Opens the views of a data directory. Where one process decides and projects (the embedded log),
 * the decider writes events in the order they are applied, so it applies its own events to the
 * view straight away: one projection per write, and a write is answered as soon as its event is
 * durable. Where the decider may run in another replica (or fail over between them, on Kafka), it
 * keeps a fold of its own, in decider.db, that never waits on this replica's projector.
 */
export function openViews(
  dataDir: string,
  backend: Pick<LogBackend, 'separateDeciderState'>,
  logIdentity: string,
  logger: Logger,
  keys: Keys,
  requestIdRetentionMs?: number,
): Views {
  const files = dataFiles(dataDir);
  const opener = (event: UserEvent) => openEvent(event, keys);
  const view = UserView.open(files.view, logIdentity, opener, requestIdRetentionMs);
  const shared = !backend.separateDeciderState;
  // A decider.db left by an older version is stale when the decider folds into the view, and a rebuild no longer refreshes it.
  if (shared) for (const suffix of ['', '-wal', '-shm']) rmSync(files.deciderState + suffix, { force: true });
  const deciderState = shared ? view : UserView.open(files.deciderState, logIdentity, opener, requestIdRetentionMs);
  for (const opened of new Set([view, deciderState])) {
    if (opened.discardedOldLayout) logger.warn('view file had an older layout: dropped, replaying the log into it', { file: opened.file });
  }
  return {
    view,
    deciderState,
    close: () => {
      view.close();
      if (deciderState !== view) deciderState.close();
    },
  };
}
