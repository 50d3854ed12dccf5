import { ScalarType, type DescEnum, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { commentsOf } from './comments';

export type Schema = Record<string, unknown>;

/** Well-known types with a JSON form of their own in the proto3 mapping. */
const WELL_KNOWN: Record<string, Schema> = {
  'google.protobuf.Timestamp': { type: 'string', format: 'date-time', example: '2026-11-25T12:00:00Z' },
  'google.protobuf.FieldMask': { type: 'string', description: 'Comma-separated field paths', example: 'name,plan' },
  'google.protobuf.Duration': { type: 'string', example: '1.5s' },
  'google.protobuf.Any': { type: 'object', properties: { '@type': { type: 'string' } }, additionalProperties: true },
};

/** JSON Schemas (OpenAPI 3.0 dialect) of messages and enums as the proto3 JSON mapping writes them. */
export class SchemaSet {
  readonly schemas: Record<string, Schema> = {};

  /** A reference to `message`'s schema, adding it (and what it refers to) on first use. */
  ref(message: DescMessage): Schema {
    const known = WELL_KNOWN[message.typeName];
    if (known) return known;
    if (!this.schemas[message.typeName]) {
      this.schemas[message.typeName] = {}; // placeholder first: messages may refer to each other
      this.schemas[message.typeName] = this.messageSchema(message);
    }
    return { $ref: `#/components/schemas/${message.typeName}` };
  }

  private messageSchema(message: DescMessage): Schema {
    const properties: Record<string, Schema> = {};
    for (const field of message.fields) properties[field.jsonName] = withDescription(this.fieldSchema(field), commentsOf(field));
    const oneofs = message.oneofs.map((o) => `exactly one of ${o.fields.map((f) => f.jsonName).join(', ')}`);
    const description = [commentsOf(message), ...oneofs].filter(Boolean).join('\n\n');
    return withDescription({ type: 'object', properties, additionalProperties: false }, description);
  }

  private fieldSchema(field: DescField): Schema {
    switch (field.fieldKind) {
      case 'scalar':
        return scalarSchema(field.scalar);
      case 'enum':
        return enumSchema(field.enum);
      case 'message':
        return this.ref(field.message);
      case 'list':
        if (field.listKind === 'scalar') return { type: 'array', items: scalarSchema(field.scalar) };
        return { type: 'array', items: field.listKind === 'enum' ? enumSchema(field.enum) : this.ref(field.message) };
      case 'map':
        return {
          type: 'object',
          additionalProperties:
            field.mapKind === 'scalar' ? scalarSchema(field.scalar) : field.mapKind === 'enum' ? enumSchema(field.enum) : this.ref(field.message),
        };
    }
  }
}

function withDescription(schema: Schema, description: string | undefined): Schema {
  if (!description) return schema;
  // OpenAPI 3.0 ignores siblings of $ref; wrap it so the description survives.
  return schema.$ref ? { allOf: [schema], description } : { ...schema, description };
}

function enumSchema(desc: DescEnum): Schema {
  return { type: 'string', enum: desc.values.map((v) => v.name) };
}

export function scalarSchema(scalar: ScalarType): Schema {
  switch (scalar) {
    case ScalarType.BOOL:
      return { type: 'boolean' };
    case ScalarType.STRING:
      return { type: 'string' };
    case ScalarType.BYTES:
      return { type: 'string', format: 'byte' };
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return { type: 'number' };
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      // int64 travels as a string in proto3 JSON: JavaScript numbers lose precision past 2^53.
      return { type: 'string', format: 'int64' };
    default:
      return { type: 'integer', format: 'int32' };
  }
}
