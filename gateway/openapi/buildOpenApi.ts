import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import type { Contract, HttpBinding } from '../contract';
import { templateFields } from '../pathTemplate';
import { STRING_WKTS } from '../requestJson';
import { commentsOf } from './comments';
import { SchemaSet, scalarSchema, type Schema } from './jsonSchema';

/**
 * The errors each route documents besides 400 (bad input) and `default` (UNAVAILABLE, deadline,
 * access): the outcomes a caller must handle. test/gateway/openApi.test.ts provokes every one.
 */
const ERRORS: Record<string, Record<string, string>> = {
  GetUser: { '404': 'No user with this id' },
  CreateUser: { '409': 'The email belongs to another user (ALREADY_EXISTS)' },
  UpdateUser: { '404': 'No user with this id', '409': 'expected_version does not match (ABORTED), or the email is taken (ALREADY_EXISTS)' },
  DeleteUser: { '404': 'No user with this id', '409': 'expected_version does not match (ABORTED)' },
};

/** The OpenAPI 3.0 document of the gateway, from the same descriptors the gateway routes by. */
export function buildOpenApi(contract: Contract, version: string): Schema {
  const schemas = new SchemaSet();
  const status = schemas.ref(contract.registry.getMessage('google.rpc.Status') as DescMessage);
  const paths: Record<string, Record<string, Schema>> = {};
  for (const binding of contract.bindings) {
    const path = openApiPath(binding);
    paths[path] ??= {};
    paths[path][binding.verb.toLowerCase()] = operation(binding, schemas, status);
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'UserService REST/JSON gateway',
      version,
      description:
        'Every RPC of userservice.UserService over HTTP/1.1 with JSON (the proto3 JSON mapping: lowerCamelCase names, RFC 3339 timestamps, enum names, int64 as strings). ' +
        'Errors are google.rpc.Status bodies with the HTTP status of their code. Send `grpc-timeout` (e.g. `5S`) to set a deadline, `users-min-cursor` to read your own writes.',
    },
    paths,
    components: { schemas: schemas.schemas },
  };
}

function operation(binding: HttpBinding, schemas: SchemaSet, status: Schema): Schema {
  const { method } = binding;
  const pathFields = templateFields(binding.template);
  const parameters: Schema[] = pathFields.map((field) => {
    const name = field.split('.').pop() as string;
    return { name, in: 'path', required: true, schema: { type: 'string' }, ...(name === field ? {} : { description: `Sets \`${field}\`` }) };
  });
  if (binding.body !== '*') {
    for (const [name, field] of queryFields(method.input, binding.body, pathFields)) {
      parameters.push({ name, in: 'query', required: false, schema: querySchema(field), description: commentsOf(field) });
    }
  }
  const streamingOut = method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming';
  const output = schemas.ref(method.output);
  if (method.methodKind === 'server_streaming' && method.input.fields.some((f) => f.name === 'cursor')) {
    parameters.push({ name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string' }, description: 'Sent by EventSource on reconnect: resumes after this cursor (overrides `cursor`).' });
  }
  const op: Schema = {
    operationId: method.name,
    summary: commentsOf(method),
    tags: ['UserService'],
    parameters,
    responses: {
      '200': { description: 'OK', content: streamingOut ? streamContent(method.name, output) : { 'application/json': { schema: output } } },
      '400': { description: 'The request is invalid (INVALID_ARGUMENT, OUT_OF_RANGE or FAILED_PRECONDITION); `details` name the field', content: { 'application/json': { schema: status } } },
      ...Object.fromEntries(Object.entries(ERRORS[method.name] ?? {}).map(([code, description]) => [code, { description, content: { 'application/json': { schema: status } } }])),
      default: { description: 'Any other error, as google.rpc.Status (401, 403, 429, 503 UNAVAILABLE, 504 DEADLINE_EXCEEDED)', content: { 'application/json': { schema: status } } },
    },
  };
  const body = requestBody(binding, schemas);
  if (body) op.requestBody = body;
  return op;
}

/**
 * The route's OpenAPI path: a variable is named by its last field (`{user.id}` → `{id}`), since
 * OpenAPI counts `/v1/users/{id}` and `/v1/users/{user.id}` as one path and forbids both.
 */
function openApiPath(binding: HttpBinding): string {
  return binding.template.text.replace(/\{([^}]+)\}/g, (_m, field: string) => `{${field.split('.').pop()}}`);
}

function requestBody(binding: HttpBinding, schemas: SchemaSet): Schema | undefined {
  const { method } = binding;
  if (binding.body === '') return undefined;
  const type = binding.body === '*' ? method.input : (method.input.fields.find((f) => f.name === binding.body)?.message as DescMessage);
  const schema = schemas.ref(type);
  if (method.methodKind === 'client_streaming') {
    return { required: true, content: { 'application/x-ndjson': { schema, description: 'One message per line, streamed' }, 'application/json': { schema: { type: 'array', items: schema } } } };
  }
  if (method.methodKind === 'bidi_streaming') return { required: true, content: { 'application/x-ndjson': { schema, description: 'One message per line, streamed' } } };
  return { required: true, content: { 'application/json': { schema } } };
}

/** Response formats of a stream: NDJSON lines, SSE for feeds, one document for List calls. */
function streamContent(name: string, output: Schema): Schema {
  const line = { type: 'object', description: 'One line per message; `error` (google.rpc.Status) ends a stream that fails after it began', properties: { result: output, error: { $ref: '#/components/schemas/google.rpc.Status' } } };
  const content: Schema = { 'application/x-ndjson': { schema: line } };
  if (name.startsWith('List')) {
    const noun = name.charAt(4).toLowerCase() + name.slice(5);
    content['application/json'] = {
      schema: {
        type: 'object',
        properties: { [noun]: { type: 'array', items: output }, usersCursor: { type: 'string', description: 'The log position of the snapshot' }, nextPageToken: { type: 'string' }, error: { $ref: '#/components/schemas/google.rpc.Status' } },
      },
    };
  } else {
    content['text/event-stream'] = { schema: { type: 'string', description: 'Server-Sent Events: `event:` is the oneof case set (e.g. `event`, `caughtUp`), `data:` its JSON, `id:` its cursor' } };
  }
  return content;
}

/** Fields a query parameter may set: scalars, enums and string-form well-known types, dotted into messages. */
function queryFields(message: DescMessage, body: string, pathFields: string[], prefix = ''): [string, DescField][] {
  const out: [string, DescField][] = [];
  for (const field of message.fields) {
    const name = prefix + field.name;
    if (prefix === '' && field.name === body) continue;
    if (pathFields.includes(name)) continue;
    if (field.fieldKind === 'message' && !STRING_WKTS.has(field.message.typeName)) {
      if (field.oneof || prefix.split('.').length > 2) continue;
      out.push(...queryFields(field.message, body, pathFields, `${name}.`));
    } else if (field.fieldKind !== 'map' && !(field.fieldKind === 'list' && field.listKind === 'message')) {
      out.push([name, field]);
    }
  }
  return out;
}

function querySchema(field: DescField): Schema {
  if (field.fieldKind === 'enum') return { type: 'string', enum: field.enum.values.map((v) => v.name) };
  if (field.fieldKind === 'message') return { type: 'string' };
  if (field.fieldKind === 'list') return { type: 'array', items: field.listKind === 'scalar' ? scalarSchema(field.scalar) : { type: 'string' } };
  return scalarSchema(field.scalar ?? ScalarType.STRING);
}
