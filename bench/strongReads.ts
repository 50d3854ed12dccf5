import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient, unary, type Client } from '../client/userServiceClient';
import { percentiles, round } from './load/stats';

/**
 * What `users-consistency: strong` costs a GetUser: the same server and client, runs with and
 * without it alternated, one call at a time (latency) and many in flight (throughput, where Kafka
 * reads share one offsets request). `node dist/bench/strongReads.js [embedded|kafka] [calls]`.
 */
const backend = process.argv[2] === 'kafka' ? 'kafka' : 'embedded';
const calls = Number(process.argv[3] ?? 3000);
const ROUNDS = 3;
const IN_FLIGHT = 32;

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'usersvc-bench-strong-'));
  const kafka =
    backend === 'kafka' ? ['--log', 'kafka', '--brokers', process.env.KAFKA_BROKERS ?? '127.0.0.1:9092', '--kafka-prefix', `${path.basename(dir)}.`] : [];
  const child = spawn(
    process.execPath,
    [path.join(__dirname, '..', 'bin', 'usersvc.js'), 'serve', '--addr', '127.0.0.1:0', '--http-addr', '', '--data', dir, ...kafka],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const addr = await new Promise<string>((resolve) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (\S+?)"/.exec(out);
      if (match) resolve(match[1]);
    });
  });
  const client = createClient(addr);
  try {
    const { response } = await unary(client, 'CreateUser', { email: 'bench@strong.example', name: 'Bench' });
    await run(client, response.id, false, 1, 200); // warm-up
    await run(client, response.id, true, 1, 200);
    for (let r = 1; r <= ROUNDS; r++) {
      for (const strong of [false, true]) report(r, strong, 1, await run(client, response.id, strong, 1, calls));
      for (const strong of [false, true]) report(r, strong, IN_FLIGHT, await run(client, response.id, strong, IN_FLIGHT, calls));
    }
  } finally {
    client.close();
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `calls` GetUsers with `inFlight` at a time; the latency of each and the wall time of all. */
async function run(client: Client, id: string, strong: boolean, inFlight: number, total: number): Promise<{ samples: number[]; ms: number }> {
  const options = strong ? { metadata: { 'users-consistency': 'strong' } } : {};
  const samples: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next++ < total) {
      const t = performance.now();
      await unary(client, 'GetUser', { id }, options);
      samples.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { samples, ms: performance.now() - started };
}

function report(round_: number, strong: boolean, inFlight: number, { samples, ms }: { samples: number[]; ms: number }): void {
  const { p50, p99 } = percentiles(samples);
  console.log(
    JSON.stringify({
      backend,
      round: round_,
      consistency: strong ? 'strong' : 'local',
      inFlight,
      calls: samples.length,
      p50_ms: round(p50, 3),
      p99_ms: round(p99, 3),
      calls_per_s: Math.round((samples.length / ms) * 1000),
    }),
  );
}

void main();
