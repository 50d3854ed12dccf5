import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/**
 * The flags this machine needs, and no more: @sparticuz/chromium's own `args` are made for AWS
 * Lambda and turn off web security and site isolation, which a test of a real page must keep.
 * The network ones keep Chromium from reaching for Google's services, which this network refuses.
 * Playwright adds a fresh --user-data-dir of its own to every launch and removes it on close.
 */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * The Chromium that `npm ci` brings (devDependency @sparticuz/chromium, unpacked once per package
 * version into a folder of the system's temp dir), or `CHROMIUM_PATH` when set.
 */
export function chromiumPath(): string {
  const override = process.env.CHROMIUM_PATH;
  if (override) {
    if (!existsSync(override)) throw new Error(`CHROMIUM_PATH=${override}: no such file`);
    return override;
  }
  const entry = require.resolve('@sparticuz/chromium');
  const { version } = JSON.parse(readFileSync(path.join(path.dirname(entry), '..', '..', 'package.json'), 'utf8'));
  const home = path.join(os.tmpdir(), `user-service-chromium-${version}`);
  if (!existsSync(path.join(home, 'chromium'))) unpack(entry, home);
  return path.join(home, 'chromium');
}

/** A headless Chromium driven by playwright-core. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: ARGS });
}

/**
 * The package unpacks into `$TMPDIR/chromium` and later reuses whatever it finds there, so it runs
 * in a child process with a TMPDIR of its own (no other process's file gets picked up, and this
 * process's environment stays as it is), and the folder gets its final name only once complete:
 * an interrupted unpack leaves no half-written browser to be reused.
 */
function unpack(entry: string, home: string): void {
  const staging = mkdtempSync(`${home}.partial-`);
  const script = `require(${JSON.stringify(entry)}).executablePath()`;
  try {
    execFileSync(process.execPath, ['-e', script], { env: { ...process.env, TMPDIR: staging }, stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 });
    renameSync(staging, home);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    // Another worker may have finished the same unpack first; only a missing browser is an error.
    if (!existsSync(path.join(home, 'chromium'))) throw error;
  }
}
