import path from 'node:path';
import { rebuildViews } from '../../events/replay';
import { DataLossError } from '../../lib/errors';
import { createLogger } from '../../lib/logger';
import { DataError } from '../../lib/startupErrors';
import { foldedFiles } from '../../runtime/dataFiles';
import { logBackend } from '../../runtime/logBackend';
import { openLogCopy } from '../../runtime/logCopy';
import type { ServiceOptions } from '../../runtime/serviceOptions';
import { lockDataDir } from '../../store/dataDirLock';
import type { ViewChecksum } from '../../store/viewChecksum';
import { print, progress } from './dataCommands';
import { checkOutDir, copyLine, parseUntil, throttled } from './pointInTime';

/**
 * Builds the views of `options.dataDir` as of `until` (to the log's end without it) into `out`,
 * leaving the live directory as it is: a server may go on running on it (runtime/logCopy.ts says
 * how its log is read). `out` is held for the time it takes, so no server starts on it meanwhile.
 */
export async function rebuildInto(options: ServiceOptions, until: string | undefined, out: string): Promise<ViewChecksum> {
  const lock = lockDataDir(out);
  try {
    const logger = createLogger('warn', (line) => process.stderr.write(line));
    const { backend, log, keys, close } = await openLogCopy(options, path.join(out, 'log-copy.tmp'), logger, throttled(copyLine));
    try {
      const limit = until === undefined ? undefined : await parseUntil(until, log);
      return (await rebuildViews(log, keys, foldedFiles(out, backend), progress('views'), true, limit))!;
    } catch (error) {
      if (error instanceof DataLossError) throw new DataError(error.message, { cause: error });
      throw error;
    } finally {
      await close();
    }
  } finally {
    lock.release();
  }
}

/** `usersvc rebuild --until <cursor|time> --out DIR`: the view as of a point, into another directory; prints its checksum. */
export async function rebuildUntilCommand(options: ServiceOptions, until: string | undefined, out: string | undefined): Promise<number> {
  print(await rebuildInto(options, until, checkOutDir(out, options.dataDir, logBackend(options).location)));
  return 0;
}
