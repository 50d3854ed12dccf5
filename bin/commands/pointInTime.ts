import { existsSync } from 'node:fs';
import path from 'node:path';
import { EVENTS, type EventLog } from '../../events/eventLog';
import type { ReplayLimit } from '../../events/replayCut';
import { CursorText } from '../../lib/cursorText';
import { looksLikeTime, parseRfc3339 } from '../../lib/rfc3339';
import { ConfigError } from '../../lib/startupErrors';
import type { CopyProgress } from '../../store/sqliteSnapshot';

/**
 * `--until` as the log it applies to reads it: an RFC 3339 time (`2026-12-02T14:01:00Z`), or a
 * cursor as the service hands them out (`0:42@<log identity>`) that names every partition of the
 * log. A cursor of another log, one past the log's end, or anything else is refused as a usage
 * error that says what to give instead.
 */
export async function parseUntil(text: string, log: EventLog): Promise<ReplayLimit> {
  if (text.trim() === '') throw new ConfigError('--until is empty: give a cursor the service handed out (0:42@<log identity>) or an RFC 3339 time');
  if (looksLikeTime(text)) {
    const time = parseRfc3339(text);
    if (!time) throw new ConfigError(`--until "${text}" is not an RFC 3339 time with an offset (like 2026-12-02T14:01:00Z or 2026-12-02T15:01:00.250+01:00)`);
    return { time };
  }
  const { end } = await log.bounds(EVENTS);
  let cursor;
  try {
    cursor = new CursorText(log.identity, new Set(end.partitions())).parse(text, '--until');
  } catch (error) {
    throw new ConfigError(`${(error as Error).message.replace(/^[^:]*: /, '')} (--until takes a cursor the service handed out, or an RFC 3339 time)`, {
      cause: error,
    });
  }
  // A write's cursor names only its own event's partition: read as "nothing of the others", it would
  // drop their history; read as "all of the others", it would take their events after the point.
  const unnamed = end.partitions().filter((p) => !cursor.partitions().includes(p));
  if (unnamed.length > 0) {
    throw new ConfigError(
      `--until "${text}" does not name partition ${unnamed.join(', ')} of the log (it has ${end.partitions().join(', ')}): give a cursor that names ` +
        'each, such as the users-cursor of a GetUser or ListUsers call or the cursor line of `usersvc checksum`, or an RFC 3339 time',
    );
  }
  if (!end.covers(cursor)) {
    throw new ConfigError(`--until "${text}" is past the end of the log (it ends at ${end}@${log.identity}); give a position the log has reached`);
  }
  return { cursor };
}

/**
 * Refuses to write a point-in-time view into the directory it is read from, or into another
 * data directory (one with a log of its own, whose views must stay folded from that log).
 */
export function checkOutDir(out: string | undefined, dataDir: string, backendLocation: string): string {
  if (!out) throw new ConfigError('--out is missing: name a directory for the view as of --until (not the --data directory)');
  if (path.resolve(out) === path.resolve(dataDir)) {
    throw new ConfigError(`--out ${out} is the --data directory: a view as of --until goes into another directory, leaving the live one as it is`);
  }
  const ownLog = path.join(out, path.basename(backendLocation));
  if (existsSync(ownLog)) throw new ConfigError(`--out ${out} is a data directory with a log of its own (${ownLog}); pick an empty or new directory`);
  return out;
}

/** A progress line on stderr at most every two seconds, and always the last one. */
export function throttled<T>(write: (progress: T) => string | undefined): (progress: T) => void {
  let last = 0;
  return (progress) => {
    const line = write(progress);
    if (line === undefined || (Date.now() - last < 2000 && !line.endsWith(' done'))) return;
    last = Date.now();
    process.stderr.write(`${line}\n`);
  };
}

/** Copy progress as a line: `copying log.db: 40% of 25000 pages`. */
export const copyLine = ({ file, totalPages, remainingPages }: CopyProgress) =>
  `copying ${path.basename(file)}: ${remainingPages === 0 ? `${totalPages} pages done` : `${Math.floor((100 * (totalPages - remainingPages)) / Math.max(totalPages, 1))}% of ${totalPages} pages`}`;
