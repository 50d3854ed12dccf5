import type { DescField, DescMessage, DescMethod } from '@bufbuild/protobuf';

type Described = DescMessage | DescField | DescMethod;

/**
 * The leading comment of a message, field or method in proto/, from the descriptor image's
 * source info: the .proto file is the one place the API is documented.
 */
export function commentsOf(desc: Described): string | undefined {
  const file = desc.kind === 'field' ? desc.parent.file : desc.kind === 'rpc' ? desc.parent.file : desc.file;
  const path = pathOf(desc);
  const location = file.proto.sourceCodeInfo?.location.find((l) => l.path.length === path.length && l.path.every((p, i) => p === path[i]));
  const text = location?.leadingComments.trim();
  return text
    ? text
        .split('\n')
        .map((line) => line.trim())
        .join(' ')
    : undefined;
}

/** The descriptor path of `desc` (FileDescriptorProto field numbers: 4 messages, 2 fields, 6 services, 2 methods). */
function pathOf(desc: Described): number[] {
  if (desc.kind === 'rpc') return [6, desc.parent.file.services.indexOf(desc.parent), 2, desc.parent.methods.indexOf(desc)];
  if (desc.kind === 'field') return [...pathOf(desc.parent), 2, desc.parent.proto.field.indexOf(desc.proto)];
  if (desc.parent) return [...pathOf(desc.parent), 3, desc.parent.nestedMessages.indexOf(desc)];
  return [4, desc.file.messages.indexOf(desc)];
}
