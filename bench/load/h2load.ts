import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { percentiles, round } from './stats';

export interface H2loadRun {
  url: string;
  requests: number;
  clients: number;
  /** Concurrent streams per client (HTTP/2); HTTP/1.1 has one. */
  streams: number;
  body?: Buffer;
  headers?: Record<string, string>;
  h1?: boolean;
}

export interface LoadResult {
  requests: number;
  failed: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
  /** Response body bytes per request (DATA frames, or HTTP/1.1 bodies). */
  bytesPerResponse: number;
  /** CPU the load generator itself used, ms per request: it must stay well below the server's. */
  loadCpuMsPerCall: number;
  latenciesMs: number[];
}

/**
 * Runs h2load (Debian's nghttp2-client), a C load generator much cheaper per request than any
 * Node client, and reads its own CPU from the shell that waited for it (/proc cutime+cstime).
 */
export async function h2load(run: H2loadRun): Promise<LoadResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'usersvc-h2load-'));
  try {
    const log = path.join(dir, 'requests.log');
    const args = ['-n', String(run.requests), '-c', String(run.clients), '-m', String(run.h1 ? 1 : run.streams), '--log-file', log];
    if (run.h1) args.push('--h1');
    if (run.body) {
      writeFileSync(path.join(dir, 'body'), run.body);
      args.push('-d', path.join(dir, 'body'));
    }
    for (const [key, value] of Object.entries(run.headers ?? {})) args.push('-H', `${key}: ${value}`);
    args.push(run.url);
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn('sh', ['-c', 'h2load "$@" && echo "cpu: $(cut -d" " -f16,17 /proc/$$/stat)"', 'sh', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`h2load exited ${code}:\n${text}`))));
    });
    const done = Number(/(\d+) succeeded/.exec(output)?.[1] ?? 0);
    const failed = Number(/(\d+) failed/.exec(output)?.[1] ?? 0) + Number(/(\d+) errored/.exec(output)?.[1] ?? 0);
    const seconds = Number(/finished in ([\d.]+)(m?s)/.exec(output)?.[1]) / (/finished in [\d.]+ms/.test(output) ? 1000 : 1);
    const data = Number(/\((\d+)\) data/.exec(output)?.[1] ?? 0);
    const [cutime, cstime] = (/cpu: (\d+) (\d+)/.exec(output) ?? ['', '0', '0']).slice(1).map(Number);
    const latenciesMs = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => Number(line.split('\t')[2]) / 1000);
    const { p50, p99 } = percentiles(latenciesMs);
    return {
      requests: done,
      failed,
      perSecond: Math.round(done / seconds),
      p50ms: p50,
      p99ms: p99,
      bytesPerResponse: round(data / Math.max(1, done), 1),
      loadCpuMsPerCall: round(((cutime + cstime) * 10) / Math.max(1, done), 4),
      latenciesMs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A protobuf message in gRPC's length-prefixed frame, as h2load must send it. */
export function grpcFrame(message: Buffer): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return frame;
}

export const GRPC_HEADERS = { 'content-type': 'application/grpc', te: 'trailers' };
