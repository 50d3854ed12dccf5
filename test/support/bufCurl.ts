import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../lib/packageRoot';

/** buf's CLI from the @bufbuild/buf dev dependency; a test that needs it fails without it. */
export function bufPath(): string {
  const buf = path.join(packageRoot(), 'node_modules', '.bin', 'buf');
  if (!existsSync(buf)) throw new Error(`${buf} is missing: install the dev dependencies (npm ci)`);
  return buf;
}

export interface BufCurlResult {
  /** 0, or the gRPC code shifted left by three (buf curl's convention), or < 8 for a usage error. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `buf curl` over plaintext gRPC with the schema from server reflection only (as a person
 * would against a server they have no .proto files of); `stdin` feeds `-d @-`.
 */
export function bufCurl(args: string[], stdin = ''): Promise<BufCurlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bufPath(), ['curl', '--reflect', '--protocol', 'grpc', '--http2-prior-knowledge', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** The messages buf curl printed: indented JSON documents, each starting at a line's first column. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON messages of any shape, read by path in the tests
export function jsonMessages(stdout: string): Array<Record<string, any>> {
  return stdout
    .split(/\n(?=\{)/)
    .filter((text) => text.trim() !== '')
    .map((text) => JSON.parse(text) as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON messages of any shape, read by path in the tests
}
