import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EmbeddedKeyStore } from '../events/embedded/embeddedKeyStore';
import { EmbeddedLog } from '../events/embedded/embeddedLog';
import { createLogger } from '../lib/logger';
import { dataFiles } from '../runtime/dataFiles';
import { ensureViewsInStep } from '../runtime/viewStartupCheck';
import { integrityCheck, quickCheck } from '../store/integrityCheck';
import { openDatabase } from '../store/openDatabase';
import { removeDir, tempDir } from './harness/serverProcess';
import { round } from './load/stats';
import { progress } from './suites/context';
import { rebuild, restartTime, seedEvents } from './suites/replay';

/**
 * What the start-up checks cost on a large data directory (issue 12): SQLite's quick_check and
 * integrity_check on views.db, quick_check on log.db (EmbeddedLog.open runs it), the whole
 * ensureViewsInStep, and a server's time from spawn to `listening`. Each is the median of
 * `--runs` (the files stay in the page cache between runs: these are warm numbers).
 *
 *   npm run build && node dist/bench/startupChecks.js [--users 1000000] [--data DIR] [--runs 3]
 *
 * Without --data it seeds a new embedded log with --users UserCreated events and rebuilds its view.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { users: { type: 'string' }, data: { type: 'string' }, runs: { type: 'string' } } });
  const users = Number(values.users ?? 1_000_000);
  const runs = Number(values.runs ?? 3);
  const dir = values.data ?? tempDir('bench-startup');
  try {
    if (!existsSync(path.join(dir, 'log.db'))) {
      await seedEvents(['--data', dir], users);
      await rebuild('embedded', ['--data', dir], users);
    }
    const view = dataFiles(dir).view;
    const rows: Array<[string, number]> = [
      ['quick_check, views.db', median(runs, () => timed(() => onFile(view, quickCheck)))],
      ['integrity_check, views.db (what the start-up check runs)', median(runs, () => timed(() => onFile(view, integrityCheck)))],
      ['quick_check, log.db', median(runs, () => timed(() => onFile(path.join(dir, 'log.db'), quickCheck)))],
      ['EmbeddedLog.open (quick_check on log.db, identity)', await medianAsync(runs, () => timedOpen(dir))],
      ['ensureViewsInStep (integrity_check, identity, bounds, last event)', await medianAsync(runs, () => timedCheck(dir))],
    ];
    const listening: number[] = [];
    for (let i = 0; i < runs; i++) listening.push((await restartTime(dir, [])).seconds * 1000);
    rows.push(['spawn to `listening` (checks included)', listening.sort((a, b) => a - b)[runs >> 1]]);
    process.stdout.write(
      `| what (${users.toLocaleString('en')} users, median of ${runs}) | ms |\n| --- | --- |\n${rows.map(([what, ms]) => `| ${what} | ${round(ms, 0)} |`).join('\n')}\n`,
    );
  } finally {
    if (!values.data) removeDir(dir);
  }
}

function onFile(file: string, check: typeof quickCheck): void {
  const db = openDatabase(file, { readonly: true });
  try {
    const problems = check(db);
    if (problems.length > 0) throw new Error(`${file}: ${problems.join('; ')}`);
  } finally {
    db.close();
  }
}

async function timedOpen(dir: string): Promise<number> {
  const started = performance.now();
  const log = EmbeddedLog.open(dir);
  const took = performance.now() - started;
  await log.close();
  return took;
}

async function timedCheck(dir: string): Promise<number> {
  const log = EmbeddedLog.open(dir);
  const keys = EmbeddedKeyStore.open(dir);
  try {
    const started = performance.now();
    await ensureViewsInStep(
      log,
      keys,
      [dataFiles(dir).view],
      { autoRebuild: false, rebuildCommand: 'usersvc rebuild' },
      createLogger('warn', (line) => process.stderr.write(line)),
    );
    return performance.now() - started;
  } finally {
    await log.close();
    await keys.close();
  }
}

function timed(work: () => void): number {
  const started = performance.now();
  work();
  return performance.now() - started;
}

const median = (runs: number, sample: () => number) => Array.from({ length: runs }, sample).sort((a, b) => a - b)[runs >> 1];

async function medianAsync(runs: number, sample: () => Promise<number>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await sample());
  return samples.sort((a, b) => a - b)[runs >> 1];
}

main().catch((error: unknown) => {
  progress(String((error as Error).stack ?? error));
  process.exit(1);
});
