import * as grpc from '@grpc/grpc-js';
import { createClient, unary } from '../../client/userServiceClient';
import { SERVICE_NAME, grpcDefinition } from '../../proto/schema';

/** A real grpc-js server that answers every call UNAVAILABLE and counts the attempts. */
async function unavailableServer(): Promise<{ addr: string; attempts: Record<string, number>; close(): void }> {
  const attempts: Record<string, number> = {};
  const server = new grpc.Server();
  const service = grpcDefinition()[SERVICE_NAME] as grpc.ServiceDefinition;
  const refuse =
    (method: string): grpc.handleUnaryCall<unknown, unknown> =>
    (_call, callback) => {
      attempts[method] = (attempts[method] ?? 0) + 1;
      callback({ code: grpc.status.UNAVAILABLE, details: 'try later' });
    };
  server.addService(service, { GetUser: refuse('GetUser'), CreateUser: refuse('CreateUser') } as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { addr: `127.0.0.1:${port}`, attempts, close: () => server.forceShutdown() };
}

describe('the client library', () => {
  it('retries reads and writes with a request_id on UNAVAILABLE, and never a write without one', async () => {
    const server = await unavailableServer();
    const client = createClient(server.addr);
    await expect(unary(client, 'CreateUser', { email: 'a@b.co', name: 'A' }, { timeoutMs: 2000 })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    expect(server.attempts.CreateUser).toBe(1);
    await expect(unary(client, 'CreateUser', { email: 'a@b.co', name: 'A', request_id: 'r1' }, { timeoutMs: 1000 })).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
    expect(server.attempts.CreateUser).toBeGreaterThan(3);
    // The service config's 5 attempts, then 5 more when the client sends it once again.
    await expect(unary(client, 'GetUser', { id: 'x' }, { timeoutMs: 5000 })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    expect(server.attempts.GetUser).toBe(10);
    client.close();
    server.close();
  });

  it('keeps to an absolute deadline handed down from a caller', async () => {
    const server = await unavailableServer();
    const client = createClient(server.addr);
    const deadline = Date.now() + 300;
    const started = Date.now();
    await expect(unary(client, 'CreateUser', { email: 'a@b.co', name: 'A', request_id: 'r2' }, { deadline })).rejects.toMatchObject({
      code: expect.any(Number),
    });
    expect(Date.now() - started).toBeLessThan(1500);
    client.close();
    server.close();
  });
});
