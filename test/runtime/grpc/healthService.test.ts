import * as grpc from '@grpc/grpc-js';
import { createClient, unary } from '../../../client/userServiceClient';
import { removeDir, startServer, tempDir } from '../../support/serverProcess';

const SERVING = [0x08, 0x01]; // HealthCheckResponse{status: SERVING}
const NOT_SERVING = [0x08, 0x02];
const GRACE_MS = 10_000;

/**
 * Every client with gRPC client-side health checking holds a grpc.health.v1.Health/Watch open.
 * At SIGTERM the server tells them NOT_SERVING and ends those streams, so the drain waits only
 * for real calls, never for the grace.
 */
it('at SIGTERM sends NOT_SERVING to an open Watch, ends it, and drains without waiting for the grace', async () => {
  const dir = tempDir('health-watch');
  const server = await startServer(dir, ['--shutdown-grace-ms', String(GRACE_MS)]);
  const raw = new grpc.Client(server.addr, grpc.credentials.createInsecure());
  const watch = raw.makeServerStreamRequest(
    '/grpc.health.v1.Health/Watch',
    (b: Buffer) => b,
    (b: Buffer) => b,
    Buffer.alloc(0),
  );
  const received: number[][] = [];
  watch.on('error', () => {}); // its status is what the test reads
  const ended = new Promise<grpc.StatusObject>((resolve) => watch.on('status', resolve));
  await new Promise<void>((resolve) => watch.on('data', (b: Buffer) => (received.push([...b]), resolve())));
  expect(received).toEqual([SERVING]);
  // A real call in flight at SIGTERM: the drain waits for its answer (at its deadline, 1 s on).
  const client = createClient(server.addr);
  const inFlight = unary(client, 'GetUser', { id: 'anyone' }, { metadata: { 'users-min-cursor': '0:99999999' }, timeoutMs: 1000 }).catch(
    (e: grpc.ServiceError) => e,
  );
  await new Promise((resolve) => setTimeout(resolve, 100));

  const signalled = Date.now();
  const exit = await server.stop('SIGTERM');
  const stoppedAfterMs = Date.now() - signalled;
  const status = await ended;
  expect(received).toEqual([SERVING, NOT_SERVING]);
  expect({ code: status.code, details: status.details }).toEqual({ code: grpc.status.UNAVAILABLE, details: expect.stringContaining('shutting down') });
  expect(await inFlight).toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
  expect(exit).toBe(0);
  // Did not wait for the grace: the Watch no longer holds the drain (it ended at the call's deadline).
  expect(stoppedAfterMs).toBeLessThan(GRACE_MS / 2);
  raw.close();
  client.close();
  removeDir(dir);
});
