import { memoryKeys } from '../../support/memoryKeys';
import { openEvent } from '../../../events/sealing/sealedRecords';
import path from 'node:path';
import { commandRecord, decodeEvent } from '../../../events/codec';
import { compactLog } from '../../../events/compaction/compactLog';
import { decideCommands, DECIDER_GROUP } from '../../../events/decider/decideCommands';
import { EmbeddedLog } from '../../../events/embedded/embeddedLog';
import { COMMANDS, EVENTS, type EventLog, type LogRecord } from '../../../events/eventLog';
import { SNAPSHOT } from '../../../events/compaction/snapshotRecords';
import { rebuildViews } from '../../../events/replay';
import type { ServiceDeps } from '../../../events/serviceDeps';
import { Cursor } from '../../../lib/cursor';
import { createLogger } from '../../../lib/logger';
import { millisFromTimestamp, timestampFromMillis } from '../../../lib/timestamp';
import type { OpenCommand } from '../../../proto/messages';
import { UserView } from '../../../store/userView';
import { removeDir, tempDir } from '../../support/serverProcess';

/**
 * Compaction against a replay of the whole log, on real files: the log's own decider decides a
 * history with creates, renames, deletions and retried request ids over days of log time; after
 * each compaction (a tail kept), a rebuild from snapshot + tail gives the checksum of the view
 * before it, and retries whose first outcome now lies in the snapshot are still answered by it.
 */
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);
const RETENTION = 24 * HOUR;

let dir: string;
let log: EmbeddedLog;
let view: UserView;
const keys = memoryKeys();
beforeEach(() => {
  dir = tempDir('compactlog');
  log = EmbeddedLog.open(dir);
  view = UserView.open(path.join(dir, 'views.db'), log.identity, (event) => openEvent(event, keys), RETENTION);
});
afterEach(async () => {
  await log.close();
  view.close();
  removeDir(dir);
});

/** Write n, one every 20 minutes of log time: users u0..u9 created, renamed, every 7th deleted and created again. */
function commandOf(n: number, requestId = `r${n}`): OpenCommand {
  const head = { command_id: `c${n}-${requestId}`, request_id: requestId, issued_at: timestampFromMillis(T0 + n * 20 * 60_000) };
  const user_id = `u${n % 10}`;
  if (n < 10 || n % 7 === 1)
    return { ...head, kind: 'create_user', create_user: { user_id, email: `${user_id}-${n}@example.com`, name: `Made ${n}`, plan: 0 } };
  if (n % 7 === 0) return { ...head, kind: 'delete_user', delete_user: { user_id, expected_version: 0 } };
  return { ...head, kind: 'update_user', update_user: { user_id, email: '', name: `Name ${n}`, plan: 0, paths: ['name'], expected_version: 0 } };
}

async function decide(commands: OpenCommand[]): Promise<void> {
  const deps = { log, keys, view, deciderState: view, logger: createLogger('error', () => {}) } as unknown as ServiceDeps;
  const records = commands.map((c) => commandRecord(c, keys));
  const positions = await log.append(COMMANDS, records);
  const read: LogRecord[] = records.map((r, i) => ({ ...r, topic: COMMANDS, ...positions[i], timestamp: 0 }));
  const next = Cursor.of([[0, positions[positions.length - 1].offset + 1]]);
  await decideCommands.handle({ records: read, next }, { deps, trigger: { topic: COMMANDS, group: DECIDER_GROUP, batchSize: 100 } });
}

const rebuilt = async (name: string) => (await rebuildViews(log, keys, [path.join(dir, name)], () => {}, true, undefined, RETENTION))!.checksum;

async function compactKeeping(keepMs: number, target: EventLog = log) {
  const clock = view.decidedThrough();
  const keep = (record: LogRecord) => record.topic === COMMANDS || millisFromTimestamp(decodeOccurredAt(record)) >= clock - keepMs;
  return compactLog(
    target,
    { events: view.cursor(), commands: await log.committed(DECIDER_GROUP, COMMANDS) },
    { keys, keep, requestIdRetentionMs: RETENTION, onProgress: () => {} },
  );
}

const decodeOccurredAt = (record: LogRecord) => decodeEvent(record, keys).occurred_at;

/**
 * The same log as Kafka's compaction sees one: no transaction that trims, so the snapshot is
 * appended and closed, then the topics are trimmed, the older snapshot last.
 */
