import { embeddedBackend } from '../events/embedded/embeddedBackend';
import { kafkaBackend } from '../events/kafka/kafkaBackend';
import type { LogBackend } from '../events/logBackend';
import type { ServiceOptions } from './serviceOptions';

/**
 * The backend the options name: the one place that asks which log is in use. Everything else asks
 * the backend what it needs to know (events/logBackend.ts).
 */
export function logBackend(options: Pick<ServiceOptions, 'log' | 'dataDir' | 'kafka'>): LogBackend {
  return options.log === 'kafka' ? kafkaBackend(options.kafka) : embeddedBackend(options.dataDir);
}
