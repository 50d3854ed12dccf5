import { fromBinary, toJson, type DescMessage, type JsonObject, type Registry } from '@bufbuild/protobuf';
import { Code } from '../lib/code';
import { ServiceError, toStatus } from '../lib/errors';
import { encodeStatusDetails } from '../proto/statusDetails';
import type { CallStatus } from '../runtime/call/callTransport';
import { errorDetailsOf } from '../runtime/call/errorDetails';

/** google.rpc.Code to HTTP, as documented in google/rpc/code.proto (and used by grpc-gateway). */
const HTTP_STATUS: Record<Code, number> = {
  [Code.OK]: 200,
  [Code.CANCELLED]: 499,
  [Code.UNKNOWN]: 500,
  [Code.INVALID_ARGUMENT]: 400,
  [Code.DEADLINE_EXCEEDED]: 504,
  [Code.NOT_FOUND]: 404,
  [Code.ALREADY_EXISTS]: 409,
  [Code.PERMISSION_DENIED]: 403,
  [Code.RESOURCE_EXHAUSTED]: 429,
  [Code.FAILED_PRECONDITION]: 400,
  [Code.ABORTED]: 409,
  [Code.OUT_OF_RANGE]: 400,
  [Code.UNIMPLEMENTED]: 501,
  [Code.INTERNAL]: 500,
  [Code.UNAVAILABLE]: 503,
  [Code.DATA_LOSS]: 500,
  [Code.UNAUTHENTICATED]: 401,
};

export const httpStatusOf = (code: Code): number => HTTP_STATUS[code] ?? 500;

/** An error only HTTP has words for (405, 415): its own HTTP status, a google.rpc code for the body. */
export class HttpError extends ServiceError {
  constructor(
    readonly httpStatus: number,
    code: Code,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message);
  }
}

/**
 * The HTTP status and JSON body of any error: google.rpc.Status in its proto3 JSON form (as
 * grpc-gateway sends it), built from the very bytes a gRPC caller gets in `grpc-status-details-bin`.
 */
export function errorResponse(error: unknown, registry: Registry, report: (error: unknown) => void): HttpErrorAnswer {
  const { code, message } = toStatus(error, report);
  return statusResponse({ code, message, details: errorDetailsOf(error, code), error }, registry);
}

/** The HTTP status and JSON body of a call's status, as the call runner made it (errorResponse, with the status given). */
export function statusResponse({ code, message, details, error }: CallStatus, registry: Registry): HttpErrorAnswer {
  const bytes = encodeStatusDetails(code, message, details);
  const statusType = registry.getMessage('google.rpc.Status') as DescMessage;
  const body = toJson(statusType, fromBinary(statusType, bytes), { registry, alwaysEmitImplicit: true }) as JsonObject;
  const status = error instanceof HttpError ? error.httpStatus : httpStatusOf(code);
  return { status, body, headers: error instanceof HttpError ? error.headers : {} };
}

export interface HttpErrorAnswer {
  status: number;
  body: JsonObject;
  headers: Record<string, string>;
}
