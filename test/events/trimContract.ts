import type { EventLog, LogBatch } from '../../events/eventLog';
import { Code } from '../../lib/code';
import { Cursor } from '../../lib/cursor';
import { CURSOR_EXPIRED, GroupExpiredError } from '../../lib/cursorExpired';
import { LogTrimmedError } from '../../lib/logTrimmedError';

/** A backend under test for dropping records: a log that has `trim`, and cleanup. */
export interface TrimFixture {
  log: EventLog & Required<Pick<EventLog, 'trim'>>;
  cleanup(): Promise<void>;
}

const record = (text: string) => ({ key: 'k', value: Buffer.from(text) });

/** Reads from `from` until `count` records came, or the read ends; what it got, and how it ended. */
async function readFrom(log: EventLog, topic: string, from: Cursor, count: number): Promise<{ values: string[]; error?: unknown }> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), 20_000);
  const values: string[] = [];
  try {
    for await (const batch of log.read(topic, from, { signal: stop.signal })) {
      values.push(...batch.records.map((r) => r.value.toString()));
      if (values.length >= count) break;
    }
    return { values };
  } catch (error) {
    return { values, error };
  } finally {
    clearTimeout(timer);
    stop.abort();
  }
}

/** Runs one member of `group` until `stopWhen` holds for what it handled, or it rejects; its records and how it ended. */
async function consumeUntil(log: EventLog, group: string, topic: string, stopWhen: (values: string[]) => boolean) {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), 30_000);
  const values: string[] = [];
  const handle = async (batch: LogBatch) => {
    values.push(...batch.records.map((r) => r.value.toString()));
    if (stopWhen(values)) stop.abort();
  };
  const error = await log.consume(group, topic, { prepare: async () => {}, handle, commitAfterHandle: true }, { signal: stop.signal }).then(
    () => undefined,
    (e: unknown) => e,
  );
  clearTimeout(timer);
  return { values, error, timedOut: !stop.signal.aborted || values.length === 0 };
}

/**
 * What every log that can drop records promises (issue 17): readers and consumer groups from a
 * position it no longer holds are told so (OUT_OF_RANGE, CURSOR_EXPIRED), never moved on to what
 * is left without a word. One suite, run on the embedded log and on Kafka.
 */
export function describeTrimContract(backend: string, open: (topicPrefix: string) => Promise<TrimFixture>): void {
  describe(`dropping records: ${backend}`, () => {
    let fixture: TrimFixture;
    let topic: string;
    let n = 0;

    beforeEach(async () => {
      const prefix = `trim-${Date.now()}-${n++}`;
      topic = `${prefix}.t`;
      fixture = await open(prefix);
    });
    afterEach(() => fixture.cleanup());

    /** Appends `values` under one key (one partition); the partition and each value's offset. */
    async function append(values: string[]): Promise<{ partition: number; offsets: number[] }> {
      const positions = await fixture.log.append(topic, values.map(record));
      return { partition: positions[0].partition, offsets: positions.map((p) => p.offset) };
    }

    it('moves the start; a read from before it is LogTrimmedError naming the start, a read from it goes on', async () => {
      const { partition, offsets } = await append(['1', '2', '3', '4']);
      await fixture.log.trim(topic, Cursor.of([[partition, offsets[2]]]));
      const { start } = await fixture.log.bounds(topic);
      expect(start.get(partition)).toBe(offsets[2]);
      const before = await readFrom(fixture.log, topic, Cursor.of([[partition, offsets[1]]]), 2);
      expect(before.values).toEqual([]);
      expect(before.error).toBeInstanceOf(LogTrimmedError);
      expect((before.error as LogTrimmedError).code).toBe(Code.OUT_OF_RANGE);
      expect((before.error as LogTrimmedError).start.get(partition)).toBe(offsets[2]);
      expect(await readFrom(fixture.log, topic, start, 2)).toEqual({ values: ['3', '4'] });
    });

    it('a reader whose next records are dropped under it ends with LogTrimmedError, not a jump to what is left', async () => {
      const { partition } = await append(['1', '2']);
      const stop = new AbortController();
      const reader = fixture.log.read(topic, Cursor.empty, { signal: stop.signal })[Symbol.asyncIterator]();
      const seen: string[] = [];
      while (seen.length < 2) seen.push(...((await reader.next()).value as LogBatch).records.map((r) => r.value.toString()));
      // The reader waits at the end: records come and are dropped before it has read them.
      const pending = reader.next();
      const { end } = await fixture.log.bounds(topic);
      const later = await append(['3', '4', '5']);
      await fixture.log.trim(topic, Cursor.of([[partition, later.offsets[2]]]));
      await append(['6']);
      // Records read before the trim may still come; after them, the error: never the records after the gap alone.
      const values = [...seen];
      let error: unknown;
      for (let next = pending; !values.includes('6'); next = reader.next()) {
        const result = await next.then(
          (r) => r,
          (e: unknown) => (error = e),
        );
        if (error !== undefined || (result as IteratorResult<LogBatch>).done) break;
        values.push(...(result as IteratorResult<LogBatch>).value.records.map((r: LogBatch['records'][number]) => r.value.toString()));
      }
      stop.abort();
      expect(values.slice(0, 2)).toEqual(['1', '2']);
      if (error === undefined) expect(values).toEqual(['1', '2', '3', '4', '5', '6']);
      else {
        expect(error).toBeInstanceOf(LogTrimmedError);
        expect((error as LogTrimmedError).start.get(partition)).toBe(later.offsets[2]);
        expect(values.includes('5') || !values.includes('6')).toBe(true);
      }
      expect(end.get(partition)).toBeLessThan(later.offsets[0] + 1);
    });

    it('a group whose committed position was dropped stops with GroupExpiredError naming the group and the way out', async () => {
      const { partition, offsets } = await append(['1', '2', '3', '4']);
      await fixture.log.commit({ group: 'g', topic, cursor: Cursor.of([[partition, offsets[1]]]) });
      // Kafka shows a transaction's offsets a moment after its commit returns.
      for (const until = Date.now() + 5000; (await fixture.log.committed('g', topic)).isEmpty() && Date.now() < until;)
        await new Promise((r) => setTimeout(r, 50));
      await fixture.log.trim(topic, Cursor.of([[partition, offsets[3]]]));
      const { values, error } = await consumeUntil(fixture.log, 'g', topic, () => false);
      expect(values).toEqual([]);
      expect(error).toBeInstanceOf(GroupExpiredError);
      const expired = error as GroupExpiredError;
      expect(expired.code).toBe(Code.OUT_OF_RANGE);
      expect(expired.info?.reason).toBe(CURSOR_EXPIRED);
      expect(expired.info?.metadata.oldest_cursor).toBe(`${partition}:${offsets[3]}@${fixture.log.identity}`);
      expect(expired.message).toContain('consumer group "g"');
      expect(expired.message).toContain(`usersvc subscribe --group g --from '${expired.info?.metadata.oldest_cursor}'`);
    });

    it('a group that never committed starts at the oldest record kept', async () => {
      await append(['1', '2', '3']);
      const { partition, offsets } = await append(['4']);
      await fixture.log.trim(topic, Cursor.of([[partition, offsets[0]]]));
      const { values, error } = await consumeUntil(fixture.log, 'fresh', topic, (v) => v.length >= 1);
      expect(error).toBeUndefined();
      expect(values).toEqual(['4']);
    });
  });
}
