import type { LogBackend } from '../logBackend';
import { LogKeyStore } from '../sealing/logKeyStore';
import type { KafkaLogOptions } from './kafkaOptions';

/** What the options say of the Kafka log: everything but what the process adds (its client id, its logger). */
export type KafkaSettings = Omit<KafkaLogOptions, 'clientId' | 'logger'>;

/** Kafka as a backend: topics on a cluster, the decider failed over between replicas by its group. */
export function kafkaBackend(settings: KafkaSettings): LogBackend {
  const brokers = settings.brokers.join(',');
  return {
    location: `Kafka ${brokers} (prefix "${settings.prefix}")`,
    recordCheck: '',
    flags: ['--log', 'kafka', '--brokers', brokers, ...(settings.prefix ? ['--kafka-prefix', settings.prefix] : [])],
    bootstrapServers: brokers,
    separateDeciderState: true,
    storedInDataDir: false,
    open: async (logger) => {
      // Loaded only for Kafka: kafkajs takes 60 ms to load, a sixteenth of the embedded start-up.
      const { KafkaLog } = await import('./kafkaLog');
      return KafkaLog.open({ ...settings, clientId: 'usersvc', logger });
    },
    openKeys: (log, logger) => LogKeyStore.open(log, logger),
  };
}