function appendThenTrim(target: EmbeddedLog): EventLog {
  return new Proxy(target, {
    getPrototypeOf: () => Object.prototype,
    get: (t, p) => {
      const value = Reflect.get(t, p);
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
}

describe.each([
  ['in one transaction (the embedded log)', (l: EmbeddedLog): EventLog => l],
  ["appended, then trimmed (Kafka's way)", appendThenTrim],
])('compactLog %s', (_, as) => {
  it('leaves a snapshot + tail whose fold equals the whole log, generation after generation', async () => {
    for (let n = 0; n < 300; n += 25) await decide(Array.from({ length: 25 }, (_, i) => commandOf(n + i)));
    const whole = view.checksum().checksum;
    expect(await rebuilt('whole.db')).toBe(whole);

    const first = await compactKeeping(12 * HOUR, as(log));
    expect(first).toBeDefined();
    const { start, end } = await log.bounds(EVENTS);
    expect(start.get(0)).toBeGreaterThan(0);
    expect(end.get(0)).toBeGreaterThan(start.get(0)); // a tail is kept
    expect(await rebuilt('first.db')).toBe(whole);
    // From here on the decider's state is the one rebuilt from snapshot + tail.
    view.close();
    await rebuildViews(log, keys, [path.join(dir, 'views.db')], () => {}, false, undefined, RETENTION);
    view = UserView.open(path.join(dir, 'views.db'), log.identity, (event) => openEvent(event, keys), RETENTION);

    // r290 was decided in the tail, r240 lies in the snapshot and within the retention, r100 long past it.
    const id = ['u1', 'u2', 'u3', 'u4', 'u5'].find((u) => view.getUser(u))!;
    const before = view.getUser(id)!.version;
    const retry = (requestId: string): OpenCommand => ({
      command_id: `retry-${requestId}`,
      request_id: requestId,
      issued_at: timestampFromMillis(T0 + 300 * 20 * 60_000),
      kind: 'update_user',
      update_user: { user_id: id, email: '', name: `Retry ${requestId}`, plan: 0, paths: ['name'], expected_version: 0 },
    });
    await decide([retry('r290'), retry('r240'), retry('r100')]);
    expect(view.getUser(id)).toMatchObject({ name: 'Retry r100', version: before + 1 }); // only the request past the retention
    for (let n = 321; n < 500; n += 30) await decide(Array.from({ length: 30 }, (_, i) => commandOf(n + i)));
    const live = view.checksum().checksum;
    expect(await rebuilt('live.db')).toBe(live);

    const snapshotStart = (await log.bounds(SNAPSHOT)).start.get(0);
    expect(await compactKeeping(6 * HOUR, as(log))).toBeDefined();
    expect((await log.bounds(SNAPSHOT)).start.get(0)).toBeGreaterThan(snapshotStart); // the older snapshot is gone
    expect(await rebuilt('second.db')).toBe(live);
    expect(await compactKeeping(6 * HOUR, as(log))).toBeUndefined(); // nothing more before the tail
  });
});

describe('a decider whose own fold fell behind a compacted log', () => {
  it('empties it and folds it again from the snapshot when it takes over (Kafka: decider.db of a replica that was not deciding)', async () => {
    for (let n = 0; n < 100; n += 25) await decide(Array.from({ length: 25 }, (_, i) => commandOf(n + i)));
    // The fold of a replica that stopped deciding here: the log as of now.
    const stalePath = path.join(dir, 'decider.db');
    await rebuildViews(log, keys, [stalePath], () => {}, false, { cursor: view.cursor() }, RETENTION);
    for (let n = 100; n < 300; n += 25) await decide(Array.from({ length: 25 }, (_, i) => commandOf(n + i)));
    expect(await compactKeeping(6 * HOUR)).toBeDefined();
    const stale = UserView.open(stalePath, log.identity, (event) => openEvent(event, keys), RETENTION);
    try {
      expect(stale.cursor().covers((await log.bounds(EVENTS)).start)).toBe(false);
      const warnings: string[] = [];
      const logger = createLogger('warn', (line) => warnings.push(line));
      const deps = { log, keys, view, deciderState: stale, logger } as unknown as ServiceDeps;
      await decideCommands.start({ deps, trigger: { topic: COMMANDS, group: DECIDER_GROUP, batchSize: 100 } });
      expect(warnings.join('')).toMatch(/decider state is behind the start of the log/);
      expect(stale.checksum().checksum).toBe(view.checksum().checksum);
    } finally {
      stale.close();
    }
  });
});
