import * as grpc from '@grpc/grpc-js';
import { createClient, serverStream, unary } from '../../client/userServiceClient';
import { decodeEvent } from '../../events/codec';
import { EVENTS } from '../../events/eventLog';
import { readToEnd } from '../../events/readToEnd';
import { Cursor } from '../../lib/cursor';
import { openBackendLog } from '../support/kafka';
import { backendArgs, runCli, startServer } from '../support/serverProcess';
import { useTempDirs } from '../support/tempDirs';
import { SyncStream } from '../support/syncStream';

const freshDir = useTempDirs();

const checksumOf = async (args: string[]) => {
  const run = await runCli(args);
  expect(run).toMatchObject({ code: 0 });
  return /checksum ([0-9a-f]{64})/.exec(run.stdout)![1];
};

describe('kill -9 during 1,000 concurrent CreateUser calls', () => {
  it('keeps every acknowledged user exactly once, and retries change nothing', async () => {
    const dir = freshDir('crash');
    const server = await startServer(dir);
    const client = createClient(server.addr);
    const requests = Array.from({ length: 1000 }, (_, i) => ({ email: `crash-${i}@example.com`, name: `Crash ${i}`, request_id: `crash-${i}` }));
    const acknowledged = new Map<number, { id: string }>();
    let killed = false;
    const calls = requests.map((request, i) =>
      unary(client, 'CreateUser', request, { timeoutMs: 20_000 }).then(
        ({ response }) => {
          if (killed) return;
          acknowledged.set(i, response);
          if (acknowledged.size === 300) {
            killed = true;
            server.child.kill('SIGKILL');
          }
        },
        // Not acknowledged: cut off by the kill, or (queued while the channel reconnects) out of time.
        (error: grpc.ServiceError) =>
          expect([grpc.status.UNAVAILABLE, grpc.status.CANCELLED, grpc.status.INTERNAL, grpc.status.DEADLINE_EXCEEDED]).toContain(error.code),
      ),
    );
    await Promise.all(calls);
    client.close();
    expect(await server.stop()).toBe('SIGKILL');
    expect(acknowledged.size).toBeGreaterThanOrEqual(300);
    expect(acknowledged.size).toBeLessThan(1000);

    const restarted = await startServer(dir);
    const again = createClient(restarted.addr);
    for (const [i, user] of acknowledged) {
      const { response } = await unary(again, 'GetUser', { id: user.id });
      expect(response.email).toBe(requests[i].email);
    }
    // Every client retries with its request_id: the acknowledged keep their first outcome.
    const retried = await Promise.all(requests.map((r) => unary(again, 'CreateUser', r, { timeoutMs: 20_000 })));
    for (const [i, user] of acknowledged) expect(retried[i].response.id).toBe(user.id);
    const { messages } = await serverStream(again, 'ListUsers', { filter: 'email : "crash-"' });
    expect(messages).toHaveLength(1000);
    expect(new Set(messages.map((u) => u.email)).size).toBe(1000);
    // The change feed, stitched from the log and from what the restarted server applied since: every creation once.
    const feed = again.WatchUsers({ cursor: '0:0', filter: 'email : "crash-"' }, new grpc.Metadata(), {
      deadline: Date.now() + 20_000,
    }) as grpc.ClientReadableStream<{ event?: { user: { email: string } }; caught_up?: object }>;
    const fed: string[] = [];
    await new Promise<void>((resolve, reject) => {
      feed.on('data', (m: { event?: { user: { email: string } }; caught_up?: object }) => (m.caught_up ? resolve() : fed.push(m.event!.user.email)));
      feed.on('error', (error: grpc.ServiceError) => error.code !== grpc.status.CANCELLED && reject(error));
    });
    feed.cancel();
    expect(fed).toHaveLength(1000);
    expect(new Set(fed).size).toBe(1000);
    again.close();

    const live = await checksumOf(['checksum', '--data', dir]);
    expect(await restarted.stop()).toBe(0);

    // And on the log itself: exactly one UserCreated per request, whatever crashed when.
    const { log, keys, close } = await openBackendLog(dir);
    const created = new Map<string, number>();
    await readToEnd(log, EVENTS, Cursor.empty, async (batch) => {
      await keys.refresh(new Set(batch.records.map((r) => r.key)));
      for (const record of batch.records) {
        const event = decodeEvent(record, keys);
        if (event.kind === 'user_created') created.set(event.request_id, (created.get(event.request_id) ?? 0) + 1);
      }
    });
    await close();
    expect(created.size).toBe(1000);
    expect([...created.values()].every((n) => n === 1)).toBe(true);
    expect(await checksumOf(['checksum', '--data', dir])).toBe(live);
    expect(await checksumOf(['rebuild', '--data', dir, ...backendArgs(dir)])).toBe(live);

    // The rebuilt decider state still knows every request and email it decided.
    const rebuilt = await startServer(dir);
    const after = createClient(rebuilt.addr);
    const [first] = acknowledged;
    expect((await unary(after, 'CreateUser', requests[first[0]], { timeoutMs: 20_000 })).response.id).toBe(first[1].id);
    await expect(unary(after, 'CreateUser', { ...requests[first[0]], request_id: 'another' }, { timeoutMs: 20_000 })).rejects.toMatchObject({
      code: grpc.status.ALREADY_EXISTS,
    });
    after.close();
    expect(await rebuilt.stop()).toBe(0);
  });
});

