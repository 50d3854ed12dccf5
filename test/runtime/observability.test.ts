import * as grpc from '@grpc/grpc-js';
import { createClient, unary } from '../../client/userServiceClient';
import { EmbeddedLog } from '../../events/embedded/embeddedLog';
import { COMMANDS, EVENTS, type LogRecord } from '../../events/eventLog';
import { readToEnd } from '../../events/readToEnd';
import { Cursor } from '../../lib/cursor';
import { callLine, sampleValue, samples } from '../support/serverLogs';
import { removeDir, startServer, tempDir } from '../support/serverProcess';

async function readAll(log: EmbeddedLog, topic: string): Promise<LogRecord[]> {
  const records: LogRecord[] = [];
  await readToEnd(log, topic, Cursor.empty, (batch) => records.push(...batch.records));
  return records;
}

describe('observability', () => {
  it('logs each call as JSON with its request id and trace, and serves Prometheus metrics', async () => {
    const dir = tempDir('metrics');
    const server = await startServer(dir, ['--metrics-addr', '127.0.0.1:0', '--log-level', 'debug']);
    const metricsAddr = /"metrics":"([^"]+)"/.exec(server.output())![1];
    const client = createClient(server.addr);
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const { response: created, trailers } = await unary(
      client,
      'CreateUser',
      { email: 'o@example.com', name: 'O' },
      { metadata: { 'x-request-id': 'req-42', traceparent } },
    );
    expect(trailers.get('x-request-id')).toEqual(['req-42']);
    const failed = (await unary(client, 'GetUser', { id: 'missing' }).catch((error: grpc.ServiceError) => error)) as grpc.ServiceError;
    expect(failed.code).toBe(grpc.status.NOT_FOUND);
    // A request id the server made up goes back with a failure, so it can be found in the logs; not with every answer.
    const [madeUp] = failed.metadata.get('x-request-id');
    expect(madeUp).toMatch(/^[\w-]{21}$/);
    expect((await unary(client, 'GetUser', { id: created.id })).trailers.get('x-request-id')).toEqual([]);

    const text = await (await fetch(`http://${metricsAddr}/metrics`)).text();
    const all = samples(text);
    expect(sampleValue(all, 'usersvc_rpc_calls_total', { method: 'CreateUser', transport: 'grpc', code: 'OK' })).toBe(1);
    expect(sampleValue(all, 'usersvc_rpc_calls_total', { method: 'GetUser', transport: 'grpc', code: 'NOT_FOUND' })).toBe(1);
    expect(sampleValue(all, 'usersvc_rpc_calls_total', { method: 'GetUser', transport: 'grpc', code: 'OK' })).toBe(1);
    expect(sampleValue(all, 'usersvc_rpc_call_seconds_count', { method: 'CreateUser', transport: 'grpc' })).toBe(1);
    expect(sampleValue(all, 'usersvc_log_append_seconds_count', {})).toBeGreaterThan(0);
    expect(sampleValue(all, 'usersvc_projector_lag_events', {})).toBe(0);
    expect(sampleValue(all, 'usersvc_decider_lag_commands', {})).toBe(0);
    expect(text).toMatch(/^# TYPE usersvc_rpc_open_streams gauge$/m);

    client.close();
    expect(await server.stop()).toBe(0);
    // The trace context travelled with the write: on its command and on its event.
    const log = EmbeddedLog.open(dir);
    const [command] = (await readAll(log, COMMANDS)).filter((r) => r.headers?.traceparent);
    const [event] = (await readAll(log, EVENTS)).filter((r) => r.headers?.traceparent);
    await log.close();
    expect([command?.headers?.traceparent, event?.headers?.traceparent]).toEqual([traceparent, traceparent]);
    const line = server
      .output()
      .split('\n')
      .find((l) => l.includes('"request_id":"req-42"'));
    expect(JSON.parse(line!)).toMatchObject({
      level: 'debug',
      msg: 'call',
      method: 'CreateUser',
      transport: 'grpc',
      code: 'OK',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
    });
    expect(await callLine(server, String(madeUp))).toMatchObject({ level: 'info', method: 'GetUser', code: 'NOT_FOUND', message: 'User missing not found' });
    removeDir(dir);
  });
});
