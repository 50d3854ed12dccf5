import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createClient, unary, type Client } from '../client/userServiceClient';
import { CLI, removeDir, startServer, tempDir } from './harness/serverProcess';
import { percentiles, round } from './load/stats';
import { progress } from './suites/context';
import { rebuild, seedEvents } from './suites/replay';

/**
 * What point-in-time recovery and online backup cost on a large embedded directory (issue 17,
 * parts 4 and 5), and what a server's writes see while a backup runs: one client writing without
 * pause, its writes/s and latency with no backup, then during `usersvc backup`.
 *
 *   npm run build && node dist/bench/pointInTime.js [--users 200000]
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { users: { type: 'string' } } });
  const users = Number(values.users ?? 200_000);
  const dir = tempDir('bench-pitr');
  const spare = tempDir('bench-pitr-out');
  try {
    await seedEvents(['--data', dir], users);
    await rebuild('embedded', ['--data', dir], users);
    const server = await startServer(dir);
    const client = createClient(server.addr);
    const rows: string[] = [];
    try {
      const quiet = await writesDuring(client, 'q', () => new Promise((r) => setTimeout(r, 5000)));
      rows.push(writeRow('writes, no backup running (5 s)', quiet));
      const file = path.join(spare, 'users.backup');
      let backupSeconds = 0;
      const during = await writesDuring(client, 'b', async () => (backupSeconds = await cli(['backup', '--data', dir, '--to', file])));
      rows.push(writeRow(`writes during \`usersvc backup\` (${round(backupSeconds, 1)} s)`, during));
      rows.push(
        `| \`usersvc backup\` | ${round(backupSeconds, 1)} s | ${mb(statSync(file).size)} MB file (log.db + views.db: ${mb(statSync(path.join(dir, 'log.db')).size + statSync(path.join(dir, 'views.db')).size)} MB) |`,
      );
      rows.push(`| \`usersvc restore\` | ${round(await cli(['restore', '--from', file, '--data', path.join(spare, 'restored')]), 1)} s | |`);
      const half = `0:${users >> 1}@${(await unary(client, 'CreateUser', { email: 'bench-pitr@example.com', name: 'Pitr', request_id: 'bench-pitr' })).trailers.get('users-cursor')[0].toString().split('@')[1]}`;
      rows.push(
        `| \`usersvc rebuild --until\` half the log, server running | ${round(await cli(['rebuild', '--data', dir, '--until', half, '--out', path.join(spare, 'half')]), 1)} s | copy of log.db, then ${(users >> 1).toLocaleString('en')} events |`,
      );
      rows.push(
        `| \`usersvc export\` (live view) | ${round(await cli(['export', '--data', dir, '--out', path.join(spare, 'users.ndjson')]), 1)} s | ${mb(statSync(path.join(spare, 'users.ndjson')).size)} MB of NDJSON |`,
      );
    } finally {
      client.close();
      await server.stop();
    }
    process.stdout.write(`| what (${users.toLocaleString('en')} users) | time | notes |\n| --- | --- | --- |\n${rows.join('\n')}\n`);
  } finally {
    removeDir(dir);
    removeDir(spare);
  }
}

const mb = (bytes: number) => round(bytes / 1e6, 1);

/** One client's writes, one after another, for as long as `work` takes. */
async function writesDuring(client: Client, tag: string, work: () => Promise<unknown>) {
  const latencies: number[] = [];
  let running = true;
  const writing = (async () => {
    for (let n = 0; running; n++) {
      const started = performance.now();
      await unary(client, 'CreateUser', { email: `${tag}${n}@bench.example`, name: `Bench ${n}`, request_id: `bench-${tag}-${n}` });
      latencies.push(performance.now() - started);
    }
  })();
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  running = false;
  await writing;
  return { writes: latencies.length, seconds, ...percentiles(latencies) };
}

const writeRow = (what: string, w: Awaited<ReturnType<typeof writesDuring>>) =>
  `| ${what} | ${Math.round(w.writes / w.seconds)} writes/s | p50 ${round(w.p50)} ms, p99 ${round(w.p99)} ms, max ${round(w.max)} ms, ${w.writes} writes, none failed |`;

/** Runs a usersvc command, its progress lines shown; resolves with its seconds. */
function cli(args: string[]): Promise<number> {
  progress(`usersvc ${args.join(' ')}`);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let text = '';
    child.stderr.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      for (const line of chunk.toString().trim().split('\n')) progress(`  ${line}`);
    });
    child.on('close', (code) => (code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`usersvc ${args[0]} exited ${code}: ${text}`))));
  });
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
