import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { eventRecord } from '../../events/codec';
import { EVENTS } from '../../events/eventLog';
import { createLogger } from '../../lib/logger';
import { dataFiles } from '../../runtime/dataFiles';
import { openDataDir } from '../../runtime/openDataDir';
import { resolveOptions } from '../../runtime/serviceOptions';
import { CLI } from '../harness/serverProcess';
import { processRssBytes } from '../load/processCpu';
import { round } from '../load/stats';
import { progress, type Measurement } from './context';

const BATCH = 10_000;

/** Writes `count` UserCreated events straight onto the log (as the decider would), in batches. */
export async function seedEvents(args: string[], count: number): Promise<void> {
  const { log, keys, close, release } = await openDataDir(
    resolveOptions(flagsOf(args)),
    createLogger('warn', () => {}),
  );
  try {
    const started = Date.now();
    for (let done = 0; done < count; done += BATCH) {
      const ids = Array.from({ length: Math.min(BATCH, count - done) }, (_, j) => `u${String(done + j).padStart(20, '0')}`);
      await keys.create(ids);
      const records = ids.map((id, j) => {
        const i = done + j;
        const at = { seconds: 1_764_000_000 + i, nanos: 0 };
        const user = {
          id,
          email: `user${i}@replay.example`,
          name: `Replayed ${i}`,
          plan: 1 + (i % 3),
          created_at: at,
          updated_at: at,
          version: 1,
        };
        return eventRecord({ command_id: `c${i}`, request_id: '', occurred_at: at, kind: 'user_created', user_created: { user } } as never, keys);
      });
      await log.append(EVENTS, records);
      if ((done / BATCH) % 20 === 0)
        progress(
          `  seeded ${done.toLocaleString('en')} of ${count.toLocaleString('en')} events (${Math.round(done / Math.max(0.001, (Date.now() - started) / 1000))}/s)`,
        );
    }
  } finally {
    await close();
    release();
  }
}

function flagsOf(args: string[]): Record<string, string> {
  const flags: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2) flags[args[i].replace(/^--/, '')] = args[i + 1];
  return flags;
}

/** `usersvc rebuild`, its own events/s for the users view, and the whole command's time. */
export async function rebuild(label: string, args: string[], events: number): Promise<Measurement> {
  progress(`rebuild (${label}): ${events.toLocaleString('en')} events, one pass into a new view file`);
  const started = Date.now();
  const stderr = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'rebuild', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let text = '';
    child.stderr.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const last = chunk.toString().trim().split('\n').pop();
      if (last) progress(`  ${last}`);
    });
    child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`rebuild exited ${code}: ${text}`))));
  });
  const seconds = (Date.now() - started) / 1000;
  const viewLine =
    stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('views:'))
      .pop() ?? '';
  const applied = Number(/views: (\d+) events applied/.exec(viewLine)?.[1]);
  if (applied !== events) throw new Error(`rebuild applied ${applied} events, not ${events}: ${stderr}`);
  return {
    group: 'replay',
    name: `rebuild, ${label} (${events.toLocaleString('en')} events)`,
    rate: Number(/(\d+) events\/s/.exec(viewLine)?.[1]),
    unit: 'events/s',
    note: `events/s include the index build; whole command ${round(seconds, 1)} s${label === 'Kafka' ? ', the view copied to decider.db' : ''}`,
  };
}

/** Starts a server on a data directory and times spawn to its `listening` line; reports its RSS then. */
export async function restartTime(dataDir: string, extra: string[]): Promise<{ seconds: number; rssBytes: number; viewBytes: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, 'serve', '--addr', '127.0.0.1:0', '--http-addr', '127.0.0.1:0', '--data', dataDir, ...extra], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('listening on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  const seconds = (performance.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const rssBytes = processRssBytes(child.pid!);
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  return { seconds, rssBytes, viewBytes: statSync(path.join(dataFiles(dataDir).view)).size };
}
