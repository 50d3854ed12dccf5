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

/** Consumers wait at most this long for data in one fetch; new data ends the wait at once. */
export const FETCH_MAX_WAIT_MS = 100;

/** The most one partition's fetch brings at once: bounds a reader's memory. */
export const MAX_BATCH_BYTES = 1024 * 1024;
