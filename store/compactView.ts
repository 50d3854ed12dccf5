import { openDatabase } from './openDatabase';
import { UserView } from './userView';
import { readViewLogIdentity, readViewRetention } from './viewSchema';

/**
 * Gives back the disk a view's pruned outcomes left: prunes what no command can count again
 * (lib/requestRetention.ts), then rewrites the file without its free pages and truncates its WAL.
 * For `usersvc compact`, with the server stopped: VACUUM takes the whole file. Returns the outcomes pruned.
 */
export function compactView(file: string): number {
  const probe = openDatabase(file, { readonly: true });
  const [identity, retention] = [readViewLogIdentity(probe), readViewRetention(probe)];
  probe.close();
  if (identity === undefined) return 0;
  // Outcomes are pruned by their time, never read here: they stay as sealed as the log holds them.
  const view = UserView.open(file, identity, (event) => event, retention);
  try {
    let pruned = 0;
    for (let step = view.pruneOutcomes(50_000); step > 0; step = view.pruneOutcomes(50_000)) pruned += step;
    view.db.exec('VACUUM');
    view.db.pragma('wal_checkpoint(TRUNCATE)');
    return pruned;
  } finally {
    view.close();
  }
}
