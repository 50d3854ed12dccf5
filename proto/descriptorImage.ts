import { readFileSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import { packageRoot } from '../lib/packageRoot';

/** Where `npm run build` writes the descriptor image of proto/ (`buf build`: every file with its
 * imports, google/rpc and google/protobuf included, and the comments). */
export const contractImage = (): string => path.join(packageRoot(), 'dist', 'contract', 'userservice.binpb');

/** The bytes of a descriptor image `npm run build` writes; a missing one is a build step not run, and the message says so. */
export function readImageBytes(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(`cannot read ${what} ${file} (npm run build writes it): ${(error as Error).message}`);
  }
}

let contractBytes: Buffer | undefined;

/**
 * The contract image, read once: the one source of descriptors. grpc-js's methods (through
 * proto-loader), the log records and the error details (protobufjs, in proto/schema.ts) and the
 * gateway's JSON mapping (protobuf-es, in proto/contract.ts) are all built from these bytes, so
 * they cannot disagree about a field.
 */
export function contractImageBytes(): Buffer {
  contractBytes ??= readImageBytes(contractImage(), 'the contract image');
  return contractBytes;
}

/** FileDescriptorSet.file = 1 and FileDescriptorProto.source_code_info = 9, as tags on the wire. */
const FILE_TAG = (1 << 3) | 2;
const SOURCE_CODE_INFO = 9;

/**
 * The image without its comments (each file's source_code_info), which only protobuf-es reads
 * (OpenAPI descriptions, reflection). They are 83% of the bytes: protobufjs would decode them at
 * every start and throw them away (about 40 ms of CPU on the project's machine).
 */
export function withoutSourceInfo(image: Uint8Array): Uint8Array {
  const set = protobuf.Reader.create(image);
  const out = protobuf.Writer.create();
  while (set.pos < set.len) {
    const tag = set.uint32();
    if (tag !== FILE_TAG) {
      set.skipType(tag & 7);
      continue;
    }
    const file = set.bytes();
    const fields = protobuf.Reader.create(file);
    const kept: Uint8Array[] = [];
    while (fields.pos < fields.len) {
      const start = fields.pos;
      const fieldTag = fields.uint32();
      fields.skipType(fieldTag & 7);
      if (fieldTag >>> 3 !== SOURCE_CODE_INFO) kept.push(file.subarray(start, fields.pos));
    }
    out.uint32(FILE_TAG).bytes(Buffer.concat(kept));
  }
  return out.finish();
}
