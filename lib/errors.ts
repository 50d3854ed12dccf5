import { Code } from './code';

/** The stable, machine-readable side of an error: a google.rpc.ErrorInfo's reason and metadata. */
export interface ErrorReason {
  reason: string;
  metadata: Record<string, string>;
}

/**
 * The one error hierarchy of the service: every class carries the gRPC code clients see. `info`
 * is the ErrorInfo a client can branch on; without it, the reason is the code's name.
 */
export class ServiceError extends Error {
  readonly info?: ErrorReason;

  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown; info?: ErrorReason },
  ) {
    super(message, options);
    this.name = new.target.name;
    if (options?.info) this.info = options.info;
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
  constructor(message: string, info?: ErrorReason) {
    super(Code.ALREADY_EXISTS, message, { info });
  }
}

/** Another user holds the email (compared case-insensitively). */
export class EmailTakenError extends AlreadyExistsError {
  constructor(readonly email: string) {
    super(`email "${email}" is already taken by another user`, { reason: 'EMAIL_TAKEN', metadata: { email } });
  }
}

/** Optimistic concurrency failed: the caller expected another version. */
export class WrongExpectedVersionError extends ServiceError {
  constructor(
    readonly expected: number,
    readonly actual: number,
    message = `expected version ${expected} but the user is at version ${actual}`,
  ) {
    super(Code.ABORTED, message, { info: { reason: 'VERSION_MISMATCH', metadata: { expected: String(expected), actual: String(actual) } } });
  }
}

/**
 * A request_id already decided for a different request (another method, user or fields). Nothing
 * was applied: a retry must repeat the first request exactly; a new request needs a new id.
 */
export class RequestIdReusedError extends ServiceError {
  constructor(readonly requestId: string) {
    super(
      Code.FAILED_PRECONDITION,
      `request_id "${requestId}" was already used for a different request; nothing was applied (send a new request_id for a new request, or repeat the first request exactly to learn its outcome)`,
      { info: { reason: 'REQUEST_ID_REUSED', metadata: { request_id: requestId } } },
    );
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
  constructor(message: string, info?: ErrorReason) {
    super(Code.OUT_OF_RANGE, message, { info });
  }
}

export class ResourceExhaustedError extends ServiceError {
  constructor(message: string) {
    super(Code.RESOURCE_EXHAUSTED, message);
  }
}

/**
 * Rebuilds the error a decided outcome stands for. Rejections recorded before the decider kept
 * an ErrorInfo reason have none: their reason is then the code's name, as it always was.
 */
export function errorFromOutcome(code: Code, message: string, info?: ErrorReason): ServiceError {
  return new ServiceError(code, message, info?.reason ? { info } : undefined);
}

/** What a client sees for any thrown value: our errors keep their code and message; anything
 * else is a bug, reported to the log with its cause and to the client as a generic INTERNAL. */
export function toStatus(error: unknown, report: (error: unknown) => void = defaultReport): { code: Code; message: string } {
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
