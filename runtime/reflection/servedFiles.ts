import { readFileSync } from 'node:fs';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';
import { contractImage } from '../../gateway/contract';
import { standardServicesImage } from './standardServicesImage';

/** buf's `ImageFile.buf_extension`: buf's own bookkeeping beside each file, no part of descriptor.proto. */
const BUF_IMAGE_EXTENSION = 8042;

/**
 * Every .proto file the server describes through reflection, as `buf build` compiled them (the
 * real names, imports, options and comments): proto/ and its imports, then the health and
 * reflection services. A missing image is a build step not run, so the message names the fix.
 */
export function loadServedFiles(images = [contractImage(), standardServicesImage()]): FileDescriptorProto[] {
  const byName = new Map<string, FileDescriptorProto>();
  for (const image of images) {
    for (const file of readImage(image).file) {
      file.$unknown = file.$unknown?.filter((field) => field.no !== BUF_IMAGE_EXTENSION);
      if (!byName.has(file.name)) byName.set(file.name, file);
    }
  }
  return [...byName.values()];
}

function readImage(image: string) {
  let bytes: Buffer;
  try {
    bytes = readFileSync(image);
  } catch (error) {
    throw new Error(`cannot read the descriptor image ${image} for server reflection (npm run build writes it): ${(error as Error).message}`);
  }
  return fromBinary(FileDescriptorSetSchema, bytes);
}
