/** Marks a request that did not decode, so the adapter can answer INVALID_ARGUMENT (grpc-js
 * itself would answer INTERNAL, which tells the client nothing it can act on). */
export class MalformedRequest {
  constructor(readonly reason: string) {}
}

export function safeDeserialize<T>(deserialize: (bytes: Buffer) => T): (bytes: Buffer) => T | MalformedRequest {
  return (bytes) => {
    try {
      return deserialize(bytes);
    } catch (error) {
      return new MalformedRequest((error as Error).message);
    }
  };
}
