import { Code } from '../../lib/code';
import { InvalidArgumentError, ServiceError } from '../../lib/errors';
import type { StatusDetails } from '../../proto/statusDetails';

const DOMAIN = 'userservice';

/**
 * The machine-readable side of an error (google.rpc error details), sent with every failed call:
 * an ErrorInfo with a stable reason (the error's own, such as VERSION_MISMATCH, else the code's
 * name), and for a bad field a BadRequest naming it. The gateway's JSON error body is built from
 * these same details, so both transports say the same. `code` is `toStatus(error)`'s, which is
 * already INTERNAL for anything that is not a ServiceError.
 */
export function errorDetailsOf(error: unknown, code: Code): StatusDetails {
  if (error instanceof InvalidArgumentError) {
    return {
      badRequest: { field_violations: [{ field: error.field, description: error.reason }] },
      errorInfo: { reason: 'INVALID_ARGUMENT', domain: DOMAIN, metadata: { field: error.field } },
    };
  }
  if (error instanceof ServiceError && error.info) {
    return { errorInfo: { reason: error.info.reason, domain: DOMAIN, metadata: { ...error.info.metadata } } };
  }
  return { errorInfo: { reason: Code[code], domain: DOMAIN, metadata: {} } };
}
