import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JsonValue } from '@bufbuild/protobuf';
import { FrameCache, streamWriter, type StreamFormat } from '../../gateway/streamWriters';

/**
 * How each stream format ends a response that fails after it began, over a real HTTP server:
 * the client must still get a well-formed body that says so.
 */
async function failAfterTwo(format: StreamFormat): Promise<{ status: number; contentType: string; body: string }> {
  const server = http.createServer(async (_req, res) => {
    const writer = streamWriter(format, { res, headers: {} }, 'users');
    await writer.write({ cursor: '0:1', name: 'a' });
    await writer.write({ cursor: '0:2', name: 'b' });
    writer.fail({ code: 14, message: 'the server is shutting down', details: [] });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: await response.text() };
  } finally {
    server.close();
  }
}

const failure = { code: 14, message: 'the server is shutting down', details: [] };

it('a JSON document ends with an "error" field instead of the trailers, and still parses', async () => {
  const { status, body } = await failAfterTwo('document');
  expect(status).toBe(200);
  expect(JSON.parse(body)).toEqual({
    users: [
      { cursor: '0:1', name: 'a' },
      { cursor: '0:2', name: 'b' },
    ],
    error: failure,
  });
});

it('NDJSON ends with an {"error": …} line', async () => {
  const { body } = await failAfterTwo('ndjson');
  expect(
    body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line)),
  ).toEqual([{ result: { cursor: '0:1', name: 'a' } }, { result: { cursor: '0:2', name: 'b' } }, { error: failure }]);
});

it('SSE ends with an `error` event', async () => {
  const { contentType, body } = await failAfterTwo('sse');
  expect(contentType).toBe('text/event-stream; charset=utf-8');
  expect(body.endsWith(`event: error\ndata: ${JSON.stringify(failure)}\n\n`)).toBe(true);
});

/**
 * The change feed hands one result object to every subscriber that agrees on it: N NDJSON or SSE
 * responses of one route, over a real HTTP server, turn it into JSON once (counted at `toJson`,
 * the transcoder's seam), and every subscriber reads the text a fresh encode gives.
 */
describe.each(['ndjson', 'sse'] as const)('%s: one change to many subscribers of a route', (format) => {
  it('is encoded once, and each subscriber gets the same text as a fresh encode', async () => {
    const SUBSCRIBERS = 20;
    const change = { event: { type: 'CHANGE_TYPE_UPDATED', user: { id: 'u-1', name: 'Ada' }, cursor: '0:41@log-1' } };
    let encodes = 0;
    const framing = { toJson: (message: unknown) => (encodes++, message as JsonValue), cache: new FrameCache() };
    const server = http.createServer(async (_req, res) => {
      const writer = streamWriter(format, { res, headers: {} }, 'results', framing);
      await writer.write(change);
      writer.end({});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const bodies = await Promise.all(Array.from({ length: SUBSCRIBERS }, async () => (await fetch(url)).text()));
      expect(encodes).toBe(1);
      const fresh = format === 'ndjson' ? `${JSON.stringify({ result: change })}\n` : `id: 0:41@log-1\nevent: event\ndata: ${JSON.stringify(change.event)}\n\n`;
      for (const body of bodies) expect(body.endsWith(fresh)).toBe(true);
    } finally {
      server.close();
    }
  });
});
