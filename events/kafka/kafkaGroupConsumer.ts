import { sleep } from '../../lib/abortable';
import { Cursor } from '../../lib/cursor';
import { GroupExpiredError } from '../../lib/cursorExpired';
import type { ConsumeHandlers, ReadOptions } from '../eventLog';
import { unavailable } from './kafkaErrors';
import type { KafkaContext } from './kafkaContext';
import { FETCH_MAX_WAIT_MS, MAX_BATCH_BYTES } from './kafkaOptions';
import { fromMessage } from './kafkaRecords';
import { onOffsetOutOfRange } from './offsetOutOfRange';

/**
 * Consumes a topic as a member of a consumer group (the decider: one active member per command
 * partition, failed over by the group). Each time the group hands this member partitions:
 *  1. fence (for a member that commits in transactions): a fresh transactional producer for
 *     the group, so an older owner still running (a "zombie") can commit nothing more;
 *  2. prepare: the handler catches its state up (the decider reads the events to their end);
 *  3. seek every partition to the group's committed offset, read after fencing, so no batch an
 *     older owner committed is handled again.
 * A batch whose handling fails is not committed: the member prepares again and starts over from
 * the committed offsets. A committed offset older than the partition's start (records dropped
 * before the group read them) stops the member with GroupExpiredError, at takeover or when a
 * fetch meets OFFSET_OUT_OF_RANGE: it never skips to what is left (README, "Expired cursors").
 */
export async function consumeAsGroup(log: KafkaContext, group: string, topic: string, handlers: ConsumeHandlers, { signal }: ReadOptions): Promise<void> {
  const physical = log.physical(topic);
  const consumer = log.kafka.consumer({
    groupId: log.physical(group),
    readUncommitted: false,
    maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
    maxBytesPerPartition: MAX_BATCH_BYTES,
    // The broker's least (group.min.session.timeout.ms): a member that died, or that a broker
    // failover made restart with a new member id, holds the group's next join this long. At
    // 10 s a kill -9 of the deciding replica left writes unavailable 10.6-11.8 s, at 6 s 6.3 s
    // (the chaos runs in bench/CHAOS.md); members heartbeat every second, so 6 s is still five
    // missed heartbeats.
    sessionTimeout: 6_000,
    heartbeatInterval: 1000,
    allowAutoTopicCreation: false,
  });
  let generation = 0;
  let prepared = -1;
  let assigned: number[] = [];
  let backoff = 100;
  // The batch being handled: stopping waits for it, so its commit is not cut off by the disconnect.
  let inFlight: Promise<void> = Promise.resolve();
  // Between a rebalance and the first batch handled after it, this member decides nothing: a
  // write that times out meanwhile is UNAVAILABLE (retry), not DEADLINE_EXCEEDED.
  consumer.on(consumer.events.REBALANCING, () => log.reportDegraded(`consume:${group}`));
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    log.reportDegraded(`consume:${group}`);
    generation++;
    assigned = payload.memberAssignment[physical] ?? [];
    log.options.logger.info(`${group} joined: ${topic} partitions [${assigned.join(',')}] are this member's`, { generation, joinMs: payload.duration });
  });
  const crashed = new Promise<never>((_, reject) =>
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      const failure = unavailable(payload.error, `consuming ${topic}`);
      log.reportFailure(`consume:${group}`, failure);
      if (!payload.restart) reject(failure);
    }),
  );
  crashed.catch(() => {});
  let expire: (error: GroupExpiredError) => void = () => {};
  const expired = new Promise<never>((_, reject) => (expire = reject));
  expired.catch(() => {});
  const stopIfExpired = async (committed: Cursor) => {
    const { start } = await log.bounds(topic);
    const behind = assigned.filter((p) => committed.partitions().includes(p) && committed.get(p) < start.get(p));
    if (behind.length > 0) expire(new GroupExpiredError(group, topic, { committed, oldest: start, identity: log.identity }));
    return { start, expired: behind.length > 0 };
  };
  const resets = onOffsetOutOfRange(log.physical(group), (_topic, partition) => {
    log.committed(group, topic).then(
      async (committed) => {
        // Out of range past the end instead (a broker lost records it had acknowledged): said, never skipped.
        if (!(await stopIfExpired(committed)).expired)
          log.options.logger.error(
            `${group}: ${topic} partition ${partition} is out of range (past its end?) while the committed position is within the log; not reading on`,
          );
      },
      () => {},
    );
  });

  // Each phase of a takeover is timed and logged: after a fault, the time until this member
  // decides again is the writers' unavailability, and the log says which phase it went to.
  const takeOver = async () => {
    const joined = generation;
    const began = Date.now();
    if (!handlers.commitAfterHandle) await log.fence(group); // its commits go through transactions
    const fenced = Date.now();
    await handlers.prepare();
    const caughtUp = Date.now();
    const committed = await log.committed(group, topic);
    const { start, expired: behind } = await stopIfExpired(committed);
    if (behind) return;
    // A partition the group never committed starts where the log starts (earlier records may be gone).
    for (const partition of assigned) {
      const from = committed.partitions().includes(partition) ? committed.get(partition) : start.get(partition);
      consumer.seek({ topic: physical, partition, offset: String(from) });
    }
    prepared = joined;
    log.options.logger.info(`${group} took over ${topic} partitions [${assigned.join(',')}]`, {
      generation: joined,
      from: committed.toString(),
      fenceMs: fenced - began,
      prepareMs: caughtUp - fenced,
      offsetsMs: Date.now() - caughtUp,
    });
  };

  try {
    await log.partitionsOf(topic);
    await consumer.connect();
    await consumer.subscribe({ topic: physical, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: ({ batch, isStale, resolveOffset }) =>
        (inFlight = (async () => {
          try {
            if (prepared !== generation) return await takeOver();
            if (isStale() || signal.aborted) return;
            const records = batch.messages.map((m) => fromMessage(topic, batch.partition, m));
            const next = Cursor.of([[batch.partition, Number(batch.lastOffset()) + 1]]);
            await handlers.handle({ records, next });
            resolveOffset(batch.lastOffset()); // kafkajs fetches from resolved offsets, not committed ones
            log.reportSuccess(`consume:${group}`);
            if (handlers.commitAfterHandle)
              await consumer.commitOffsets([{ topic: physical, partition: batch.partition, offset: String(next.get(batch.partition)) }]);
            backoff = 100;
          } catch (error) {
            prepared = -1; // start over from the committed offsets, state prepared again
            if (signal.aborted) return;
            log.reportFailure(`consume:${group}`, unavailable(error, `consuming ${topic}`));
            log.options.logger.error(`consuming ${topic} as ${group} failed; starting over in ${backoff} ms`);
            await sleep(backoff, signal);
            backoff = Math.min(backoff * 2, 5000);
          }
        })()),
    });
    await Promise.race([
      crashed,
      expired,
      new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true }))),
    ]);
  } catch (error) {
    throw unavailable(error, `consuming ${topic} as ${group}`);
  } finally {
    resets.remove();
    await inFlight;
    await consumer.disconnect().catch(() => {});
  }
}
