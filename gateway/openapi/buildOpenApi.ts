import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import type { Contract, HttpBinding } from '../../proto/contract';
import { templateFields } from '../../proto/pathTemplate';
import { STRING_WKTS } from '../requestJson';
import { commentsOf } from './comments';
import { HEADER_PARAMETERS, RESPONSE_HEADERS, SECURITY, SECURITY_SCHEMES, headerParameters, responseHeaders } from './callHeaders';
import { SchemaSet, scalarSchema, type Schema } from './jsonSchema';
import { requestBody, streamContent } from './mediaTypes';

/**
 * The errors each route documents besides 400 (bad input) and `default` (UNAVAILABLE, deadline,
 * access): the outcomes a caller must handle. Each is the view's or the decider's answer, so it
 * carries `users-cursor` as a success does. test/gateway/openApi.test.ts provokes every one.
 */
const ERRORS: Record<string, Record<string, string>> = {
  GetUser: { '404': 'No user with this id' },
  CreateUser: { '409': 'The email belongs to another user (ALREADY_EXISTS, ErrorInfo reason EMAIL_TAKEN)' },
  UpdateUser: {
    '404': 'No user with this id',
    '409':
      'expected_version does not match (ABORTED, ErrorInfo reason VERSION_MISMATCH with `expected` and `actual`), or the email is taken (ALREADY_EXISTS, EMAIL_TAKEN)',
  },
  DeleteUser: {
    '404': 'No user with this id',
    '409': 'expected_version does not match (ABORTED, ErrorInfo reason VERSION_MISMATCH with `expected` and `actual`)',
  },
  EraseUser: { '404': 'No user with this id: never created, or erased already' },
};

/** What the document says about itself besides its paths (package.json's version and license). */
export interface DocumentInfo {
  version: string;
  license: string;
}

/** The OpenAPI 3.0 document of the gateway, from the same descriptors the gateway routes by. */
export function buildOpenApi(contract: Contract, info: DocumentInfo): Schema {
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
      version: info.version,
      license: { name: info.license },
      description:
        'Every RPC of userservice.UserService over HTTP/1.1 with JSON (the proto3 JSON mapping: lowerCamelCase names, RFC 3339 timestamps, enum names, int64 as strings). ' +
        'Errors are google.rpc.Status bodies with the HTTP status of their code. Send `grpc-timeout` (e.g. `5S`) to set a deadline, `users-min-cursor` to read your own writes.',
    },
    servers: [
      { url: '/', description: 'The gateway that serves this document' },
      { url: 'http://127.0.0.1:8080', description: 'The default `--http-addr` (`npm start`)' },
    ],
    security: SECURITY,
    tags: [{ name: 'UserService', description: 'userservice.UserService (proto/user_service.proto), one operation per RPC' }],
    paths,
    components: { schemas: schemas.schemas, parameters: HEADER_PARAMETERS, headers: RESPONSE_HEADERS, securitySchemes: SECURITY_SCHEMES },
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
  if (method.methodKind === 'server_streaming' && method.input.fields.some((f) => f.name === 'cursor')) {
    parameters.push({
      name: 'Last-Event-ID',
      in: 'header',
      required: false,
      schema: { type: 'string' },
      description: 'Sent by EventSource on reconnect: resumes after this cursor (overrides `cursor`).',
    });
  }
  parameters.push(...headerParameters(method));
  const streamingOut = method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming';
  const output = schemas.ref(method.output);
  const answer = (description: string, content: Schema, decided = false) => ({ description, headers: responseHeaders(method, decided), content });
  const error = { 'application/json': { schema: status } };
  const op: Schema = {
    operationId: method.name,
    summary: commentsOf(method) ?? method.name,
    tags: ['UserService'],
    parameters,
    responses: {
      '200': answer('OK', streamingOut ? streamContent(method, output) : { 'application/json': { schema: output } }, true),
      '400': answer(
        'The request is invalid (INVALID_ARGUMENT, OUT_OF_RANGE, or FAILED_PRECONDITION with ErrorInfo reason REQUEST_ID_REUSED: the request_id was used for a different request); `details` name the field',
        error,
      ),
      ...Object.fromEntries(Object.entries(ERRORS[method.name] ?? {}).map(([code, description]) => [code, answer(description, error, true)])),
      default: answer('Any other error, as google.rpc.Status (401, 403, 429, 503 UNAVAILABLE, 504 DEADLINE_EXCEEDED)', error),
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

/**
 * Fields a query parameter may set, named as the JSON bodies name them (lowerCamelCase, dotted
 * into messages; the gateway also accepts proto names): scalars, enums and string-form
 * well-known types. `pathFields` and `body` are proto field paths.
 */
function queryFields(message: DescMessage, body: string, pathFields: string[], prefix = '', jsonPrefix = ''): [string, DescField][] {
  const out: [string, DescField][] = [];
  for (const field of message.fields) {
    const name = prefix + field.name;
    const jsonName = jsonPrefix + field.jsonName;
    if (prefix === '' && field.name === body) continue;
    if (pathFields.includes(name)) continue;
    if (field.fieldKind === 'message' && !STRING_WKTS.has(field.message.typeName)) {
      if (field.oneof || prefix.split('.').length > 2) continue;
      out.push(...queryFields(field.message, body, pathFields, `${name}.`, `${jsonName}.`));
    } else if (field.fieldKind !== 'map' && !(field.fieldKind === 'list' && field.listKind === 'message')) {
      out.push([jsonName, field]);
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
