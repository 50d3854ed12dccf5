import * as grpc from '@grpc/grpc-js';
import { createClient, unary } from '../../client/userServiceClient';
import { KAFKA_BROKERS, uniquePrefix } from '../support/kafka';
import { sampleValue, samples } from '../support/serverLogs';
import { removeDir, startServer, tempDir, type ServerProcess } from '../support/serverProcess';

/** GetUser calls a server answered, from its Prometheus endpoint. */
async function getUserCalls(server: ServerProcess): Promise<number> {
  const metrics = /"metrics":"([^"]+)"/.exec(server.output())![1];
  const text = await (await fetch(`http://${metrics}/metrics`)).text();
  return sampleValue(samples(text), 'usersvc_rpc_calls_total', { method: 'GetUser', transport: 'grpc', code: 'OK' }) ?? 0;
}

describe('three replicas behind round_robin', () => {
  const prefix = uniquePrefix('lb');
  const dirs = [0, 1, 2].map((i) => tempDir(`lb-${i}`));
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    for (const dir of dirs)
      servers.push(await startServer(dir, ['--log', 'kafka', '--brokers', KAFKA_BROKERS.join(','), '--kafka-prefix', prefix, '--metrics-addr', '127.0.0.1:0']));
  });

  afterAll(async () => {
    for (const server of servers) await server.stop();
    dirs.forEach(removeDir);
  });

  it('spreads calls evenly, and keeps succeeding when one replica is killed mid-load', async () => {
    const client = createClient(`ipv4:${servers.map((s) => s.addr).join(',')}`);
    const { response: user, trailers } = await unary(client, 'CreateUser', { email: 'lb@example.com', name: 'LB', request_id: 'lb-seed' });
    const cursor = { 'users-min-cursor': String(trailers.get('users-cursor')[0]) };

    // Even spread: 300 reads over three replicas.
    for (let i = 0; i < 300; i += 10) await Promise.all(Array.from({ length: 10 }, () => unary(client, 'GetUser', { id: user.id }, { metadata: cursor })));
    const counts = await Promise.all(servers.map(getUserCalls));
    process.stderr.write(`round_robin: GetUser calls per replica ${counts.join(', ')}\n`);
    for (const count of counts) expect(count).toBeGreaterThanOrEqual(80);

    // Kill one mid-load: reads are retried by the channel, writes with a request_id by the client.
    const failures: string[] = [];
    let done = 0;
    const load = Array.from({ length: 8 }, async (_, worker) => {
      for (let i = 0; i < 40; i++) {
        const method = i % 2 === 0 ? 'GetUser' : 'CreateUser';
        const call =
          method === 'GetUser'
            ? unary(client, method, { id: user.id }, { metadata: cursor })
            : unary(client, method, { email: `lb-${worker}-${i}@example.com`, name: 'LB', request_id: `lb-${worker}-${i}` }, { timeoutMs: 20_000 });
        // Which call failed, and how: a failure here is read from CI logs.
        await call.then(
          () => done++,
          (error: grpc.ServiceError) => failures.push(`${method} ${grpc.status[error.code]}: ${error.details}`),
        );
      }
    });
    while (done < 60) await new Promise((r) => setTimeout(r, 5));
    servers[1].child.kill('SIGKILL');
    await Promise.all(load);
    expect(failures).toEqual([]);
    expect(done).toBe(320);
    client.close();
  });
});
