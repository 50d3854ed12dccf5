import http from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** The body parsed as JSON (undefined when empty or not JSON). */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- a JSON body of any shape, read by path in the tests
  text: string;
}

/** A plain fetch against the gateway at `base` (http://host:port), answering status, headers and JSON. */
export async function request(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(base + path, { method, headers, body, signal: AbortSignal.timeout(20_000) });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

/**
 * A streaming request with node:http, which (unlike fetch) reads the response while the request
 * body is still being written: what SyncUsers needs over HTTP/1.1.
 */
export function duplex(base: string, path: string, headers: Record<string, string>, method = 'POST') {
  const url = new URL(base + path);
  const req = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers });
  const lines: string[] = [];
  let waiters: (() => void)[] = [];
  let statusCode = 0;
  let responseHeaders: http.IncomingHttpHeaders = {};
  let ended = false;
  let trailers: NodeJS.Dict<string> = {};
  const wake = () => {
    const w = waiters;
    waiters = [];
    w.forEach((f) => f());
  };
  req.on('response', (res) => {
    statusCode = res.statusCode ?? 0;
    responseHeaders = res.headers;
    let pending = '';
    res.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      let i: number;
      while ((i = pending.indexOf('\n')) >= 0) {
        lines.push(pending.slice(0, i));
        pending = pending.slice(i + 1);
      }
      wake();
    });
    res.on('end', () => {
      if (pending) lines.push(pending);
      trailers = res.trailers;
      ended = true;
      wake();
    });
  });
  return {
    send: (message: unknown) => req.write(`${JSON.stringify(message)}\n`),
    end: () => req.end(),
    /** Waits until `count` lines have come (or the response ended); returns them parsed. */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON lines of any shape, read by path in the tests
    async lines(count: number, timeoutMs = 10_000): Promise<any[]> {
      const deadline = Date.now() + timeoutMs;
      while (lines.length < count && !ended) {
        if (Date.now() > deadline) throw new Error(`only ${lines.length} of ${count} lines in ${timeoutMs} ms: ${lines.join('\n')}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
      return lines.slice(0, count).map((l) => JSON.parse(l));
    },
    status: () => statusCode,
    headers: () => responseHeaders,
    ended: () => ended,
    trailers: () => trailers,
    destroy: () => req.destroy(),
  };
}

/** One Server-Sent Event as EventSource would deliver it. */
export interface SseEvent {
  id?: string;
  event: string;
  data: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- an SSE event's JSON data of any shape, read by path in the tests
}

/** Reads a text/event-stream response event by event (the wire format parsed as the spec says). */
export async function openSse(base: string, path: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(base + path, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const queue: SseEvent[] = [];
  let done = false;
  const fill = async () => {
    const { value, done: finished } = await reader.read();
    if (finished) {
      done = true;
      return;
    }
    buffer += value;
    let i: number;
    while ((i = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, i);
      buffer = buffer.slice(i + 2);
      const event: Partial<SseEvent> & { dataLines: string[] } = { dataLines: [] };
      for (const line of block.split('\n')) {
        if (line.startsWith(':') || line === '') continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') event.dataLines.push(value);
        else if (field === 'id') event.id = value;
        else if (field === 'event') event.event = value;
      }
      if (event.dataLines.length > 0) queue.push({ id: event.id, event: event.event ?? 'message', data: JSON.parse(event.dataLines.join('\n')) });
    }
  };
  return {
    response,
    /** The next event; undefined once the stream has ended. */
    async next(timeoutMs = 10_000): Promise<SseEvent | undefined> {
      const deadline = Date.now() + timeoutMs;
      while (queue.length === 0 && !done) {
        if (Date.now() > deadline) throw new Error(`no event in ${timeoutMs} ms`);
        await fill();
      }
      return queue.shift();
    },
    close: () => controller.abort(),
  };
}
