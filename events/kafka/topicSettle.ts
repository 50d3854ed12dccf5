import { answered } from './kafkaErrors';

/** How long a start waits for topics it (or another replica) just created to be known to every broker. */
const SETTLE_MS = 30_000;

/**
 * Runs `step` again while a broker says it does not know a topic yet (or a group's coordinator
 * is still loading, UNSETTLED). Right after topics are
 * created on a cluster, each broker learns of them from the controller in its own time: a produce
 * or fetch that reaches one that has not yet answers UNKNOWN_TOPIC_OR_PARTITION (seen on a fresh
 * three-node cluster, where the first replica to start exited 1 with it), and kafkajs's own
 * retries can run out first. Every step here may be repeated: topics are created only if missing,
 * and the first identity record on users.meta wins however many are written.
 */
export async function whileTopicsSettle<T>(step: () => Promise<T>, settleMs = SETTLE_MS, pauseMs = 500): Promise<T> {
  const deadline = Date.now() + settleMs;
  for (;;) {
    try {
      return await step();
    } catch (error) {
      if (!answered(error, UNSETTLED) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
}

/**
 * What a broker answers about a topic it has not learnt of yet, and, on a broker just started,
 * about consumer groups while it loads __consumer_offsets (a reader's group could not join: CI
 * once saw a server's start fail with it on a fresh broker, twice in a row).
 */
const UNSETTLED = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  // Codes 14-16, under the names kafkajs gives them (Kafka now says COORDINATOR_LOAD_IN_PROGRESS, ...).
  'GROUP_LOAD_IN_PROGRESS',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR_FOR_GROUP',
]);
