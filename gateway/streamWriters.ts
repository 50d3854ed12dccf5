import type { ServerResponse } from 'node:http';
import type { JsonObject, JsonValue } from '@bufbuild/protobuf';

/**
 * How a stream of response messages is written over HTTP/1.1. The head goes out with the first
 * message (or at the end), so an error before any message still gets its own HTTP status.
 */
export interface StreamWriter {
  /**
   * Writes one response message: the handler's object, turned into JSON by the writer's `toJson`.
   * False when the socket holds more than it should: wait for the response's 'drain' (the call
   * runner does) before writing more, so a slow reader never makes the server buffer.
   */
  write(message: unknown): boolean;
  /** Ends the response; `trailers` are the call's trailing metadata (cursor, next page token). */
  end(trailers: Record<string, string>): void;
  /** Ends a response already under way with an in-band error (google.rpc.Status JSON). */
  fail(status: JsonObject): void;
  readonly started: boolean;
}

export type StreamFormat = 'ndjson' | 'sse' | 'document';

/**
 * The text of each response message per stream format, kept by the handler's message object for
 * as long as it lives (a WeakMap). The change feed hands the same result object to every
 * subscriber that agrees on it; one cache per route makes that one JSON encode for all of them,
 * not one per subscriber. (An object handed to a writer is never changed afterwards.)
 */
export class FrameCache {
  private readonly formats = new Map<StreamFormat, WeakMap<object, string>>();

  of(format: StreamFormat): WeakMap<object, string> {
    let texts = this.formats.get(format);
    if (!texts) this.formats.set(format, (texts = new WeakMap()));
    return texts;
  }
}

/** How a writer turns the handler's messages into text: the transcoder, and where texts are kept. */
export interface Framing {
  toJson(message: unknown): JsonValue;
  /** Shared by the writers of one route; without it every message is encoded afresh. */
  cache?: FrameCache;
}

const asJson: Framing = { toJson: (message) => message as JsonValue };

interface Sink {
  res: ServerResponse;
  /** Headers of every response (request id, CORS). */
  headers: Record<string, string>;
}

abstract class BaseWriter implements StreamWriter {
  started = false;
  /** Texts by message object, for the formats whose text depends on the message alone. */
  private readonly texts?: WeakMap<object, string>;

  constructor(
    protected readonly sink: Sink,
    private readonly framing: Framing,
    format: StreamFormat,
  ) {
    if (format !== 'document') this.texts = framing.cache?.of(format);
  }

  protected abstract head(): Record<string, string>;
  protected abstract encode(message: JsonValue, first: boolean): string;
  abstract end(trailers: Record<string, string>): void;
  abstract fail(status: JsonObject): void;

  protected start(): void {
    if (this.started) return;
    this.started = true;
    this.sink.res.writeHead(200, { ...this.sink.headers, ...this.head() });
  }

  write(message: unknown): boolean {
    const first = !this.started;
    this.start();
    return this.sink.res.write(this.text(message, first));
  }

  private text(message: unknown, first: boolean): string {
    if (!this.texts || typeof message !== 'object' || message === null) return this.encode(this.framing.toJson(message), first);
    let text = this.texts.get(message);
    if (text === undefined) {
      text = this.encode(this.framing.toJson(message), first);
      this.texts.set(message, text);
    }
    return text;
  }
}

/** One JSON object per line, in grpc-gateway's shape: `{"result": …}`, or `{"error": …}` last. */
class NdjsonWriter extends BaseWriter {
  protected head() {
    return { 'content-type': 'application/x-ndjson', trailer: 'users-cursor, next-page-token' };
  }
  protected encode(message: JsonValue) {
    return `${JSON.stringify({ result: message })}\n`;
  }
  end(trailers: Record<string, string>) {
    this.start();
    this.sink.res.addTrailers(trailers);
    this.sink.res.end();
  }
  fail(status: JsonObject) {
    this.sink.res.end(`${JSON.stringify({ error: status })}\n`);
  }
}

/**
 * Server-Sent Events for browsers (EventSource): the event name is the response's oneof case
 * (`event`, `caughtUp`), `id` its cursor when it has one, so a reconnecting browser sends it back
 * as Last-Event-ID and resumes right after. Comments keep idle connections alive through proxies.
 */
class SseWriter extends BaseWriter {
  private heartbeat?: NodeJS.Timeout;
  static readonly HEARTBEAT_MS = 15_000;

  protected head() {
    return { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };
  }
  protected override start() {
    if (this.started) return;
    super.start();
    this.sink.res.write('retry: 1000\n\n');
    this.heartbeat = setInterval(() => this.sink.res.write(': keepalive\n\n'), SseWriter.HEARTBEAT_MS);
    this.sink.res.once('close', () => clearInterval(this.heartbeat));
  }
  protected encode(message: JsonValue) {
    const [name, value] = Object.entries((message ?? {}) as JsonObject)[0] ?? ['message', message];
    const cursor = value !== null && typeof value === 'object' && !Array.isArray(value) ? value.cursor : undefined;
    const id = typeof cursor === 'string' && cursor !== '' ? `id: ${cursor}\n` : '';
    return `${id}event: ${name}\ndata: ${JSON.stringify(value)}\n\n`;
  }
  end() {
    this.start();
    clearInterval(this.heartbeat);
    this.sink.res.end();
  }
  fail(status: JsonObject) {
    clearInterval(this.heartbeat);
    this.sink.res.end(`event: error\ndata: ${JSON.stringify(status)}\n\n`);
  }
}

/**
 * One JSON document, `{"users": [...], "nextPageToken": …, "usersCursor": …}`, written as the
 * messages come (never held in memory whole). An error after the first message can only be told
 * inside it: the document then ends with `"error": {…}` instead of the trailers.
 */
class DocumentWriter extends BaseWriter {
  constructor(
    sink: Sink,
    framing: Framing,
    private readonly arrayName: string,
  ) {
    super(sink, framing, 'document');
  }
  protected head() {
    return { 'content-type': 'application/json' };
  }
  protected encode(message: JsonValue, first: boolean) {
    return `${first ? `{${JSON.stringify(this.arrayName)}:[` : ','}${JSON.stringify(message)}`;
  }
  end(trailers: Record<string, string>) {
    const opened = this.started;
    this.start();
    const fields = Object.entries(trailers).map(([key, value]) => `,${JSON.stringify(camelCase(key))}:${JSON.stringify(value)}`);
    this.sink.res.end(`${opened ? ']' : `{${JSON.stringify(this.arrayName)}:[]`}${fields.join('')}}`);
  }
  fail(status: JsonObject) {
    this.sink.res.end(`],"error":${JSON.stringify(status)}}`);
  }
}

/** `next-page-token` → `nextPageToken`: trailers become fields of the JSON document. */
const camelCase = (key: string) => key.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/** A writer of `format`; `framing` says how messages become JSON (as they are, unless told) and where texts are kept. */
export function streamWriter(format: StreamFormat, sink: Sink, arrayName = 'results', framing: Framing = asJson): StreamWriter {
  if (format === 'sse') return new SseWriter(sink, framing, format);
  if (format === 'document') return new DocumentWriter(sink, framing, arrayName);
  return new NdjsonWriter(sink, framing, format);
}
