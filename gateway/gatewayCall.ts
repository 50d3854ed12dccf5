import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JsonValue, Registry } from '@bufbuild/protobuf';
import { Code } from '../lib/code';
import type { AnyHandler, MethodKind } from '../runtime/grpc/adaptHandler';
import { openCall, type CallEnv, type OpenCall } from '../runtime/grpc/callContext';
import type { HttpBinding } from '../proto/contract';
import { drainUnread } from './earlyAnswers';
import { errorResponse } from './httpErrors';
import { httpCallSource } from './httpCallSource';
import { bodyFormat, readJsonBody, readNdjsonBody } from './requestBody';
import { requestJson } from './requestJson';
import { strictQuery } from './strictQuery';
import { streamWriter, type FrameCache, type StreamFormat, type StreamWriter } from './streamWriters';
import type { MethodTranscoder } from './transcoder';

/** One RPC as the gateway serves it: its HTTP binding, and the very handler gRPC calls. */
export interface GatewayRoute {
  binding: HttpBinding;
  kind: MethodKind;
  handler: AnyHandler;
  transcoder: MethodTranscoder;
  /** The change feed's routes: the stream texts of their messages, shared by all their calls (see FrameCache). */
  frames?: FrameCache;
  env: CallEnv;
  actions: string[];
}

/** What every call of the gateway shares. */
export interface GatewayShared {
  registry: Registry;
  maxMessageBytes: number;
  /** Headers every answer carries (CORS). */
  headers: Record<string, string>;
  /** Logs a bug (an error that is no ServiceError) with the request id of its call, when it has one. */
  report(error: unknown, requestId?: string): void;
}

/**
 * Serves one HTTP request with an RPC's handler, under the same call rules as gRPC (deadline,
 * access policy, stream quota, logging, metrics), and answers exactly once: JSON for unary
 * calls, a stream format for streams, a google.rpc.Status JSON body with the mapped HTTP status
 * for errors.
 */
export async function serveCall(
  route: GatewayRoute,
  fields: Map<string, string>,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
  shared: GatewayShared,
): Promise<void> {
  let open: OpenCall | undefined;
  let writer: StreamWriter | undefined;
  let code: number = Code.OK;
  let message: string | undefined;
  try {
    open = openCall(httpCallSource(req, res), route.env);
    open.stampRequestId(); // HTTP answers always name their request: a header costs little next to JSON
    const call = open;
    if (call.refused) throw call.refused;
    const headers = { ...shared.headers, ...trailersOf(call) };
    call.ctx.authorize(...route.actions);
    if (route.kind !== 'unary') call.holdStreamSlot();
    // A function, so unary calls never ask for the signal (it is made on first use).
    const sink = () => ({ res, signal: call.ctx.signal, slowReaderMs: call.slowReaderMs, headers });
    switch (route.kind) {
      case 'unary': {
        const body =
          route.binding.body === ''
            ? undefined
            : (bodyFormat(req, ['json']), await readJsonBody(req, shared.maxMessageBytes, { prefix: route.binding.body === '*' ? '' : route.binding.body }));
        const request = route.transcoder.request(requestJson(route.binding, fields, strictQuery(url), body));
        const value = await untilAborted(route.handler(request, call.ctx), call);
        writeJson(res, 200, route.transcoder.response(value), { ...headers, ...trailersOf(call) });
        break;
      }
      case 'serverStream': {
        const query = strictQuery(url);
        // EventSource reconnects with the last `id:` it saw; that is where the feed resumes.
        const lastEventId = req.headers['last-event-id'];
        if (typeof lastEventId === 'string' && lastEventId !== '' && route.binding.method.input.fields.some((f) => f.name === 'cursor'))
          query.set('cursor', lastEventId);
        const request = route.transcoder.request(requestJson(route.binding, fields, query, undefined));
        writer = streamWriter(negotiate(req, route), sink(), arrayNameOf(route), framingOf(route));
        await pump(route.handler(request, call.ctx) as AsyncIterable<unknown>, writer, call);
        break;
      }
      case 'clientStream': {
        const value = await untilAborted(route.handler(requestsOf(req, route, shared), call.ctx), call);
        writeJson(res, 200, route.transcoder.response(value), { ...headers, ...trailersOf(call) });
        break;
      }
      case 'bidi': {
        bodyFormat(req, ['ndjson']);
        writer = streamWriter('ndjson', sink(), undefined, framingOf(route));
        await pump(route.handler(requestsOf(req, route, shared), call.ctx) as AsyncIterable<unknown>, writer, call);
        break;
      }
    }
  } catch (error) {
    const requestId = open?.stampRequestId();
    const answer = errorResponse(error, shared.registry, (cause) => shared.report(cause, requestId));
    code = answer.body.code as number;
    message = answer.body.message as string;
    if (writer?.started) writer.fail(answer.body);
    else if (!res.headersSent) writeJson(res, answer.status, answer.body, { ...shared.headers, ...(open ? trailersOf(open) : {}), ...answer.headers });
    else res.destroy();
    drainUnread(req);
  } finally {
    open?.close(code, message);
  }
}

