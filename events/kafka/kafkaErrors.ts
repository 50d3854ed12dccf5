import { ServiceError, UnavailableError } from '../../lib/errors';

/**
 * Any failure of the broker (down, unreachable, timing out, fenced) is the log being unavailable
 * to the caller, who may retry: with a request_id, safely.
 */
export function unavailable(error: unknown, what: string): ServiceError {
  if (error instanceof ServiceError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new UnavailableError(`Kafka ${what} failed: ${message}`, { cause: error });
}
