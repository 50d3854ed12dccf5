import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Tells who holds a data directory, for the message a second process gets. The lock itself is
 * SQLite's exclusive file lock on the log, which the kernel drops when its holder dies, even
 * by `kill -9`; this file is only the name tag. */
export function writeOwner(dir: string): void {
  writeFileSync(ownerFile(dir), JSON.stringify({ pid: process.pid, since: new Date().toISOString() }));
}

export function describeOwner(dir: string): string {
  try {
    const owner = JSON.parse(readFileSync(ownerFile(dir), 'utf8')) as { pid: number; since: string };
    return `process ${owner.pid} (since ${owner.since})`;
  } catch {
    return 'another process';
  }
}

export function removeOwner(dir: string): void {
  rmSync(ownerFile(dir), { force: true });
}

const ownerFile = (dir: string) => path.join(dir, 'owner.json');
