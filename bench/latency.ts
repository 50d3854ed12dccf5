/**
 * Measures how fast we are, within reach of the stack's own limit:
 * - bare grpc-js: an echo server answering the same `User` message (the baseline, same run);
 * - CreateUser (a durable write: append, decide, project, answer) at 1 and 64 concurrent clients;
 * - GetUser at 64 concurrent clients;
 * - rebuild: replaying every event into fresh views (events/s).
 * Prints a progress line per step and a Markdown table; writes bench/results/latency.json.
 *
 *   npm run bench:latency -- [--calls 3000] [--log embedded|kafka] [--brokers 127.0.0.1:9092]
 */
import * as grpc from '@grpc/grpc-js';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createClient, unary, type Client } from '../client/userServiceClient';
import { packageRoot } from '../lib/packageRoot';
import { SERVICE_NAME, grpcDefinition } from '../proto/schema';
import { removeDir, runCli, startServer, tempDir } from '../test/support/serverProcess';

interface Result {
  name: string;
  concurrency: number;
  calls: number;
  p50ms: number;
  p99ms: number;
  perSecond: number;
}

const { values } = parseArgs({ options: { calls: { type: 'string', default: '3000' }, log: { type: 'string', default: 'embedded' }, brokers: { type: 'string', default: '127.0.0.1:9092' } } });
const CALLS = Number(values.calls);
const LOG = values.log as string;
const logArgs = LOG === 'kafka' ? ['--log', 'kafka', '--brokers', values.brokers as string, '--kafka-prefix', `bench-${Date.now()}.`] : [];

async function measure(name: string, concurrency: number, call: (i: number) => Promise<unknown>): Promise<Result> {
  process.stderr.write(`bench: ${name} x${CALLS} at concurrency ${concurrency}...\n`);
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < CALLS) {
        const i = next++;
        const t = process.hrtime.bigint();
        await call(i);
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Number(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(2));
  return { name, concurrency, calls: CALLS, p50ms: at(0.5), p99ms: at(0.99), perSecond: Math.round(CALLS / seconds) };
}

/** The baseline: grpc-js answering the same message type with no work at all. */
async function bareEcho(): Promise<{ addr: string; close: () => void }> {
  const server = new grpc.Server();
  const service = grpcDefinition()[SERVICE_NAME] as grpc.ServiceDefinition;
  const user = { id: 'x'.repeat(21), email: 'bench@example.com', name: 'Bench', plan: 2, created_at: { seconds: 1, nanos: 0 }, updated_at: { seconds: 1, nanos: 0 }, version: 1 };
  const echo: grpc.handleUnaryCall<unknown, unknown> = (_call, callback) => callback(null, user);
  server.addService(service, { GetUser: echo, CreateUser: echo } as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { addr: `127.0.0.1:${port}`, close: () => server.forceShutdown() };
}

async function main(): Promise<void> {
  const results: Result[] = [];
  const bare = await bareEcho();
  const bareClient = createClient(bare.addr);
  const request = (i: number) => ({ email: `bench-${i}-${Date.now()}@example.com`, name: `Bench ${i}`, plan: 2 });
  for (const c of [1, 64]) results.push(await measure('bare grpc-js unary (echo)', c, (i) => unary(bareClient, 'CreateUser', request(i))));
  bareClient.close();
  bare.close();

  const dir = tempDir('bench');
  const server = await startServer(dir, logArgs);
  const client: Client = createClient(server.addr);
  const ids: string[] = [];
  let round = 0;
  for (const c of [1, 64]) {
    round++;
    results.push(await measure('CreateUser (durable write)', c, async (i) => ids.push((await unary(client, 'CreateUser', { ...request(i), email: `r${round}-${i}@bench.example` })).response.id)));
  }
  results.push(await measure('GetUser', 64, (i) => unary(client, 'GetUser', { id: ids[i % ids.length] })));
  client.close();
  await server.stop();

  process.stderr.write('bench: rebuild (replay every event)...\n');
  const t = Date.now();
  const rebuilt = await runCli(['rebuild', '--data', dir, ...logArgs]);
  const replaySeconds = (Date.now() - t) / 1000;
  const viewLine = rebuilt.stderr.trim().split('\n').pop() ?? '';
  const events = Number(/(\d+) events applied/.exec(viewLine)?.[1] ?? 0);
  const replayRate = Number(/(\d+) events\/s/.exec(viewLine)?.[1] ?? 0);
  removeDir(dir);

  const baseline = (c: number) => results.find((r) => r.name.startsWith('bare') && r.concurrency === c)!.perSecond;
  const rows = results.map((r) => `| ${r.name} | ${r.concurrency} | ${r.p50ms} | ${r.p99ms} | ${r.perSecond} | ${(r.perSecond / baseline(r.concurrency)).toFixed(2)}x |`);
  const table = [
    '| call | clients | p50 ms | p99 ms | calls/s | vs bare grpc-js |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `rebuild: ${events} events replayed into the view at ${replayRate} events/s (the whole command, both views and process start: ${replaySeconds.toFixed(2)} s)`,
  ].join('\n');
  process.stdout.write(`log: ${LOG}\n${table}\n`);
  const out = path.join(packageRoot(), 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, `latency-${LOG}.json`), JSON.stringify({ log: LOG, results, rebuild: { events, eventsPerSecond: replayRate, commandSeconds: replaySeconds } }, null, 2));
}

void main();
