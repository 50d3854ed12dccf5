import http from 'node:http';
import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { request } from '../support/httpClient';
import { removeDir, startServer, tempDir, type ServerProcess } from '../support/serverProcess';
import { NOT_UTF8 } from '../../proto/wireCheck';

/** Malformed and oversized input over the REST gateway of a real server: refused with a status, never repaired or reset. */
let dir: string;
let server: ServerProcess;
let base: string;
let raw: grpc.Client;
const unique = () => Math.random().toString(36).slice(2, 10);

beforeAll(async () => {
  dir = tempDir('strict');
  server = await startServer(dir);
  base = `http://${server.httpAddr}`;
  raw = new grpc.Client(server.addr, grpc.credentials.createInsecure());
});

afterAll(async () => {
  raw.close();
  expect(await server.stop()).toBe(0);
  removeDir(dir);
});

/** A POST whose body is raw bytes (fetch would re-encode a string). */
async function postBytes(path: string, body: Buffer, contentType = 'application/json') {
  const response = await fetch(base + path, { method: 'POST', headers: { 'content-type': contentType }, body, signal: AbortSignal.timeout(20_000) });
  return { status: response.status, json: (await response.json()) as { code: number; message: string } };
}

/** The status line of a request written whole over a socket before anything is read, as curl and most clients do. */
function statusLineAfterSending(head: string, bodyBytes = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(server.httpAddr.split(':')[1]), '127.0.0.1');
    socket.pause();
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', (error) =>
      reject(new Error(`${(error as NodeJS.ErrnoException).code} before the status line; got ${JSON.stringify(answer.slice(0, 80))}`)),
    );
    socket.on('close', () => resolve(answer.split('\r\n')[0]));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    const pump = (): void => {
      while (sent < bodyBytes) {
        const piece = chunk.subarray(0, Math.min(chunk.length, bodyBytes - sent));
        sent += piece.length;
        if (!socket.write(piece)) return void socket.once('drain', pump);
      }
      socket.resume(); // everything is written: now read the answer
      socket.end();
    };
    socket.write(head, pump);
  });
}

describe('text that is not UTF-8 is refused, with the message gRPC gives', () => {
  it('bytes that are not UTF-8 in a JSON string: 400 naming the field, the same message as over gRPC', async () => {
    const email = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('@ex.com')]);
    const rest = await postBytes('/v1/users', Buffer.concat([Buffer.from('{"email":"'), email, Buffer.from('","name":"X"}')]));
    const grpcMessage = await new Promise<string>((resolve) => {
      const bytes = Buffer.concat([Buffer.from([0x0a, email.length]), email, Buffer.from([0x12, 1]), Buffer.from('X')]);
      raw.makeUnaryRequest(
        '/userservice.UserService/CreateUser',
        (b: Buffer) => b,
        (b: Buffer) => b,
        bytes,
        (error) => resolve(error?.details ?? 'accepted'),
      );
    });
    expect(rest.status).toBe(400);
    expect(rest.json.message).toBe(`email: ${NOT_UTF8}`);
    expect(rest.json.message).toBe(grpcMessage);
  });

  it('an escaped lone surrogate is the same fault, said the same way', async () => {
    const rest = await postBytes('/v1/users', Buffer.from('{"email":"a\\ud800@ex.com","name":"X"}'));
    expect(rest).toMatchObject({ status: 400, json: { code: 3, message: `email: ${NOT_UTF8}` } });
  });

  it('a PATCH body names the field inside the request (user.name)', async () => {
    const created = await request(base, 'POST', '/v1/users', { body: { email: `${unique()}@example.com`, name: 'Ada' } });
    const response = await fetch(`${base}/v1/users/${created.json.id}?updateMask=name`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from([...Buffer.from('{"name":"'), 0xc3, 0x28, ...Buffer.from('"}')]),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toBe(`user.name: ${NOT_UTF8}`);
  });

  it('a query parameter with a percent-encoded byte that is not UTF-8: 400 naming it', async () => {
    const answer = await request(base, 'GET', '/v1/users?filter=name%20%3D%20%22%FF%22');
    expect(answer).toMatchObject({ status: 400, json: { code: 3, message: `filter: ${NOT_UTF8}` } });
  });

  it('an NDJSON line whose character is split between two writes arrives whole', async () => {
    const email = `${unique()}@example.com`;
    const line = Buffer.from(`${JSON.stringify({ email, name: 'Zoë' })}\n`);
    const split = line.indexOf(Buffer.from('ë')) + 1; // between the two bytes of ë
    const url = new URL(`${base}/v1/users:import`);
    const result = await new Promise<unknown>((resolve, reject) => {
      const req = http.request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/x-ndjson' } },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve(JSON.parse(text)));
        },
      );
      req.on('error', reject);
      req.write(line.subarray(0, split));
      setTimeout(() => req.end(line.subarray(split)), 100);
    });
    expect(result).toMatchObject({ created: 1, failed: 0 });
    const listed = await request(base, 'GET', `/v1/users?filter=${encodeURIComponent(`email = "${email}"`)}`);
    expect(listed.json.users[0].name).toBe('Zoë');
  });
});

