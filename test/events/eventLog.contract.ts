import { Cursor } from '../../lib/cursor';
import type { EventLog, LogBatch } from '../../events/eventLog';
import { Code } from '../../lib/code';

/** A backend under test: a log to use, a way to reopen the same storage, and cleanup. */
export interface LogFixture {
  log: EventLog;
  /** Closes the log and opens the same storage again, as after a restart. */
  reopen(): Promise<EventLog>;
  cleanup(): Promise<void>;
  /** Takes a topic's storage away from under the open log, as an operator's mistake would: log.db removed, the Kafka topic deleted. */
  removeStorage(topic: string): Promise<void>;
}

const record = (key: string, text: string) => ({ key, value: Buffer.from(text), headers: { 'content-type': 'text/plain' } });

async function readAll(log: EventLog, topic: string, from: Cursor, count: number): Promise<LogBatch['records']> {
  const stop = new AbortController();
  const out: LogBatch['records'] = [];
  const timer = setTimeout(() => stop.abort(), 10_000);
  for await (const batch of log.read(topic, from, { signal: stop.signal })) {
    out.push(...batch.records);
    if (out.length >= count) break;
  }
  clearTimeout(timer);
  stop.abort();
  return out;
}

/**
 * A committed position as soon as it reads `expected` (or after 5 s). Kafka makes a transaction's
 * offsets visible a moment after the commit returns (its markers are written asynchronously).
 */
async function committedSoon(log: EventLog, group: string, topic: string, expected: string): Promise<string> {
  let seen = '';
  for (const until = Date.now() + 5000; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
    seen = (await log.committed(group, topic)).toString();
    if (seen === expected) break;
  }
  return seen;
}

/** A member of a consumer group, running until stopped (or until its handler gives up). */
interface Member {
  /** What it did, in order: 'prepare' each time it took over, then each record it handled. */
  seen: string[];
  /** The records it handled, without the prepares. */
  records(): string[];
  stop(): void;
  /** Settles once the member left the group. */
  done: Promise<void>;
}

/** Starts a member; `onRecord` may throw (the batch fails) or call `stop` (the member leaves). */
function startMember(log: EventLog, group: string, topic: string, onRecord: (value: string, member: Member) => void = () => {}): Member {
  const stop = new AbortController();
  const guard = setTimeout(() => stop.abort(), 60_000);
  const member: Member = {
    seen: [],
    records: () => member.seen.filter((s) => s !== 'prepare'),
    stop: () => stop.abort(),
    done: Promise.resolve(),
  };
  const handle = async (batch: LogBatch) => {
    for (const value of batch.records.map((r) => r.value.toString())) {
      onRecord(value, member);
      member.seen.push(value);
    }
  };
  const handlers = { prepare: async () => void member.seen.push('prepare'), handle, commitAfterHandle: true };
  member.done = log.consume(group, topic, handlers, { signal: stop.signal }).finally(() => clearTimeout(guard));
  return member;
}

/** Resolves once `condition` holds; fails the test with `what` if it does not within 30 s. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (const end = Date.now() + 30_000; !condition(); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
  }
}

/**
 * The contract every EventLog backend must pass: one suite, run once per backend, so the
 * embedded log and Kafka are held to the same promises.
 */
