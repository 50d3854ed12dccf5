import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { FileDescriptorSet } from 'protobufjs/ext/descriptor';
import { contractImageBytes, withoutSourceInfo } from './descriptorImage';
import { restoreMapFields, type FileDescriptor } from './mapFields';

/** Options shared by the gRPC loader and the log codec, so both see the same object shapes. */
export const conversion = { longs: Number, enums: Number, defaults: true, oneofs: true } as const;

export const SERVICE_NAME = 'userservice.UserService';

/** protobufjs/ext/descriptor (imported above) adds this to Root; its typings do not say so. */
const rootFromDescriptor = (set: protobuf.Message): protobuf.Root =>
  (protobuf.Root as unknown as { fromDescriptor(set: protobuf.Message): protobuf.Root }).fromDescriptor(set);

let definition: protoLoader.PackageDefinition | undefined;
let root: protobuf.Root | undefined;

/**
 * The package definition grpc-js servers and clients are built from (loaded once), from the JSON
 * of the root the log records use (proto-loader builds its own copy of a root): its own
 * loadFileDescriptorSetFromBuffer would read map fields wrong (proto/mapFields.ts). Field names
 * stay as the descriptors spell them (snake_case), as `keepCase` kept them when proto-loader read
 * the .proto files, and as the types generated into proto/generated/ name them.
 */
export function grpcDefinition(): protoLoader.PackageDefinition {
  definition ??= protoLoader.fromJSON(schemaRoot().toJSON(), conversion);
  return definition;
}

/** The protobufjs root of every message in the contract image: log records and error details
 * encode through it, with the same runtime (protobufjs) proto-loader gives grpc-js. */
export function schemaRoot(): protobuf.Root {
  if (!root) {
    const set = FileDescriptorSet.decode(withoutSourceInfo(contractImageBytes())) as protobuf.Message & { file: FileDescriptor[] };
    root = rootFromDescriptor(set);
    restoreMapFields(root, set.file);
    root.resolveAll();
  }
  return root;
}

const types = new Map<string, protobuf.Type>();

/** A message type by its full name, e.g. `userservice.UserEvent` (looked up once: the log codec asks per record). */
export function messageType(fullName: string): protobuf.Type {
  let type = types.get(fullName);
  if (!type) types.set(fullName, (type = schemaRoot().lookupType(fullName)));
  return type;
}

/** Encodes a plain object (as our handlers hold them) into protobuf bytes. */
export function encodeMessage(type: protobuf.Type, value: object): Buffer {
  return Buffer.from(type.encode(type.fromObject(value)).finish());
}

/** Decodes protobuf bytes into the plain object shape of proto/messages.ts. */
export function decodeMessage<T>(type: protobuf.Type, bytes: Uint8Array): T {
  return type.toObject(type.decode(bytes), conversion) as T;
}
