import { KafkaJSConnectionError, type Producer } from 'kafkajs';
import { COMMANDS, EVENTS } from '../../../events/eventLog';
import type { KafkaLog } from '../../../events/kafka/kafkaLog';
import { coordinatorLost, rememberTransactionCoordinators } from '../../../events/kafka/transactionCoordinator';
import { openTestKafkaLog, uniquePrefix } from '../../support/kafka';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a file of kafkajs's package, not an export
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as { createErrorFromCode(code: number): Error };

/**
 * A transactional producer asks the broker for its coordinators once, not before every request
 * of every transaction (on the real broker), and again once a coordinator is lost.
 */
describe('rememberTransactionCoordinators', () => {
  let log: KafkaLog;
  const producers: Producer[] = [];

  beforeAll(async () => {
    log = await openTestKafkaLog(uniquePrefix('coordinator'), 1); // opening it applies the change
  });
  afterAll(async () => {
    await Promise.allSettled(producers.map((p) => p.disconnect()));
    await log.close();
  });

  /** A transactional producer and the FindCoordinator requests it has sent so far. */
  async function producer(transactionalId: string) {
    const p = log.kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, retry: { retries: 1 } });
    producers.push(p);
    let lookups = 0;
    p.on(p.events.REQUEST, ({ payload }) => void (payload.apiName === 'GroupCoordinator' && lookups++));
    await p.connect();
    return { p, lookups: () => lookups };
  }

  /** One transaction as the decider makes it: a record, and a group's offsets. */
  async function decide(p: Producer, i: number): Promise<void> {
    const tx = await p.transaction();
    try {
      await tx.send({ topic: log.physical(EVENTS), acks: -1, messages: [{ key: 'k', value: `v${i}`, partition: 0 }] });
      await tx.sendOffsets({
        consumerGroupId: log.physical('group'),
        topics: [{ topic: log.physical(COMMANDS), partitions: [{ partition: 0, offset: String(i) }] }],
      });
      await tx.commit();
    } catch (error) {
      await tx.abort().catch(() => {});
      throw error;
    }
  }

  it('asks for the coordinators of a transactional producer once for many transactions', async () => {
    expect(rememberTransactionCoordinators()).toBe(true);
    const { p, lookups } = await producer(log.physical('tx-many'));
    await decide(p, 1);
    const afterFirst = lookups();
    for (let i = 2; i <= 6; i++) await decide(p, i);
    expect(lookups()).toBe(afterFirst);
  });

  it('leaves fencing as it was: a producer fenced by a newer one with the same id fails from then on', async () => {
    const id = log.physical('tx-fenced');
    const older = await producer(id);
    await decide(older.p, 1);
    // A newer holder of the same id fences the older off (its first transaction does: kafkajs
    // asks for a producer id and epoch then, not when it connects).
    const newer = await producer(id);
    await decide(newer.p, 10);
    await expect(decide(older.p, 2)).rejects.toThrow(/old epoch/);
    await expect(decide(older.p, 3)).rejects.toThrow(/old epoch/);
    await decide(newer.p, 11);
  });

  it("fences an older owner as soon as the newer one fences, before the newer one's first transaction", async () => {
    // The decider's takeover: fence, read the events and the committed offsets, then decide. An
    // older owner that commits between the fence and the first batch would decide commands twice.
    const group = 'tx-takeover';
    const older = await producer(log.physical(group) + '-tx');
    await decide(older.p, 1);
    await log.fence(group);
    await expect(decide(older.p, 2)).rejects.toThrow(/old epoch/);
  });

  it('looks a coordinator up again when it moved or did not answer, not when it answered with an error of its own', () => {
    // By code, from kafkajs's own table: the names it gives are what the check sees.
    const answer = (code: number) => createErrorFromCode(code);
    expect(coordinatorLost(answer(16))).toBe(true); // NOT_COORDINATOR
    expect(coordinatorLost(answer(15))).toBe(true); // COORDINATOR_NOT_AVAILABLE
    expect(coordinatorLost(new KafkaJSConnectionError('Connection closed'))).toBe(true);
    expect(coordinatorLost(answer(51))).toBe(false); // CONCURRENT_TRANSACTIONS
    expect(coordinatorLost(answer(47))).toBe(false); // INVALID_PRODUCER_EPOCH
  });
});
