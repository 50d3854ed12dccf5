import { existsSync } from 'node:fs';
import path from 'node:path';
import { SNAPSHOT } from '../../events/compaction/snapshotRecords';
import { COMMANDS, EVENTS, type EventLog } from '../../events/eventLog';
import { readToEnd } from '../../events/readToEnd';
import { Cursor } from '../../lib/cursor';
import { DataLossError } from '../../lib/errors';
import { createLogger } from '../../lib/logger';
import { DataError } from '../../lib/startupErrors';
import { foldedFiles } from '../../runtime/dataFiles';
import { openDataDir } from '../../runtime/openDataDir';
import type { ServiceOptions } from '../../runtime/serviceOptions';
import { findViewProblems } from '../../runtime/viewStartupCheck';
import { openDatabase } from '../../store/openDatabase';
import { sqliteFileError } from '../../store/sqliteFileError';
import { markDamaged } from '../../store/viewDamage';
import { viewChecksum } from '../../store/viewChecksum';

/**
 * `usersvc verify`: reads everything a data directory holds and says whether it is whole, for an
 * operator before a backup or after a scare. Every record of the log is read (the embedded log
 * checks each one's CRC: damage to a command decided long ago is found nowhere else), every view
 * gets the start-up check and a read of every row against its CRC. A view found damaged is marked,
 * so the next start rebuilds it. Exit 0 when all is whole, 4 (EXIT.DATA) when anything is not.
 * Progress goes to stderr; one line a file to stdout.
 */
export async function verifyCommand(options: ServiceOptions): Promise<number> {
  const { backend, log, release } = await openDataDir(
    options,
    createLogger('warn', (line) => process.stderr.write(line)),
  );
  try {
    const problems: string[] = [];
    const counts: string[] = [];
    try {
      for (const topic of [COMMANDS, EVENTS]) counts.push(`${await countRecords(log, topic)} ${topic}`);
      // The snapshot a compaction left is log.db's too (the embedded log's alone), named once there is one.
      const snapshot = backend.storedInDataDir ? await countRecords(log, SNAPSHOT) : 0;
      if (snapshot > 0) counts.push(`${snapshot} ${SNAPSHOT}`);
    } catch (error) {
      // The log stops serving at its first damage: what follows it cannot be read, nor the views checked against it.
      if (!(error instanceof DataLossError)) throw error;
      problems.push(error.message);
    }
    const checked = backend.recordCheck ? `, ${backend.recordCheck}` : '';
    report(backend.location, problems.length === 0 ? `ok (${counts.join(', ')} records read${checked})` : problems.join('; '));

    const views = foldedFiles(options.dataDir, backend).filter((file) => existsSync(file));
    const findings = problems.length > 0 ? undefined : new Map((await findViewProblems(log, views)).map((f) => [f.file, f.reason]));
    for (const file of views) {
      if (!findings) {
        report(file, 'not checked (the log it is checked against is damaged)');
        continue;
      }
      const found = findings.get(file) ?? rowsProblem(file);
      report(file, found ?? 'ok');
      if (found) problems.push(`${file} ${found}`);
    }
    if (problems.length > 0) {
      throw new DataError(
        `the data directory is not whole (${problems.length} problem${problems.length > 1 ? 's' : ''} above); a view is rebuilt at the next start, a damaged log must be restored from a backup`,
      );
    }
    return 0;
  } finally {
    await log.close();
    release();
  }
}

/** Reads a topic from its start to its end; the read itself checks what the log can check. */
async function countRecords(log: EventLog, topic: string): Promise<number> {
  const { start } = await log.bounds(topic);
  let records = 0;
  let lastReport = Date.now();
  await readToEnd(log, topic, start.isEmpty() ? Cursor.empty : start, (batch) => {
    records += batch.records.length;
    if (Date.now() - lastReport >= 1000) {
      lastReport = Date.now();
      process.stderr.write(`verify: ${topic}: ${records} records read\n`);
    }
  });
  return records;
}

/** Every row of a view against its CRC (the checksum reads them all); undefined when all hold. */
function rowsProblem(file: string): string | undefined {
  process.stderr.write(`verify: ${path.basename(file)}: reading every row\n`);
  try {
    const db = openDatabase(file, { readonly: true });
    try {
      viewChecksum(db);
      return undefined;
    } finally {
      db.close();
    }
  } catch (error) {
    const named = sqliteFileError(error, file, 'it is rebuilt at the next start');
    if (!(named instanceof DataLossError)) throw error;
    markDamaged(file, named);
    return `is damaged (${(error as Error).message})`;
  }
}

const report = (what: string, status: string) => process.stdout.write(`${what}: ${status}\n`);
