import type { Code } from '../../lib/code';
import type { StatusDetails } from '../../proto/statusDetails';

/**
 * How a call ended badly, once for every transport: the code and message from `toStatus`, the
 * google.rpc details from `errorDetailsOf`, and the error itself (a transport may have words of
 * its own for it, as HTTP has for 405 and 415).
 */
export interface CallStatus {
  code: Code;
  message: string;
  details: StatusDetails;
  error: unknown;
}

/**
 * What the call runner needs from whatever carries a call (grpc-js, the HTTP gateway, a test):
 * where the requests come from and where the answer goes. The runner calls exactly one of
 * `answer`, `end` and `fail`, once; a transport only translates, it never decides.
 */
export interface CallTransport {
  /** The request of a unary or server-stream call (a promise when it is still being read); throws for one that cannot be read. */
  request(): unknown;
  /** The requests of a client or bidi stream, in order; throws for one that cannot be read. The runner stops reading when the call is aborted. */
  requests(): AsyncIterable<unknown>;
  /** Answers a unary or client-stream call with the handler's value and the call's trailers; may throw (the call then fails). */
  answer(value: unknown): void;
  /** Sends one message of a server or bidi stream: false when the reader must catch up first (`flow` then emits 'drain'). */
  write(message: unknown): boolean;
  /** Ends a stream with the call's trailers. */
  end(): void;
  /** Answers with a failure, in place of `answer` or `end`. */
  fail(status: CallStatus): void;
  /** The stream whose 'drain' says the reader took what was written. */
  readonly flow: NodeJS.EventEmitter;
}
