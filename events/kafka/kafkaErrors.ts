import type { ServiceError } from '../../lib/errors';
import { logUnavailable } from '../logUnavailable';

/**
 * Any failure of the broker (down, unreachable, timing out, fenced) is the log being unavailable
 * to the caller, who may retry: with a request_id, safely.
 */
export function unavailable(error: unknown, what: string): ServiceError {
  return logUnavailable(error, `Kafka ${what}`);
}

/** Whether a broker answered with one of `types`: kafkajs's protocol error, also wrapped (`cause`) once its own retries ran out. */
export function answered(error: unknown, types: ReadonlySet<string>): boolean {
  for (let e = error as { type?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.type !== undefined && types.has(e.type)) return true;
  }
  return false;
}
