/** The change feed's methods: many streams write the same result objects, so each is encoded once. */
export const FEED_METHODS: ReadonlySet<string> = new Set(['WatchUsers', 'SyncUsers']);

/**
 * A response serializer that encodes each distinct object once. The change feed hands the same
 * result object to every subscriber whose filter, format and position agree, and grpc-js calls
 * the method's serializer once per write: without this, 1,000 subscribers of one change meant
 * 1,000 identical protobuf encodes. The bytes are kept by object identity for as long as the
 * object lives (a WeakMap), so nothing is held for a message no one still has. A Buffer is taken
 * as an already encoded message and written as it is.
 *
 * The rule this relies on: an object handed to the transport is never changed afterwards.
 */
export function encodeOnce<T>(serialize: (value: T) => Buffer): (value: T | Buffer) => Buffer {
  const encoded = new WeakMap<object, Buffer>();
  return (value) => {
    if (Buffer.isBuffer(value)) return value;
    if (typeof value !== 'object' || value === null) return serialize(value);
    let bytes = encoded.get(value);
    if (bytes === undefined) {
      bytes = serialize(value);
      encoded.set(value, bytes);
    }
    return bytes;
  };
}

/** A serializer that takes a Buffer as the message already encoded (proto/encoded.ts) and encodes anything else. */
export function passEncoded<T>(serialize: (value: T) => Buffer): (value: T | Buffer) => Buffer {
  return (value) => (Buffer.isBuffer(value) ? value : serialize(value));
}
