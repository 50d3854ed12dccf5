import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../harness/serverProcess';

export interface Checksum {
  checksum: string;
  cursor: string;
  users: number;
}

function parse(stdout: string): Checksum {
  const field = (name: string) => new RegExp(`^${name} (\\S+)$`, 'm').exec(stdout)?.[1] ?? '';
  return { checksum: field('checksum'), cursor: field('cursor'), users: Number(field('users')) };
}

/** `usersvc checksum` of a replica's data directory (fine while it serves). */
export async function checksumOf(dataDir: string): Promise<Checksum> {
  const { code, stdout, stderr } = await runCli(['checksum', '--data', dataDir]);
  if (code !== 0) throw new Error(`usersvc checksum --data ${dataDir} exited ${code}: ${stderr}`);
  return parse(stdout);
}

/** A fresh `usersvc rebuild` from the log into a new directory: what every replica must equal. */
export async function rebuiltChecksum(kafkaArgs: string[], runDir: string): Promise<Checksum> {
  const dir = mkdtempSync(path.join(runDir, 'rebuild-'));
  const { code, stdout, stderr } = await runCli(['rebuild', '--data', dir, ...kafkaArgs]);
  if (code !== 0) throw new Error(`usersvc rebuild exited ${code}: ${stderr}`);
  return parse(stdout);
}

/**
 * Waits until every replica's view has stopped moving and all agree (they apply the same log at
 * their own pace); returns the last checksums either way, for the report.
 */
export async function settledChecksums(dataDirs: string[], timeoutMs = 60_000): Promise<Checksum[]> {
  const deadline = Date.now() + timeoutMs;
  let previous = '';
  for (;;) {
    const sums = await Promise.all(dataDirs.map(checksumOf));
    const key = sums.map((s) => `${s.checksum}/${s.cursor}`).join(' ');
    const agree = sums.every((s) => s.checksum === sums[0].checksum && s.cursor === sums[0].cursor);
    if ((agree && key === previous) || Date.now() > deadline) return sums;
    previous = key;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
