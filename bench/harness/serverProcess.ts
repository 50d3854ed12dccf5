import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../lib/packageRoot';

/** The built CLI; USERSVC_CLI names another build (bench/readRatios.ts compares two builds that way). */
export const CLI = process.env.USERSVC_CLI ?? path.join(packageRoot(), 'dist', 'bin', 'usersvc.js');

/** A fresh, unique data directory; removed by `removeDir`. */
export function tempDir(label: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `usersvc-${label}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The flags that put a server (or `usersvc rebuild`) on the log this test run is about: the
 * embedded default, or Kafka when the "kafka" jest project runs. The Kafka prefix comes from the
 * data directory, so a restart on the same directory finds the same topics, and no two tests share any.
 */
export function backendArgs(dataDir: string): string[] {
  if (process.env.USERSVC_TEST_LOG !== 'kafka') return [];
  return ['--log', 'kafka', '--brokers', process.env.KAFKA_BROKERS ?? '127.0.0.1:9092', '--kafka-prefix', `${path.basename(dataDir)}.`];
}

export interface ServerProcess {
  addr: string;
  /** The REST gateway's host:port (on a free port of its own). */
  httpAddr: string;
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code (or the signal that ended it) whenever the process ends. */
  exited: Promise<number | string>;
  /** Sends a signal and resolves with the exit code (or the signal that ended it). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/**
 * Starts the real server (the built CLI) as a child process and waits for its `listening` line.
 * `nodeArgs` go to node itself, before the script (V8 flags).
 */
export async function startServer(dataDir: string, extraArgs: string[] = [], nodeArgs: string[] = []): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [...nodeArgs, CLI, 'serve', '--addr', '127.0.0.1:0', '--http-addr', '127.0.0.1:0', '--data', dataDir, ...backendArgs(dataDir), ...extraArgs],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const addr = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // never leave a half-started server behind
      reject(new Error(`server did not start in 20 s:\n${output}`));
    }, 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (\S+?)"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening:\n${output}`));
    });
  });
  const httpAddr = /"http":"([^"]+)"/.exec(output)?.[1] ?? '';
  return {
    addr,
    httpAddr,
    child,
    output: () => output,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs the CLI to completion; resolves with its exit code and output. */
export function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
