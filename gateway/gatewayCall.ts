import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JsonValue, Registry } from '@bufbuild/protobuf';
import { openCall, type CallEnv, type OpenCall } from '../runtime/call/callContext';
import type { CallStatus, CallTransport } from '../runtime/call/callTransport';
import { runCall, type RunnableMethod } from '../runtime/call/runCall';
import type { HttpBinding } from '../proto/contract';
import { drainUnread } from './earlyAnswers';
import { errorResponse, statusResponse } from './httpErrors';
import { httpCallSource } from './httpCallSource';
import { bodyFormat, readJsonBody, readNdjsonBody, type BodyFormat } from './requestBody';
import { requestJson } from './requestJson';
import { strictQuery } from './strictQuery';
import { streamWriter, type FrameCache, type StreamFormat, type StreamWriter } from './streamWriters';
import { jsonText, type MethodTranscoder } from './transcoder';

/** One RPC as the gateway serves it: its HTTP binding, and the very method (handler, kind, actions) gRPC runs. */
export interface GatewayRoute {
  binding: HttpBinding;
  method: RunnableMethod;
  transcoder: MethodTranscoder;
  /** The change feed's routes: the stream texts of their messages, shared by all their calls (see FrameCache). */
  frames?: FrameCache;
  env: CallEnv;
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
 * Serves one HTTP request with an RPC's handler through the call runner, under the same call
 * rules as gRPC (deadline, access policy, stream quota, logging, metrics), answered exactly
 * once: JSON for unary calls, a stream format for streams, a google.rpc.Status JSON body with
 * the mapped HTTP status for errors.
 */
export function serveCall(
  route: GatewayRoute,
  fields: Map<string, string>,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
  shared: GatewayShared,
): Promise<void> {
  let open: OpenCall;
  try {
    open = openCall(httpCallSource(req, res), route.env);
  } catch (error) {
    // A request that cannot even be opened as a call (a malformed grpc-timeout) has none to run or close.
    return Promise.resolve(refuse(error, req, res, shared));
  }
  open.stampRequestId(); // HTTP answers always name their request: a header costs little next to JSON
  return runCall(route.method, open, new HttpTransport(route, { fields, url, req, res, shared }, open));
}

/** Answers a request refused before any call was opened, then reads away the rest of its body. */
export function refuse(error: unknown, req: IncomingMessage, res: ServerResponse, shared: GatewayShared): void {
  const answer = errorResponse(error, shared.registry, shared.report);
  writeJson(res, answer.status, answer.body, { ...shared.headers, ...answer.headers });
  drainUnread(req);
}

interface HttpRequest {
  fields: Map<string, string>;
  url: URL;
  req: IncomingMessage;
  res: ServerResponse;
  shared: GatewayShared;
}

/**
 * HTTP/1.1 as a transport of the call runner: requests decoded from the URL, the query and a
 * JSON or NDJSON body; answers as JSON, streams in the negotiated format (NDJSON, SSE, one
 * document), failures as google.rpc.Status JSON.
 */
class HttpTransport implements CallTransport {
  /** Headers of every answer: CORS, and the request id. */
  private readonly headers: Record<string, string>;
  private writer?: StreamWriter;

  constructor(
    private readonly route: GatewayRoute,
    private readonly http: HttpRequest,
    private readonly open: OpenCall,
  ) {
    this.headers = { ...http.shared.headers, ...trailersOf(open) };
  }

  get flow(): NodeJS.EventEmitter {
    return this.http.res;
  }

  request(): unknown {
    const { route } = this;
    const { fields, url, req, shared } = this.http;
    if (route.method.kind === 'serverStream') {
      const query = strictQuery(url);
      // EventSource reconnects with the last `id:` it saw; that is where the feed resumes.
      const lastEventId = req.headers['last-event-id'];
      if (typeof lastEventId === 'string' && lastEventId !== '' && route.binding.method.input.fields.some((f) => f.name === 'cursor'))
        query.set('cursor', lastEventId);
      return route.transcoder.request(requestJson(route.binding, fields, query, undefined));
    }
    if (route.binding.body === '') return route.transcoder.request(requestJson(route.binding, fields, strictQuery(url), undefined));
    bodyFormat(req, ['json']);
    const prefix = route.binding.body === '*' ? '' : route.binding.body;
    return readJsonBody(req, shared.maxMessageBytes, { prefix }).then((body) =>
      route.transcoder.request(requestJson(route.binding, fields, strictQuery(url), body)),
    );
  }

  requests(): AsyncIterable<unknown> {
    // Checked now, not on the first read: a wrong Content-Type is refused before the handler runs.
    const format = bodyFormat(this.http.req, this.route.method.kind === 'bidi' ? ['ndjson'] : ['ndjson', 'json']);
    return requestsOf(format, this.http.req, this.route, this.http.shared);
  }

  answer(value: unknown): void {
    writeJsonText(this.http.res, 200, this.route.transcoder.responseText(value), { ...this.headers, ...trailersOf(this.open) });
  }

  write(message: unknown): boolean {
    return this.streamWriter().write(message);
  }

  end(): void {
    const trailers = trailersOf(this.open);
    delete trailers['x-request-id']; // already a header
    this.streamWriter().end(trailers);
  }

  fail(status: CallStatus): void {
    const { req, res, shared } = this.http;
    const answer = statusResponse(status, shared.registry);
    if (this.writer?.started) this.writer.fail(answer.body);
    else if (!res.headersSent) writeJson(res, answer.status, answer.body, { ...shared.headers, ...trailersOf(this.open), ...answer.headers });
    else res.destroy();
    drainUnread(req);
  }

  /** Made on the first message (or the end): the head goes out with it, so an earlier error still gets its own HTTP status. */
  private streamWriter(): StreamWriter {
    if (this.writer) return this.writer;
    const { route } = this;
    const format = route.method.kind === 'bidi' ? 'ndjson' : negotiate(this.http.req, route);
    const framing = { toJson: (message: unknown) => route.transcoder.response(message), cache: route.frames };
    return (this.writer = streamWriter(format, { res: this.http.res, headers: this.headers }, arrayNameOf(route), framing));
  }
}

/** The request messages of a client or bidi stream: NDJSON lines as they arrive, or a JSON array. */
async function* requestsOf(format: BodyFormat, req: IncomingMessage, route: GatewayRoute, shared: GatewayShared): AsyncGenerator<unknown> {
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
  writeJsonText(res, status, jsonText(body), headers);
}

function writeJsonText(res: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
