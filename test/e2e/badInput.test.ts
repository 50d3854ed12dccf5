import * as grpc from '@grpc/grpc-js';
import { createClient, errorDetails, serverStream, unary, type Client } from '../../client/userServiceClient';
import { NOT_UTF8 } from '../../proto/wireCheck';
import { removeDir, runCli, startServer, tempDir, type ServerProcess } from '../support/serverProcess';

let dir: string;
let server: ServerProcess;
let client: Client;
let raw: grpc.Client;

/** Sends raw bytes as the request of a unary method, as a broken or hostile client would. */
function rawUnary(method: string, bytes: Buffer, timeoutMs = 5000, metadata = new grpc.Metadata()): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    raw.makeUnaryRequest(
      method,
      (b: Buffer) => b,
      (b: Buffer) => b,
      bytes,
      metadata,
      { deadline: new Date(Date.now() + timeoutMs) },
      (error, value) => (error ? reject(error) : resolve(value as Buffer)),
    );
  });
}

beforeAll(async () => {
  dir = tempDir('bad');
  server = await startServer(dir, ['--unary-timeout-ms', '1500']);
  client = createClient(server.addr);
  raw = new grpc.Client(server.addr, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client.close();
  raw.close();
  expect(await server.stop()).toBe(0);
  removeDir(dir);
});

describe('bad input never crashes the server', () => {
  it('answers bytes that are not a protobuf message with INVALID_ARGUMENT', async () => {
    const error = await rawUnary('/userservice.UserService/CreateUser', Buffer.from([0xff, 0xff])).catch((e) => e);
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toMatch(/^request: is not a valid protobuf message/);
  });

  it('refuses a string field whose length runs past the end of the message, naming it (it was stored cut short)', async () => {
    // CreateUserRequest{email: "zed@example.com", name: <says 13 bytes, 5 follow>}
    const email = Buffer.from('truncated@example.com');
    const bytes = Buffer.concat([Buffer.from([0x0a, email.length]), email, Buffer.from([0x12, 13]), Buffer.from('Zed-l')]);
    const error = await rawUnary('/userservice.UserService/CreateUser', bytes).catch((e) => e);
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toBe('name: is cut short: its length says 13 bytes but only 5 remain (a truncated request is refused, not read as far as it goes)');
    const listed = await serverStream(client, 'ListUsers', { filter: 'email = "truncated@example.com"' });
    expect(listed.messages).toEqual([]);
  });

  it('refuses a string that is not UTF-8, naming the field (it was stored as U+FFFD)', async () => {
    const email = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('@ex.com')]);
    const bytes = Buffer.concat([Buffer.from([0x0a, email.length]), email, Buffer.from([0x12, 3]), Buffer.from('Bad')]);
    const error = await rawUnary('/userservice.UserService/CreateUser', bytes).catch((e) => e);
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toBe(`email: ${NOT_UTF8}`);
    expect(errorDetails(error).badRequest?.field_violations[0].field).toBe('email');
  });

  it('refuses an x-request-id over 128 characters and does not echo it', async () => {
    const metadata = new grpc.Metadata();
    metadata.set('x-request-id', 'x'.repeat(10_000));
    const status = await new Promise<grpc.StatusObject>((resolve) => {
      const call = raw.makeUnaryRequest(
        '/userservice.UserService/GetUser',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from([0x0a, 1, 0x61]),
        metadata,
        () => {},
      );
      call.on('status', resolve);
    });
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(status.details).toMatch(/^x-request-id: must be at most 128 printable characters, got 10000/);
    const echoed = String(status.metadata.get('x-request-id')[0]);
    expect(echoed.length).toBeLessThanOrEqual(128);
    expect(echoed).not.toContain('xxxx');
  });

  it('answers a message over 4 MiB with RESOURCE_EXHAUSTED', async () => {
    const error = await unary(client, 'CreateUser', { email: 'big@example.com', name: 'x'.repeat(5 * 1024 * 1024) }).catch((e) => e);
    expect(error.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });

  it('answers an unknown method with UNIMPLEMENTED', async () => {
    await expect(rawUnary('/userservice.UserService/DropUsers', Buffer.alloc(0))).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED });
  });

  it('ends a call without a client deadline at the server default with DEADLINE_EXCEEDED', async () => {
    const started = Date.now();
    const error = await new Promise<grpc.ServiceError>((resolve) => {
      const md = new grpc.Metadata();
      md.set('users-min-cursor', '0:99999');
      client.GetUser({ id: 'x' }, md, (e) => resolve(e!));
    });
    expect(error.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
  });

  it('still serves valid calls afterwards', async () => {
    const { response } = await unary(client, 'CreateUser', { email: 'after@example.com', name: 'After' });
    expect(response.version).toBe(1);
  });

  it('refuses a second server on the same data directory, naming the owner', async () => {
    const second = await runCli(['serve', '--addr', '127.0.0.1:0', '--data', dir]);
    expect(second.code).toBe(3);
    expect(second.stdout).toMatch(new RegExp(`"msg":"data directory .* is in use by process ${server.child.pid}`));
  });
});

