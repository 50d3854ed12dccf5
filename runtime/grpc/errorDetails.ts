import { Code } from '../../lib/code';
import { InvalidArgumentError, ServiceError, WrongExpectedVersionError } from '../../lib/errors';
import type { StatusDetails } from '../../proto/statusDetails';

const DOMAIN = 'userservice';

/**
 * The machine-readable side of an error (google.rpc error details), sent with every failed call:
 * an ErrorInfo with a stable reason, and for a bad field a BadRequest naming it.
 */
export function errorDetailsOf(error: unknown, code: Code): StatusDetails {
  if (error instanceof InvalidArgumentError) {
    return { badRequest: { field_violations: [{ field: error.field, description: error.reason }] }, errorInfo: { reason: 'INVALID_ARGUMENT', domain: DOMAIN, metadata: { field: error.field } } };
  }
  if (error instanceof WrongExpectedVersionError) {
    return { errorInfo: { reason: 'VERSION_MISMATCH', domain: DOMAIN, metadata: { expected: String(error.expected), actual: String(error.actual) } } };
  }
  return { errorInfo: { reason: error instanceof ServiceError ? Code[code] : 'INTERNAL', domain: DOMAIN, metadata: {} } };
}
