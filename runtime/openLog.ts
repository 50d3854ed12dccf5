import { EmbeddedLog } from '../events/embedded/embeddedLog';
import type { EventLog } from '../events/eventLog';
import type { Logger } from '../lib/logger';
import type { ServiceOptions } from './serviceOptions';

/** Opens the log the options name: the embedded file of the data directory, or Kafka. */
export async function openLog(options: Pick<ServiceOptions, 'log' | 'dataDir' | 'kafka'>, logger: Logger): Promise<EventLog> {
  if (options.log === 'embedded') return EmbeddedLog.open(options.dataDir);
  // Loaded only for Kafka: kafkajs takes 60 ms to load, a sixteenth of the embedded start-up.
  const { KafkaLog } = await import('../events/kafka/kafkaLog');
  return KafkaLog.open({ ...options.kafka, clientId: 'usersvc', logger });
}
