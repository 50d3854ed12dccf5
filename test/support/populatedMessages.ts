import { create, ScalarType, toBinary, type DescEnum, type DescField, type DescMessage } from '@bufbuild/protobuf';

/** One message with every field set, twice over: as protobuf-es builds it and as the plain object
 * protobufjs (and proto-loader, and our handlers) hold, field names as the .proto spells them. */
export interface PopulatedMessage {
  /** `userservice.User`, or `userservice.UserEvent (user_created)` for each member of a oneof. */
  label: string;
  type: DescMessage;
  esBytes: Uint8Array;
  plain: Record<string, unknown>;
}

/** Deep enough for a message inside a message inside a message; recursive types (DescriptorProto
 * holds DescriptorProto) stop there with their message fields unset. */
const MAX_DEPTH = 3;

interface Pair {
  es: unknown;
  plain: unknown;
}

/** A value far from the default of each scalar type: 64-bit ones past 2^32 (and negative where
 * signed, the 10-byte varint), strings with a two-byte character, floats that need every bit. */
function scalar(type: ScalarType, name: string): Pair {
  const int64 = (n: number): Pair => ({ es: BigInt(n), plain: n });
  switch (type) {
    case ScalarType.STRING:
      return { es: `é ${name}`, plain: `é ${name}` };
    case ScalarType.BYTES:
      return { es: new Uint8Array([1, 2, 255]), plain: new Uint8Array([1, 2, 255]) };
    case ScalarType.BOOL:
      return { es: true, plain: true };
    case ScalarType.DOUBLE:
      return { es: 0.1, plain: 0.1 };
    case ScalarType.FLOAT:
      return { es: 1.5, plain: 1.5 };
    case ScalarType.INT64:
    case ScalarType.SFIXED64:
    case ScalarType.SINT64:
      return int64(-(2 ** 40) - 3);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return int64(2 ** 40 + 5);
    case ScalarType.INT32:
    case ScalarType.SFIXED32:
    case ScalarType.SINT32:
      return { es: -7, plain: -7 };
    default:
      return { es: 9, plain: 9 };
  }
}

/** The second value of an enum: never the default (the first), in proto3 and in proto2. */
const enumValue = (type: DescEnum): Pair => {
  const { number } = type.values[Math.min(1, type.values.length - 1)];
  return { es: number, plain: number };
};

function single(field: DescField, kind: 'scalar' | 'enum' | 'message', depth: number): Pair | undefined {
  if (kind === 'enum') return enumValue(field.enum!);
  if (kind === 'message') return depth < MAX_DEPTH ? populate(field.message!, 0, depth + 1) : undefined;
  return scalar(field.scalar!, field.name);
}

function fieldValue(field: DescField, depth: number): Pair | undefined {
  switch (field.fieldKind) {
    case 'list': {
      const items = [0, 1].map(() => single(field, field.listKind, depth)).filter((item): item is Pair => item !== undefined);
      return items.length ? { es: items.map((i) => i.es), plain: items.map((i) => i.plain) } : undefined;
    }
    case 'map': {
      const value = single(field, field.mapKind, depth);
      if (!value) return undefined;
      const keys = field.mapKey === ScalarType.STRING ? ['a', 'é'] : ['1', '2'];
      return { es: Object.fromEntries(keys.map((k) => [k, value.es])), plain: Object.fromEntries(keys.map((k) => [k, value.plain])) };
    }
    default:
      return single(field, field.fieldKind, depth);
  }
}

/** `type` with every field set; of each oneof, member number `variant` (modulo its size). */
function populate(type: DescMessage, variant: number, depth: number): { es: Record<string, unknown>; plain: Record<string, unknown> } {
  const es: Record<string, unknown> = {};
  const plain: Record<string, unknown> = {};
  for (const field of type.fields) {
    const oneof = field.oneof;
    if (oneof && oneof.fields[variant % oneof.fields.length] !== field) continue;
    const value = fieldValue(field, depth);
    if (!value) continue;
    if (oneof) es[oneof.localName] = { case: field.localName, value: value.es };
    else es[field.localName] = value.es;
    plain[field.name] = value.plain;
  }
  return { es, plain };
}

/** Every message type of `types`, populated once per member of its largest oneof. */
export function populatedMessages(types: Iterable<DescMessage>): PopulatedMessage[] {
  const out: PopulatedMessage[] = [];
  for (const type of types) {
    const variants = Math.max(1, ...type.oneofs.map((o) => o.fields.length));
    for (let variant = 0; variant < variants; variant++) {
      const { es, plain } = populate(type, variant, 0);
      const members = type.oneofs.map((o) => o.fields[variant % o.fields.length].name);
      const label = members.length ? `${type.typeName} (${members.join(', ')})` : type.typeName;
      out.push({ label, type, esBytes: toBinary(type, create(type, es)), plain });
    }
  }
  return out;
}
