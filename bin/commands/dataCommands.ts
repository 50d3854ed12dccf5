import { rebuildViews, type ReplayProgress } from '../../events/replay';
import { createLogger } from '../../lib/logger';
import { dataFiles, foldedFiles } from '../../runtime/dataFiles';
import { openDataDir } from '../../runtime/openDataDir';
import type { ServiceOptions } from '../../runtime/serviceOptions';
import { DataLossError } from '../../lib/errors';
import { DataError } from '../../lib/startupErrors';
import { sqliteFileError } from '../../store/sqliteFileError';
import { markDamaged } from '../../store/viewDamage';
import { checksumOfFile, type ViewChecksum } from '../../store/viewChecksum';

export const print = (sum: ViewChecksum) => process.stdout.write(`checksum ${sum.checksum}\ncursor ${sum.cursor}\nusers ${sum.users}\n`);

/**
 * `usersvc checksum`: the view's checksum, read in one transaction (a live directory is fine). A
 * damaged view fails with exit code 4 (EXIT.DATA), naming the file and the rebuild that heals it.
 */
export function checksumCommand(dataDir: string): number {
  const file = dataFiles(dataDir).view;
  try {
    print(checksumOfFile(file));
    return 0;
  } catch (error) {
    const named = sqliteFileError(error, file, `stop the server and run \`usersvc rebuild --data ${dataDir}\` (a server also rebuilds it when it starts)`);
    // Marked, so a server rebuilds it at its next start even when SQLite's own checks pass (a damaged row value).
    if (named instanceof DataLossError) markDamaged(file, named);
    throw named === error ? error : new DataError((named as Error).message, { cause: error });
  }
}

/** `usersvc rebuild`: drops the views and replays the log into new ones (the view, and decider.db where the decider keeps its own), showing progress. */
export async function rebuildCommand(options: ServiceOptions): Promise<number> {
  const { backend, log, keys, close, release } = await openDataDir(
    options,
    createLogger('warn', (line) => process.stderr.write(line)),
  );
  try {
    print((await rebuildViews(log, keys, foldedFiles(options.dataDir, backend), progress('views'), true, undefined, options.requestIdRetentionMs))!);
    return 0;
  } catch (error) {
    // A record of the log fails its checksum: exit code 4, like a server refusing the directory.
    if (error instanceof DataLossError) throw new DataError(error.message, { cause: error });
    throw error;
  } finally {
    await close();
    release();
  }
}

export const progress = (label: string) => (p: ReplayProgress) => {
  const rate = Math.round(p.events / Math.max(p.elapsedMs / 1000, 0.001));
  process.stderr.write(`${label}: ${p.events} events applied, cursor ${p.cursor}, ${rate} events/s\n`);
};
