import type { Logger } from '../../lib/logger';

export interface KafkaLogOptions {
  brokers: string[];
  clientId: string;
  /** Prepended to every topic and group name, so several services (or tests) can share a cluster. */
  prefix: string;
  /** Partitions of users.events (users.commands has one: email uniqueness needs one ordered stream). */
  eventPartitions: number;
  /** 1 for a single broker; 3 in production, with minInsyncReplicas 2. */
  replicationFactor: number;
  minInsyncReplicas: number;
  logger: Logger;
}

/** Timings for a broker on the same network: fail fast so callers get UNAVAILABLE, not a hang. */
export const CLIENT_TIMEOUTS = {
  connectionTimeout: 3000,
  requestTimeout: 10_000,
  retry: { retries: 4, initialRetryTime: 100, maxRetryTime: 1000 },
};

/**
 * Consumers wait at most this long for data in one fetch; new data ends the wait at once (the
 * broker answers a waiting fetch as soon as its partition's readable end moves). A consumer at
 * rest costs one fetch per wait: at 100 ms the three of a server at rest (decider, projector,
 * audit trail) used 3% of a core between them, at 1000 ms a tenth of that. Not longer: kafkajs
 * heartbeats a group only between fetches, and a group member learns of a rebalance only then
 * (sessionTimeout is 6 s); and a consumer stops only once its fetch in flight has returned.
 */
export const FETCH_MAX_WAIT_MS = 1000;

/** The most one partition's fetch brings at once: bounds a reader's memory. */
export const MAX_BATCH_BYTES = 1024 * 1024;