export function describeEventLogContract(backend: string, open: (topicPrefix: string) => Promise<LogFixture>): void {
  describe(`EventLog contract: ${backend}`, () => {
    let fixture: LogFixture;
    let topic: string;
    let n = 0;

    beforeEach(async () => {
      const prefix = `contract-${Date.now()}-${n++}`;
      topic = `${prefix}.t`;
      fixture = await open(prefix);
    });

    afterEach(async () => {
      await fixture.cleanup();
    });

    it('gives appended records increasing offsets and reads them back in order', async () => {
      const positions = await fixture.log.append(topic, [record('a', 'one'), record('a', 'two')]);
      const more = await fixture.log.append(topic, [record('a', 'three')]);
      const all = [...positions, ...more];
      expect(new Set(all.map((p) => p.partition)).size).toBe(1);
      expect(all.map((p) => p.offset)).toEqual([...all.map((p) => p.offset)].sort((x, y) => x - y));
      const read = await readAll(fixture.log, topic, Cursor.empty, 3);
      expect(read.map((r) => [r.key, r.value.toString(), r.headers?.['content-type']])).toEqual([
        ['a', 'one', 'text/plain'],
        ['a', 'two', 'text/plain'],
        ['a', 'three', 'text/plain'],
      ]);
      expect(read.map((r) => r.offset)).toEqual(all.map((p) => p.offset));
    });

    it('reads from a cursor, and reports the bounds', async () => {
      const positions = await fixture.log.append(
        topic,
        ['1', '2', '3', '4'].map((t) => record('k', t)),
      );
      const from = Cursor.of([[positions[2].partition, positions[2].offset]]);
      const read = await readAll(fixture.log, topic, from, 2);
      expect(read.map((r) => r.value.toString())).toEqual(['3', '4']);
      const { end } = await fixture.log.bounds(topic);
      expect(end.covers(Cursor.of([[positions[3].partition, positions[3].offset + 1]]))).toBe(true);
    });

    it('tails: a reader waiting at the end gets records appended later, and stops on abort', async () => {
      const stop = new AbortController();
      const seen: string[] = [];
      const reader = (async () => {
        for await (const batch of fixture.log.read(topic, Cursor.empty, { signal: stop.signal })) {
          seen.push(...batch.records.map((r) => r.value.toString()));
          if (seen.length === 2) stop.abort();
        }
      })();
      await new Promise((r) => setTimeout(r, 50));
      await fixture.log.append(topic, [record('k', 'late-1')]);
      await fixture.log.append(topic, [record('k', 'late-2')]);
      await reader;
      expect(seen).toEqual(['late-1', 'late-2']);
    });

    it('commits a consumer position atomically with the records appended', async () => {
      const group = `${topic}-group`;
      expect((await fixture.log.committed(group, `${topic}.in`)).isEmpty()).toBe(true);
      await fixture.log.appendAndCommit(topic, [record('k', 'out')], { group, topic: `${topic}.in`, cursor: Cursor.of([[0, 7]]) });
      expect(await committedSoon(fixture.log, group, `${topic}.in`, '0:7')).toBe('0:7');
      expect((await readAll(fixture.log, topic, Cursor.empty, 1)).map((r) => r.value.toString())).toEqual(['out']);
    });

    it('commits a position with no records, also right after a commit (a batch of commands all decided before; a subscriber placed)', async () => {
      // On Kafka the second transaction's first request is then AddOffsetsToTxn, which the
      // coordinator refuses with CONCURRENT_TRANSACTIONS while the first one's markers are written.
      const group = `${topic}-empty`;
      for (let i = 1; i <= 20; i++) {
        await fixture.log.appendAndCommit(topic, [record('k', `decided-${i}`)], { group, topic: `${topic}.in`, cursor: Cursor.of([[0, 2 * i - 1]]) });
        await fixture.log.commit({ group, topic: `${topic}.in`, cursor: Cursor.of([[0, 2 * i]]) });
      }
      expect(await committedSoon(fixture.log, group, `${topic}.in`, '0:40')).toBe('0:40');
      expect(await readAll(fixture.log, topic, Cursor.empty, 20)).toHaveLength(20);
    });

    it('gives concurrent appends distinct offsets, each caller in its own order', async () => {
      const appends = Array.from({ length: 50 }, (_, i) => fixture.log.append(topic, [record('same', `${i}-a`), record('same', `${i}-b`)]));
      const positions = (await Promise.all(appends)).flat();
      expect(new Set(positions.map((p) => `${p.partition}:${p.offset}`)).size).toBe(100);
      const read = await readAll(fixture.log, topic, Cursor.empty, 100);
      const texts = read.map((r) => r.value.toString());
      for (let i = 0; i < 50; i++) expect(texts.indexOf(`${i}-a`)).toBeLessThan(texts.indexOf(`${i}-b`));
    });

    it('keeps records and positions across a restart', async () => {
      const group = `${topic}-g`;
      await fixture.log.appendAndCommit(topic, [record('k', 'kept')], { group, topic: `${topic}.in`, cursor: Cursor.of([[0, 3]]) });
      const reopened = await fixture.reopen();
      expect(await committedSoon(reopened, group, `${topic}.in`, '0:3')).toBe('0:3');
      expect((await readAll(reopened, topic, Cursor.empty, 1)).map((r) => r.value.toString())).toEqual(['kept']);
    });

    it('consumes as a group: prepared first, each batch once in order, and a later member resumes where the last committed', async () => {
      const group = `${topic}-members`;
      await fixture.log.append(
        topic,
        ['1', '2', '3'].map((t) => record('k', t)),
      );
      const first = startMember(fixture.log, group, topic, (value, member) => value === '3' && member.stop());
      await first.done;
      expect(first.seen).toEqual(['prepare', '1', '2', '3']);
      const { end } = await fixture.log.bounds(topic);
      expect(await committedSoon(fixture.log, group, topic, end.toString())).toBe(end.toString());
      await fixture.log.append(
        topic,
        ['4', '5'].map((t) => record('k', t)),
      );
      const second = startMember(fixture.log, group, topic, (value, member) => value === '5' && member.stop());
      await second.done;
      expect(second.seen).toEqual(['prepare', '4', '5']);
    });

    it('hands the group over when its member leaves: a waiting member takes over from the committed position, nothing lost, nothing twice', async () => {
      const group = `${topic}-leave`;
      await fixture.log.append(
        topic,
        ['1', '2', '3'].map((t) => record('k', t)),
      );
      const first = startMember(fixture.log, group, topic);
      await until(() => first.records().length === 3, 'the first member handled 1, 2 and 3');
      const { end } = await fixture.log.bounds(topic);
      expect(await committedSoon(fixture.log, group, topic, end.toString())).toBe(end.toString());
      // Waiting to take over (on Kafka the group may also move the partition to it as it joins).
      const second = startMember(fixture.log, group, topic, (value, member) => value === '5' && member.stop());
      first.stop();
      await first.done;
      await fixture.log.append(
        topic,
        ['4', '5'].map((t) => record('k', t)),
      );
      await second.done;
      expect(first.records()).toEqual(['1', '2', '3']);
      expect(second.seen[0]).toBe('prepare');
      expect(second.records()).toEqual(['4', '5']);
    });

    it('hands the group over when its member fails and gives up: the batch it failed is handled by the next member, the ones it committed are not', async () => {
      const group = `${topic}-fail`;
      await fixture.log.append(
        topic,
        ['1', '2'].map((t) => record('k', t)),
      );
      let failed = false;
      const first = startMember(fixture.log, group, topic, (value, member) => {
        if (value !== '3') return;
        failed = true;
        member.stop(); // the member dies with the batch half done: it is not committed
        throw new Error('the member failed');
      });
      await until(() => first.records().length === 2, 'the first member handled 1 and 2');
      const { end } = await fixture.log.bounds(topic);
      expect(await committedSoon(fixture.log, group, topic, end.toString())).toBe(end.toString());
      const second = startMember(fixture.log, group, topic, (value, member) => value === '4' && member.stop());
      await fixture.log.append(topic, [record('k', '3')]);
      // On Kafka the group may have moved the partition to the second member as it joined: then
      // the first never gets 3, and leaves when told.
      await until(() => failed || second.records().includes('3'), 'a member got 3');
      first.stop();
      await first.done;
      await fixture.log.append(topic, [record('k', '4')]);
      await second.done;
      expect(first.records()).toEqual(['1', '2']);
      expect(second.records()).toEqual(['3', '4']);
    });

    it("reports a member's failed batch through onFailure (unhealthy until a batch works), and the member handles it again after preparing again", async () => {
      const group = `${topic}-failure`;
      await fixture.log.append(topic, [record('k', '1')]);
      const heard: Array<{ error: Error; healthy: boolean }> = [];
      const stopListening = fixture.log.onFailure((error) => heard.push({ error, healthy: fixture.log.healthy() }));
      let failures = 0;
      const member = startMember(fixture.log, group, topic, (value, self) => {
        if (failures++ === 0) throw new Error('the handler failed on purpose');
        self.stop();
      });
      await member.done;
      stopListening();
      expect(member.seen).toEqual(['prepare', 'prepare', '1']);
      expect(heard).toHaveLength(1);
      expect(heard[0].error).toMatchObject({ code: Code.UNAVAILABLE, message: expect.stringContaining('the handler failed on purpose') });
      expect(heard[0].healthy).toBe(false);
      expect(fixture.log.healthy()).toBe(true);
      expect(await committedSoon(fixture.log, group, topic, (await fixture.log.bounds(topic)).end.toString())).toBe(
        (await fixture.log.bounds(topic)).end.toString(),
      );
    });

    it('reports an append whose storage is gone through onFailure, with the error the caller gets, and is unhealthy from then on', async () => {
      await fixture.log.append(topic, [record('k', 'kept')]);
      const heard: Error[] = [];
      const stopListening = fixture.log.onFailure((error) => heard.push(error));
      await fixture.removeStorage(topic);
      const refused = await fixture.log.append(topic, [record('k', 'lost')]).then(
        () => undefined,
        (error: Error) => error,
      );
      stopListening();
      // UNAVAILABLE on Kafka (the broker no longer knows the topic), DATA_LOSS on the embedded log (the file is gone).
      expect([Code.UNAVAILABLE, Code.DATA_LOSS]).toContain((refused as { code?: number } | undefined)?.code);
      expect(heard).toEqual([refused]);
      expect(fixture.log.healthy()).toBe(false);
    });

    it('refuses appends once closed with UNAVAILABLE', async () => {
      await fixture.log.close();
      await expect(fixture.log.append(topic, [record('k', 'x')])).rejects.toMatchObject({ code: Code.UNAVAILABLE });
    });
  });
}
