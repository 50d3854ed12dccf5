import * as grpc from '@grpc/grpc-js';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { createClient, serverStream, unary, type Client } from '../../client/userServiceClient';
import { CURSOR } from '../support/cursorPattern';
import { backendArgs, runCli, type ServerProcess, startServer } from '../support/serverProcess';
import { useTempDirs } from '../support/tempDirs';
import { SyncStream } from '../support/syncStream';

/**
 * Views and cursors belong to one log (issue 12): a view folded from another log is rebuilt
 * before it is served, and a cursor from another log is refused rather than read as offsets of
 * this one. On the embedded log "another log" is a log.db started afresh; on Kafka, other topics.
 */
const freshDir = useTempDirs();

const onKafka = process.env.USERSVC_TEST_LOG === 'kafka';
const create = (client: Client, n: number) =>
  unary(client, 'CreateUser', { email: `other-${n}@example.com`, name: `Other ${n}`, request_id: `other-${n}-${Date.now()}` });

/** Points the data directory at a new, empty log: the embedded file removed, or a Kafka prefix no one used. */
function anotherLog(dir: string): string[] {
  if (onKafka) return [...backendArgs(dir).slice(0, -1), `${path.basename(dir)}.second.`];
  for (const suffix of ['', '-wal', '-shm']) rmSync(path.join(dir, `log.db${suffix}`), { force: true });
  return backendArgs(dir);
}

describe('a data directory pointed at another log', () => {
  let server: ServerProcess | undefined;
  let client: Client | undefined;
  afterEach(async () => {
    client?.close();
    await server?.stop();
    server = client = undefined;
  });

  it('rebuilds its views from the new log, and refuses cursors of the old one with OUT_OF_RANGE', async () => {
    const dir = freshDir('otherlog');
    server = await startServer(dir);
    client = createClient(server.addr);
    const { response: first, trailers } = await create(client, 1);
    await create(client, 2);
    const oldCursor = String(trailers.get('users-cursor')[0]);
    expect(oldCursor).toMatch(CURSOR);
    client.close();
    await server.stop();

    const args = anotherLog(dir);
    // startServer adds this backend's flags first; the ones given here come last and win.
    server = await startServer(dir, args);
    expect(server.output()).toMatch(
      /"reason":"was folded from another log \(log identity [\w-]+; this log is [\w-]+\)".*"msg":"view out of step with the log: rebuilding it before serving"/,
    );
    client = createClient(server.addr);
    await expect(unary(client, 'GetUser', { id: first.id })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    const { response: fresh, trailers: freshTrailers } = await create(client, 3);
    const newCursor = String(freshTrailers.get('users-cursor')[0]);
    expect(newCursor).toMatch(CURSOR);
    expect(newCursor.split('@')[1]).not.toBe(oldCursor.split('@')[1]);
    await expect(unary(client, 'GetUser', { id: fresh.id }, { metadata: { 'users-min-cursor': oldCursor } })).rejects.toMatchObject({
      code: grpc.status.OUT_OF_RANGE,
      details: expect.stringMatching(/^users-min-cursor ".*" is a position in another log \(identity [\w-]+; this service's log is [\w-]+\)/),
    });
    const sync = new SyncStream(client).subscribe(oldCursor);
    expect(await sync.ended()).toMatchObject({
      code: grpc.status.OUT_OF_RANGE,
      details: expect.stringMatching(/^subscribe.cursor ".*" is a position in another log/),
    });
    // The new log's own cursor, and one written before cursors named their log, are taken.
    await expect(unary(client, 'GetUser', { id: fresh.id }, { metadata: { 'users-min-cursor': newCursor } })).resolves.toMatchObject({
      response: { id: fresh.id },
    });
    await expect(unary(client, 'GetUser', { id: fresh.id }, { metadata: { 'users-min-cursor': newCursor.split('@')[0] } })).resolves.toMatchObject({
      response: { id: fresh.id },
    });
    client.close();
    client = undefined;
    await server.stop();
    server = undefined;
    const live = await runCli(['checksum', '--data', dir]);
    const rebuilt = await runCli(['rebuild', '--data', dir, ...args]);
    expect(rebuilt).toMatchObject({ code: 0, stdout: live.stdout });
    expect(live.stdout).toMatch(/^users 1$/m);
  });
});

describe('a cursor naming a partition the log does not have', () => {
  let server: ServerProcess;
  let client: Client;
  beforeAll(async () => {
    server = await startServer(freshDir('partition'));
    client = createClient(server.addr);
  });
  afterAll(async () => {
    client.close();
    await server.stop();
  });

  it('is INVALID_ARGUMENT at once in users-min-cursor, not a wait until the deadline', async () => {
    const { response } = await create(client, 1);
    const started = Date.now();
    await expect(unary(client, 'GetUser', { id: response.id }, { metadata: { 'users-min-cursor': '7:1' }, timeoutMs: 30_000 })).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^users-min-cursor: "7:1" names partition 7, which the log does not have \(it has 0/),
    });
    expect(Date.now() - started).toBeLessThan(10_000); // far inside the 30 s deadline it used to wait out
  });

  it('is INVALID_ARGUMENT in a SyncUsers cursor, however large', async () => {
    for (const cursor of ['999999999:0', '7:5']) {
      const sync = new SyncStream(client).subscribe(cursor);
      expect(await sync.ended()).toMatchObject({
        code: grpc.status.INVALID_ARGUMENT,
        details: expect.stringMatching(/^subscribe.cursor: ".*" names partition \d+, which the log does not have/),
      });
    }
  });

  it('is INVALID_ARGUMENT in a WatchUsers cursor, where 999999999:0 used to be accepted and 1:5 was OUT_OF_RANGE', async () => {
    for (const cursor of ['999999999:0', '7:5']) {
      await expect(serverStream(client, 'WatchUsers', { cursor }, { timeoutMs: 5000 })).rejects.toMatchObject({
        code: grpc.status.INVALID_ARGUMENT,
        details: expect.stringMatching(/names partition \d+, which the log does not have/),
      });
    }
  });
});
