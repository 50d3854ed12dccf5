import http2 from 'node:http2';
import { createClient, unary } from '../../client/userServiceClient';
import { removeDir, startServer, tempDir, type ServerProcess } from '../support/serverProcess';

const { NGHTTP2_CANCEL, NGHTTP2_INTERNAL_ERROR, NGHTTP2_ENHANCE_YOUR_CALM } = http2.constants;

let dir: string;
let server: ServerProcess;

beforeAll(async () => {
  dir = tempDir('rapid-reset');
  server = await startServer(dir);
});

afterAll(async () => {
  expect(await server.stop()).toBe(0);
  removeDir(dir);
});

/** Opens and at once resets `count` streams on one connection (CVE-2023-44487); resolves with the GOAWAY code, if one came. */
function rapidReset(count: number): Promise<{ goaway?: number; sent: number }> {
  return new Promise((resolve) => {
    const session = http2.connect(`http://${server.addr}`);
    let sent = 0;
    let goaway: number | undefined;
    session.on('goaway', (code) => (goaway = code));
    session.on('error', () => {});
    session.on('close', () => resolve({ goaway, sent }));
    session.on('connect', function flood() {
      for (let i = 0; i < 200 && sent < count && !session.closed && !session.destroyed; i++, sent++) {
        const stream = session.request({ ':method': 'POST', ':path': '/userservice.UserService/GetUser', 'content-type': 'application/grpc', te: 'trailers' });
        stream.on('error', () => {});
        stream.close(NGHTTP2_CANCEL);
      }
      if (sent < count && !session.closed && !session.destroyed) setImmediate(flood);
      else session.close();
    });
  });
}

describe('a rapid-reset flood on the gRPC port', () => {
  // grpc-js 1.14 hands Node's http2 no option that reaches this: the limit is nghttp2's own
  // (1.57: a burst of 1000 resets, then 33/s), and it answers INTERNAL_ERROR, not ENHANCE_YOUR_CALM.
  it('ends the connection with a GOAWAY long before the flood ends, and the server keeps serving', async () => {
    const { goaway, sent } = await rapidReset(20_000);
    expect([NGHTTP2_INTERNAL_ERROR, NGHTTP2_ENHANCE_YOUR_CALM]).toContain(goaway);
    expect(sent).toBeLessThan(20_000);
    const client = createClient(server.addr);
    try {
      await expect(unary(client, 'GetUser', { id: 'nobody' })).rejects.toMatchObject({ code: 5 });
    } finally {
      client.close();
    }
  });
});
