import type { DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, FileDescriptorProto } from '@bufbuild/protobuf/wkt';

/** An extension a file declares: the message it extends (full name, no leading dot) and its number. */
export interface DeclaredExtension {
  extendee: string;
  number: number;
}

/** What one file declares, by full name: what reflection's lookups by symbol and extension need. */
export interface FileSymbols {
  /** Messages, fields, oneofs, enums, enum values, extensions, services and methods. */
  symbols: string[];
  services: string[];
  extensions: DeclaredExtension[];
}

/**
 * The full names a file declares, as protobuf scopes them (an enum value is a sibling of its
 * enum, not a child), so any name a client may ask `file_containing_symbol` about is found.
 */
export function fileSymbols(file: FileDescriptorProto): FileSymbols {
  const found: FileSymbols = { symbols: [], services: [], extensions: [] };
  const scope = file.package;
  file.messageType.forEach((message) => addMessage(found, scope, message));
  file.enumType.forEach((enumType) => addEnum(found, scope, enumType));
  file.extension.forEach((extension) => addExtension(found, scope, extension));
  for (const service of file.service) {
    const name = join(scope, service.name);
    found.symbols.push(name, ...service.method.map((method) => join(name, method.name)));
    found.services.push(name);
  }
  return found;
}

function addMessage(found: FileSymbols, scope: string, message: DescriptorProto): void {
  const name = join(scope, message.name);
  found.symbols.push(name);
  found.symbols.push(...message.field.map((field) => join(name, field.name)));
  found.symbols.push(...message.oneofDecl.map((oneof) => join(name, oneof.name)));
  message.nestedType.forEach((nested) => addMessage(found, name, nested));
  message.enumType.forEach((enumType) => addEnum(found, name, enumType));
  message.extension.forEach((extension) => addExtension(found, name, extension));
}

function addEnum(found: FileSymbols, scope: string, enumType: EnumDescriptorProto): void {
  found.symbols.push(join(scope, enumType.name), ...enumType.value.map((value) => join(scope, value.name)));
}

function addExtension(found: FileSymbols, scope: string, extension: FieldDescriptorProto): void {
  found.symbols.push(join(scope, extension.name));
  found.extensions.push({ extendee: extension.extendee.replace(/^\./, ''), number: extension.number });
}

const join = (scope: string, name: string): string => (scope ? `${scope}.${name}` : name);