describe('SIGTERM', () => {
  it('reports NOT_SERVING to health watchers first', async () => {
    const dir = freshDir('health');
    const server = await startServer(dir);
    const raw = new grpc.Client(server.addr, grpc.credentials.createInsecure());
    const statuses: number[] = [];
    const watch = raw.makeServerStreamRequest(
      '/grpc.health.v1.Health/Watch',
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.alloc(0),
    );
    watch.on('error', () => {});
    const notServing = new Promise<void>((resolve) =>
      watch.on('data', (b: Buffer) => {
        statuses.push(b[1]); // HealthCheckResponse{status}: 1 SERVING, 2 NOT_SERVING
        if (b[1] === 2) resolve();
      }),
    );
    while (statuses.length === 0) await new Promise((r) => setTimeout(r, 10));
    const exit = server.stop('SIGTERM');
    await notServing;
    watch.cancel();
    raw.close();
    expect(statuses).toEqual([1, 2]);
    expect(await exit).toBe(0);
  });

  it('drains calls in flight, ends feeds with UNAVAILABLE and exits 0', async () => {
    const dir = freshDir('term');
    const server = await startServer(dir);
    const client = createClient(server.addr);
    const feed = new SyncStream(client).subscribe();
    await feed.until((s) => s.received.some((m) => m.caught_up));
    const results: Array<number> = [];
    const calls = Array.from({ length: 300 }, (_, i) =>
      unary(client, 'CreateUser', { email: `term-${i}@example.com`, name: 'T', request_id: `term-${i}` }).then(
        () => results.push(0),
        // A retry queued while the client reconnects to the stopped server ends on the client's own
        // timer ("Deadline exceeded after ..."): the server never saw it, so it is not a drain failure.
        (error: grpc.ServiceError) =>
          results.push(
            error.code === grpc.status.DEADLINE_EXCEEDED && error.details.startsWith('Deadline exceeded after') ? grpc.status.UNAVAILABLE : error.code,
          ),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    const exit = server.stop('SIGTERM');
    await Promise.all(calls);
    expect(await exit).toBe(0);
    expect((await feed.ended())?.code).toBe(grpc.status.UNAVAILABLE);
    expect(results.filter((c) => c !== 0 && c !== grpc.status.UNAVAILABLE)).toEqual([]);
    const ok = results.filter((c) => c === 0).length;
    expect(ok).toBeGreaterThan(0);
    client.close();

    const restarted = await startServer(dir);
    const again = createClient(restarted.addr);
    const { messages } = await serverStream(again, 'ListUsers', { filter: 'email : "term-"' });
    expect(messages.length).toBeGreaterThanOrEqual(ok);
    again.close();
    expect(await restarted.stop()).toBe(0);
  });
});