describe('look-alike identities are refused before they reach the log', () => {
  const unique = () => Math.random().toString(36).slice(2, 10);
  it.each([
    ['a zero-width space in the email', { email: 'a\u200Bda@example.com', name: 'Ada' }, 'email: contains U+200B'],
    ['a Cyrillic а among Latin letters', { email: '\u0430da@example.com', name: 'Ada' }, 'email: mixes Cyrillic and Latin letters'],
    ['a right-to-left override in the name', { email: 'rlo@example.com', name: 'Ada\u202Egnp.exe' }, 'name: contains U+202E'],
    ['an isolate in the name', { email: 'iso@example.com', name: 'Ada\u2066x' }, 'name: contains U+2066'],
  ])('%s', async (_what, request, message) => {
    const error = await unary(client, 'CreateUser', request).catch((e) => e);
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toContain(message);
  });

  it('keeps ordinary names in any script, and ZWNJ where Persian needs it', async () => {
    for (const name of ['Zoë', '李小龍', 'Ådne', 'محمد', 'نیلوفر\u200Cها']) {
      const { response } = await unary(client, 'CreateUser', { email: `${unique()}@example.com`, name });
      expect(response.name).toBe(name);
    }
    const { response } = await unary(client, 'CreateUser', { email: `${unique()}@例え.jp`, name: 'X' });
    expect(response.email).toMatch(/@例え\.jp$/);
  });

  it('stores emails NFKC-normalised with their case, and compares them case-insensitively', async () => {
    const local = unique();
    const wide = [...`${local.toUpperCase()}@example.com`].map((c) => (/[A-Z0-9]/.test(c) ? String.fromCodePoint(c.codePointAt(0)! + 0xfee0) : c)).join('');
    const { response } = await unary(client, 'CreateUser', { email: wide, name: 'Wide' });
    expect(response.email).toBe(`${local.toUpperCase()}@example.com`);
    await expect(unary(client, 'CreateUser', { email: `${local}@example.com`, name: 'Twin' })).rejects.toMatchObject({ code: grpc.status.ALREADY_EXISTS });
  });
});

describe('health and reflection', () => {
  it('reports SERVING on grpc.health.v1', async () => {
    const response = await rawUnary('/grpc.health.v1.Health/Check', Buffer.alloc(0));
    expect([...response]).toEqual([0x08, 0x01]); // HealthCheckResponse{status: SERVING}
  });

  it('lists the service over server reflection', async () => {
    const services = await new Promise<string[]>((resolve, reject) => {
      const call = raw.makeBidiStreamRequest(
        '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
        (b: Buffer) => b,
        (b: Buffer) => b,
      );
      // ServerReflectionRequest{list_services: "*"} is field 7, a string.
      call.write(Buffer.from([0x3a, 0x01, 0x2a]));
      call.on('data', (b: Buffer) => {
        resolve(b.toString('latin1').includes('userservice.UserService') ? ['userservice.UserService'] : []);
        call.end();
      });
      call.on('error', reject);
    });
    expect(services).toEqual(['userservice.UserService']);
  });
});
