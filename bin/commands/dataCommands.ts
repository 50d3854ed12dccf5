import { EmbeddedLog } from '../../events/embedded/embeddedLog';
import { rebuildView, type ReplayProgress } from '../../events/replay';
import { dataFiles } from '../../runtime/dataFiles';
import { openDatabase } from '../../store/openDatabase';
import { viewChecksum, type ViewChecksum } from '../../store/viewChecksum';

const print = (sum: ViewChecksum) => process.stdout.write(`checksum ${sum.checksum}\ncursor ${sum.cursor}\nusers ${sum.users}\n`);

/** `usersvc checksum`: the view's checksum, read in one transaction (a live directory is fine). */
export function checksumCommand(dataDir: string): number {
  const db = openDatabase(dataFiles(dataDir).view, { readonly: true });
  try {
    print(viewChecksum(db));
    return 0;
  } finally {
    db.close();
  }
}

/** `usersvc rebuild`: drops both views and replays the log into them, showing progress. */
export async function rebuildCommand(dataDir: string): Promise<number> {
  const log = EmbeddedLog.open(dataDir);
  try {
    const files = dataFiles(dataDir);
    await rebuildView(log, files.deciderState, progress('decider state'));
    print(await rebuildView(log, files.view, progress('view')));
    return 0;
  } finally {
    await log.close();
  }
}

const progress = (label: string) => (p: ReplayProgress) => {
  const rate = Math.round(p.events / Math.max(p.elapsedMs / 1000, 0.001));
  process.stderr.write(`${label}: ${p.events} events applied, cursor ${p.cursor}, ${rate} events/s\n`);
};
