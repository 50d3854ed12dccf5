import { EVENTS } from '../../../events/eventLog';
import type { KafkaLog } from '../../../events/kafka/kafkaLog';
import { Cursor } from '../../../lib/cursor';
import { openTestKafkaLog, uniquePrefix } from '../../support/kafka';

/**
 * What a strong read waits for on Kafka: `bounds().end` of users.events, read by a
 * read_committed reader. These pin down, on the real broker, how the end moves with the
 * decider's transactions, so the wait can neither stop short of a committed event nor hang on
 * an open or aborted transaction.
 */
describe('the end of a Kafka topic written in transactions', () => {
  let log: KafkaLog;
  const key = 'user-1';

  beforeAll(async () => {
    log = await openTestKafkaLog(uniquePrefix('log-end'), 1);
  });
  afterAll(async () => {
    await log.close();
  });

  /** A transaction of `count` records on users.events, left open until the caller ends it. */
  async function openTransaction(label: string, count: number) {
    const producer = log.kafka.producer({ transactionalId: `${log.physical('test')}-${Math.random()}`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const transaction = await producer.transaction();
    await transaction.send({
      topic: log.physical(EVENTS),
      acks: -1,
      messages: Array.from({ length: count }, (_, i) => ({ key, value: `${label}${i}`, partition: 0 })),
    });
    return {
      commit: async () => (await transaction.commit(), await producer.disconnect()),
      abort: async () => (await transaction.abort(), await producer.disconnect()),
    };
  }

  /**
   * The end once it has reached `expected`: a transaction's commit (or abort) returns before its
   * markers are written to the partition, and the end moves only then (seen here: right after
   * commit() the end was sometimes still before the transaction).
   */
  async function endReaching(expected: number): Promise<Cursor> {
    for (let i = 0; i < 100; i++) {
      const { end } = await log.bounds(EVENTS);
      if (end.get(0) >= expected) return end;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return (await log.bounds(EVENTS)).end;
  }

  /** Where a read_committed reader from the start stands once it has read to `end`. */
  async function readTo(end: Cursor): Promise<{ position: Cursor; records: string[] }> {
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), 10_000);
    let position = Cursor.empty;
    const records: string[] = [];
    for await (const batch of log.read(EVENTS, Cursor.empty, { signal: stop.signal })) {
      records.push(...batch.records.map((r) => r.value.toString()));
      position = position.max(batch.next);
      if (position.covers(end)) break;
    }
    clearTimeout(timer);
    stop.abort();
    return { position, records };
  }

  it('ends before an open transaction, past its marker once committed, and a reader reaches that end', async () => {
    const before = (await log.bounds(EVENTS)).end;
    const open = await openTransaction('committed', 3);
    // The end is the last stable offset: an open transaction's records are not counted yet.
    expect((await log.bounds(EVENTS)).end.get(0)).toBe(before.get(0));
    await open.commit();
    // Three records and the commit marker, which takes an offset of its own.
    const after = await endReaching(before.get(0) + 4);
    expect(after.get(0)).toBe(before.get(0) + 4);
    const { position, records } = await readTo(after);
    expect(position.get(0)).toBe(after.get(0));
    expect(records.slice(-3)).toEqual(['committed0', 'committed1', 'committed2']);
  });

  it('moves past an aborted transaction, and a reader passes its abort marker without a record', async () => {
    const before = (await log.bounds(EVENTS)).end;
    const open = await openTransaction('aborted', 2);
    await open.abort();
    const after = await endReaching(before.get(0) + 3);
    expect(after.get(0)).toBe(before.get(0) + 3);
    const { position, records } = await readTo(after);
    // The log ends with the abort marker: the reader's position still reaches the end.
    expect(position.get(0)).toBe(after.get(0));
    expect(records.filter((r) => r.startsWith('aborted'))).toEqual([]);
  });

  it('is not held back by a transaction opened after an earlier commit', async () => {
    const committed = await openTransaction('first', 1);
    const before = (await log.bounds(EVENTS)).end;
    await committed.commit();
    const end = await endReaching(before.get(0) + 2);
    const open = await openTransaction('later', 1);
    // A wait for `end` is satisfiable while the later transaction stays open.
    expect((await log.bounds(EVENTS)).end.get(0)).toBe(end.get(0));
    const { position } = await readTo(end);
    expect(position.covers(end)).toBe(true);
    await open.abort();
    // The abort's marker reaches the partition after abort() returns (the coordinator writes it);
    // the next test counts offsets from the end, so the marker must be in before it starts.
    await endReaching(end.get(0) + 2);
  });

  it('shares one offsets request among callers who asked together, and never one sent before a caller asked', async () => {
    const requests = jest.spyOn(log.admin, 'fetchTopicOffsets');
    const together = await Promise.all(Array.from({ length: 20 }, () => log.bounds(EVENTS)));
    expect(requests).toHaveBeenCalledTimes(1);
    expect(new Set(together.map((b) => b.end.toString())).size).toBe(1);
    // Asked while a request is out: this caller waits for the next request, which sees the commit.
    const first = log.bounds(EVENTS);
    await new Promise((resolve) => setImmediate(resolve)); // the first request has been sent
    const committed = await openTransaction('after', 1);
    await committed.commit();
    const second = await endReaching(together[0].end.get(0) + 2);
    expect(second.get(0)).toBe(together[0].end.get(0) + 2);
    // The first caller's request went out before the commit: it saw the end before it.
    expect((await first).end.get(0)).toBe(together[0].end.get(0));
    expect(requests.mock.calls.length).toBeGreaterThanOrEqual(3);
    requests.mockRestore();
  });
});
