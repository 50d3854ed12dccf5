import { ServiceError, UnavailableError } from '../lib/errors';

/**
 * A failure of the log (a broker down, a disk refusing a write, a consumer's step failing) as its
 * caller sees it: the log is unavailable for now, and a retry (with a request_id, safe) may work.
 * An error that already carries a status keeps it.
 */
export function logUnavailable(error: unknown, what: string): ServiceError {
  if (error instanceof ServiceError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new UnavailableError(`${what} failed: ${message}`, { cause: error });
}
