import path from 'node:path';
import { EmbeddedKeyStore } from '../../events/embedded/embeddedKeyStore';
import type { KeyStore } from '../../events/sealing/keyStore';
import { LogKeyStore } from '../../events/sealing/logKeyStore';
import { EmbeddedLog } from '../../events/embedded/embeddedLog';
import type { EventLog } from '../../events/eventLog';
import { KafkaLog } from '../../events/kafka/kafkaLog';
import { createLogger } from '../../lib/logger';

/** The broker the Kafka suites use: started by test/support/kafkaSetup.js (or by CI) before jest runs. */
export const KAFKA_BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

/** A unique prefix per test, so topics and groups never collide on the shared broker. */
export const uniquePrefix = (label: string) => `test-${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}.`;

export function openTestKafkaLog(prefix: string, eventPartitions = 3): Promise<KafkaLog> {
  return KafkaLog.open({
    brokers: KAFKA_BROKERS,
    clientId: 'usersvc-test',
    prefix,
    eventPartitions,
    replicationFactor: 1,
    minInsyncReplicas: 1,
    logger: createLogger('error', (line) => process.stderr.write(line)),
  });
}

/** The log a test server of `dataDir` used (embedded, or Kafka in the "kafka" project), and its keys, for checks after it stopped. */
export async function openBackendLog(dataDir: string): Promise<{ log: EventLog; keys: KeyStore; close(): Promise<void> }> {
  const log = process.env.USERSVC_TEST_LOG !== 'kafka' ? EmbeddedLog.open(dataDir) : await openTestKafkaLog(`${path.basename(dataDir)}.`);
  const keys =
    process.env.USERSVC_TEST_LOG !== 'kafka'
      ? EmbeddedKeyStore.open(dataDir)
      : await LogKeyStore.open(
          log,
          createLogger('error', () => {}),
        );
  return {
    log,
    keys,
    close: async () => {
      await keys.close();
      await log.close();
    },
  };
}
