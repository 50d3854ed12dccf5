import * as grpc from '@grpc/grpc-js';
import { createClient, unary, type Client } from '../../client/userServiceClient';
import { removeDir, runCli, startServer, tempDir, type ServerProcess } from '../support/serverProcess';

let dir: string;
let server: ServerProcess;
let client: Client;
let raw: grpc.Client;

/** Sends raw bytes as the request of a unary method, as a broken or hostile client would. */
function rawUnary(method: string, bytes: Buffer, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    raw.makeUnaryRequest(
      method,
      (b: Buffer) => b,
      (b: Buffer) => b,
      bytes,
      new grpc.Metadata(),
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
      client.GetUser({ id: 'x' }, md, (e: grpc.ServiceError) => resolve(e));
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
