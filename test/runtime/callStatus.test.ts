import { spawnSync } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import { createClient, unary, type Client } from '../../client/userServiceClient';
import { promtoolPath } from '../support/debianTool';
import { openSse } from '../support/httpClient';
import { callLine, sampleValue, samples } from '../support/serverLogs';
import { removeDir, startServer, tempDir, type ServerProcess } from '../support/serverProcess';

/**
 * How a call ended, as the server's log and metrics tell it, over both transports: a client
 * that goes away is CANCELLED, one whose deadline passed DEADLINE_EXCEEDED (neither looks like an
 * outage), a failure carries its message, and /metrics is what promtool accepts.
 */
let dir: string;
let server: ServerProcess;
let client: Client;
let base: string;
let metricsAddr: string;
let seq = 0;
const requestId = (label: string) => `${label}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;
const metadata = (id: string, extra: Record<string, string> = {}) => {
  const md = new grpc.Metadata();
  for (const [key, value] of Object.entries({ 'x-request-id': id, ...extra })) md.set(key, value);
  return md;
};
// A cursor far past the log's end: GetUser waits for it until the deadline.
const NEVER = { 'users-min-cursor': '0:99999999' };

beforeAll(async () => {
  dir = tempDir('status');
  server = await startServer(dir, ['--metrics-addr', '127.0.0.1:0']);
  metricsAddr = /"metrics":"([^"]+)"/.exec(server.output())![1];
  client = createClient(server.addr);
  base = `http://${server.httpAddr}`;
  await unary(client, 'CreateUser', { email: 'status@example.com', name: 'Status' });
});

afterAll(async () => {
  client.close();
  expect(await server.stop()).toBe(0);
  removeDir(dir);
});

/** Opens WatchUsers over gRPC and resolves once its first message came. */
async function openWatch(id: string, deadlineMs: number): Promise<grpc.ClientReadableStream<unknown>> {
  const call = client.WatchUsers({}, metadata(id), { deadline: Date.now() + deadlineMs }) as grpc.ClientReadableStream<unknown>;
  call.on('error', () => {}); // the test looks at the server's side
  await new Promise((resolve) => call.once('data', resolve));
  return call;
}

