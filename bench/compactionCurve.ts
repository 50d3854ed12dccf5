import { EmbeddedKeyStore } from '../events/embedded/embeddedKeyStore';
import { openEvent } from '../events/sealing/sealedRecords';
/**
 * The disk curve of a long-lived embedded log with compaction (issue 17): WRITES writes, a
 * compaction every EVERY, and after each one the size of every file of the data directory (WAL
 * included) against the snapshot and the tail kept. Target: disk <= 2 x (snapshot + tail).
 *
 *   node dist/bench/compactionCurve.js [--writes 10000000] [--every 1000000] [--users 100000]
 *     [--pace-ms 1000] [--keep 1d] [--retention 24h] [--batch 1000] [--dir DIR]
 *
 * Driven in process, as fast as the service's own pieces go: commands are appended to the log as
 * handlers append them (codec's commandRecord, one append per batch), the decider's own handle()
 * decides each batch (appendAndCommit of its events, then the view, which is its state on the
 * embedded log), the server's outcome pruner runs before each compaction, and compactLog is the
 * code of `usersvc compact`. No gRPC: its cost is measured elsewhere and only stretches the run.
 * Commands carry a log-time clock that advances --pace-ms per write (a service taking one write a
 * second), so --keep and --retention (log time) mean what they mean in production.
 */
import Database from 'better-sqlite3';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { commandRecord, decodeCommand, decodeEvent } from '../events/codec';
import { compactLog } from '../events/compaction/compactLog';
import { decideCommands, DECIDER_GROUP } from '../events/decider/decideCommands';
import { EmbeddedLog } from '../events/embedded/embeddedLog';
import { COMMANDS, EVENTS, type LogRecord } from '../events/eventLog';
import type { ServiceDeps } from '../events/serviceDeps';
import { Cursor } from '../lib/cursor';
import { parseDuration } from '../lib/duration';
import { createLogger } from '../lib/logger';
import { millisFromTimestamp, timestampFromMillis } from '../lib/timestamp';
import type { OpenCommand } from '../proto/messages';
import { UserView } from '../store/userView';
import { tempDir } from './harness/serverProcess';

const { values } = parseArgs({
  options: {
    writes: { type: 'string', default: '10000000' },
    every: { type: 'string', default: '1000000' },
    users: { type: 'string', default: '100000' },
    'pace-ms': { type: 'string', default: '1000' },
    keep: { type: 'string', default: '1d' },
    retention: { type: 'string', default: '24h' },
    batch: { type: 'string', default: '1000' },
    dir: { type: 'string' },
  },
});
const WRITES = Number(values.writes);
const EVERY = Number(values.every);
const USERS = Number(values.users);
const PACE_MS = Number(values['pace-ms']);
const KEEP_MS = parseDuration(values.keep!, 'keep');
const RETENTION_MS = parseDuration(values.retention!, 'retention');
const BATCH = Number(values.batch);
const START_MS = Date.UTC(2026, 0, 1);

let keys: EmbeddedKeyStore;
const logger = createLogger('error', (line) => process.stderr.write(line));
const say = (line: string) => process.stderr.write(`${line}\n`);

/** Write n: the first USERS create the users, the rest rename one of them (every 50th deletes and creates it again). */
function commandOf(n: number): OpenCommand {
  const head = { command_id: `c${n}`, request_id: `r${n}`, issued_at: timestampFromMillis(START_MS + n * PACE_MS) };
  if (n < USERS) return { ...head, kind: 'create_user', create_user: { user_id: `u${n}`, email: `user${n}@example.com`, name: `User ${n}`, plan: 0 } };
  const user = `u${(n * 7919) % USERS}`;
  if (n % 50 === 0) return { ...head, kind: 'delete_user', delete_user: { user_id: user, expected_version: 0 } };
  if (n % 50 === 1) {
    const id = `u${((n - 1) * 7919) % USERS}`;
    return { ...head, kind: 'create_user', create_user: { user_id: id, email: `user${id}-${n}@example.com`, name: `Again ${n}`, plan: 0 } };
  }
  return { ...head, kind: 'update_user', update_user: { user_id: user, email: '', name: `Name ${n}`, plan: 0, paths: ['name'], expected_version: 0 } };
}

const fileSizes = (dir: string) => Object.fromEntries(readdirSync(dir).map((f) => [f, statSync(path.join(dir, f)).size]));

