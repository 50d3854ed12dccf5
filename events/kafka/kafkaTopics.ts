import type { Admin, ITopicConfig } from 'kafkajs';
import { COMMANDS, EVENTS } from '../eventLog';
import { KEYS_TOPIC } from '../sealing/keyStore';
import type { KafkaLogOptions } from './kafkaOptions';

const WEEK_MS = String(7 * 24 * 3600 * 1000);

/**
 * The explicit configuration of our topics. Events are the history: kept until a compaction
 * trims them (usersvc compact). Commands are requests: kept a week, far longer than the decider
 * ever lags. Any other topic gets one partition, kept until trimmed: users.snapshot (a retention
 * on it would cut the snapshot new replicas start from), users.meta, and the tests' own.
 */
export function topicConfig(topic: string, physical: string, options: KafkaLogOptions): ITopicConfig {
  const shared = [
    { name: 'min.insync.replicas', value: String(Math.min(options.minInsyncReplicas, options.replicationFactor)) },
    { name: 'unclean.leader.election.enable', value: 'false' },
  ];
  if (topic === KEYS_TOPIC) return keysTopicConfig(physical, options, shared);
  const partitions = topic === EVENTS ? options.eventPartitions : 1;
  const retention = topic === EVENTS ? '-1' : topic === COMMANDS ? WEEK_MS : '-1';
  return {
    topic: physical,
    numPartitions: partitions,
    replicationFactor: options.replicationFactor,
    configEntries: [...shared, { name: 'retention.ms', value: retention }],
  };
}

const HOUR_MS = String(3600 * 1000);

/**
 * The keys: compacted, so the topic keeps one record per user, and a destroyed key's record is
 * removed by the cleaner once its tombstone is written. Kafka compacts only closed segments:
 * segments roll every hour and max.compaction.lag.ms makes the cleaner take a dirty one within
 * the hour, so a destroyed key leaves every broker's disk within about two hours.
 */
function keysTopicConfig(physical: string, options: KafkaLogOptions, shared: Array<{ name: string; value: string }>): ITopicConfig {
  return {
    topic: physical,
    numPartitions: 1,
    replicationFactor: options.replicationFactor,
    configEntries: [
      ...shared,
      { name: 'cleanup.policy', value: 'compact' },
      { name: 'segment.ms', value: HOUR_MS },
      { name: 'max.compaction.lag.ms', value: HOUR_MS },
      { name: 'min.cleanable.dirty.ratio', value: '0.01' },
    ],
  };
}

/** Creates the topics that are missing (an existing topic is left as it is). */
export async function ensureTopics(admin: Admin, configs: ITopicConfig[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = configs.filter((c) => !existing.has(c.topic));
  if (missing.length === 0) return;
  try {
    await admin.createTopics({ topics: missing, waitForLeaders: true });
  } catch (error) {
    // Another instance may have created them in the meantime.
    if ((error as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw error;
  }
}
