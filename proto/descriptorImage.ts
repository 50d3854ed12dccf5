import { readFileSync } from 'node:fs';
import path from 'node:path';
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
