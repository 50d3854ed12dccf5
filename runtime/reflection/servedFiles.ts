import type { FileDescriptorProto } from '@bufbuild/protobuf/wkt';
import { readDescriptorImage } from '../../proto/contract';
import { contractImage } from '../../proto/descriptorImage';
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
    for (const file of readDescriptorImage(image, 'the descriptor image for server reflection').file) {
      file.$unknown = file.$unknown?.filter((field) => field.no !== BUF_IMAGE_EXTENSION);
      if (!byName.has(file.name)) byName.set(file.name, file);
    }
  }
  return [...byName.values()];
}
