import { EmbeddedLog } from '../../../events/embedded/embeddedLog';
import { readToEnd } from '../../../events/readToEnd';
import { Code } from '../../../lib/code';
import { Cursor } from '../../../lib/cursor';
import { LogTrimmedError } from '../../../lib/logTrimmedError';
import { removeDir, tempDir } from '../../support/serverProcess';

/**
 * Dropping a log's older records (issue 17): what is left reads as before, a read from before
 * the start is OUT_OF_RANGE naming the oldest position (never a gap taken for damage, never a
 * hang), the start survives a reopen, and offsets go on from where they were, even when nothing is left.
 */
const TOPIC = 'users.events';
const at = (offset: number) => Cursor.of([[0, offset]]);

let dir: string;
beforeEach(() => {
  dir = tempDir('logtrim');
});
afterEach(() => removeDir(dir));

async function appendValues(log: EmbeddedLog, from: number, count: number) {
  return log.append(
    TOPIC,
    Array.from({ length: count }, (_, i) => ({ key: `k${from + i}`, value: Buffer.from(`v${from + i}`) })),
  );
}

async function offsetsFrom(log: EmbeddedLog, from: Cursor): Promise<number[]> {
  const offsets: number[] = [];
  await readToEnd(log, TOPIC, from, (batch) => offsets.push(...batch.records.map((r) => r.offset)));
  return offsets;
}

test('the records before the start are gone; the rest read as before, across a reopen', async () => {
  let log = EmbeddedLog.open(dir);
  await appendValues(log, 0, 10);
  expect(await log.trim(TOPIC, at(4))).toBe(4);
  expect((await log.bounds(TOPIC)).start.get(0)).toBe(4);
  expect(await offsetsFrom(log, at(4))).toEqual([4, 5, 6, 7, 8, 9]);
  await log.close();

  log = EmbeddedLog.open(dir);
  const bounds = await log.bounds(TOPIC);
  expect([bounds.start.get(0), bounds.end.get(0)]).toEqual([4, 10]);
  expect(await offsetsFrom(log, at(7))).toEqual([7, 8, 9]);
  // Trimming to an older position than the start drops nothing more.
  expect(await log.trim(TOPIC, at(2))).toBe(0);
  await log.close();
});

test('a read from before the start is OUT_OF_RANGE with reason CURSOR_EXPIRED and the oldest position', async () => {
  const log = EmbeddedLog.open(dir);
  await appendValues(log, 0, 10);
  await log.trim(TOPIC, at(6));
  const failure = await offsetsFrom(log, at(2)).catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(LogTrimmedError);
  expect((failure as LogTrimmedError).code).toBe(Code.OUT_OF_RANGE);
  expect((failure as LogTrimmedError).info?.reason).toBe('CURSOR_EXPIRED');
  expect((failure as LogTrimmedError).start.get(0)).toBe(6);
  expect(log.healthy()).toBe(true);
  await log.close();
});

test('a topic trimmed to its end goes on from its old end, after a reopen too', async () => {
  let log = EmbeddedLog.open(dir);
  await appendValues(log, 0, 5);
  expect(await log.trim(TOPIC, at(99))).toBe(5);
  await log.close();

  log = EmbeddedLog.open(dir);
  expect((await log.bounds(TOPIC)).end.get(0)).toBe(5);
  const positions = await appendValues(log, 5, 2);
  expect(positions.map((p) => p.offset)).toEqual([5, 6]);
  expect(await offsetsFrom(log, at(5))).toEqual([5, 6]);
  log.checkpoint();
  await log.close();
});
