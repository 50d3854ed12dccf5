import { kafkajsClass } from './kafkajsInternals';

/** The part of kafkajs's ConsumerGroup (src/consumer/consumerGroup) this file relies on. */
interface ConsumerGroup {
  groupId: string;
  recoverFromOffsetOutOfRange(error: { topic: string; partition: number }): Promise<void>;
  preferredReadReplicasPerTopicPartition: Record<string, Record<number, unknown> | undefined>;
}

type Listener = (topic: string, partition: number) => void;

/** By consumer group id (on the cluster): who hears that a fetch was out of range (members of one group in one process each). */
const listeners = new Map<string, Set<Listener>>();
/** How long a member whose position is gone waits before it fetches (and is told) again: its owner stops it meanwhile. */
const RETRY_MS = 200;

/**
 * Tells `listener` when a fetch of consumer group `groupId` asks for an offset the broker no
 * longer holds (OFFSET_OUT_OF_RANGE: retention or deleteTopicRecords dropped it), instead of
 * kafkajs's own recovery: that one commits the group to the earliest offset kept and reads on
 * from there, skipping the dropped records without a word (and committing outside the decider's
 * transactions). The partition stays where it is; the listener's owner must stop the consumer.
 * Returns the function that unregisters it. Only the kafkajs version this was read against is
 * changed (kafkajsInternals.ts); in another, `installed` is false and kafkajs resets as it does.
 */
export function onOffsetOutOfRange(groupId: string, listener: Listener): { installed: boolean; remove: () => void } {
  const installed = refuseResets();
  const group = listeners.get(groupId) ?? new Set();
  listeners.set(groupId, group.add(listener));
  const remove = () => {
    group.delete(listener);
    if (group.size === 0 && listeners.get(groupId) === group) listeners.delete(groupId);
  };
  return { installed, remove };
}

function refuseResets(): boolean {
  const proto = kafkajsClass<ConsumerGroup & { refusesResets?: boolean }>('src/consumer/consumerGroup')?.prototype;
  if (!proto) return false;
  if (proto.refusesResets) return true;
  const recover = proto.recoverFromOffsetOutOfRange;
  proto.recoverFromOffsetOutOfRange = async function (this: ConsumerGroup, error) {
    const group = listeners.get(this.groupId);
    // A fetch from a follower is first retried at the leader by kafkajs itself: not yet a loss.
    const fromFollower = typeof this.preferredReadReplicasPerTopicPartition[error.topic]?.[error.partition] === 'number';
    if (!group || fromFollower) return recover.call(this, error);
    for (const listener of group) listener(error.topic, error.partition);
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  };
  proto.refusesResets = true;
  return true;
}