describe('over gRPC', () => {
  it('a client that cancels its stream is logged and counted as CANCELLED', async () => {
    const id = requestId('grpc-cancel');
    (await openWatch(id, 30_000)).cancel();
    expect(await callLine(server, id)).toMatchObject({ msg: 'call', level: 'info', method: 'WatchUsers', transport: 'grpc', code: 'CANCELLED' });
  });

  it('a call whose client deadline passed is DEADLINE_EXCEEDED, unary or stream', async () => {
    const streamId = requestId('grpc-deadline-stream');
    const stream = await openWatch(streamId, 400);
    const ended = await new Promise<grpc.StatusObject>((resolve) => stream.on('status', resolve));
    expect(ended.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(await callLine(server, streamId)).toMatchObject({ method: 'WatchUsers', transport: 'grpc', code: 'DEADLINE_EXCEEDED' });

    const unaryId = requestId('grpc-deadline-unary');
    const failed = await unary(client, 'GetUser', { id: 'anyone' }, { metadata: { 'x-request-id': unaryId, ...NEVER }, timeoutMs: 300 }).catch(
      (e: grpc.ServiceError) => e,
    );
    expect((failed as grpc.ServiceError).code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(await callLine(server, unaryId)).toMatchObject({ method: 'GetUser', transport: 'grpc', code: 'DEADLINE_EXCEEDED' });
  });

  it('a failed call logs the message its client got, and the peer as host:port', async () => {
    const id = requestId('grpc-missing');
    await expect(unary(client, 'GetUser', { id: 'missing' }, { metadata: { 'x-request-id': id } })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    expect(await callLine(server, id)).toMatchObject({
      code: 'NOT_FOUND',
      message: 'User missing not found',
      peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
    });
  });
});

describe('over the REST gateway', () => {
  it('a client that disconnects mid-stream is logged and counted as CANCELLED', async () => {
    const id = requestId('http-cancel');
    const feed = await openSse(base, '/v1/users:watch', { 'x-request-id': id });
    expect((await feed.next())?.event).toBeDefined();
    feed.close();
    expect(await callLine(server, id)).toMatchObject({ msg: 'call', level: 'info', method: 'WatchUsers', transport: 'http', code: 'CANCELLED' });
  });

  it('a call past its grpc-timeout is DEADLINE_EXCEEDED, whether the server or the client ends it first', async () => {
    const serverEnds = requestId('http-deadline');
    const answer = await fetch(`${base}/v1/users/anyone`, { headers: { 'x-request-id': serverEnds, 'grpc-timeout': '300m', ...NEVER } });
    expect(answer.status).toBe(504);
    expect(await callLine(server, serverEnds)).toMatchObject({ method: 'GetUser', transport: 'http', code: 'DEADLINE_EXCEEDED' });

    // The client gives up just before the deadline it sent (its clock started first): the server
    // sees it leave before its own timer fires (or, on a starved machine, answers 504 first).
    const clientEnds = requestId('http-deadline-client');
    const gaveUp = await fetch(`${base}/v1/users/anyone`, {
      headers: { 'x-request-id': clientEnds, 'grpc-timeout': '400m', ...NEVER },
      signal: AbortSignal.timeout(330),
    }).catch((e: Error) => e);
    expect(gaveUp instanceof Response ? gaveUp.status : gaveUp.name).toMatch(/^(TimeoutError|504)$/);
    expect(await callLine(server, clientEnds)).toMatchObject({ method: 'GetUser', transport: 'http', code: 'DEADLINE_EXCEEDED' });
  });

  it('a failed call logs its message, and the peer in the same format as over gRPC', async () => {
    const id = requestId('http-missing');
    const answer = await fetch(`${base}/v1/users/missing`, { headers: { 'x-request-id': id } });
    expect(answer.status).toBe(404);
    expect(await callLine(server, id)).toMatchObject({
      code: 'NOT_FOUND',
      message: 'User missing not found',
      peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
    });
  });
});

it('names the stream quota identity of a caller without --authz the same way on both transports', async () => {
  const grpcId = requestId('grpc-identity');
  (await openWatch(grpcId, 30_000)).cancel();
  const httpId = requestId('http-identity');
  const feed = await openSse(base, '/v1/users:watch', { 'x-request-id': httpId });
  await feed.next();
  feed.close();
  const lines = [await callLine(server, grpcId), await callLine(server, httpId)];
  for (const line of lines) expect(line.identity).toBe(`peer ${line.peer}`);
  expect(lines.map((l) => l.peer)).toEqual([expect.stringMatching(/^127\.0\.0\.1:\d+$/), expect.stringMatching(/^127\.0\.0\.1:\d+$/)]);
});

// After the calls above: their counts are what this reads.
it('serves metrics promtool accepts, by method, transport and status name', async () => {
  await unary(client, 'GetUser', { id: 'missing' }).catch(() => undefined);
  await fetch(`${base}/v1/users?page_size=1`);
  const text = await (await fetch(`http://${metricsAddr}/metrics`)).text();
  const check = spawnSync(promtoolPath(), ['check', 'metrics'], { input: text, encoding: 'utf8' });
  expect({ status: check.status, stdout: check.stdout, stderr: check.stderr }).toEqual({ status: 0, stdout: '', stderr: '' });

  const all = samples(text);
  const calls = (labels: Record<string, string>) => sampleValue(all, 'usersvc_rpc_calls_total', labels);
  for (const transport of ['grpc', 'http']) {
    expect(calls({ method: 'WatchUsers', transport, code: 'CANCELLED' })).toBeGreaterThanOrEqual(1);
    expect(calls({ method: 'GetUser', transport, code: 'DEADLINE_EXCEEDED' })).toBeGreaterThanOrEqual(1);
    expect(calls({ method: 'GetUser', transport, code: 'NOT_FOUND' })).toBeGreaterThanOrEqual(1);
  }
  expect(calls({ method: 'WatchUsers', transport: 'grpc', code: 'DEADLINE_EXCEEDED' })).toBe(1);
  expect(calls({ method: 'CreateUser', transport: 'grpc', code: 'OK' })).toBe(1);
  expect(calls({ method: 'ListUsers', transport: 'http', code: 'OK' })).toBe(1);
  // Nobody went away as an outage, and no code is a bare number.
  expect(all.filter((s) => s.labels.code === 'UNAVAILABLE' || /^\d+$/.test(s.labels.code ?? ''))).toEqual([]);
  expect(sampleValue(all, 'usersvc_rpc_call_seconds_count', { method: 'GetUser', transport: 'http' })).toBeGreaterThanOrEqual(3);
  expect(sampleValue(all, 'usersvc_rpc_open_streams', { method: 'WatchUsers', transport: 'http' })).toBe(0);
});
