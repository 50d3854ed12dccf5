import * as grpc from '@grpc/grpc-js';
import { clientStream, createClient } from '../../client/userServiceClient';
import { removeDir, ServerProcess, startServer, tempDir } from '../support/serverProcess';

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

    const call = client.ListUsers({}, new grpc.Metadata(), { deadline: Date.now() + 60_000 });
    let received = 0;
    const status = new Promise<grpc.StatusObject>((resolve) => {
      call.on('status', resolve);
      call.on('error', () => {});
    });
    call.on('data', () => {
      received++;
      if (received === 10) {
        // Take a few, then read nothing until the server says it cut the stream off (the client only sees
        // the status once it reads on). Not a fixed pause: on a loaded machine the server may not get to
        // its next write, let alone wait 500 ms on it, before a fixed pause ends.
        call.pause();
        void untilLogged(server, /"method":"ListUsers".*"code":"RESOURCE_EXHAUSTED"/, 30_000).then(() => call.resume());
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

/** Resolves once the server's output matches `pattern`, or after `timeoutMs` (the assertions then say what happened). */
async function untilLogged(server: ServerProcess, pattern: RegExp, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!pattern.test(server.output()) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
}
