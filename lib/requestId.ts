import { InvalidArgumentError } from './errors';

/** Longest request id we store and echo: a UUID is 36 characters; this leaves room for a prefix. */
export const MAX_REQUEST_ID = 128;

/**
 * Why a request id (the `request_id` field or the `x-request-id` header) is refused, or undefined
 * when it is fine. It is echoed back and logged, so a long one would bloat every answer: a 10 KB
 * id echoed in the trailers can push the answer past the client's metadata limit, and the client
 * then loses the real status.
 */
export function requestIdError(requestId: string, field: string): InvalidArgumentError | undefined {
  if (requestId.length <= MAX_REQUEST_ID && !/\p{Cc}/u.test(requestId)) return undefined;
  return new InvalidArgumentError(field, `must be at most ${MAX_REQUEST_ID} printable characters, got ${requestId.length} (a UUID is a good choice)`);
}
