/**
 * A message already in its protobuf wire form, e.g. a `User` as the view stores it. Handlers may
 * answer with one instead of the object: every transport takes a Buffer as the encoded message
 * and writes it as it is (grpc-js's serializer passes it through; the gateway maps it to JSON
 * without encoding it first). The type parameter says which message the bytes hold.
 */
export type Encoded<T> = Buffer & { readonly __encodedMessage?: T };
