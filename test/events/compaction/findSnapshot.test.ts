import { readSnapshot } from '../../../events/compaction/replaySnapshot';
import { SNAPSHOT, snapshotEnd, snapshotRecord } from '../../../events/compaction/snapshotRecords';
import { EmbeddedLog } from '../../../events/embedded/embeddedLog';
import { EVENTS, type LogRecord } from '../../../events/eventLog';
import { Cursor } from '../../../lib/cursor';
import { removeDir, tempDir } from '../../support/serverProcess';

/**
 * Which snapshot a reader takes from a snapshot topic that holds more than one (Kafka: a
 * compaction appends the new one and closes it before it trims the old one away, and may die
 * between any two steps), on a real log file: the last closed one, whole, and nothing else.
 */
let dir: string;
let log: EmbeddedLog;
beforeEach(() => {
  dir = tempDir('findsnapshot');
  log = EmbeddedLog.open(dir);
});
afterEach(async () => {
  await log.close();
  removeDir(dir);
});

/** A snapshot record standing for event `offset` of users.events (its value names it). */
const copied = (offset: number) => {
  const event: LogRecord = { topic: EVENTS, partition: 0, offset, key: `u${offset}`, value: Buffer.from(`event ${offset}`), timestamp: 0 };
  return snapshotRecord(event);
};

/** Appends a snapshot of the events at `offsets`, closed (as Kafka's compaction writes it) unless `closed` is false. */
async function appendSnapshot(offsets: number[], through: number, closed = true): Promise<number> {
  let from = (await log.bounds(SNAPSHOT)).end.get(0);
  if (offsets.length > 0) from = (await log.append(SNAPSHOT, offsets.map(copied)))[0].offset;
  if (closed) await log.append(SNAPSHOT, [snapshotEnd(Cursor.of([[0, through]]), from)]);
  return from;
}

async function read(): Promise<{ offsets: number[]; through?: string }> {
  const offsets: number[] = [];
  const through = await readSnapshot(log, (records) => offsets.push(...records.map((r) => r.offset)));
  return { offsets, through: through?.toString() };
}

describe('the snapshot a reader takes', () => {
  it('is none on an empty topic, and none when only a part was written', async () => {
    expect(await read()).toEqual({ offsets: [], through: undefined });
    await appendSnapshot([1, 2], 3, false);
    expect(await read()).toEqual({ offsets: [], through: undefined });
  });

  it('is the last closed one: not the older one before it, not a part written after it', async () => {
    await appendSnapshot([1, 4, 7], 8);
    await appendSnapshot([4, 9, 12], 13);
    expect(await read()).toEqual({ offsets: [4, 9, 12], through: '0:13' });
    // A compaction that died while writing: thousands of records with no closing one, after it.
    await appendSnapshot(
      Array.from({ length: 3000 }, (_, i) => 20 + i),
      5000,
      false,
    );
    expect(await read()).toEqual({ offsets: [4, 9, 12], through: '0:13' });
  });

  it('may be empty (every user deleted): it still stands for its position', async () => {
    await appendSnapshot([1, 2], 3);
    await appendSnapshot([], 10);
    expect(await read()).toEqual({ offsets: [], through: '0:10' });
  });

  it('is none once its own start was trimmed away (never a part of one)', async () => {
    await appendSnapshot([1, 2], 3);
    const from = await appendSnapshot([5, 6, 7], 8);
    await log.trim(SNAPSHOT, Cursor.of([[0, from]]));
    expect(await read()).toEqual({ offsets: [5, 6, 7], through: '0:8' });
    await log.trim(SNAPSHOT, Cursor.of([[0, from + 1]]));
    expect(await read()).toEqual({ offsets: [], through: undefined });
  });

  it('starts at the topic start when its closing record names no start (the embedded log keeps one snapshot)', async () => {
    await log.append(SNAPSHOT, [copied(2), copied(3), snapshotEnd(Cursor.of([[0, 4]]))]);
    expect(await read()).toEqual({ offsets: [2, 3], through: '0:4' });
  });
});