describe('duplicate JSON keys', () => {
  it.each([
    ['a key twice', '{"email":"a@b.co","name":"X","name":"Y"}', 'name'],
    ['a key twice, once escaped', '{"email":"a@b.co","name":"X","\\u006eame":"Y"}', 'name'],
  ])('%s: 400 naming the key', async (_what, body, field) => {
    const answer = await postBytes('/v1/users', Buffer.from(body));
    expect(answer.status).toBe(400);
    expect(answer.json.message).toBe(`${field}: is given twice in one JSON object; send each key once (JSON.parse would keep only the last)`);
  });

  it('the same key in different objects is fine', async () => {
    const answer = await request(base, 'POST', '/v1/users:import', {
      raw: JSON.stringify([
        { email: `${unique()}@example.com`, name: 'A' },
        { email: `${unique()}@example.com`, name: 'B' },
      ]),
      headers: { 'content-type': 'application/json' },
    });
    expect(answer).toMatchObject({ status: 200, json: { created: 2 } });
  });
});

describe('oversized requests get their status before the connection closes', () => {
  it('a 50 MB body: 413', async () => {
    const size = 50 * 1024 * 1024;
    const head = `POST /v1/users HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${size}\r\n\r\n`;
    expect(await statusLineAfterSending(head, size)).toBe('HTTP/1.1 413 Payload Too Large');
  });

  it('a 100 KB URL: 414', async () => {
    expect(await statusLineAfterSending(`GET /v1/users?filter=${'a'.repeat(100 * 1024)} HTTP/1.1\r\nhost: x\r\n\r\n`)).toBe('HTTP/1.1 414 URI Too Long');
  });

  it('20 MB of headers: 431', async () => {
    const headers = Array.from({ length: 400 }, (_, i) => `x-filler-${i}: ${'b'.repeat(50 * 1024)}\r\n`).join('');
    expect(await statusLineAfterSending(`GET /v1/users HTTP/1.1\r\nhost: x\r\n${headers}\r\n`)).toBe('HTTP/1.1 431 Request Header Fields Too Large');
  });

  it('an x-request-id over 128 characters: 400, and the answer names another id', async () => {
    const answer = await request(base, 'GET', '/v1/users?pageSize=1', { headers: { 'x-request-id': 'x'.repeat(10_000) } });
    expect(answer).toMatchObject({ status: 400, json: { code: 3 } });
    expect(answer.json.message).toMatch(/^x-request-id: must be at most 128 printable characters/);
    expect(answer.headers.get('x-request-id')!.length).toBeLessThanOrEqual(128);
  });

  it('the gateway still serves afterwards, on a connection that was kept', async () => {
    expect((await request(base, 'GET', '/v1/users?pageSize=1')).status).toBe(200);
  });
});
