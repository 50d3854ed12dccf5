import protobuf from 'protobufjs';

/** The parts of a decoded google.protobuf.FileDescriptorProto that say which messages are map entries. */
interface MessageDescriptor {
  name: string;
  nestedType?: MessageDescriptor[];
  options?: { mapEntry?: boolean } | null;
}
export interface FileDescriptor {
  package?: string;
  messageType?: MessageDescriptor[];
}

/** Full names (`.userservice.CommandRejected.ErrorMetadataEntry`) of the map entry types the files declare. */
function mapEntryNames(files: FileDescriptor[]): Set<string> {
  const names = new Set<string>();
  const visit = (prefix: string, messages: MessageDescriptor[] = []) => {
    for (const message of messages) {
      const name = `${prefix}.${message.name}`;
      if (message.options?.mapEntry) names.add(name);
      visit(name, message.nestedType);
    }
  };
  for (const file of files) visit(file.package ? `.${file.package}` : '', file.messageType);
  return names;
}

function* typesIn(namespace: protobuf.NamespaceBase): Generator<protobuf.Type> {
  for (const nested of namespace.nestedArray) {
    if (nested instanceof protobuf.Type) yield nested;
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) yield* typesIn(nested);
  }
}

/**
 * protobufjs 7's Root.fromDescriptor reads a map field as the descriptor spells it, a repeated
 * `XEntry` message: a plain object for it is refused ("error_metadata: array expected") and a
 * decoded one comes out as an array of {key, value}, unlike the same field parsed from the .proto
 * text. Each such field becomes the MapField the parser makes, and its entry type goes (the parser
 * has none). The reader also marks the entry's parent as a map entry: that mark goes too.
 * Call before the root is resolved; runtimeParity.test.ts proves every map field of the image.
 */
export function restoreMapFields(root: protobuf.Root, files: FileDescriptor[]): void {
  const entries = mapEntryNames(files);
  for (const type of [...typesIn(root)]) {
    if (type.options?.map_entry && !entries.has(type.fullName)) delete type.options.map_entry;
    for (const field of type.fieldsArray.filter((f) => entries.has(f.type))) {
      const entry = root.lookupType(field.type);
      type.remove(field);
      type.add(new protobuf.MapField(field.name, field.id, entry.fields.key.type, entry.fields.value.type, field.options));
      entry.parent?.remove(entry);
    }
  }
}
