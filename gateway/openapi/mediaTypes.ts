import type { DescMessage, DescMethod } from '@bufbuild/protobuf';
import type { HttpBinding } from '../../proto/contract';
import type { SchemaSet, Schema } from './jsonSchema';

const STATUS_REF = { $ref: '#/components/schemas/google.rpc.Status' };

/** The request body of a route: JSON, or NDJSON (one message per line) for client and bidi streams. */
export function requestBody(binding: HttpBinding, schemas: SchemaSet): Schema | undefined {
  const { method } = binding;
  if (binding.body === '') return undefined;
  const type = binding.body === '*' ? method.input : (method.input.fields.find((f) => f.name === binding.body)?.message as DescMessage);
  const schema = schemas.ref(type);
  // A Media Type Object has no `description` (OpenAPI 3.0.3): the body's says how it streams.
  if (method.methodKind === 'client_streaming') {
    return {
      description: 'NDJSON: one message per line, read as it arrives; or one JSON array of them (up to --max-message-bytes)',
      required: true,
      content: { 'application/x-ndjson': { schema }, 'application/json': { schema: { type: 'array', items: schema } } },
    };
  }
  if (method.methodKind === 'bidi_streaming') {
    return {
      description: 'NDJSON: one message per line, streamed while answers stream back on the same request',
      required: true,
      content: { 'application/x-ndjson': { schema } },
    };
  }
  return { required: true, content: { 'application/json': { schema } } };
}

/**
 * Response formats of a stream (gateway/gatewayCall.ts negotiates them): one JSON document for
 * List calls (first: what a request without `Accept` gets), NDJSON lines, SSE for server-stream
 * feeds (a bidi stream answers NDJSON only).
 */
export function streamContent(method: DescMethod, output: Schema): Schema {
  const { name } = method;
  const content: Schema = {};
  if (name.startsWith('List')) {
    const noun = name.charAt(4).toLowerCase() + name.slice(5);
    content['application/json'] = {
      schema: {
        type: 'object',
        description: 'The default format (no `Accept`), streamed as it is read; `error` replaces the cursor fields when the stream fails after it began',
        properties: {
          [noun]: { type: 'array', items: output },
          usersCursor: { type: 'string', description: 'The log position of the snapshot (trailer `users-cursor`; send it as `users-min-cursor`)' },
          nextPageToken: { type: 'string', description: 'Present when `pageSize` cut the page short: pass it as `pageToken`' },
          error: STATUS_REF,
        },
        required: [noun],
      },
    };
  }
  content['application/x-ndjson'] = {
    schema: {
      type: 'object',
      description:
        'With `Accept: application/x-ndjson`: one line per message; `error` (google.rpc.Status) ends a stream that fails after it began. Cursor and page token come as HTTP trailers.',
      properties: { result: output, error: STATUS_REF },
    },
  };
  if (method.methodKind === 'server_streaming' && !name.startsWith('List')) {
    content['text/event-stream'] = {
      schema: {
        type: 'string',
        description: 'Server-Sent Events: `event:` is the oneof case set (e.g. `event`, `caughtUp`), `data:` its JSON, `id:` its cursor',
      },
    };
  }
  return content;
}
