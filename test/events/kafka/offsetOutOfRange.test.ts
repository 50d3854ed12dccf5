import { onOffsetOutOfRange } from '../../../events/kafka/offsetOutOfRange';

/** The part of kafkajs's ConsumerGroup its out-of-range recovery touches, driven without a broker. */
interface Group {
  groupId: string;
  preferredReadReplicasPerTopicPartition: Record<string, Record<number, number>>;
  offsetManager: { setDefaultOffset(tp: { topic: string; partition: number }): Promise<void> };
  logger: { info(): void; error(): void };
  recoverFromOffsetOutOfRange(error: { topic: string; partition: number }): Promise<void>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the class is a file of kafkajs's package, not an export
const ConsumerGroup = require('kafkajs/src/consumer/consumerGroup') as { prototype: Group };

/** A consumer group of `groupId` whose resets to the default (earliest) offset are recorded. */
function group(groupId: string, resets: string[], followers: Record<string, Record<number, number>> = {}): Group {
  const g = Object.create(ConsumerGroup.prototype) as Group;
  g.groupId = groupId;
  g.preferredReadReplicasPerTopicPartition = followers;
  g.offsetManager = { setDefaultOffset: async ({ topic, partition }) => void resets.push(`${topic}:${partition}`) };
  g.logger = { info: () => {}, error: () => {} };
  return g;
}

test('a registered group is told of OFFSET_OUT_OF_RANGE and not moved to the earliest offset', async () => {
  const told: string[] = [];
  const resets: string[] = [];
  const registration = onOffsetOutOfRange('g1', (topic, partition) => told.push(`${topic}:${partition}`));
  expect(registration.installed).toBe(true);
  await group('g1', resets).recoverFromOffsetOutOfRange({ topic: 't', partition: 2 });
  expect(told).toEqual(['t:2']);
  expect(resets).toEqual([]);
  registration.remove();
});

test("a group nobody registered, and a fetch from a follower, keep kafkajs's recovery", async () => {
  const told: string[] = [];
  const resets: string[] = [];
  const registration = onOffsetOutOfRange('g2', (topic, partition) => told.push(`${topic}:${partition}`));
  await group('other', resets).recoverFromOffsetOutOfRange({ topic: 't', partition: 0 });
  expect(resets).toEqual(['t:0']);
  const fromFollower = group('g2', resets, { t: { 1: 3 } });
  await fromFollower.recoverFromOffsetOutOfRange({ topic: 't', partition: 1 });
  expect(told).toEqual([]);
  expect(fromFollower.preferredReadReplicasPerTopicPartition.t[1]).toBeUndefined(); // retried at the leader next
  registration.remove();
  await group('g2', resets).recoverFromOffsetOutOfRange({ topic: 't', partition: 4 });
  expect(resets).toEqual(['t:0', 't:4']);
});
