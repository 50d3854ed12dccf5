import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { COMMANDS, EVENTS } from '../../events/eventLog';
import { compactLog } from '../../events/compaction/compactLog';
import { parseDuration } from '../../lib/duration';
import { createLogger } from '../../lib/logger';
import { ConfigError } from '../../lib/startupErrors';
import { compactionLimits } from '../../runtime/compactionLimits';
import { foldedFiles } from '../../runtime/dataFiles';
import { compactView } from '../../store/compactView';
import { openDataDir } from '../../runtime/openDataDir';
import type { ServiceOptions } from '../../runtime/serviceOptions';

/** Every file of a data directory, the WAL included: what the compaction gives back is measured on it. */
export function dataDirBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => sum + statSync(path.join(dir, name)).size, 0);
}

/**
 * `usersvc compact --data DIR --keep 7d`: folds the log's events older than --keep (by append
 * time) into a snapshot and drops them and the commands decided before them
 * (events/compaction/compactLog.ts), never past what the view of --data and the service's
 * consumer groups have consumed. Embedded: the snapshot goes into log.db, which is rewritten, so
 * the server must be stopped (the directory's lock refuses a live one). Kafka: into the topic
 * users.snapshot, from which a replica with no view, or one that stopped before the trimmed
 * start, builds its view and decider state; the servers keep running (--data names a directory
 * of this command's own, or a stopped replica's, whose view then also holds it back).
 * Progress on stderr; what was done on stdout.
 */
export async function compactCommand(options: ServiceOptions, keepText: string | undefined): Promise<number> {
  if (keepText === undefined) throw new ConfigError('compact needs --keep: how much of the newest log to keep as it is, e.g. --keep 7d');
  const keepMs = parseDuration(keepText, 'keep');
  const embedded = options.log === 'embedded';
  const bytesBefore = embedded ? dataDirBytes(options.dataDir) : 0;
  const { backend, log, keys, close, release } = await openDataDir(
    options,
    createLogger('warn', (line) => process.stderr.write(line)),
  );
  try {
    const { limits, heldBy } = await compactionLimits(log, options.dataDir);
    for (const line of heldBy) process.stderr.write(`compact: no further than ${line}\n`);
    const cutoff = Date.now() - keepMs;
    const done = await compactLog(log, limits, {
      keys,
      keep: (record) => record.timestamp >= cutoff,
      requestIdRetentionMs: options.requestIdRetentionMs,
      onProgress: (line) => process.stderr.write(`${line}\n`),
    });
    if (!done) {
      process.stdout.write(`nothing to compact: no event older than ${keepText} that every consumer has passed\n`);
      return 0;
    }
    const out = [`snapshot through ${done.through}: ${done.users} users, ${done.records.length} events`];
    if (embedded) {
      out.push(`dropped ${done.dropped} records; ${COMMANDS} starts at ${done.commandsFrom}`);
      await close();
      // The views are the rest of the directory's disk: their pruned outcomes' pages are given back too.
      for (const file of foldedFiles(options.dataDir, backend).filter((f) => existsSync(f))) {
        process.stderr.write(`compact: ${compactView(file)} outcomes pruned from ${path.basename(file)}, rewriting it without the free pages\n`);
      }
      out.push(`data directory ${bytesBefore} bytes before, ${dataDirBytes(options.dataDir)} after`);
    } else {
      out.push(`${EVENTS} starts at ${done.through}, ${COMMANDS} at ${done.commandsFrom}; ${done.dropped} offsets dropped`);
    }
    process.stdout.write(`${out.join('\n')}\n`);
    return 0;
  } finally {
    await close();
    release();
  }
}