/** Writes what the handler yields, each write waiting for the client, then the trailers. */
async function pump(messages: AsyncIterable<unknown>, writer: StreamWriter, call: OpenCall): Promise<void> {
  const { signal } = call.ctx;
  for await (const message of messages) {
    if (signal.aborted) throw signal.reason;
    await writer.write(message);
  }
  if (signal.aborted) throw signal.reason;
  const trailers = trailersOf(call);
  delete trailers['x-request-id']; // already a header
  writer.end(trailers);
}

const framingOf = (route: GatewayRoute) => ({ toJson: (message: unknown) => route.transcoder.response(message), cache: route.frames });

/** The request messages of a client or bidi stream: NDJSON lines as they arrive, or a JSON array. */
async function* requestsOf(req: IncomingMessage, route: GatewayRoute, shared: GatewayShared): AsyncGenerator<unknown> {
  const format = bodyFormat(req, route.kind === 'bidi' ? ['ndjson'] : ['ndjson', 'json']);
  if (format === 'ndjson') {
    for await (const { value, line } of readNdjsonBody(req, shared.maxMessageBytes)) yield route.transcoder.request(value, `line ${line} of the body`);
    return;
  }
  const body = await readJsonBody(req, shared.maxMessageBytes);
  const items: JsonValue[] = body === undefined ? [] : Array.isArray(body) ? body : [body];
  for (const [index, item] of items.entries()) yield route.transcoder.request(item, `item ${index} of the body`);
}

/** Server streams: SSE or NDJSON when asked for; List* calls default to one JSON document. */
function negotiate(req: IncomingMessage, route: GatewayRoute): StreamFormat {
  const accept = req.headers.accept ?? '';
  if (accept.includes('text/event-stream')) return 'sse';
  if (accept.includes('application/x-ndjson')) return 'ndjson';
  return route.binding.method.name.startsWith('List') ? 'document' : 'ndjson';
}

/** `ListUsers` → `users`: the array of a List call's JSON document (AIP-132's response field). */
const arrayNameOf = (route: GatewayRoute) => {
  const noun = route.binding.method.name.replace(/^List/, '');
  return noun.charAt(0).toLowerCase() + noun.slice(1);
};

function trailersOf(call: OpenCall): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(call.trailers.getMap())) out[key] = String(value);
  return out;
}

export function writeJson(res: ServerResponse, status: number, body: JsonValue, headers: Record<string, string>): void {
  // The newline keeps a shell prompt (and the next curl's output) off the end of the JSON.
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The handler's answer, or the call's abort reason (deadline, client gone, shutdown) if that comes first. */
function untilAborted<T>(work: Promise<T>, call: OpenCall): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    call.onAbort(reject);
    work.then(resolve, reject);
  });
}
