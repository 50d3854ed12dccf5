import path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { packageRoot } from '../lib/packageRoot';

/** Options shared by the gRPC loader and the log codec, so both see the same object shapes. */
export const conversion = { longs: Number, enums: Number, defaults: true, oneofs: true } as const;

export const protoDir = (): string => path.join(packageRoot(), 'proto');
export const SERVICE_FILE = 'user_service.proto';
export const LOG_FILE = 'user_log.proto';
export const SERVICE_NAME = 'userservice.UserService';

let definition: protoLoader.PackageDefinition | undefined;
let root: protobuf.Root | undefined;

/** The package definition grpc-js servers and clients are built from (loaded once). */
export function grpcDefinition(): protoLoader.PackageDefinition {
  definition ??= protoLoader.loadSync([SERVICE_FILE], { keepCase: true, ...conversion, includeDirs: [protoDir()] });
  return definition;
}

/** The protobufjs root that encodes commands and events on the log. */
export function schemaRoot(): protobuf.Root {
  if (!root) {
    const loaded = new protobuf.Root();
    loaded.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : path.join(protoDir(), target));
    loaded.loadSync([LOG_FILE], { keepCase: true });
    loaded.resolveAll();
    root = loaded;
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
