import { Code } from './code';

/** The one error hierarchy of the service: every class carries the gRPC code clients see. */
export class ServiceError extends Error {
  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A request field is wrong; the message names the field so a person can fix the call. */
export class InvalidArgumentError extends ServiceError {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(Code.INVALID_ARGUMENT, `${field}: ${reason}`);
  }
}

export class NotFoundError extends ServiceError {
  constructor(message: string) {
    super(Code.NOT_FOUND, message);
  }
}

export class AlreadyExistsError extends ServiceError {
  constructor(message: string) {
    super(Code.ALREADY_EXISTS, message);
  }
}

/** Optimistic concurrency failed: the caller expected another version. */
export class WrongExpectedVersionError extends ServiceError {
  constructor(
    readonly expected: number,
    readonly actual: number,
    message = `expected version ${expected} but the user is at version ${actual}`,
  ) {
    super(Code.ABORTED, message);
  }
}

/** The call carries no credentials, or ones this service does not know. */
export class UnauthenticatedError extends ServiceError {
  constructor(message: string) {
    super(Code.UNAUTHENTICATED, message);
  }
}

/** The caller is known but not allowed to do this. */
export class PermissionDeniedError extends ServiceError {
  constructor(message: string) {
    super(Code.PERMISSION_DENIED, message);
  }
}

export class DeadlineExceededError extends ServiceError {
  constructor(message: string) {
    super(Code.DEADLINE_EXCEEDED, message);
  }
}

export class CancelledError extends ServiceError {
  constructor(message = 'the call was cancelled') {
    super(Code.CANCELLED, message);
  }
}

/** The log (or another dependency) cannot take the request now; the caller may retry. */
export class UnavailableError extends ServiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(Code.UNAVAILABLE, message, options);
  }
}

export class OutOfRangeError extends ServiceError {
  constructor(message: string) {
    super(Code.OUT_OF_RANGE, message);
  }
}

export class ResourceExhaustedError extends ServiceError {
  constructor(message: string) {
    super(Code.RESOURCE_EXHAUSTED, message);
  }
}

/** Rebuilds the error a decided outcome stands for (outcomes store only code and message). */
export function errorFromOutcome(code: Code, message: string): ServiceError {
  return new ServiceError(code, message);
}

/** What a client sees for any thrown value: our errors keep their code and message; anything
 * else is a bug, reported to the log with its cause and to the client as a generic INTERNAL. */
export function toStatus(
  error: unknown,
  report: (error: unknown) => void = defaultReport,
): { code: Code; message: string } {
  if (error instanceof ServiceError) return { code: error.code, message: error.message };
  report(error);
  return { code: Code.INTERNAL, message: 'internal error (the server log has the details)' };
}

function defaultReport(error: unknown): void {
  console.error('unexpected error', error);
}

/** Stored data is damaged: a record fails its checksum, a page cannot be read. Retrying does not help. */
export class DataLossError extends ServiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(Code.DATA_LOSS, message, options);
  }
}
