import { existsSync } from 'node:fs';
import path from 'node:path';
import { EVENTS, type EventLog } from '../events/eventLog';
import { rebuildViews } from '../events/replay';
import type { KeyStore } from '../events/sealing/keyStore';
import { Cursor } from '../lib/cursor';
import { DataLossError, UnavailableError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { DataError } from '../lib/startupErrors';
import { readLayout } from '../store/fileLayout';
import { integrityCheck, isCorruption } from '../store/integrityCheck';
import { openDatabase, type Db } from '../store/openDatabase';
import { checkOutcomeRow, type OutcomeRow } from '../store/outcome';
import { readAppliedCursor } from '../store/projection';
import { readDamageMark } from '../store/viewDamage';
import { readViewLogIdentity, VIEW_LAYOUT } from '../store/viewSchema';

export interface StartupCheckOptions {
  /** Rebuild a view found out of step (true), or refuse to start (false: --no-auto-rebuild). */
  autoRebuild: boolean;
  /** How to run `usersvc rebuild` for this directory, for the refusal's message. */
  rebuildCommand: string;
  /** The service's --request-id-retention, which a rebuilt view keeps. */
  requestIdRetentionMs?: number;
}

/**
 * Makes sure every view file of a data directory may be served before anything reads or writes
 * it: not corrupt, folded from this log (its identity), not ahead of the log's end, not behind
 * its start, and holding the very events the log holds where it stopped. A view restored without
 * its log, or a log restored (or its WAL lost) without its views, would otherwise be served as it
 * is while new events reuse offsets the view marks as applied, so writes never reach it.
 *
 * What is found wrong is rebuilt from the log (logged with the reason, then progress) or, with
 * --no-auto-rebuild, refused with a message naming the file, the reason and the way out. A view of
 * a newer release is refused either way (store/fileLayout.ts); a log that cannot be read is too.
 */
export async function ensureViewsInStep(log: EventLog, keys: KeyStore, files: string[], options: StartupCheckOptions, logger: Logger): Promise<void> {
  try {
    const findings = await findViewProblems(log, files);
    if (findings.length === 0) return;
    const [{ file, reason }] = findings;
    if (!options.autoRebuild && !findings.every((f) => f.missing)) {
      throw new DataError(
        `${file} ${reason}. Rebuild the views from the log with \`${options.rebuildCommand}\`, or restore the log they were folded from; ` +
          'nothing was changed (--no-auto-rebuild)',
      );
    }
    for (const { file, reason } of findings) logger.warn('view out of step with the log: rebuilding it before serving', { file, reason });
    if (findings.some((f) => f.logRolledBack) && log.renewIdentity) {
      // Cursors handed out before name offsets the log now lacks, or will give to other events.
      const before = log.identity;
      await log.renewIdentity();
      logger.warn('the log lost events it once held: it has a new identity, and cursors issued before are refused with OUT_OF_RANGE', {
        before,
        after: log.identity,
      });
    }
    const started = Date.now();
    const sum = await rebuildViews(
      log,
      keys,
      files,
      (p) => logger.info('rebuilding views', { events: p.events, cursor: p.cursor.toString(), elapsed_ms: p.elapsedMs }),
      false,
      undefined,
      options.requestIdRetentionMs,
    );
    logger.info('views rebuilt from the log', { files: files.map((f) => path.basename(f)), elapsed_ms: Date.now() - started, ...(sum ?? {}) });
  } catch (error) {
    // A record of the log that fails its checksum: nothing can be rebuilt from it.
    if (error instanceof DataLossError) throw new DataError(error.message, { cause: error });
    throw error;
  }
}

/**
 * What is wrong with each view file, against the log: the start-up check, without acting on it
 * (`usersvc verify` reports the same findings). Throws DataError for what no rebuild can fix.
 */
export async function findViewProblems(log: EventLog, files: string[]): Promise<Array<Finding & { file: string }>> {
  const bounds = await log.bounds(EVENTS);
  const findings: Array<Finding & { file: string }> = [];
  for (const file of files) {
    const finding = await diagnose(file, log, bounds);
    if (finding) findings.push({ file, ...finding });
  }
  return findings;
}

export interface Finding {
  reason: string;
  /** The view holds events the log no longer has (or has others in their place): the log went back in time. */
  logRolledBack: boolean;
  /** There is no view yet, on a compacted log: it is built from the snapshot and the tail, as a new view always is, whatever --no-auto-rebuild says. */
  missing?: boolean;
}

const outOfStep = (reason: string): Finding => ({ reason, logRolledBack: false });

/** Why a view may not be served as it is; undefined when it may (or when there is none yet). */
async function diagnose(file: string, log: EventLog, bounds: { start: Cursor; end: Cursor }): Promise<Finding | undefined> {
  // A new view is folded by the projector from the log's start: on a compacted log, that needs the snapshot first.
  if (!existsSync(file)) return Cursor.empty.covers(bounds.start) ? undefined : { reason: 'is missing', logRolledBack: false, missing: true };
  let db: Db | undefined;
  try {
    db = openDatabase(file, { readonly: true });
    // An older layout is dropped and replayed when the view opens; a newer one throws here.
    if (readLayout(db, file, VIEW_LAYOUT) < VIEW_LAYOUT.current) return undefined;
    const marked = readDamageMark(file);
    if (marked) return outOfStep(`was found damaged (${marked})`);
    // integrity_check, not quick_check: a damaged index key passes quick_check, and de-duplication reads the indexes.
    const problems = integrityCheck(db);
    if (problems.length > 0) return outOfStep(`is corrupt (SQLite integrity_check: ${problems.join('; ')})`);
    const identity = readViewLogIdentity(db);
    if (identity !== undefined && identity !== log.identity)
      return outOfStep(`was folded from another log (log identity ${identity}; this log is ${log.identity})`);
    const cursor = readAppliedCursor(db);
    const known = new Set(bounds.end.partitions());
    const unknown = cursor.partitions().filter((p) => !known.has(p));
    if (unknown.length > 0) return outOfStep(`has applied partitions ${unknown.join(', ')} of ${EVENTS}, which the log does not have`);
    if (!bounds.end.covers(cursor)) {
      return {
        reason: `is ahead of the log: it has applied up to ${cursor}, and the log ends at ${bounds.end} (a log restored from an older copy, or its WAL lost)`,
        logRolledBack: true,
      };
    }
    if (!cursor.covers(bounds.start)) {
      // The events between are gone: only a rebuild from the snapshot a compaction left can be
      // complete (without one, the rebuild refuses: events/compaction/replaySnapshot.ts).
      return outOfStep(`is behind the start of the log: it has applied up to ${cursor}, and the log now starts at ${bounds.start} (compacted)`);
    }
    const differs = await compareLastEvents(db, log, bounds);
    return differs ? { reason: differs, logRolledBack: true } : undefined;
  } catch (error) {
    if (isCorruption(error)) return outOfStep(`is corrupt (${(error as Error).message})`);
    throw error;
  } finally {
    db?.close();
  }
}

/** How far back from the newest outcome to look for each partition's last event. */
const LAST_EVENTS_SCAN = 10_000;
const READ_LIMIT_MS = 30_000;

/**
 * The last event the view applied on each partition must be, byte for byte, the record the log
 * holds at that offset: a log of the same length but other contents (a copy from another
 * directory, history rewritten) is found here.
 */
async function compareLastEvents(db: Db, log: EventLog, { start, end }: { start: Cursor; end: Cursor }): Promise<string | undefined> {
  const last = new Map<number, { offset: number; event: Buffer }>();
  // Outcomes are written in log order (a rowid table), so the newest rows come first backwards.
  for (const row of db.prepare('SELECT * FROM outcomes ORDER BY rowid DESC LIMIT ?').iterate(LAST_EVENTS_SCAN) as Iterable<OutcomeRow>) {
    if (last.has(row.partition)) continue;
    checkOutcomeRow(row); // a damaged row must not send the read below somewhere the log never was
    if (!(row.offset < end.get(row.partition) && end.partitions().includes(row.partition))) {
      return `names ${row.partition}:${row.offset} as the last event it applied, and the log has no such record (it ends at ${end})`;
    }
    // Compacted away (the view is at the log's start): nothing left on the log to compare it with.
    if (row.offset < start.get(row.partition)) continue;
    last.set(row.partition, { offset: row.offset, event: row.event });
  }
  if (last.size === 0) return undefined;
  const from = Cursor.of(end.partitions().map((p) => [p, last.get(p)?.offset ?? end.get(p)] as const));
  const found = new Map<number, Buffer>();
  // Every record read here exists (each offset is inside the log's bounds). The limit keeps a
  // broker that stopped answering from holding the start for ever; its timer is a real one, since
  // a read waiting on nothing else would otherwise let the process end as if its work were done.
  const stop = new AbortController();
  const limit = setTimeout(() => stop.abort(), READ_LIMIT_MS);
  try {
    for await (const batch of log.read(EVENTS, from, { signal: stop.signal, maxBatch: 1 })) {
      for (const record of batch.records) if (last.get(record.partition)?.offset === record.offset) found.set(record.partition, record.value);
      if ([...last].every(([p, { offset }]) => found.has(p) || batch.next.get(p) > offset)) break;
    }
  } finally {
    clearTimeout(limit);
  }
  for (const [partition, { offset, event }] of last) {
    const value = found.get(partition);
    if (!value && stop.signal.aborted)
      throw new UnavailableError(`could not read ${EVENTS} at ${partition}:${offset} within ${READ_LIMIT_MS / 1000} s to check the view against it`);
    if (!value || !event.equals(value))
      return `differs from the log at ${partition}:${offset} (the event it applied there is not the log's: a log restored from another copy, or rewritten)`;
  }
  return undefined;
}
