import path from 'node:path';
import type { LogBackend } from '../events/logBackend';

/** Where each file of a data directory lives. */
export const dataFiles = (dir: string) => ({
  view: path.join(dir, 'views.db'),
  deciderState: path.join(dir, 'decider.db'),
});

/**
 * The files of a data directory folded from the log, which a start checks against it and a
 * rebuild replays: the view, and the decider's own fold when the backend keeps one.
 */
export function foldedFiles(dir: string, backend: Pick<LogBackend, 'separateDeciderState'>): string[] {
  const files = dataFiles(dir);
  return backend.separateDeciderState ? [files.view, files.deciderState] : [files.view];
}