/** Bytes of the records a topic holds (topic, key, value, headers and the fixed columns), as SQLite stores them. */
function topicBytes(file: string): Record<string, { records: number; bytes: number }> {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db
      .prepare(
        'SELECT topic, COUNT(*) AS n, SUM(length(topic) + length(key) + length(value) + IFNULL(length(headers), 0) + 32) AS bytes FROM records GROUP BY topic',
      )
      .all() as Array<{ topic: string; n: number; bytes: number }>;
    return Object.fromEntries(rows.map((r) => [r.topic, { records: r.n, bytes: r.bytes }]));
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const dir = values.dir ?? tempDir('compaction-curve');
  const log = EmbeddedLog.open(dir);
  keys = EmbeddedKeyStore.open(dir);
  // Every user's key once: a user deleted and created again keeps its id, and its key.
  for (let from = 0; from < USERS; from += 10_000) await keys.create(Array.from({ length: Math.min(10_000, USERS - from) }, (_, i) => `u${from + i}`));
  const view = UserView.open(path.join(dir, 'views.db'), log.identity, (event) => openEvent(event, keys), RETENTION_MS);
  const deps = { log, keys, view, deciderState: view, logger } as unknown as ServiceDeps;
  const ctx = { deps, trigger: { topic: COMMANDS, group: DECIDER_GROUP, batchSize: BATCH } };
  say(
    `compaction curve: ${WRITES} writes, compaction every ${EVERY}, ${USERS} users, ${PACE_MS} ms of log time per write, keep ${values.keep}, retention ${values.retention}, in ${dir}`,
  );
  console.log(
    '| writes | data dir before | log.db | WAL | views.db (+WAL) | data dir | snapshot | tail kept | 2 x (snapshot + tail) | disk / (snapshot + tail) | compaction s |',
  );
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const started = Date.now();
  let lastReport = started;
  for (let n = 0; n < WRITES; n += BATCH) {
    const commands = Array.from({ length: Math.min(BATCH, WRITES - n) }, (_, i) => commandOf(n + i));
    const records = commands.map((c) => commandRecord(c, keys));
    const positions = await log.append(COMMANDS, records, { syncWithNext: true });
    const read: LogRecord[] = records.map((r, i) => ({ ...r, topic: COMMANDS, ...positions[i], timestamp: Date.now() }));
    await decideCommands.handle({ records: read, next: Cursor.of([[0, positions[positions.length - 1].offset + 1]]) }, ctx);
    // The server's pruner (runtime/outcomePruner.ts) sweeps every minute; a batch is hours of this log's time.
    while (view.pruneOutcomes(50_000) > 0);
    const written = n + commands.length;
    if (Date.now() - lastReport >= 5000) {
      lastReport = Date.now();
      say(`compaction curve: ${written} writes, ${Math.round(written / ((lastReport - started) / 1000))} writes/s`);
    }
    if (written % EVERY === 0) await compactAndMeasure(dir, log, view, written);
  }
  await log.close();
  await keys.close();
  view.close();
  say(`compaction curve: done in ${Math.round((Date.now() - started) / 1000)} s`);
}

async function compactAndMeasure(dir: string, log: EmbeddedLog, view: UserView, written: number): Promise<void> {
  const began = Date.now();
  const peak = Object.values(fileSizes(dir)).reduce((a, b) => a + b, 0);
  const clock = view.decidedThrough();
  const keep = (record: LogRecord) =>
    millisFromTimestamp(record.topic === EVENTS ? decodeEvent(record, keys).occurred_at : decodeCommand(record, keys).issued_at) >= clock - KEEP_MS;
  const limits = { events: view.cursor(), commands: await log.committed(DECIDER_GROUP, COMMANDS) };
  const done = await compactLog(log, limits, { keys, keep, requestIdRetentionMs: RETENTION_MS, onProgress: say });
  // What `usersvc compact` then does to each view (store/compactView.ts), on the connection the bench holds.
  view.db.exec('VACUUM');
  view.db.pragma('wal_checkpoint(TRUNCATE)');
  const seconds = (Date.now() - began) / 1000;
  const files = fileSizes(dir);
  const topics = topicBytes(path.join(dir, 'log.db'));
  const snapshot = topics['users.snapshot']?.bytes ?? 0;
  const tail = (topics[EVENTS]?.bytes ?? 0) + (topics[COMMANDS]?.bytes ?? 0);
  const disk = Object.values(files).reduce((a, b) => a + b, 0);
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  const views = (files['views.db'] ?? 0) + (files['views.db-wal'] ?? 0);
  console.log(
    `| ${written} | ${mb(peak)} | ${mb(files['log.db'])} | ${mb(files['log.db-wal'] ?? 0)} | ${mb(views)} | ${mb(disk)} | ${mb(snapshot)} (${topics['users.snapshot']?.records ?? 0} records) | ` +
      `${mb(tail)} (${(topics[EVENTS]?.records ?? 0) + (topics[COMMANDS]?.records ?? 0)} records) | ${mb(2 * (snapshot + tail))} | ${(disk / (snapshot + tail)).toFixed(2)} | ${seconds.toFixed(1)} |`,
  );
  say(
    `compaction curve: compacted at ${written} writes (${done ? `snapshot through ${done.through}, ${done.dropped} records dropped` : 'nothing to compact'}) in ${seconds.toFixed(1)} s`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
