import type { DescMethod } from '@bufbuild/protobuf';
import type { Schema } from './jsonSchema';

/**
 * The HTTP headers of a call as OpenAPI declares them: request headers are the call's metadata
 * (gateway/httpCallSource.ts reads them), response headers its trailers the gateway sends as
 * headers (gateway/gatewayCall.ts), and the bearer token the access policy checks.
 */

/** RPCs whose handler waits for `users-min-cursor` and `users-consistency` (handlers/common/readConsistency.ts). */
const READ_AFTER_CURSOR = new Set(['GetUser', 'ListUsers', 'SyncUsers', 'WatchUsers']);

const header = (name: string, description: string, schema: Schema): Schema => ({ name, in: 'header', required: false, description, schema });

/** `components.parameters`, keyed by header name. */
export const HEADER_PARAMETERS: Record<string, Schema> = {
  'grpc-timeout': header(
    'grpc-timeout',
    "Deadline of the call, as gRPC writes it: up to 8 digits and a unit (H, M, S, m, u, n), e.g. `5S` or `250m`. Without it the server's default deadline applies; past it the call ends with 504 DEADLINE_EXCEEDED.",
    {
      type: 'string',
      pattern: '^[0-9]{1,8}[HMSmun]$',
      example: '5S',
    },
  ),
  'x-request-id': header(
    'x-request-id',
    "Names the call in the server's logs; sent back as the `x-request-id` response header (the server makes one up when absent).",
    { type: 'string' },
  ),
  traceparent: header('traceparent', 'W3C trace context: logged with the call, and carried by a write on its command and event.', {
    type: 'string',
    example: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  }),
  'users-min-cursor': header(
    'users-min-cursor',
    "A `users-cursor` from an earlier answer (of any instance): waits, within the deadline, until this instance's view has applied it (read-your-writes).",
    {
      type: 'string',
      example: '0:42',
    },
  ),
  'users-consistency': header(
    'users-consistency',
    "`strong`: waits, within the deadline, until this instance's view has applied everything the log held when the call arrived (writes made through any instance and already decided; a write not yet decided is not waited for). `local` (the default) answers from the view as it is. Combines with `users-min-cursor`.",
    {
      type: 'string',
      enum: ['local', 'strong'],
      example: 'strong',
    },
  ),
};

/** `components.headers`: what answers carry as headers. */
export const RESPONSE_HEADERS: Record<string, Schema> = {
  'x-request-id': {
    description: "The request's `x-request-id`, or the one the server made up for it: find the call in the logs by it.",
    required: true,
    schema: { type: 'string' },
  },
  'users-cursor': {
    description:
      "The log position just past this answer's event (a rejected write's too), or the view's for a read: send it as `users-min-cursor` to read your own write on any instance.",
    required: true,
    schema: { type: 'string', example: '0:42' },
  },
};

/** The request headers `method` reads, as references to `components.parameters`. */
export function headerParameters(method: DescMethod): Schema[] {
  const names = ['grpc-timeout', 'x-request-id', 'traceparent', ...(READ_AFTER_CURSOR.has(method.name) ? ['users-min-cursor', 'users-consistency'] : [])];
  return names.map((name) => ({ $ref: `#/components/parameters/${name}` }));
}

/**
 * The headers of an answer: every answer names its request; a unary call's answer that the view
 * or the decider gave (`decided`: success, not found, a rejected write) also carries the cursor it
 * was given at. A stream's cursor comes at its end: a field of the List document, or an HTTP trailer.
 */
export function responseHeaders(method: DescMethod, decided: boolean): Schema {
  const names = ['x-request-id', ...(decided && method.methodKind === 'unary' ? ['users-cursor'] : [])];
  return Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));
}

/** `components.securitySchemes`: the bearer token of `authorization: Bearer <token>`. */
export const SECURITY_SCHEMES: Record<string, Schema> = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    description:
      'Only a server started with `--authz policy.yml` reads credentials: then a call needs a token whose SHA-256 the policy lists under `tokens` ' +
      '(or a client certificate it lists, with `--require-client-cert`), granted the call; otherwise 401 UNAUTHENTICATED or 403 PERMISSION_DENIED. ' +
      'Without `--authz` the header is ignored.',
  },
};

/** Credentials are optional: the server may run without a policy, or know the caller by its certificate. */
export const SECURITY: Schema[] = [{}, { bearerAuth: [] }];
