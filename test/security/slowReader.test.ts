import * as grpc from '@grpc/grpc-js';
import { clientStream, createClient } from '../../client/userServiceClient';
import { removeDir, startServer, tempDir } from '../support/serverProcess';

describe('a client that stops reading a stream', () => {
  it('is held back by flow control, then cut off with RESOURCE_EXHAUSTED', async () => {
    const dir = tempDir('slow');
    const server = await startServer(dir, ['--slow-reader-ms', '500']);
    const client = createClient(server.addr);
    const users = Array.from({ length: 20_000 }, (_, i) => ({
      email: `slow-${i}@example.com`,
      name: `A name long enough to fill windows ${i}`,
      plan: 1 as const,
    }));
    expect(await clientStream(client, 'ImportUsers', users, { timeoutMs: 120_000 })).toMatchObject({ created: 20_000 });

    const call = client.ListUsers({}, new grpc.Metadata(), { deadline: Date.now() + 30_000 });
    let received = 0;
    const status = new Promise<grpc.StatusObject>((resolve) => {
      call.on('status', resolve);
      call.on('error', () => {});
    });
    call.on('data', () => {
      received++;
      if (received === 10) {
        // Take a few, then read nothing for 2 s; the client only sees the status once it reads on.
        call.pause();
        setTimeout(() => call.resume(), 2000);
      }
    });
    const { code, details } = await status;
    expect(code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(details).toMatch(/read nothing for 500 ms/);
    expect(received).toBeLessThan(20_000);
    client.close();
    expect(await server.stop()).toBe(0);
    removeDir(dir);
  });
});
