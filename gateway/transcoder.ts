import { fromBinary, fromJson, toBinary, toJson, type DescMessage, type DescMethod, type JsonValue, type Registry } from '@bufbuild/protobuf';
import type * as grpc from '@grpc/grpc-js';
import { InvalidArgumentError } from '../lib/errors';
import { SERVICE_NAME, grpcDefinition } from '../proto/schema';
import { MalformedRequest, strictDeserialize } from '../runtime/grpc/strictDeserialize';
import type { Contract } from '../proto/contract';
import { EncodedJsonCache } from './encodedJson';

/**
 * JSON to the handler's request and the handler's response to JSON, through the protobuf wire
 * format: the gateway transcodes exactly as Envoy's transcoder does, so a REST call reaches the
 * handler as the same object a gRPC call would, and answers in the proto3 JSON mapping
 * (lowerCamelCase names, RFC 3339 timestamps, enum names, int64 as strings).
 */
export class MethodTranscoder {
  private readonly decode: (bytes: Buffer) => unknown;
  private readonly encodedTexts = new EncodedJsonCache();

  constructor(
    readonly method: DescMethod,
    private readonly grpcMethod: grpc.MethodDefinition<unknown, unknown>,
    private readonly registry: Registry,
  ) {
    this.decode = strictDeserialize(method.input, grpcMethod.requestDeserialize);
  }

  /** A request message from its JSON; INVALID_ARGUMENT with the reason when it is not one. */
  request(json: JsonValue, what = 'request body'): unknown {
    const bytes = jsonToBinary(this.method.input, json, this.registry, what);
    const request = this.decode(Buffer.from(bytes));
    if (request instanceof MalformedRequest) throw request.error;
    return request;
  }

  /** The JSON of one response message: the handler's object, or the message already encoded (proto/encoded.ts). */
  response(value: unknown): JsonValue {
    return messageJson(this.method.output, Buffer.isBuffer(value) ? value : this.grpcMethod.responseSerialize(value), this.registry);
  }

  /**
   * The JSON text of one unary answer. A message already encoded comes from the view, one per
   * user version: its text is kept (EncodedJsonCache) and served again without any work.
   */
  responseText(value: unknown): string {
    if (!Buffer.isBuffer(value)) return jsonText(this.response(value));
    return this.encodedTexts.text(value, (bytes) => jsonText(this.response(bytes)));
  }
}

/**
 * The transcoder of one RPC of the service, by method name (`GetUser`): what the gateway serves
 * each route with, and what `usersvc call` reads and prints by, so both speak the same JSON.
 */
export function transcoderFor(contract: Contract, methodName: string): MethodTranscoder {
  const method = contract.service.methods.find((m) => m.name === methodName);
  const grpcMethod = (grpcDefinition()[SERVICE_NAME] as grpc.ServiceDefinition)[methodName];
  if (!method || !grpcMethod) throw new Error(`${SERVICE_NAME} has no method ${methodName}`);
  return new MethodTranscoder(method, grpcMethod, contract.registry);
}

function jsonToBinary(type: DescMessage, json: JsonValue, registry: Registry, what: string): Uint8Array {
  try {
    return toBinary(type, fromJson(type, json, { registry }));
  } catch (error) {
    // protobuf-es names the type, the key and the value at fault: that is the message to act on.
    throw new InvalidArgumentError(what, (error as Error).message);
  }
}

/** A JSON body as the gateway writes it. The newline keeps a shell prompt (and the next curl's output) off the end of the JSON. */
export const jsonText = (body: JsonValue) => `${JSON.stringify(body)}\n`;

/** The proto3 JSON of encoded bytes. Fields at their defaults are written too: a browser reads
 * `"plan": "USER_PLAN_FREE"` or `"version": "1"` without knowing the defaults. */
export function messageJson(type: DescMessage, bytes: Uint8Array, registry: Registry): JsonValue {
  return toJson(type, fromBinary(type, bytes), { registry, alwaysEmitImplicit: true });
}
