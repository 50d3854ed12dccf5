import { isUtf8 } from 'node:buffer';
import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';

/**
 * What is said of a string that is not UTF-8, over gRPC and over the gateway alike: the bytes are
 * refused, never repaired (protobufjs and Buffer#toString would turn them into U+FFFD and store that).
 */
export const NOT_UTF8 = 'is not valid UTF-8; send text UTF-8 encoded (malformed bytes are refused, not repaired)';

/** Why the bytes of a request are not one message of its type: the field at fault when one is, else `request`. */
export interface WireProblem {
  field: string;
  reason: string;
}

/**
 * Walks the protobuf wire format of `bytes` as a message of `type` without building it, and
 * reports the first thing a lenient decoder would silently get wrong: a length that runs past
 * the end (protobufjs cuts the string short), a string that is not UTF-8 (protobufjs repairs it),
 * a known field with the wrong wire type, a varint past the end. Unknown fields are only bounds-checked.
 */
export function checkWire(type: DescMessage, bytes: Uint8Array): WireProblem | undefined {
  const cursor = { bytes, pos: 0 };
  try {
    walk(cursor, bytes.length, shapesOf(type), '', undefined, 0);
    return undefined;
  } catch (error) {
    if (error instanceof WireError) return { field: error.field, reason: error.reason };
    throw error;
  }
}

class WireError {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {}
}

/** How one field number may appear on the wire, and what its content must be. */
interface Shape {
  name: string;
  wireTypes: number[];
  utf8?: boolean;
  /** Fields of the embedded message (or map entry), made on first use. */
  inner?: () => Map<number, Shape>;
}

const VARINT = 0;
const FIXED64 = 1;
const LENGTH = 2;
const START_GROUP = 3;
const END_GROUP = 4;
const FIXED32 = 5;
/** Deeper than any message of ours nests; stops a stack of unknown groups from exhausting the stack. */
const MAX_DEPTH = 64;

const malformed = (detail: string) => new WireError('request', `is not a valid protobuf message of this method's type (${detail})`);
/** A field whose bytes end early is named; bytes that end inside a top-level tag are just not a message. */
const cutShort = (name: string, detail: string) =>
  name ? new WireError(name, `is cut short: ${detail} (a truncated request is refused, not read as far as it goes)`) : malformed(`${detail} at the top level`);

function walk(
  cursor: { bytes: Uint8Array; pos: number },
  end: number,
  shapes: Map<number, Shape> | undefined,
  path: string,
  group: number | undefined,
  depth: number,
): void {
  if (depth > MAX_DEPTH) throw malformed(`messages nested more than ${MAX_DEPTH} deep`);
  while (cursor.pos < end) {
    const tag = varint(cursor, end, path);
    const number = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (number === 0) throw malformed(`field number 0 at byte ${cursor.pos}`);
    if (wireType === END_GROUP) {
      if (group === number) return;
      throw malformed(`an end-group tag for field ${number} that no group opened`);
    }
    const shape = shapes?.get(number);
    const name = shape ? (path ? `${path}.${shape.name}` : shape.name) : path;
    if (shape && !shape.wireTypes.includes(wireType))
      throw malformed(`field ${name} (${number}) has wire type ${wireType}, expected ${shape.wireTypes.join(' or ')}`);
    switch (wireType) {
      case VARINT:
        varint(cursor, end, name);
        break;
      case FIXED64:
        skip(cursor, end, 8, name);
        break;
      case FIXED32:
        skip(cursor, end, 4, name);
        break;
      case LENGTH:
        lengthDelimited(cursor, end, shape, name, depth);
        break;
      case START_GROUP:
        walk(cursor, end, undefined, name, number, depth + 1);
        break;
      default:
        throw malformed(`wire type ${wireType} at byte ${cursor.pos}`);
    }
  }
  if (group !== undefined) throw malformed(`the group of field ${group} is never closed`);
}

function lengthDelimited(cursor: { bytes: Uint8Array; pos: number }, end: number, shape: Shape | undefined, name: string, depth: number): void {
  const length = varint(cursor, end, name);
  const left = end - cursor.pos;
  if (length > left) throw cutShort(name, `its length says ${length} bytes but only ${left} remain`);
  const start = cursor.pos;
  cursor.pos += length;
  if (!shape) return;
  if (shape.utf8 && !isUtf8(cursor.bytes.subarray(start, cursor.pos))) throw new WireError(name, NOT_UTF8);
  if (shape.inner) {
    const after = cursor.pos;
    cursor.pos = start;
    walk(cursor, after, shape.inner(), name, undefined, depth + 1);
  }
}

function varint(cursor: { bytes: Uint8Array; pos: number }, end: number, name: string): number {
  let value = 0;
  for (let shift = 0; shift < 70; shift += 7) {
    if (cursor.pos >= end) throw cutShort(name, 'a number runs past the end');
    const byte = cursor.bytes[cursor.pos++];
    // Exact up to 2^53, which covers every tag and length; larger values only matter as numbers, which protobufjs reads itself.
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return value;
  }
  throw malformed(`a varint longer than 10 bytes in ${name || 'a tag'}`);
}

function skip(cursor: { bytes: Uint8Array; pos: number }, end: number, size: number, name: string): void {
  if (cursor.pos + size > end) throw cutShort(name, `${size} bytes expected, ${end - cursor.pos} remain`);
  cursor.pos += size;
}

const tables = new WeakMap<DescMessage, Map<number, Shape>>();

/** The shapes of a message's fields by number (made once per type). */
function shapesOf(type: DescMessage): Map<number, Shape> {
  let table = tables.get(type);
  if (!table) tables.set(type, (table = new Map(type.fields.map((field) => [field.number, shapeOf(field)]))));
  return table;
}

function shapeOf(field: DescField): Shape {
  const name = field.name;
  switch (field.fieldKind) {
    case 'scalar':
      return scalarShape(name, field.scalar);
    case 'enum':
      return { name, wireTypes: [VARINT] };
    case 'message':
      return messageShape(name, field.message, field.delimitedEncoding);
    case 'list': {
      if (field.listKind === 'message') return messageShape(name, field.message, field.delimitedEncoding);
      const element = field.listKind === 'enum' ? { name, wireTypes: [VARINT] } : scalarShape(name, field.scalar);
      // Numbers may come packed (one length-delimited run) or one by one.
      return element.wireTypes.includes(LENGTH) ? element : { name, wireTypes: [...element.wireTypes, LENGTH] };
    }
    case 'map': {
      const value =
        field.mapKind === 'message'
          ? messageShape('value', field.message, false)
          : field.mapKind === 'enum'
            ? { name: 'value', wireTypes: [VARINT] }
            : scalarShape('value', field.scalar);
      const entry = new Map<number, Shape>([
        [1, scalarShape('key', field.mapKey)],
        [2, value],
      ]);
      return { name, wireTypes: [LENGTH], inner: () => entry };
    }
  }
}

function messageShape(name: string, message: DescMessage, delimited: boolean): Shape {
  return delimited ? { name, wireTypes: [START_GROUP] } : { name, wireTypes: [LENGTH], inner: () => shapesOf(message) };
}

function scalarShape(name: string, scalar: ScalarType): Shape {
  switch (scalar) {
    case ScalarType.STRING:
      return { name, wireTypes: [LENGTH], utf8: true };
    case ScalarType.BYTES:
      return { name, wireTypes: [LENGTH] };
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return { name, wireTypes: [FIXED64] };
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return { name, wireTypes: [FIXED32] };
    default:
      return { name, wireTypes: [VARINT] };
  }
}
