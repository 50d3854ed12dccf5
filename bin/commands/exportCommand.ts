import { createWriteStream, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { messageJson } from '../../gateway/transcoder';
import { loadContract } from '../../proto/contract';
import { ConfigError } from '../../lib/startupErrors';
import { dataFiles } from '../../runtime/dataFiles';
import type { ServiceOptions } from '../../runtime/serviceOptions';
import { openDatabase } from '../../store/openDatabase';
import { encodedUserFromRow, type UserRow } from '../../store/userRow';
import { throttled } from './pointInTime';
import { rebuildInto } from './rebuildUntilCommand';

/**
 * `usersvc export --data DIR [--until <cursor|time>] [--out FILE]`: every user as one line of
 * proto3 JSON (the gateway's names and formats), in id order, on stdout or into FILE. Without
 * --until it reads the live view in one transaction (a running server is fine); with it, a view
 * as of that point is built into a temporary directory first (`usersvc rebuild --until`) and
 * thrown away after. A FILE is written under another name and renamed when whole.
 */
export async function exportCommand(options: ServiceOptions, until: string | undefined, outFile: string | undefined): Promise<number> {
  if (outFile === '') throw new ConfigError('--out is empty: name the file to write, or leave --out out to write to stdout');
  const scratch = until === undefined ? undefined : mkdtempSync(path.join(os.tmpdir(), 'usersvc-export-'));
  try {
    const view = scratch ? (await rebuildInto(options, until, scratch), dataFiles(scratch).view) : dataFiles(options.dataDir).view;
    const users = outFile ? await writeFile(view, outFile) : await writeUsers(view, process.stdout);
    process.stderr.write(`export: ${users} users done\n`);
    return 0;
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

/** Writes the users into `file`, under another name until it is whole: a failed export leaves no file that looks like one. */
async function writeFile(view: string, file: string): Promise<number> {
  const partial = `${file}.partial`;
  const out = createWriteStream(partial);
  try {
    const users = await writeUsers(view, out);
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    renameSync(partial, file);
    return users;
  } catch (error) {
    out.destroy();
    rmSync(partial, { force: true });
    throw error;
  }
}

/** Writes the users of a view file as NDJSON, minding the stream's back-pressure; returns how many. */
async function writeUsers(file: string, out: NodeJS.WritableStream): Promise<number> {
  const { registry } = loadContract();
  const type = registry.getMessage('userservice.User')!;
  const report = throttled((n: number) => `export: ${n} users written`);
  const db = openDatabase(file, { readonly: true });
  let users = 0;
  try {
    // One read transaction for the whole walk: a live view gives the users of one instant.
    db.exec('BEGIN');
    for (const row of db.prepare('SELECT * FROM users ORDER BY id').iterate() as Iterable<UserRow>) {
      const line = `${JSON.stringify(messageJson(type, encodedUserFromRow(row), registry))}\n`;
      if (!out.write(line)) await once(out, 'drain');
      report(++users);
    }
    db.exec('COMMIT');
    return users;
  } finally {
    db.close();
  }
}
