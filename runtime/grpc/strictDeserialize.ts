import type { DescMessage } from '@bufbuild/protobuf';
import { InvalidArgumentError } from '../../lib/errors';
import { checkWire } from '../../proto/wireCheck';

/** Marks a request that did not decode, so the adapter can answer INVALID_ARGUMENT with `error`
 * (grpc-js itself would answer INTERNAL, which tells the client nothing it can act on). */
export class MalformedRequest {
  constructor(readonly error: InvalidArgumentError) {}
}

/**
 * The one request decoder of both transports (gRPC, and the gateway after transcoding): the
 * bytes must be a whole message of `input` with UTF-8 strings (`checkWire`) before protobufjs
 * builds the object, because protobufjs cuts a truncated string short and repairs bad UTF-8.
 */
export function strictDeserialize<T>(input: DescMessage, deserialize: (bytes: Buffer) => T): (bytes: Buffer) => T | MalformedRequest {
  return (bytes) => {
    const problem = checkWire(input, bytes);
    if (problem) return new MalformedRequest(new InvalidArgumentError(problem.field, problem.reason));
    try {
      return deserialize(bytes);
    } catch (error) {
      return new MalformedRequest(new InvalidArgumentError('request', `is not a valid protobuf message of this method's type (${(error as Error).message})`));
    }
  };
}
