import path from 'node:path';

/** Where each file of a data directory lives. */
export const dataFiles = (dir: string) => ({
  view: path.join(dir, 'views.db'),
  deciderState: path.join(dir, 'decider.db'),
});
